/* model.c - the model-type registry (see model.h). */
#include "core/model.h"

static model_loader loaders[MODEL_TYPE_COUNT];

const char *model_type_name(model_type type) {
    switch (type) {
    case MODEL_TYPE_TENSORFLOW: return "TENSORFLOW";
    case MODEL_TYPE_PMML: return "PMML";
    default: return "UNKNOWN";
    }
}

void model_register(model_type type, model_loader loader) {
    if ((unsigned)type < MODEL_TYPE_COUNT) loaders[type] = loader;
}

model *model_load(model_type type, const void *bytes, size_t len,
                  const ms_schema *schema, ms_error *err) {
    if ((unsigned)type >= MODEL_TYPE_COUNT || !loaders[type]) {
        ms_error_set(err, "no loader for model type %d (%s)", (int)type,
                     model_type_name(type));
        return NULL;
    }
    return loaders[type](bytes, len, schema, err);
}

void model_free(model *m) {
    if (m) m->ops->destroy(m);
}
