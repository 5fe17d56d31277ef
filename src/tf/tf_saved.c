/*
 * tf_saved.c - SavedModels (see tf.h): saved_model.pb's MetaGraphDef and
 * SignatureDef say which graph, input and output to serve; the variables
 * come from the TensorBundle in variables/ and are bound to the graph's
 * variable nodes by name; the planner then prunes everything the
 * signature's output does not need (the training and saving ops).
 */
#include <stdlib.h>
#include <string.h>

#include "tf/tf.h"
#include "tf/tf_bundle.h"
#include "tf/tf_files.h"
#include "tf/tf_model.h"

static int has_tag(const Tensorflow__MetaGraphDef *mg, const char *tag) {
    if (!mg->meta_info_def) return 0;
    for (size_t i = 0; i < mg->meta_info_def->n_tags; i++)
        if (strcmp(mg->meta_info_def->tags[i], tag) == 0) return 1;
    return 0;
}

static const Tensorflow__MetaGraphDef *pick_graph(
    const Tensorflow__SavedModel *sm, const model_source *src, ms_error *err) {
    const char *tag = model_source_param(src, "tag");
    for (size_t i = 0; i < sm->n_meta_graphs; i++)
        if (has_tag(sm->meta_graphs[i], tag ? tag : "serve"))
            return sm->meta_graphs[i];
    if (!tag && sm->n_meta_graphs) return sm->meta_graphs[0];
    ms_error_set(err, "the SavedModel has no MetaGraph tagged '%s'",
                 tag ? tag : "serve");
    return NULL;
}

static const Tensorflow__SignatureDef *pick_signature(
    const Tensorflow__MetaGraphDef *mg, const model_source *src,
    ms_error *err) {
    const char *want = model_source_param(src, "signature");
    for (size_t i = 0; i < mg->n_signature_def; i++)
        if (strcmp(mg->signature_def[i]->key,
                   want ? want : "serving_default") == 0)
            return mg->signature_def[i]->value;
    if (!want && mg->n_signature_def == 1) return mg->signature_def[0]->value;
    ms_error_set(err, "the SavedModel has %zu signatures and none is '%s'%s",
                 mg->n_signature_def, want ? want : "serving_default",
                 want ? "" : ": name one with the signature parameter");
    return NULL;
}

/* The signature's tensor for a key or tensor name (want), or its only one. */
static const Tensorflow__TensorInfo *pick_tensor(
    Tensorflow__SignatureDef__TensorInfoEntry **list, size_t n,
    const char *want, const char *what, ms_error *err) {
    for (size_t i = 0; want && i < n; i++)
        if (list[i]->value && (strcmp(list[i]->key, want) == 0 ||
                               strcmp(list[i]->value->name, want) == 0))
            return list[i]->value;
    if (!want && n == 1 && list[0]->value) return list[0]->value;
    ms_error_set(err, "the signature has %zu %ss%s%s%s", n, what,
                 want ? " and none is '" : ": name one with the ",
                 want ? want : what, want ? "'" : " parameter");
    return NULL;
}

static int variable(void *ctx, const char *name, tf_value *v, void **data,
                    ms_error *err) {
    if (!ctx)
        return ms_error_set(err, "variable '%s' has no value: the SavedModel "
                                 "has no variables/ checkpoint", name);
    return tf_bundle_get(ctx, name, v, data, err);
}

static model *load_files(const tf_files *files, const model_source *src,
                         const ms_schema *schema, ms_error *err) {
    uint8_t *pb;
    size_t len;
    if (tf_files_read(files, "saved_model.pb", &pb, &len, err) < 0)
        return NULL;
    Tensorflow__SavedModel *sm = tensorflow__saved_model__unpack(NULL, len, pb);
    free(pb);
    if (!sm) {
        ms_error_set(err, "saved_model.pb is not a SavedModel (the protobuf "
                          "is malformed or truncated)");
        return NULL;
    }
    model *m = NULL;
    tf_bundle *bundle = NULL;
    const Tensorflow__MetaGraphDef *mg = pick_graph(sm, src, err);
    const Tensorflow__SignatureDef *sig = mg ? pick_signature(mg, src, err) : NULL;
    const Tensorflow__TensorInfo *in = NULL, *out = NULL;
    if (sig) {
        in = pick_tensor(sig->inputs, sig->n_inputs,
                         model_source_param(src, "input"), "input", err);
        out = in ? pick_tensor(sig->outputs, sig->n_outputs,
                               model_source_param(src, "output"), "output", err)
                 : NULL;
    }
    tf_plan_spec spec = {.variable = variable};
    if (!out || !mg->graph_def || tf_model_input_shape(src, &spec, err) < 0) {
        if (out && !mg->graph_def)
            ms_error_set(err, "the MetaGraph has no graph");
        goto done;
    }
    spec.input = in->name;
    spec.output = out->name;
    if (spec.input_rank < 0 && in->tensor_shape &&
        tf_shape_proto(in->tensor_shape, spec.input_dims, &spec.input_rank,
                       NULL) < 0)
        spec.input_rank = -1;
    uint8_t *probe;
    size_t probe_len;
    ms_error ignored;
    /* A graph without variables has no checkpoint: that is fine until a
     * variable node is needed. */
    if (tf_files_read(files, "variables/variables.index", &probe, &probe_len,
                      &ignored) == 0) {
        free(probe);
        if (!(bundle = tf_bundle_open(files, "variables/variables", err)))
            goto done;
    }
    spec.ctx = bundle;
    m = tf_model_build(mg->graph_def, &spec, src, schema, err);
    if (m) m->type = MODEL_TYPE_TENSORFLOW_SAVED;
done:
    tf_bundle_free(bundle);
    tensorflow__saved_model__free_unpacked(sm, NULL);
    return m;
}

model *tf_load_saved(const model_source *src, const ms_schema *schema,
                     ms_error *err) {
    tf_files files;
    if (src->bytes) {
        if (tf_files_tar(&files, src->bytes, src->len, err) < 0) {
            ms_error_prefix(err, "TensorFlow SavedModel");
            return NULL;
        }
    } else {
        tf_files_dir(&files, src->dir);
    }
    model *m = load_files(&files, src, schema, err);
    if (!m && strncmp(err->msg, "TensorFlow", 10) != 0)
        ms_error_prefix(err, "TensorFlow SavedModel");
    tf_files_free(&files);
    return m;
}
