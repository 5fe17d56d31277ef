/* model.c - the model-type registry (see model.h). */
#include "core/model.h"

#include <string.h>

static model_loader loaders[MODEL_TYPE_COUNT];

const char *model_type_name(model_type type) {
    switch (type) {
    case MODEL_TYPE_TENSORFLOW: return "TENSORFLOW";
    case MODEL_TYPE_PMML: return "PMML";
    case MODEL_TYPE_TENSORFLOW_SAVED: return "TENSORFLOWSAVED";
    default: return "UNKNOWN";
    }
}

void model_register(model_type type, model_loader loader) {
    if ((unsigned)type < MODEL_TYPE_COUNT) loaders[type] = loader;
}

const char *model_source_param(const model_source *src, const char *key) {
    for (size_t i = 0; i < src->nparams; i++)
        if (strcmp(src->params[i].key, key) == 0) return src->params[i].value;
    return NULL;
}

model *model_load(model_type type, const model_source *src,
                  const ms_schema *schema, ms_error *err) {
    if ((unsigned)type >= MODEL_TYPE_COUNT || !loaders[type]) {
        ms_error_set(err, "no loader for model type %d (%s)", (int)type,
                     model_type_name(type));
        return NULL;
    }
    return loaders[type](src, schema, err);
}

void model_free(model *m) {
    if (m) m->ops->destroy(m);
}
