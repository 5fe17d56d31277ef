/*
 * pmml_neural.c - NeuralNetwork (classification and regression): compiler
 * and scorer.
 *
 * Every neuron, input ones included, gets an index into one array of
 * activations, in document order, so a Con is an (index, weight) pair and
 * a layer is a range of neurons; the activations live in scratch. A Con
 * may only name a neuron defined before it, which makes the network
 * feed-forward by construction.
 *
 * Inputs are a field as it is (FieldRef), NormContinuous or NormDiscrete
 * (1 when the field equals the value). Each layer applies its activation
 * function (the network's unless overridden, with threshold, width and
 * altitude likewise) and then its normalizationMethod (none, simplemax,
 * softmax). Outputs: for a classifier, one NormDiscrete neuron per class
 * label, whose activation is that label's probability; for a regression,
 * one neuron read as is (FieldRef) or through NormContinuous backwards.
 *
 * A missing input that no mapMissingTo covers means no prediction.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum activation {
    ACT_THRESHOLD, ACT_LOGISTIC, ACT_TANH, ACT_IDENTITY, ACT_EXPONENTIAL,
    ACT_RECIPROCAL, ACT_SQUARE, ACT_GAUSS, ACT_SINE, ACT_COSINE, ACT_ELLIOTT,
    ACT_ARCTAN, ACT_RECTIFIER, ACT_RADIAL_BASIS
};
static const char *const activations[] = {
    "threshold", "logistic", "tanh", "identity", "exponential", "reciprocal",
    "square", "Gauss", "sine", "cosine", "Elliott", "arctan", "rectifier",
    "radialBasis", NULL};
static const char *const layer_norms[] = {"none", "simplemax", "softmax",
                                          NULL};

enum { CLASSIFICATION, REGRESSION };
enum { IN_FIELD, IN_NORM_CONTINUOUS, IN_NORM_DISCRETE };

typedef struct nn_input {
    int kind;
    int32_t slot;
    double value;           /* NormDiscrete: the category */
    double missing_to;      /* NormDiscrete: mapMissingTo, NaN if none */
    pmml_normcont norm;
    const char *field;      /* for messages; lives in names */
} nn_input;

typedef struct nn_neuron {
    double bias, width, altitude;
    uint32_t first, count;  /* Cons: from[first..], weight[first..] */
} nn_neuron;

typedef struct nn_layer {
    uint32_t first, count;  /* neurons (indexes into the activations) */
    int activation, norm;
    double threshold;
} nn_layer;

typedef struct neural_model {
    model base;
    int function;
    nn_input *inputs;
    size_t ninputs, capinputs;
    nn_neuron *neurons;     /* indexed by activation index - ninputs */
    size_t nneurons, capneurons;
    uint32_t *from;
    double *weight;
    size_t ncons, capcons, capweights;
    nn_layer *layers;
    size_t nlayers, caplayers;
    uint32_t *outputs;      /* per class (or the one regression output) */
    pmml_normcont out_norm; /* regression through NormContinuous, n = 0 if
                               the neuron is read as is */
    pmml_classes classes;
    char **names;           /* field names of inputs, for messages */
    size_t nnames, capnames;
} neural_model;

/* ---- scoring ---------------------------------------------------------- */

static double activate(int f, double z, double threshold) {
    switch (f) {
    case ACT_THRESHOLD:   return z > threshold ? 1 : 0;
    case ACT_LOGISTIC:    return 1 / (1 + exp(-z));
    case ACT_TANH:        return tanh(z);
    case ACT_EXPONENTIAL: return exp(z);
    case ACT_RECIPROCAL:  return 1 / z;
    case ACT_SQUARE:      return z * z;
    case ACT_GAUSS:       return exp(-z * z);
    case ACT_SINE:        return sin(z);
    case ACT_COSINE:      return cos(z);
    case ACT_ELLIOTT:     return z / (1 + fabs(z));
    case ACT_ARCTAN:      return 2 * atan(z) / M_PI;
    case ACT_RECTIFIER:   return z > 0 ? z : 0;
    default:              return z;   /* identity */
    }
}

