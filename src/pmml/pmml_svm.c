/*
 * pmml_svm.c - SupportVectorMachineModel (classification and regression):
 * compiler and scorer.
 *
 * Load time turns the VectorDictionary into one matrix of nvectors rows of
 * nfields doubles (Array or REAL-SparseArray instances), and each
 * SupportVectorMachine into a bias and a range of (vector row,
 * coefficient) pairs. Scoring builds the input vector (a FieldRef is the
 * field, a CategoricalPredictor 1 when the field equals its value), takes
 * the kernel against every support vector once, and each machine's value
 * is f = sum coefficient * K(x, vector) + absoluteValue, with
 *
 *   linear       K = <x, v>
 *   polynomial   K = (gamma <x, v> + coef0) ^ degree
 *   radialBasis  K = exp(-gamma |x - v|^2)
 *   sigmoid      K = tanh(gamma <x, v> + coef0)
 *
 * A regression has one machine and predicts f. A classifier, as JPMML
 * does it:
 *   OneAgainstAll  one machine per class; the class with the smallest f
 *                  wins (the largest with maxWins="true");
 *                  probabilities are 1 for the winner, 0 otherwise.
 *   OneAgainstOne  each machine votes targetCategory when f < threshold,
 *                  else alternateTargetCategory (with the model's
 *                  alternateBinaryTargetCategory: f rounded, 1 votes
 *                  targetCategory and 0 the alternate); the most votes
 *                  win (the first class on a tie), probabilities are the
 *                  shares of the votes.
 * A classificationMethod left out is inferred from the machines, as JPMML
 * does. svmRepresentation="Coefficients" is rejected. A missing input
 * means no prediction.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { CLASSIFICATION, REGRESSION };
enum { ONE_AGAINST_ALL, ONE_AGAINST_ONE };
enum { K_LINEAR, K_POLYNOMIAL, K_RBF, K_SIGMOID };

typedef struct svm_field {
    int32_t slot;
    int indicator;          /* CategoricalPredictor */
    double value;
    size_t name_at;         /* the field's name: names + name_at */
} svm_field;

typedef struct svm_machine {
    int32_t target, alternate;  /* class indexes; alternate -1 if none */
    double threshold, bias;
    uint32_t first, count;      /* pairs */
} svm_machine;

typedef struct svm_model {
    model base;
    int function, method, max_wins, binary_alternate;
    int kernel;
    double gamma, coef0, degree;
    svm_field *fields;
    size_t nfields, capfields;
    pmml_values vectors;        /* nvectors x nfields */
    size_t nvectors;
    svm_machine *machines;
    size_t nmachines, capmachines;
    uint32_t *pair_vector;
    double *pair_coef;
    size_t npairs, cappairs, cappairs2;
    char *names;                /* field names, NUL-separated */
    pmml_classes classes;
} svm_model;

/* ---- scoring ---------------------------------------------------------- */

static double kernel(const svm_model *s, const double *x, const double *v) {
    size_t n = s->nfields;
    double acc = 0;
    if (s->kernel == K_RBF) {
        for (size_t i = 0; i < n; i++) acc += (x[i] - v[i]) * (x[i] - v[i]);
        return exp(-s->gamma * acc);
    }
    for (size_t i = 0; i < n; i++) acc += x[i] * v[i];
    switch (s->kernel) {
    case K_POLYNOMIAL: return pow(s->gamma * acc + s->coef0, s->degree);
    case K_SIGMOID:    return tanh(s->gamma * acc + s->coef0);
    default:           return acc;
    }
}

static double machine_value(const svm_model *s, const svm_machine *m,
                            const double *k) {
    double f = m->bias;
    for (uint32_t i = m->first; i < m->first + m->count; i++)
        f += s->pair_coef[i] * k[s->pair_vector[i]];
    return f;
}

