/* formats.c - registers every compiled-in model format (see formats.h). */
#include "formats/formats.h"

#include "core/model.h"
#include "pmml/pmml.h"
#include "tf/tf.h"

/* PMML is one document: a directory is not a PMML model. */
static model *load_pmml(const model_source *src, const ms_schema *schema,
                        ms_error *err) {
    if (!src->bytes) {
        ms_error_set(err, "a PMML model is a file, not the directory '%s'",
                     src->dir ? src->dir : "");
        return NULL;
    }
    return pmml_load(src->bytes, src->len, schema, err);
}

void formats_register_all(void) {
    model_register(MODEL_TYPE_PMML, load_pmml);
    model_register(MODEL_TYPE_TENSORFLOW, tf_load_graph);
    model_register(MODEL_TYPE_TENSORFLOW_SAVED, tf_load_saved);
}