static int eval_inputs(const neural_model *nn, const double *x, double *a,
                       ms_error *err) {
    for (size_t i = 0; i < nn->ninputs; i++) {
        const nn_input *in = &nn->inputs[i];
        double v = x[in->slot];
        if (in->kind == IN_NORM_CONTINUOUS)
            v = pmml_normcont_eval(&in->norm, v);
        else if (in->kind == IN_NORM_DISCRETE)
            v = isnan(v) ? in->missing_to : v == in->value;
        if (isnan(v))
            return ms_error_set(err, "NeuralNetwork: no prediction (input "
                                     "'%s' is missing)", in->field);
        a[i] = v;
    }
    return 0;
}

static void eval_layer(const neural_model *nn, const nn_layer *l, double *a) {
    for (uint32_t j = l->first; j < l->first + l->count; j++) {
        const nn_neuron *n = &nn->neurons[j - nn->ninputs];
        const uint32_t *from = nn->from + n->first;
        const double *w = nn->weight + n->first;
        double z = 0;
        if (l->activation == ACT_RADIAL_BASIS) {
            /* Distance from the weights, scaled by the width; the fan-in
             * powers the altitude. */
            for (uint32_t c = 0; c < n->count; c++) {
                double d = a[from[c]] - w[c];
                z += d * d;
            }
            z /= 2 * n->width * n->width;
            a[j] = exp((double)n->count * log(n->altitude) - z);
            continue;
        }
        z = n->bias;
        for (uint32_t c = 0; c < n->count; c++) z += w[c] * a[from[c]];
        a[j] = activate(l->activation, z, l->threshold);
    }
    if (l->norm != PMML_NORM_NONE)
        pmml_norm_vector(l->norm, a + l->first, l->count);
}

static int neural_score(const model *m, const double *x, void *scratch,
                        model_output *out, ms_error *err) {
    const neural_model *nn = (const neural_model *)m;
    double *a = scratch;
    if (eval_inputs(nn, x, a, err) < 0) return -1;
    for (size_t l = 0; l < nn->nlayers; l++) eval_layer(nn, &nn->layers[l], a);
    if (nn->function == REGRESSION) {
        double y = a[nn->outputs[0]];
        out->label_index = -1;
        out->value = nn->out_norm.n ? pmml_normcont_eval(&nn->out_norm, y) : y;
        return 0;
    }
    size_t k = nn->classes.n, best = 0;
    for (size_t i = 1; i < k; i++)
        if (a[nn->outputs[i]] > a[nn->outputs[best]]) best = i;
    out->label_index = (int)best;
    out->value = nn->classes.values[best];
    if (out->probabilities)
        for (size_t i = 0; i < k; i++)
            out->probabilities[i] = a[nn->outputs[i]];
    return 0;
}

static void neural_destroy(model *m) {
    neural_model *nn = (neural_model *)m;
    for (size_t i = 0; i < nn->ninputs; i++)
        pmml_normcont_free(&nn->inputs[i].norm);
    for (size_t i = 0; i < nn->nnames; i++) free(nn->names[i]);
    free(nn->names);
    free(nn->inputs);
    free(nn->neurons);
    free(nn->from);
    free(nn->weight);
    free(nn->layers);
    free(nn->outputs);
    pmml_normcont_free(&nn->out_norm);
    pmml_classes_free(&nn->classes);
    free(nn);
}

static const model_ops neural_ops = {.score = neural_score,
                                     .destroy = neural_destroy};

/* ---- compiling -------------------------------------------------------- */

/* Neuron ids in activation order while loading; ids are strings ("0/1"). */
typedef struct id_table {
    const char **ids;
    size_t n, cap;
} id_table;

static int add_id(pmml_ctx *ctx, id_table *t, const xmlNode *el) {
    const char *id = pmml_attr_req(ctx, el, "id");
    if (!id) return -1;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->ids[i], id) == 0)
            return pmml_fail(ctx, el, "%s id '%s' is used twice", el->name, id);
    if (pmml_grow(ctx, (void **)&t->ids, &t->cap, t->n + 1, sizeof *t->ids) < 0)
        return -1;
    t->ids[t->n++] = id;
    return 0;
}

static int find_id(pmml_ctx *ctx, const id_table *t, const xmlNode *el,
                   const char *attr, uint32_t *index) {
    const char *id = pmml_attr_req(ctx, el, attr);
    if (!id) return -1;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->ids[i], id) == 0) {
            *index = (uint32_t)i;
            return 0;
        }
    return pmml_fail(ctx, el, "%s %s='%s' names no neuron defined before it",
                     el->name, attr, id);
}