/* Which class machine m votes for; -1 (err filled) when it cannot say. */
static int vote(const svm_model *s, const svm_machine *m, double f,
                ms_error *err) {
    if (!s->binary_alternate) return f < m->threshold ? m->target
                                                      : m->alternate;
    double r = round(f);
    if (r == 1) return m->target;
    if (r == 0) return m->alternate;
    ms_error_set(err, "SupportVectorMachineModel: machine value %g does not "
                      "round to 0 or 1", f);
    return -1;
}

static int classify(const svm_model *s, const double *k, double *acc,
                    model_output *out, ms_error *err) {
    size_t nc = s->classes.n;
    size_t best = 0;
    for (size_t c = 0; c < nc; c++) acc[c] = 0;
    if (s->method == ONE_AGAINST_ALL) {
        double top = 0;
        for (size_t i = 0; i < s->nmachines; i++) {
            double f = machine_value(s, &s->machines[i], k);
            if (i == 0 || (s->max_wins ? f > top : f < top)) {
                top = f;
                best = (size_t)s->machines[i].target;
            }
        }
        acc[best] = 1;
    } else {
        for (size_t i = 0; i < s->nmachines; i++) {
            const svm_machine *m = &s->machines[i];
            int c = vote(s, m, machine_value(s, m, k), err);
            if (c < 0) return -1;
            acc[c] += 1.0 / (double)s->nmachines;
        }
        best = pmml_argmax(acc, nc);
    }
    out->label_index = (int)best;
    out->value = s->classes.values[best];
    if (out->probabilities) memcpy(out->probabilities, acc, nc * sizeof *acc);
    return 0;
}

static int svm_score(const model *m, const double *x, void *scratch,
                     model_output *out, ms_error *err) {
    const svm_model *s = (const svm_model *)m;
    double *in = scratch, *k = in + s->nfields, *acc = k + s->nvectors;
    for (size_t i = 0; i < s->nfields; i++) {
        const svm_field *f = &s->fields[i];
        double v = x[f->slot];
        if (isnan(v))
            return ms_error_set(err, "SupportVectorMachineModel: no "
                                     "prediction (input '%s' is missing)",
                                s->names + f->name_at);
        in[i] = f->indicator ? v == f->value : v;
    }
    for (size_t j = 0; j < s->nvectors; j++)
        k[j] = kernel(s, in, s->vectors.v + j * s->nfields);
    if (s->function == CLASSIFICATION) return classify(s, k, acc, out, err);
    out->label_index = -1;
    out->value = machine_value(s, &s->machines[0], k);
    return 0;
}

static void svm_destroy(model *m) {
    svm_model *s = (svm_model *)m;
    free(s->fields);
    free(s->vectors.v);
    free(s->machines);
    free(s->pair_vector);
    free(s->pair_coef);
    free(s->names);
    pmml_classes_free(&s->classes);
    free(s);
}

static const model_ops svm_ops = {.score = svm_score,
                                  .destroy = svm_destroy};

/* ---- compiling -------------------------------------------------------- */

static int compile_kernel(pmml_ctx *ctx, svm_model *s, const xmlNode *el) {
    static const char *const kernels[] = {
        "LinearKernelType", "PolynomialKernelType", "RadialBasisKernelType",
        "SigmoidKernelType", NULL};
    for (int i = 0; kernels[i]; i++)
        if (pmml_is(el, kernels[i])) s->kernel = i;
    if (pmml_attr_double(ctx, el, "gamma", 1, &s->gamma) < 0 ||
        pmml_attr_double(ctx, el, "coef0", 1, &s->coef0) < 0 ||
        pmml_attr_double(ctx, el, "degree", 1, &s->degree) < 0)
        return -1;
    if (!isfinite(s->gamma) || !isfinite(s->coef0) || !isfinite(s->degree))
        return pmml_fail(ctx, el, "%s gamma, coef0 and degree must be finite",
                         el->name);
    return 0;
}

static int is_kernel(const xmlNode *el) {
    return pmml_is(el, "LinearKernelType") ||
           pmml_is(el, "PolynomialKernelType") ||
           pmml_is(el, "RadialBasisKernelType") ||
           pmml_is(el, "SigmoidKernelType");
}

