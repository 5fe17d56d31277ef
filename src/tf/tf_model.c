/*
 * tf_model.c - TensorFlow graphs as models (see tf.h, tf_model.h).
 *
 * Binding happens once: each input element gets a schema slot, by position
 * or from the `features` parameter. Scoring writes the record into the
 * input buffer in scratch as float32, runs the plan and reads the output
 * value wherever the plan put it; nothing is allocated.
 */
#include "tf/tf_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tf/tf.h"

#define MAX_OUTPUTS 65536   /* classes a vector output may have */

enum { MODE_ARGMAX, MODE_VECTOR, MODE_SCALAR };

typedef struct tf_model {
    model head;
    tf_plan *plan;
    int *slots;      /* per input element, its schema slot */
    size_t nin;
    size_t nout;
    int mode;
    char **labels;
    char *label_text;
} tf_model;

static const model_ops tf_model_ops;

size_t tf_model_input_width(const model *m) {
    return m && m->ops == &tf_model_ops ? ((const tf_model *)m)->nin : 0;
}

static double output_at(const tf_value *v, const void *data, size_t i) {
    switch (v->dtype) {
    case TF_FLOAT: return ((const float *)data)[i];
    case TF_INT32: return ((const int32_t *)data)[i];
    case TF_INT64: return (double)((const int64_t *)data)[i];
    default: return ((const uint8_t *)data)[i];
    }
}

static int tf_score(const model *m, const double *x, void *scratch,
                    model_output *out, ms_error *err) {
    const tf_model *t = (const tf_model *)m;
    const tf_plan *p = t->plan;
    if (t->nin) {
        unsigned char *in = (unsigned char *)scratch + p->values[p->input].offset;
        for (size_t i = 0; i < t->nin; i++) {
            double v = x[t->slots[i]];
            if (isnan(v))
                return ms_error_set(err, "TensorFlow: no prediction (input "
                                         "value %zu is missing)", i);
            float f = (float)v;   /* the input is a float tensor */
            memcpy(in + i * sizeof f, &f, sizeof f);
        }
    }
    tf_plan_run(p, scratch);
    const tf_value *ov = &p->values[p->output];
    const void *od = tf_plan_data(p, p->output, scratch);
    if (t->mode == MODE_SCALAR) {
        out->label_index = -1;
        out->value = output_at(ov, od, 0);
        if (isnan(out->value))
            return ms_error_set(err, "TensorFlow: the output is not a "
                                     "number");
        return 0;
    }
    int best = -1;
    double bv = 0;
    for (size_t i = 0; i < t->nout; i++) {
        double v = output_at(ov, od, i);
        if (out->probabilities) out->probabilities[i] = v;
        if (!isnan(v) && (best < 0 || v > bv)) {
            best = (int)i;
            bv = v;
        }
    }
    if (best < 0)
        return ms_error_set(err, "TensorFlow: every output is NaN");
    out->label_index = best;
    out->value = t->mode == MODE_ARGMAX ? best : bv;
    return 0;
}

static void tf_destroy(model *m) {
    tf_model *t = (tf_model *)m;
    tf_plan_free(t->plan);
    free(t->slots);
    free(t->labels);
    free(t->label_text);
    free(t);
}

static const model_ops tf_model_ops = {.score = tf_score,
                                       .destroy = tf_destroy};

