/*
 * pmml_bayes.c - NaiveBayesModel (classification): compiler and scorer.
 *
 * PMML's naive Bayes multiplies, per class T, the prior count of T (from
 * BayesOutput) by one likelihood P(x_i | T) per BayesInput, and normalizes
 * the products into probabilities. As JPMML does, the products are taken
 * in logarithms (sums) and turned back by a softmax, so many small
 * likelihoods cannot underflow to 0.
 *
 * Everything that does not depend on the record is done at load:
 *
 *   discrete input    (PairCounts) one row of nclasses log-likelihoods per
 *                     value: ln(count / count_sum(T)), where count_sum(T)
 *                     is T's total over the input's PairCounts; a count of
 *                     0 takes ln(threshold) instead. A class the value's
 *                     TargetValueCounts does not list contributes nothing
 *                     (JPMML's reading).
 *   continuous input  (TargetValueStats) per class a GaussianDistribution
 *                     (mean, variance) or PoissonDistribution (mean); the
 *                     density at x, raised to threshold when below it.
 *
 * A missing input, or a value no PairCounts lists, is left out of the
 * product ("missing values are ignored"). The other continuous
 * distributions and a DerivedField inside a BayesInput are rejected.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { DISCRETE, CONTINUOUS };
enum { DIST_NONE, DIST_GAUSS, DIST_POISSON };

typedef struct nb_stat {
    int dist;
    double mean, variance;
} nb_stat;

typedef struct nb_input {
    int kind;
    int32_t slot;
    uint32_t first, count;  /* discrete: values[first..], rows of loglik;
                               continuous: stats[first .. first + k) */
} nb_input;

typedef struct bayes_model {
    model base;
    double threshold;
    double *prior;          /* ln(count) per class */
    nb_input *inputs;
    size_t ninputs, capinputs;
    pmml_values values;     /* PairCounts values of discrete inputs */
    pmml_values loglik;     /* one row of k per PairCounts value */
    nb_stat *stats;
    size_t nstats, capstats;
    pmml_classes classes;
} bayes_model;

/* ---- scoring ---------------------------------------------------------- */

static double density(const nb_stat *s, double x) {
    if (s->dist == DIST_GAUSS) {
        double d = x - s->mean;
        return exp(-d * d / (2 * s->variance)) /
               sqrt(2 * M_PI * s->variance);
    }
    /* Poisson: e^-mean mean^x / x!, through lgamma for any x >= 0. */
    if (x < 0) return 0;
    if (s->mean == 0) return x == 0;
    return exp(x * log(s->mean) - s->mean - lgamma(x + 1));
}

static void add_input(const bayes_model *b, const nb_input *in, double x,
                      double *acc) {
    size_t k = b->classes.n;
    if (in->kind == CONTINUOUS) {
        for (size_t c = 0; c < k; c++) {
            const nb_stat *s = &b->stats[in->first + c];
            if (s->dist == DIST_NONE) continue;
            double p = density(s, x);
            acc[c] += log(p < b->threshold ? b->threshold : p);
        }
        return;
    }
    for (uint32_t i = 0; i < in->count; i++) {
        if (b->values.v[in->first + i] != x) continue;
        const double *row = b->loglik.v + (size_t)(in->first + i) * k;
        for (size_t c = 0; c < k; c++) acc[c] += row[c];
        return;
    }
}

static int bayes_score(const model *m, const double *x, void *scratch,
                       model_output *out, ms_error *err) {
    const bayes_model *b = (const bayes_model *)m;
    double *acc = scratch;
    size_t k = b->classes.n;
    (void)err;
    memcpy(acc, b->prior, k * sizeof *acc);
    for (size_t i = 0; i < b->ninputs; i++) {
        double v = x[b->inputs[i].slot];
        if (!isnan(v)) add_input(b, &b->inputs[i], v, acc);
    }
    pmml_norm_vector(PMML_NORM_SOFTMAX, acc, k);
    size_t best = pmml_argmax(acc, k);
    out->label_index = (int)best;
    out->value = b->classes.values[best];
    if (out->probabilities) memcpy(out->probabilities, acc, k * sizeof *acc);
    return 0;
}

static void bayes_destroy(model *m) {
    bayes_model *b = (bayes_model *)m;
    free(b->prior);
    free(b->inputs);
    free(b->values.v);
    free(b->loglik.v);
    free(b->stats);
    pmml_classes_free(&b->classes);
    free(b);
}

static const model_ops bayes_ops = {.score = bayes_score,
                                    .destroy = bayes_destroy};

/* ---- compiling -------------------------------------------------------- */

/* The counts of a TargetValueCounts element into row (k doubles, NaN for
 * a class it does not list). */