/* VectorFields: slots into fields, names into one buffer so messages can
 * name them after the load. */
static int compile_fields(pmml_ctx *ctx, svm_model *s, const xmlNode *el) {
    size_t used = 0, capnames = 0;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        svm_field f = {0};
        const char *name;
        int slot;
        if (pmml_is(c, "FieldRef")) {
            if (pmml_input_slot(ctx, c, "field", &slot, &name) < 0) return -1;
        } else if (pmml_is(c, "CategoricalPredictor")) {
            double coef;
            f.indicator = 1;
            if (pmml_input_slot(ctx, c, "name", &slot, &name) < 0 ||
                pmml_attr_double_req(ctx, c, "value", &f.value) < 0 ||
                pmml_attr_double(ctx, c, "coefficient", 1, &coef) < 0)
                return -1;
            if (coef != 1)
                return pmml_fail(ctx, c, "a VectorFields CategoricalPredictor "
                                         "must have coefficient 1");
        } else {
            return pmml_unsupported(ctx, c);
        }
        f.slot = slot;
        f.name_at = used;
        size_t len = strlen(name) + 1;
        if (pmml_grow(ctx, (void **)&s->fields, &s->capfields, s->nfields + 1,
                      sizeof *s->fields) < 0 ||
            pmml_grow(ctx, (void **)&s->names, &capnames, used + len, 1) < 0)
            return -1;
        memcpy(s->names + used, name, len);
        used += len;
        s->fields[s->nfields++] = f;
    }
    if (s->nfields == 0) return pmml_fail(ctx, el, "VectorFields is empty");
    return 0;
}

/* The VectorDictionary; ids[] receives each VectorInstance's id (strings
 * of the load context), in row order. */
static int compile_vectors(pmml_ctx *ctx, svm_model *s, const xmlNode *el,
                           const char ***ids) {
    size_t capids = 0;
    const xmlNode *c = pmml_elem(el->children);
    if (!pmml_is(c, "VectorFields"))
        return pmml_fail(ctx, c ? c : el, "VectorDictionary must start with "
                                          "VectorFields");
    if (compile_fields(ctx, s, c) < 0) return -1;
    for (c = pmml_elem(c->next); c; c = pmml_elem(c->next)) {
        if (!pmml_is(c, "VectorInstance")) return pmml_unsupported(ctx, c);
        const char *id = pmml_attr_req(ctx, c, "id");
        const xmlNode *arr = pmml_elem(c->children);
        size_t before = s->vectors.n;
        if (!id) return -1;
        if (!arr) return pmml_fail(ctx, c, "VectorInstance has no Array");
        if (pmml_elem(arr->next))
            return pmml_unsupported(ctx, pmml_elem(arr->next));
        if (pmml_is(arr, "REAL-SparseArray")
                ? pmml_sparse_read(ctx, arr, &s->vectors) < 0
                : pmml_array_read(ctx, arr, &s->vectors) < 0)
            return -1;
        if (s->vectors.n - before != s->nfields)
            return pmml_fail(ctx, arr, "VectorInstance '%s' has %zu values "
                                       "for %zu VectorFields", id,
                             s->vectors.n - before, s->nfields);
        if (pmml_grow(ctx, (void **)ids, &capids, s->nvectors + 1,
                      sizeof **ids) < 0)
            return -1;
        (*ids)[s->nvectors++] = id;
    }
    return 0;
}

static int add_pair(pmml_ctx *ctx, svm_model *s, uint32_t vector,
                    double coef) {
    if (pmml_grow(ctx, (void **)&s->pair_vector, &s->cappairs, s->npairs + 1,
                  sizeof *s->pair_vector) < 0 ||
        pmml_grow(ctx, (void **)&s->pair_coef, &s->cappairs2, s->npairs + 1,
                  sizeof *s->pair_coef) < 0)
        return -1;
    s->pair_vector[s->npairs] = vector;
    s->pair_coef[s->npairs++] = coef;
    return 0;
}