/* Input element i <- the i-th name of `features`, or schema slot i. */
static int bind_inputs(tf_model *t, const model_source *src,
                       const ms_schema *schema, ms_error *err) {
    const char *features = model_source_param(src, "features");
    t->slots = calloc(t->nin + 1, sizeof *t->slots);
    if (!t->slots) return ms_error_set(err, "out of memory");
    if (!features) {
        size_t have = atomic_load(&schema->nfields);
        if (have < t->nin)
            return ms_error_set(err, "the input takes %zu values but data "
                                     "type '%s' has %zu fields; name them "
                                     "with the features parameter", t->nin,
                                schema->data_type, have);
        for (size_t i = 0; i < t->nin; i++) t->slots[i] = (int)i;
        return 0;
    }
    char *list = strdup(features), *save = NULL;
    if (!list) return ms_error_set(err, "out of memory");
    size_t n = 0;
    int rc = 0;
    for (char *tok = strtok_r(list, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        char *end = tok + strlen(tok);
        while (end > tok && end[-1] == ' ') *--end = '\0';
        if (n >= t->nin) {
            n++;
            continue;
        }
        int slot = ms_schema_slot(schema, tok);
        if (slot < 0) {
            rc = ms_error_set(err, "feature '%s' is not a field of data type "
                                   "'%s'", tok, schema->data_type);
            break;
        }
        t->slots[n++] = slot;
    }
    free(list);
    if (rc == 0 && n != t->nin)
        rc = ms_error_set(err, "features names %zu fields, the input takes "
                               "%zu values", n, t->nin);
    return rc;
}

static int make_labels(tf_model *t, ms_error *err) {
    t->labels = calloc(t->nout, sizeof *t->labels);
    t->label_text = malloc(t->nout * 8);
    if (!t->labels || !t->label_text) return ms_error_set(err, "out of memory");
    for (size_t i = 0; i < t->nout; i++) {
        t->labels[i] = t->label_text + i * 8;
        snprintf(t->labels[i], 8, "%u", (unsigned)i);   /* i < MAX_OUTPUTS */
    }
    t->head.nclasses = t->nout;
    t->head.class_labels = (const char *const *)t->labels;
    return 0;
}

static int pick_mode(tf_model *t, const model_source *src, ms_error *err) {
    const char *mode = model_source_param(src, "output_mode");
    if (!mode) t->mode = t->nout == 1 ? MODE_SCALAR : MODE_ARGMAX;
    else if (strcmp(mode, "argmax") == 0) t->mode = MODE_ARGMAX;
    else if (strcmp(mode, "vector") == 0) t->mode = MODE_VECTOR;
    else if (strcmp(mode, "scalar") == 0) t->mode = MODE_SCALAR;
    else
        return ms_error_set(err, "output_mode '%s' is none of argmax, "
                                 "vector, scalar", mode);
    if (t->mode == MODE_SCALAR && t->nout != 1)
        return ms_error_set(err, "output_mode scalar needs one output value, "
                                 "the output has %zu", t->nout);
    if (t->mode != MODE_SCALAR && t->nout > MAX_OUTPUTS)
        return ms_error_set(err, "the output has %zu values, more than the "
                                 "%d classes supported", t->nout,
                            MAX_OUTPUTS);
    return t->mode == MODE_SCALAR ? 0 : make_labels(t, err);
}

int tf_model_input_shape(const model_source *src, tf_plan_spec *spec,
                         ms_error *err) {
    const char *text = model_source_param(src, "input_shape");
    spec->input_rank = -1;
    if (!text) return 0;
    int rank = 0;
    const char *s = text;
    while (*s) {
        char *end;
        long long d = strtoll(s, &end, 10);
        if (end == s || rank == TF_MAX_RANK || d < -1)
            return ms_error_set(err, "TensorFlow: input_shape '%s' is not "
                                     "dims like 1,11", text);
        spec->input_dims[rank++] = d;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return ms_error_set(err, "TensorFlow: input_shape '%s' is not "
                                     "dims like 1,11", text);
    }
    spec->input_rank = rank;
    return 0;
}

model *tf_model_build(const Tensorflow__GraphDef *def,
                      const tf_plan_spec *spec, const model_source *src,
                      const ms_schema *schema, ms_error *err) {
    tf_model *t = calloc(1, sizeof *t);
    if (!t) {
        ms_error_set(err, "out of memory");
        return NULL;
    }
    t->head.ops = &tf_model_ops;
    t->head.type = MODEL_TYPE_TENSORFLOW;
    if (!(t->plan = tf_plan_build(def, spec, err))) goto fail;
    const tf_plan *p = t->plan;
    t->nin = p->input >= 0 ? (size_t)p->values[p->input].count : 0;
    t->nout = (size_t)p->values[p->output].count;
    if (t->nout == 0) {
        ms_error_set(err, "the output has no values");
        goto fail;
    }
    if (bind_inputs(t, src, schema, err) < 0 || pick_mode(t, src, err) < 0)
        goto fail;
    t->head.scratch_size = p->scratch_size;
    return &t->head;
fail:
    ms_error_prefix(err, "TensorFlow");
    tf_destroy(&t->head);
    return NULL;
}

model *tf_load_graph(const model_source *src, const ms_schema *schema,
                     ms_error *err) {
    if (!src->bytes) {
        ms_error_set(err, "TensorFlow: a frozen graph is a file, not the "
                          "directory '%s' (a SavedModel is type "
                          "TENSORFLOWSAVED)", src->dir ? src->dir : "");
        return NULL;
    }
    Tensorflow__GraphDef *def =
        tensorflow__graph_def__unpack(NULL, src->len, src->bytes);
    if (!def) {
        ms_error_set(err, "TensorFlow: not a GraphDef (the protobuf is "
                          "malformed or truncated)");
        return NULL;
    }
    tf_plan_spec spec = {.input = model_source_param(src, "input"),
                         .output = model_source_param(src, "output")};
    if (tf_model_input_shape(src, &spec, err) < 0) {
        tensorflow__graph_def__free_unpacked(def, NULL);
        return NULL;
    }
    model *m = tf_model_build(def, &spec, src, schema, err);
    tensorflow__graph_def__free_unpacked(def, NULL);
    return m;
}