static int read_counts(pmml_ctx *ctx, const xmlNode *tvcs, double *row) {
    for (size_t c = 0; c < ctx->classes.n; c++) row[c] = NAN;
    for (const xmlNode *t = pmml_elem(tvcs->children); t;
         t = pmml_elem(t->next)) {
        if (!pmml_is(t, "TargetValueCount")) return pmml_unsupported(ctx, t);
        const char *label = pmml_attr_req(ctx, t, "value");
        double count;
        int idx;
        if (!label || pmml_class_index(ctx, t, label, &idx) < 0 ||
            pmml_attr_double_req(ctx, t, "count", &count) < 0)
            return -1;
        if (!(count >= 0) || isinf(count))
            return pmml_fail(ctx, t, "TargetValueCount count must be a "
                                     "number >= 0");
        if (!isnan(row[idx]))
            return pmml_fail(ctx, t, "class '%s' is counted twice", label);
        row[idx] = count;
    }
    return 0;
}

static const xmlNode *only_child(pmml_ctx *ctx, const xmlNode *el,
                                 const char *name) {
    const xmlNode *c = pmml_elem(el->children);
    if (!pmml_is(c, name)) {
        pmml_fail(ctx, c ? c : el, "%s needs a %s", el->name, name);
        return NULL;
    }
    if (pmml_elem(c->next)) {
        pmml_unsupported(ctx, pmml_elem(c->next));
        return NULL;
    }
    return c;
}

static int compile_pairs(pmml_ctx *ctx, bayes_model *b, const xmlNode *el,
                         nb_input *in) {
    size_t k = ctx->classes.n;
    in->first = (uint32_t)b->values.n;
    for (const xmlNode *pc = pmml_elem(el->children); pc;
         pc = pmml_elem(pc->next)) {
        if (!pmml_is(pc, "PairCounts")) return pmml_unsupported(ctx, pc);
        double v;
        const xmlNode *tvcs = only_child(ctx, pc, "TargetValueCounts");
        if (!tvcs || pmml_attr_double_req(ctx, pc, "value", &v) < 0 ||
            pmml_grow(ctx, (void **)&b->values.v, &b->values.cap,
                      b->values.n + 1, sizeof(double)) < 0 ||
            pmml_grow(ctx, (void **)&b->loglik.v, &b->loglik.cap,
                      b->loglik.n + k, sizeof(double)) < 0)
            return -1;
        if (read_counts(ctx, tvcs, b->loglik.v + b->loglik.n) < 0) return -1;
        b->values.v[b->values.n++] = v;
        b->loglik.n += k;
    }
    in->count = (uint32_t)(b->values.n - in->first);
    if (in->count == 0)
        return pmml_fail(ctx, el, "BayesInput has no PairCounts");
    /* Counts become log-likelihoods against the per-class totals. */
    double *rows = b->loglik.v + (size_t)in->first * k;
    for (size_t c = 0; c < k; c++) {
        double sum = 0;
        for (uint32_t i = 0; i < in->count; i++)
            if (!isnan(rows[i * k + c])) sum += rows[i * k + c];
        for (uint32_t i = 0; i < in->count; i++) {
            double *cell = &rows[i * k + c];
            if (isnan(*cell))
                *cell = 0;
            else
                *cell = log(*cell == 0 ? b->threshold : *cell / sum);
        }
    }
    return 0;
}

static int compile_stat(pmml_ctx *ctx, const xmlNode *tvs, nb_stat *s) {
    const xmlNode *d = pmml_elem(tvs->children);
    if (!d)
        return pmml_fail(ctx, tvs, "TargetValueStat has no distribution");
    if (!pmml_is(d, "GaussianDistribution") &&
        !pmml_is(d, "PoissonDistribution"))
        return pmml_fail(ctx, d, "%s is not supported in a NaiveBayesModel "
                                 "(GaussianDistribution and "
                                 "PoissonDistribution are)", d->name);
    if (pmml_elem(d->next)) return pmml_unsupported(ctx, pmml_elem(d->next));
    if (pmml_attr_double_req(ctx, d, "mean", &s->mean) < 0) return -1;
    if (!isfinite(s->mean))
        return pmml_fail(ctx, d, "%s mean must be finite", d->name);
    if (pmml_is(d, "PoissonDistribution")) {
        s->dist = DIST_POISSON;
        if (s->mean < 0)
            return pmml_fail(ctx, d, "PoissonDistribution mean must be >= 0");
        return 0;
    }
    s->dist = DIST_GAUSS;
    if (pmml_attr_double_req(ctx, d, "variance", &s->variance) < 0) return -1;
    if (!(s->variance > 0) || isinf(s->variance))
        return pmml_fail(ctx, d, "GaussianDistribution variance must be a "
                                 "number > 0");
    return 0;
}

static int compile_stats(pmml_ctx *ctx, bayes_model *b, const xmlNode *el,
                         nb_input *in) {
    size_t k = ctx->classes.n;
    if (pmml_grow(ctx, (void **)&b->stats, &b->capstats, b->nstats + k,
                  sizeof *b->stats) < 0)
        return -1;
    in->first = (uint32_t)b->nstats;
    nb_stat *row = b->stats + b->nstats;
    b->nstats += k;
    memset(row, 0, k * sizeof *row);
    for (const xmlNode *t = pmml_elem(el->children); t;
         t = pmml_elem(t->next)) {
        if (!pmml_is(t, "TargetValueStat")) return pmml_unsupported(ctx, t);
        const char *label = pmml_attr_req(ctx, t, "value");
        int idx;
        if (!label || pmml_class_index(ctx, t, label, &idx) < 0) return -1;
        if (row[idx].dist != DIST_NONE)
            return pmml_fail(ctx, t, "class '%s' has two TargetValueStats",
                             label);
        if (compile_stat(ctx, t, &row[idx]) < 0) return -1;
    }
    return 0;
}