/* SupportVectors and Coefficients pair up in order. */
static int compile_pairs(pmml_ctx *ctx, svm_model *s, const xmlNode *vecs,
                         const xmlNode *coefs, const char **ids,
                         svm_machine *m) {
    const xmlNode *v = pmml_elem(vecs->children);
    const xmlNode *c = pmml_elem(coefs->children);
    m->first = (uint32_t)s->npairs;
    for (; v && c; v = pmml_elem(v->next), c = pmml_elem(c->next)) {
        if (!pmml_is(v, "SupportVector")) return pmml_unsupported(ctx, v);
        if (!pmml_is(c, "Coefficient")) return pmml_unsupported(ctx, c);
        const char *id = pmml_attr_req(ctx, v, "vectorId");
        double coef;
        size_t row = 0;
        if (!id || pmml_attr_double(ctx, c, "value", 0, &coef) < 0) return -1;
        /* ids is NULL only when the dictionary is empty (nvectors 0). */
        while (ids && row < s->nvectors && strcmp(ids[row], id) != 0) row++;
        if (row == s->nvectors)
            return pmml_fail(ctx, v, "SupportVector '%s' is not in the "
                                     "VectorDictionary", id);
        if (add_pair(ctx, s, (uint32_t)row, coef) < 0) return -1;
    }
    if (v || c)
        return pmml_fail(ctx, vecs, "SupportVectors and Coefficients differ "
                                    "in number");
    m->count = (uint32_t)(s->npairs - m->first);
    return pmml_attr_double(ctx, coefs, "absoluteValue", 0, &m->bias);
}

static int class_of(pmml_ctx *ctx, const xmlNode *el, const char *attr,
                    int32_t *idx) {
    const char *label = pmml_attr(ctx, el, attr);
    int i;
    *idx = -1;
    if (!label) return ctx->oom ? -1 : 0;
    if (pmml_class_index(ctx, el, label, &i) < 0) return -1;
    *idx = i;
    return 0;
}

static int compile_machine(pmml_ctx *ctx, svm_model *s, const xmlNode *el,
                           const char **ids, double threshold) {
    svm_machine m = {.target = -1, .alternate = -1};
    const xmlNode *vecs = pmml_elem(el->children);
    const xmlNode *coefs = vecs ? pmml_elem(vecs->next) : NULL;
    if (!vecs || !coefs || !pmml_is(vecs, "SupportVectors") ||
        !pmml_is(coefs, "Coefficients"))
        return pmml_fail(ctx, el, "SupportVectorMachine needs SupportVectors "
                                  "then Coefficients");
    if (pmml_elem(coefs->next))
        return pmml_unsupported(ctx, pmml_elem(coefs->next));
    if (pmml_attr_double(ctx, el, "threshold", threshold, &m.threshold) < 0 ||
        compile_pairs(ctx, s, vecs, coefs, ids, &m) < 0)
        return -1;
    if (s->function == CLASSIFICATION) {
        if (!pmml_attr_req(ctx, el, "targetCategory") ||
            class_of(ctx, el, "targetCategory", &m.target) < 0 ||
            class_of(ctx, el, "alternateTargetCategory", &m.alternate) < 0)
            return -1;
        if (s->binary_alternate) {
            if (m.alternate >= 0)
                return pmml_fail(ctx, el, "alternateTargetCategory next to "
                                          "the model's "
                                          "alternateBinaryTargetCategory");
            m.alternate = s->binary_alternate - 1;
        }
        if ((s->method == ONE_AGAINST_ONE) != (m.alternate >= 0))
            return pmml_fail(ctx, el, "a %s machine %s an "
                                      "alternateTargetCategory",
                             s->method == ONE_AGAINST_ONE ? "OneAgainstOne"
                                                          : "OneAgainstAll",
                             m.alternate >= 0 ? "may not have" : "needs");
    }
    if (pmml_grow(ctx, (void **)&s->machines, &s->capmachines,
                  s->nmachines + 1, sizeof *s->machines) < 0)
        return -1;
    s->machines[s->nmachines++] = m;
    return 0;
}