/* The one expression of a NeuralInput's or NeuralOutput's DerivedField. */
static const xmlNode *derived_expression(pmml_ctx *ctx, const xmlNode *el) {
    const xmlNode *df = pmml_elem(el->children);
    if (!pmml_is(df, "DerivedField")) {
        pmml_fail(ctx, df ? df : el, "%s must hold one DerivedField",
                  el->name);
        return NULL;
    }
    const xmlNode *e = pmml_elem(df->children);
    if (!e) pmml_fail(ctx, df, "DerivedField has no expression");
    return e;
}

static int keep_name(pmml_ctx *ctx, neural_model *nn, const char *name,
                     const char **kept) {
    if (pmml_grow(ctx, (void **)&nn->names, &nn->capnames, nn->nnames + 1,
                  sizeof *nn->names) < 0)
        return -1;
    if (!(nn->names[nn->nnames] = strdup(name))) {
        ctx->oom = 1;
        return pmml_fail(ctx, NULL, "out of memory");
    }
    *kept = nn->names[nn->nnames++];
    return 0;
}

static int compile_input(pmml_ctx *ctx, neural_model *nn, const xmlNode *el) {
    nn_input in = {.missing_to = NAN};
    const xmlNode *e = derived_expression(ctx, el);
    const char *name;
    if (!e) return -1;
    if (pmml_is(e, "FieldRef")) {
        in.kind = IN_FIELD;
    } else if (pmml_is(e, "NormContinuous")) {
        in.kind = IN_NORM_CONTINUOUS;
    } else if (pmml_is(e, "NormDiscrete")) {
        in.kind = IN_NORM_DISCRETE;
        if (pmml_attr_double_req(ctx, e, "value", &in.value) < 0 ||
            pmml_attr_double(ctx, e, "mapMissingTo", NAN, &in.missing_to) < 0)
            return -1;
    } else {
        return pmml_unsupported(ctx, e);
    }
    if (pmml_input_slot(ctx, e, "field", &in.slot, &name) < 0 ||
        pmml_grow(ctx, (void **)&nn->inputs, &nn->capinputs, nn->ninputs + 1,
                  sizeof *nn->inputs) < 0)
        return -1;
    if (in.kind == IN_FIELD &&
        pmml_attr_double(ctx, e, "mapMissingTo", NAN, &in.missing_to) < 0)
        return -1;
    if (in.kind == IN_FIELD && !isnan(in.missing_to))
        return pmml_fail(ctx, e, "FieldRef mapMissingTo is not supported");
    nn->inputs[nn->ninputs++] = in;
    nn_input *kept = &nn->inputs[nn->ninputs - 1];
    if (keep_name(ctx, nn, name, &kept->field) < 0) return -1;
    return in.kind == IN_NORM_CONTINUOUS
               ? pmml_normcont_compile(ctx, e, 0, &kept->norm)
               : 0;
}

static int add_con(pmml_ctx *ctx, neural_model *nn, uint32_t from,
                   double weight) {
    if (pmml_grow(ctx, (void **)&nn->from, &nn->capcons, nn->ncons + 1,
                  sizeof *nn->from) < 0 ||
        pmml_grow(ctx, (void **)&nn->weight, &nn->capweights, nn->ncons + 1,
                  sizeof *nn->weight) < 0)
        return -1;
    nn->from[nn->ncons] = from;
    nn->weight[nn->ncons++] = weight;
    return 0;
}

/* Layer settings: the network's (defaults) unless the layer overrides. */
typedef struct layer_defaults {
    int activation, norm;
    double threshold, width, altitude;
} layer_defaults;

static int read_settings(pmml_ctx *ctx, const xmlNode *el,
                         const layer_defaults *in, layer_defaults *out) {
    return pmml_attr_enum(ctx, el, "activationFunction", activations,
                          in->activation, &out->activation) < 0 ||
                   pmml_attr_enum(ctx, el, "normalizationMethod", layer_norms,
                                  in->norm, &out->norm) < 0 ||
                   pmml_attr_double(ctx, el, "threshold", in->threshold,
                                    &out->threshold) < 0 ||
                   pmml_attr_double(ctx, el, "width", in->width,
                                    &out->width) < 0 ||
                   pmml_attr_double(ctx, el, "altitude", in->altitude,
                                    &out->altitude) < 0
               ? -1
               : 0;
}

