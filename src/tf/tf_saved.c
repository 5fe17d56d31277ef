/* tf_saved.c - SavedModels (see tf.h); placeholder until the loader lands. */
#include "tf/tf.h"

model *tf_load_saved(const model_source *src, const ms_schema *schema,
                     ms_error *err) {
    (void)src;
    (void)schema;
    ms_error_set(err, "TensorFlow: SavedModels are not supported yet");
    return NULL;
}