/* classificationMethod, or what the machines imply (JPMML's inference). */
static int read_method(pmml_ctx *ctx, svm_model *s, const xmlNode *el,
                       const xmlNode *first_machine) {
    static const char *const methods[] = {"OneAgainstAll", "OneAgainstOne",
                                          NULL};
    int implied = ONE_AGAINST_ALL;
    const char *binary = pmml_attr(ctx, el, "alternateBinaryTargetCategory");
    if (binary) {
        int idx;
        if (pmml_class_index(ctx, el, binary, &idx) < 0) return -1;
        s->binary_alternate = idx + 1;
        implied = ONE_AGAINST_ONE;
    } else if (first_machine &&
               pmml_attr(ctx, first_machine, "alternateTargetCategory")) {
        implied = ONE_AGAINST_ONE;
    }
    return pmml_attr_enum(ctx, el, "classificationMethod", methods, implied,
                          &s->method);
}

static int compile_parts(pmml_ctx *ctx, svm_model *s, const xmlNode *el,
                         const char ***ids) {
    const xmlNode *dict = NULL, *first = NULL, *kern = NULL;
    double threshold;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (pmml_is_common_child(c)) continue;
        if (is_kernel(c) && !kern) {
            kern = c;
            if (compile_kernel(ctx, s, c) < 0) return -1;
        } else if (pmml_is(c, "VectorDictionary") && !dict) {
            dict = c;
        } else if (pmml_is(c, "SupportVectorMachine")) {
            if (!first) first = c;
        } else {
            return pmml_unsupported(ctx, c);
        }
    }
    if (!kern || !dict || !first)
        return pmml_fail(ctx, el, "SupportVectorMachineModel needs a kernel, "
                                  "a VectorDictionary and a "
                                  "SupportVectorMachine");
    if (compile_vectors(ctx, s, dict, ids) < 0 ||
        pmml_attr_double(ctx, el, "threshold", 0, &threshold) < 0 ||
        (s->function == CLASSIFICATION && read_method(ctx, s, el, first) < 0))
        return -1;
    for (const xmlNode *c = first; c; c = pmml_elem(c->next))
        if (pmml_is(c, "SupportVectorMachine") &&
            compile_machine(ctx, s, c, *ids, threshold) < 0)
            return -1;
    return 0;
}

static int compile_svm(pmml_ctx *ctx, svm_model *s, const xmlNode *el) {
    static const char *const functions[] = {"classification", "regression",
                                            NULL};
    static const char *const reprs[] = {"SupportVectors", NULL};
    static const char *const booleans[] = {"false", "true", NULL};
    int repr;
    const char **ids = NULL;
    if (pmml_attr_enum_req(ctx, el, "functionName", functions,
                           &s->function) < 0 ||
        pmml_attr_enum(ctx, el, "svmRepresentation", reprs, 0, &repr) < 0 ||
        pmml_attr_enum(ctx, el, "maxWins", booleans, 0, &s->max_wins) < 0)
        return -1;
    int rc = compile_parts(ctx, s, el, &ids);
    free(ids);
    if (rc < 0) return -1;
    s->base.scratch_size = (s->nfields + s->nvectors) * sizeof(double);
    if (s->function == REGRESSION) {
        if (s->nmachines != 1)
            return pmml_fail(ctx, el, "a regression SupportVectorMachineModel "
                                      "has exactly one SupportVectorMachine");
        return 0;
    }
    if (pmml_classes_take(ctx, &s->classes) < 0) return -1;
    s->base.scratch_size += s->classes.n * sizeof(double);
    s->base.nclasses = s->classes.n;
    s->base.class_labels = (const char *const *)s->classes.labels;
    return 0;
}

model *pmml_svm_compile(pmml_ctx *ctx, const xmlNode *model_el) {
    svm_model *s = pmml_model_new(ctx, model_el, sizeof *s, &svm_ops);
    if (s && compile_svm(ctx, s, model_el) < 0) {
        svm_destroy(&s->base);
        return NULL;
    }
    return s ? &s->base : NULL;
}