static int compile_neuron(pmml_ctx *ctx, neural_model *nn, id_table *ids,
                          const xmlNode *el, const layer_defaults *s) {
    nn_neuron n = {.first = (uint32_t)nn->ncons};
    if (pmml_attr_double(ctx, el, "bias", 0, &n.bias) < 0 ||
        pmml_attr_double(ctx, el, "width", s->width, &n.width) < 0 ||
        pmml_attr_double(ctx, el, "altitude", s->altitude, &n.altitude) < 0)
        return -1;
    if (s->activation == ACT_RADIAL_BASIS && (!(n.width > 0) ||
                                              !(n.altitude > 0)))
        return pmml_fail(ctx, el, "a radialBasis Neuron needs width > 0 and "
                                  "altitude > 0");
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (!pmml_is(c, "Con")) return pmml_unsupported(ctx, c);
        uint32_t from;
        double w;
        if (find_id(ctx, ids, c, "from", &from) < 0 ||
            pmml_attr_double_req(ctx, c, "weight", &w) < 0 ||
            add_con(ctx, nn, from, w) < 0)
            return -1;
        n.count++;
    }
    if (add_id(ctx, ids, el) < 0 ||
        pmml_grow(ctx, (void **)&nn->neurons, &nn->capneurons,
                  nn->nneurons + 1, sizeof *nn->neurons) < 0)
        return -1;
    nn->neurons[nn->nneurons++] = n;
    return 0;
}

static int compile_layer(pmml_ctx *ctx, neural_model *nn, id_table *ids,
                         const xmlNode *el, const layer_defaults *net) {
    layer_defaults s;
    if (read_settings(ctx, el, net, &s) < 0) return -1;
    nn_layer l = {.first = (uint32_t)ids->n, .activation = s.activation,
                  .norm = s.norm == 0 ? PMML_NORM_NONE
                          : s.norm == 1 ? PMML_NORM_SIMPLEMAX
                                        : PMML_NORM_SOFTMAX,
                  .threshold = s.threshold};
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (!pmml_is(c, "Neuron")) return pmml_unsupported(ctx, c);
        if (compile_neuron(ctx, nn, ids, c, &s) < 0) return -1;
        l.count++;
    }
    if (l.count == 0) return pmml_fail(ctx, el, "NeuralLayer has no Neuron");
    if (pmml_grow(ctx, (void **)&nn->layers, &nn->caplayers, nn->nlayers + 1,
                  sizeof *nn->layers) < 0)
        return -1;
    nn->layers[nn->nlayers++] = l;
    return 0;
}

/* Checks that the output's expression names the target field. */
static int output_field(pmml_ctx *ctx, const xmlNode *e) {
    const char *field = pmml_attr_req(ctx, e, "field");
    if (!field) return -1;
    if (!ctx->target || strcmp(field, ctx->target) != 0)
        return pmml_fail(ctx, e, "%s on '%s', which is not the target field",
                         e->name, field);
    return 0;
}

/* A classifier's labels may come from its NormDiscrete outputs alone, so
 * they are gathered before outputs[] is sized. */
static int collect_labels(pmml_ctx *ctx, const xmlNode *el) {
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        const xmlNode *e = pmml_is(c, "NeuralOutput")
                               ? derived_expression(ctx, c) : NULL;
        if (!e || !pmml_is(e, "NormDiscrete")) continue;
        const char *label = pmml_attr_req(ctx, e, "value");
        int ignored;
        if (!label || pmml_class_index(ctx, e, label, &ignored) < 0)
            return -1;
    }
    return 0;
}

static int compile_output(pmml_ctx *ctx, neural_model *nn, id_table *ids,
                          const xmlNode *c) {
    const xmlNode *e = derived_expression(ctx, c);
    uint32_t neuron;
    if (!e || find_id(ctx, ids, c, "outputNeuron", &neuron) < 0 ||
        output_field(ctx, e) < 0)
        return -1;
    if (nn->function == REGRESSION) {
        if (nn->outputs[0] != UINT32_MAX)
            return pmml_fail(ctx, c, "a regression NeuralNetwork has exactly "
                                     "one NeuralOutput");
        if (pmml_is(e, "NormContinuous")) {
            if (pmml_normcont_compile(ctx, e, 1, &nn->out_norm) < 0)
                return -1;
        } else if (!pmml_is(e, "FieldRef")) {
            return pmml_unsupported(ctx, e);
        }
        nn->outputs[0] = neuron;
        return 0;
    }
    if (!pmml_is(e, "NormDiscrete")) return pmml_unsupported(ctx, e);
    const char *label = pmml_attr_req(ctx, e, "value");
    int idx;
    if (!label || pmml_class_index(ctx, e, label, &idx) < 0) return -1;
    if (nn->outputs[idx] != UINT32_MAX)
        return pmml_fail(ctx, c, "a second NeuralOutput for '%s'", label);
    nn->outputs[idx] = neuron;
    return 0;
}