static int compile_input(pmml_ctx *ctx, bayes_model *b, const xmlNode *el) {
    nb_input in = {0};
    int slot;
    if (!pmml_is(el, "BayesInput")) return pmml_unsupported(ctx, el);
    if (pmml_input_slot(ctx, el, "fieldName", &slot, NULL) < 0) return -1;
    in.slot = slot;
    const xmlNode *first = pmml_elem(el->children);
    if (pmml_is(first, "TargetValueStats")) {
        in.kind = CONTINUOUS;
        if (pmml_elem(first->next))
            return pmml_unsupported(ctx, pmml_elem(first->next));
        if (compile_stats(ctx, b, first, &in) < 0) return -1;
    } else if (compile_pairs(ctx, b, el, &in) < 0) {
        return -1;
    }
    if (pmml_grow(ctx, (void **)&b->inputs, &b->capinputs, b->ninputs + 1,
                  sizeof *b->inputs) < 0)
        return -1;
    b->inputs[b->ninputs++] = in;
    return 0;
}

/* BayesOutput: the classes (unless the target lists them) and priors. */
static int compile_output(pmml_ctx *ctx, bayes_model *b, const xmlNode *el) {
    const xmlNode *tvcs = only_child(ctx, el, "TargetValueCounts");
    if (!tvcs) return -1;
    for (const xmlNode *t = pmml_elem(tvcs->children); t;
         t = pmml_elem(t->next)) {
        if (!pmml_is(t, "TargetValueCount")) return pmml_unsupported(ctx, t);
        const char *label = pmml_attr_req(ctx, t, "value");
        int ignored;
        if (!label) return -1;
        if (pmml_class_index(ctx, t, label, &ignored) < 0) return -1;
    }
    ctx->classes.fixed = 1;   /* inputs may not name other classes */
    size_t k = ctx->classes.n;
    if (k == 0) return pmml_fail(ctx, el, "BayesOutput counts no class");
    b->prior = malloc(k * sizeof *b->prior);
    if (!b->prior) {
        ctx->oom = 1;
        return pmml_fail(ctx, el, "out of memory");
    }
    if (read_counts(ctx, tvcs, b->prior) < 0) return -1;
    int any = 0;
    for (size_t c = 0; c < k; c++) {
        if (isnan(b->prior[c]))
            return pmml_fail(ctx, tvcs, "BayesOutput has no count for class "
                                        "'%s'", ctx->classes.labels[c]);
        any |= b->prior[c] > 0;
        b->prior[c] = log(b->prior[c]);
    }
    if (!any) return pmml_fail(ctx, tvcs, "BayesOutput counts are all 0");
    return 0;
}

static int compile_bayes(pmml_ctx *ctx, bayes_model *b, const xmlNode *el) {
    static const char *const functions[] = {"classification", NULL};
    int function;
    if (pmml_attr_enum_req(ctx, el, "functionName", functions, &function) < 0 ||
        pmml_attr_double_req(ctx, el, "threshold", &b->threshold) < 0)
        return -1;
    if (!(b->threshold > 0 && b->threshold <= 1))
        return pmml_fail(ctx, el, "NaiveBayesModel threshold must be in "
                                  "(0, 1]");
    const xmlNode *inputs = NULL, *output = NULL;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (pmml_is_common_child(c)) continue;
        if (pmml_is(c, "BayesInputs") && !inputs)
            inputs = c;
        else if (pmml_is(c, "BayesOutput") && !output)
            output = c;
        else
            return pmml_unsupported(ctx, c);
    }
    if (!inputs || !output)
        return pmml_fail(ctx, el, "NaiveBayesModel needs BayesInputs and a "
                                  "BayesOutput");
    if (compile_output(ctx, b, output) < 0) return -1;
    for (const xmlNode *c = pmml_elem(inputs->children); c;
         c = pmml_elem(c->next))
        if (compile_input(ctx, b, c) < 0) return -1;
    if (pmml_classes_take(ctx, &b->classes) < 0) return -1;
    b->base.scratch_size = b->classes.n * sizeof(double);
    b->base.nclasses = b->classes.n;
    b->base.class_labels = (const char *const *)b->classes.labels;
    return 0;
}

model *pmml_bayes_compile(pmml_ctx *ctx, const xmlNode *model_el) {
    bayes_model *b = pmml_model_new(ctx, model_el, sizeof *b, &bayes_ops);
    if (b && compile_bayes(ctx, b, model_el) < 0) {
        bayes_destroy(&b->base);
        return NULL;
    }
    return b ? &b->base : NULL;
}