static int compile_outputs(pmml_ctx *ctx, neural_model *nn, id_table *ids,
                           const xmlNode *el) {
    if (nn->function == CLASSIFICATION && collect_labels(ctx, el) < 0)
        return -1;
    size_t k = nn->function == REGRESSION ? 1 : ctx->classes.n;
    if (k == 0)
        return pmml_fail(ctx, el, "classification NeuralNetwork has no class "
                                  "labels");
    nn->outputs = malloc(k * sizeof *nn->outputs);
    if (!nn->outputs) {
        ctx->oom = 1;
        return pmml_fail(ctx, el, "out of memory");
    }
    for (size_t i = 0; i < k; i++) nn->outputs[i] = UINT32_MAX;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (!pmml_is(c, "NeuralOutput")) return pmml_unsupported(ctx, c);
        if (compile_output(ctx, nn, ids, c) < 0) return -1;
    }
    for (size_t i = 0; i < k; i++)
        if (nn->outputs[i] == UINT32_MAX)
            return nn->function == REGRESSION
                       ? pmml_fail(ctx, el, "NeuralOutputs has no output")
                       : pmml_fail(ctx, el, "NeuralOutputs has no output for "
                                            "'%s'", ctx->classes.labels[i]);
    return 0;
}

static int compile_network(pmml_ctx *ctx, neural_model *nn, const xmlNode *el,
                           id_table *ids) {
    static const char *const functions[] = {"classification", "regression",
                                            NULL};
    layer_defaults net = {.activation = ACT_LOGISTIC, .width = NAN,
                          .altitude = 1};
    if (pmml_attr_enum_req(ctx, el, "functionName", functions,
                           &nn->function) < 0)
        return -1;
    /* activationFunction is required by the schema; JPMML reads it so. */
    if (!pmml_attr_req(ctx, el, "activationFunction") ||
        read_settings(ctx, el, &net, &net) < 0)
        return -1;
    const xmlNode *outputs = NULL, *inputs = NULL;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (pmml_is_common_child(c)) continue;
        if (pmml_is(c, "NeuralInputs") && !inputs && !nn->nlayers) {
            inputs = c;
            for (const xmlNode *i = pmml_elem(c->children); i;
                 i = pmml_elem(i->next)) {
                if (!pmml_is(i, "NeuralInput")) return pmml_unsupported(ctx, i);
                if (add_id(ctx, ids, i) < 0 || compile_input(ctx, nn, i) < 0)
                    return -1;
            }
        } else if (pmml_is(c, "NeuralLayer") && inputs && !outputs) {
            if (compile_layer(ctx, nn, ids, c, &net) < 0) return -1;
        } else if (pmml_is(c, "NeuralOutputs") && nn->nlayers && !outputs) {
            outputs = c;
        } else {
            return pmml_unsupported(ctx, c);
        }
    }
    if (!outputs)
        return pmml_fail(ctx, el, "NeuralNetwork needs NeuralInputs, "
                                  "NeuralLayers and NeuralOutputs, in order");
    if (compile_outputs(ctx, nn, ids, outputs) < 0) return -1;
    if (nn->function == CLASSIFICATION &&
        pmml_classes_take(ctx, &nn->classes) < 0)
        return -1;
    nn->base.scratch_size = ids->n * sizeof(double);
    nn->base.nclasses = nn->classes.n;
    nn->base.class_labels = (const char *const *)nn->classes.labels;
    return 0;
}

model *pmml_neural_compile(pmml_ctx *ctx, const xmlNode *model_el) {
    neural_model *nn = pmml_model_new(ctx, model_el, sizeof *nn, &neural_ops);
    if (!nn) return NULL;
    id_table ids = {0};
    int rc = compile_network(ctx, nn, model_el, &ids);
    free(ids.ids);
    if (rc < 0) {
        neural_destroy(&nn->base);
        return NULL;
    }
    return &nn->base;
}
