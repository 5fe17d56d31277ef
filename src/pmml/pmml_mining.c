/*
 * pmml_mining.c - MiningModel with a Segmentation (random forests, boosted
 * trees, model ensembles): compiler and scorer.
 *
 * Each Segment is a predicate, a weight and a model compiled by the same
 * table as a top-level one (pmml_compile_nested), so segments nest to any
 * depth the parser allows. A classifier segment may list its labels in
 * another order than the ensemble, so each keeps a map from its label
 * indexes to the ensemble's.
 *
 * Scoring visits the segments in document order, skips those whose
 * predicate is not TRUE, and combines the rest by multipleModelMethod:
 *
 *   classification  majorityVote, weightedMajorityVote (probability =
 *                   share of the votes), average, weightedAverage (of the
 *                   probabilities), max (the segment most sure of its
 *                   winner), selectFirst, selectAll, modelChain (the last
 *                   segment)
 *   regression      average, weightedAverage, median, weightedMedian, sum,
 *                   weightedSum, max, selectFirst, selectAll, modelChain
 *
 * selectAll gives every segment's prediction (JPMML: a list), which one
 * model output cannot carry: the prediction is the first segment's, as
 * with selectFirst, and each segment's is reported by Output fields with
 * a segmentId (pmml_mining_segment_score(), for any method but
 * modelChain). Segments are named by their id, else by their 1-based
 * position, as in JPMML. In a modelChain each segment's Output fields
 * are computed into the ensemble's own copy of the record, where the
 * segments after it read them (a MiningField naming an earlier segment's
 * OutputField): that is how gradient-boosted classifiers chain a sum of
 * trees into a logistic regression. Only the last segment need predict
 * what the ensemble does; the ones before may be of any function.
 *
 * A segment that cannot predict (missing input, no true child, ...) is
 * handled by missingPredictionTreatment: returnMissing fails the record;
 * skipSegment leaves it out; continue (the default) leaves it out unless
 * the share of such segments exceeds missingThreshold.
 *
 * Scratch: the combination's accumulators, then the largest scratch any
 * segment's model needs (segments run one after another).
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum method {
    MAJORITY_VOTE, WEIGHTED_MAJORITY_VOTE, AVERAGE, WEIGHTED_AVERAGE, MEDIAN,
    WEIGHTED_MEDIAN, MAX, SUM, WEIGHTED_SUM, SELECT_FIRST, SELECT_ALL,
    MODEL_CHAIN
};
static const char *const methods[] = {
    "majorityVote", "weightedMajorityVote", "average", "weightedAverage",
    "median", "weightedMedian", "max", "sum", "weightedSum", "selectFirst",
    "selectAll", "modelChain", NULL};

enum { CLASSIFICATION, REGRESSION };
enum { RETURN_MISSING, SKIP_SEGMENT, CONTINUE };

typedef struct segment {
    char *id;               /* its id, or its 1-based position */
    uint32_t pred;
    int32_t line;
    double weight;
    model *m;
    int32_t *label_map;     /* m's class index -> ensemble class index */
    int32_t *out_slots;     /* modelChain: where m's outputs go */
    int matches;            /* m predicts what the ensemble does */
} segment;

typedef struct mining_model {
    model base;
    int function, method, missing;
    double missing_threshold;
    pmml_preds preds;
    segment *segs;
    size_t nsegs, capsegs;
    pmml_classes classes;
    size_t child_classes;   /* most labels of any segment */
    size_t child_scratch;   /* offset of the segments' scratch */
    size_t max_outputs;     /* modelChain: most outputs of any segment */
    size_t buffer;          /* modelChain: offset of the record copy */
    size_t nlow, nhigh_in;  /* what is copied: x[0 .. nlow) and the
                               enclosing derived slots */
    size_t nhigh;           /* then the segments' slots, reset to missing
                               for each record */
} mining_model;

/* ---- scoring ---------------------------------------------------------- */

static int weighted(int method) {
    return method == WEIGHTED_MAJORITY_VOTE || method == WEIGHTED_AVERAGE ||
           method == WEIGHTED_MEDIAN || method == WEIGHTED_SUM;
}

/* What the segments gave, combined as they arrive. */
typedef struct tally {
    double *acc;            /* per ensemble class: votes or probabilities */
    double *child_probs;    /* one segment's probabilities */
    double *values;         /* regression: each value, for the medians */
    double *weights;        /* and its weight */
    size_t n;               /* segments that predicted */
    double total;           /* sum of their weights */
    double best;            /* max: the highest value or winning prob */
    int have_pick;          /* selectFirst/modelChain/max chose one */
} tally;

static void add_classification(const mining_model *mm, const segment *s,
                               const model_output *o, tally *t) {
    size_t k = s->m->nclasses, label = (size_t)s->label_map[o->label_index];
    switch (mm->method) {
    case MAJORITY_VOTE:
    case WEIGHTED_MAJORITY_VOTE:
        t->acc[label] += weighted(mm->method) ? s->weight : 1;
        break;
    case AVERAGE:
    case WEIGHTED_AVERAGE: {
        double w = weighted(mm->method) ? s->weight : 1;
        for (size_t i = 0; i < k; i++)
            t->acc[s->label_map[i]] += w * t->child_probs[i];
        break;
    }
    default: {              /* max, selectFirst, modelChain: keep one */
        double p = t->child_probs[o->label_index];
        if (mm->method == MAX && t->have_pick && p <= t->best) break;
        t->best = p;
        t->have_pick = 1;
        for (size_t i = 0; i < mm->classes.n; i++) t->acc[i] = 0;
        for (size_t i = 0; i < k; i++)
            t->acc[s->label_map[i]] = t->child_probs[i];
        break;
    }
    }
}

static void add_regression(const mining_model *mm, const segment *s,
                           double v, tally *t) {
    t->values[t->n] = v;
    t->weights[t->n] = weighted(mm->method) ? s->weight : 1;
    if (mm->method == MAX && t->have_pick && v <= t->best) return;
    t->best = v;            /* max, and the one kept by selectFirst/chain */
    t->have_pick = 1;
}

/* Median of values[0..n) weighted by weights (all 1 for the plain median:
 * then an even count gives the mean of the two middle values). Sorts both
 * arrays together in place; n is a handful, so insertion sort. */
static double median(double *values, double *weights, size_t n, int weighted) {
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && values[j - 1] > values[j]; j--) {
            double v = values[j], w = weights[j];
            values[j] = values[j - 1];
            weights[j] = weights[j - 1];
            values[j - 1] = v;
            weights[j - 1] = w;
        }
    if (!weighted)
        return n % 2 ? values[n / 2]
                     : (values[n / 2 - 1] + values[n / 2]) / 2;
    double total = 0, run = 0;
    for (size_t i = 0; i < n; i++) total += weights[i];
    for (size_t i = 0; i < n; i++)
        if ((run += weights[i]) >= total / 2) return values[i];
    return values[n - 1];
}

static double regression_result(const mining_model *mm, tally *t) {
    double sum = 0, wsum = 0;
    for (size_t i = 0; i < t->n; i++) {
        sum += t->values[i];
        wsum += t->weights[i] * t->values[i];
    }
    switch (mm->method) {
    case AVERAGE:          return sum / (double)t->n;
    case WEIGHTED_AVERAGE: return wsum / t->total;
    case SUM:              return sum;
    case WEIGHTED_SUM:     return wsum;
    case MEDIAN:
    case WEIGHTED_MEDIAN:
        return median(t->values, t->weights, t->n,
                      mm->method == WEIGHTED_MEDIAN);
    default:               return t->best;
    }
}

/* modelChain: the segment's outputs into the record copy, NaN when it
 * could not predict. */
static void chain_outputs(const segment *s, const double *outs, int ok,
                          double *buf) {
    for (size_t i = 0; i < s->m->noutputs; i++)
        buf[s->out_slots[i]] = ok ? outs[i] : NAN;
}

static int mining_score(const model *m, const double *x, void *scratch,
                        model_output *out, ms_error *err) {
    const mining_model *mm = (const mining_model *)m;
    double *d = scratch;
    size_t k = mm->classes.n;
    tally t = {.acc = d, .child_probs = d + k,
               .values = d + k + mm->child_classes,
               .weights = d + k + mm->child_classes + mm->nsegs};
    double *outs = t.weights + mm->nsegs;
    void *child_scratch = (char *)scratch + mm->child_scratch;
    size_t fired = 0, failed = 0;
    if (mm->method == MODEL_CHAIN) {
        double *buf = (void *)((char *)scratch + mm->buffer);
        memcpy(buf, x, mm->nlow * sizeof *buf);
        if (mm->nhigh_in)
            memcpy(buf + PMML_DERIVED_BASE, x + PMML_DERIVED_BASE,
                   mm->nhigh_in * sizeof *buf);
        /* A segment that does not run leaves its outputs missing, not as
         * the last record had them. */
        for (size_t i = PMML_DERIVED_BASE + mm->nhigh_in;
             i < PMML_DERIVED_BASE + mm->nhigh; i++)
            buf[i] = NAN;
        x = buf;
    }
    for (size_t i = 0; i < k; i++) t.acc[i] = 0;
    for (size_t i = 0; i < mm->nsegs; i++) {
        const segment *s = &mm->segs[i];
        if (pmml_predicate_eval(&mm->preds, s->pred, x) != PMML_TRUE) continue;
        fired++;
        model_output o = {.probabilities = t.child_probs,
                          .outputs = s->out_slots ? outs : NULL};
        int rc = model_score(s->m, x, child_scratch, &o, err);
        if (s->out_slots) chain_outputs(s, outs, rc == 0, (double *)x);
        if (rc < 0) {
            if (mm->missing == RETURN_MISSING)
                return ms_error_prefix(err, "MiningModel: Segment at line %d",
                                       (int)s->line);
            failed++;
            continue;
        }
        if (!s->matches) continue;   /* a chain's intermediate step */
        if (mm->function == CLASSIFICATION)
            add_classification(mm, s, &o, &t);
        else
            add_regression(mm, s, o.value, &t);
        t.n++;
        t.total += weighted(mm->method) ? s->weight : 1;
        if (mm->method == SELECT_FIRST || mm->method == SELECT_ALL) break;
    }
    if (t.n == 0 || (mm->missing == CONTINUE && fired &&
                     (double)failed / (double)fired > mm->missing_threshold))
        return ms_error_set(err, "MiningModel: no prediction (%zu of %zu "
                                 "segments predicted)", t.n, mm->nsegs);
    if (mm->function == REGRESSION) {
        out->label_index = -1;
        out->value = regression_result(mm, &t);
        return 0;
    }
    /* Votes and summed probabilities are divided by the (weighted) number
     * of segments; the methods that keep one segment's answer are not. */
    if (mm->method <= WEIGHTED_AVERAGE && t.total > 0)
        for (size_t i = 0; i < k; i++) t.acc[i] /= t.total;
    size_t label = pmml_argmax(t.acc, k);
    out->label_index = (int)label;
    out->value = mm->classes.values[label];
    if (out->probabilities) memcpy(out->probabilities, t.acc, k * sizeof *t.acc);
    return 0;
}

int pmml_mining_segment_index(const model *m, const char *id) {
    const mining_model *mm = (const mining_model *)m;
    if (mm->method == MODEL_CHAIN) return -1;
    for (size_t i = 0; i < mm->nsegs; i++)
        if (strcmp(mm->segs[i].id, id) == 0) return (int)i;
    return -1;
}

const model *pmml_mining_segment_model(const model *m, size_t seg) {
    return ((const mining_model *)m)->segs[seg].m;
}

int pmml_mining_segment_score(const model *m, const double *x, void *scratch,
                              size_t seg, model_output *o) {
    const mining_model *mm = (const mining_model *)m;
    const segment *s = &mm->segs[seg];
    ms_error ignored;
    /* The same scratch places as mining_score: child_probs, then the
     * segments' scratch. */
    o->probabilities = (double *)scratch + mm->classes.n;
    o->outputs = NULL;
    o->output_strings = NULL;
    if (pmml_predicate_eval(&mm->preds, s->pred, x) != PMML_TRUE) return -1;
    return model_score(s->m, x, (char *)scratch + mm->child_scratch, o,
                       &ignored);
}

static void mining_destroy(model *m) {
    mining_model *mm = (mining_model *)m;
    for (size_t i = 0; i < mm->nsegs; i++) {
        free(mm->segs[i].id);
        model_free(mm->segs[i].m);
        free(mm->segs[i].label_map);
        free(mm->segs[i].out_slots);
    }
    free(mm->segs);
    pmml_preds_free(&mm->preds);
    pmml_classes_free(&mm->classes);
    free(mm);
}

static const model_ops mining_ops = {.score = mining_score,
                                     .destroy = mining_destroy};

/* ---- compiling -------------------------------------------------------- */

static int check_method(pmml_ctx *ctx, mining_model *mm, const xmlNode *el) {
    static const int classification_only[] = {MAJORITY_VOTE,
                                              WEIGHTED_MAJORITY_VOTE};
    static const int regression_only[] = {MEDIAN, WEIGHTED_MEDIAN, SUM,
                                          WEIGHTED_SUM};
    const int *bad = mm->function == CLASSIFICATION ? regression_only
                                                    : classification_only;
    size_t nbad = mm->function == CLASSIFICATION
                      ? sizeof regression_only / sizeof *regression_only
                      : sizeof classification_only /
                            sizeof *classification_only;
    for (size_t i = 0; i < nbad; i++)
        if (bad[i] == mm->method)
            return pmml_fail(ctx, el, "Segmentation multipleModelMethod '%s' "
                                      "does not apply to %s",
                             methods[mm->method],
                             mm->function == CLASSIFICATION
                                 ? "classification" : "regression");
    return 0;
}

static int mismatch(pmml_ctx *ctx, const mining_model *mm,
                    const xmlNode *model_el, const model *m) {
    return pmml_fail(ctx, model_el, "a %s segment in a %s MiningModel",
                     m->nclasses ? "classification" : "regression",
                     mm->function == CLASSIFICATION ? "classification"
                                                    : "regression");
}

static int compile_segment(pmml_ctx *ctx, mining_model *mm,
                           const xmlNode *el) {
    segment s = {.line = (int32_t)xmlGetLineNo(el)};
    const xmlNode *pred = pmml_elem(el->children);
    if (!pmml_is_predicate(pred))
        return pmml_fail(ctx, pred ? pred : el, "Segment must start with a "
                                                "predicate (True, "
                                                "SimplePredicate, ...)");
    const xmlNode *model_el = pmml_elem(pred->next);
    if (!model_el) return pmml_fail(ctx, el, "Segment has no model");
    if (pmml_elem(model_el->next))
        return pmml_unsupported(ctx, pmml_elem(model_el->next));
    if (pmml_attr_double(ctx, el, "weight", 1, &s.weight) < 0 ||
        pmml_predicate_compile(ctx, &mm->preds, pred, &s.pred) < 0 ||
        pmml_grow(ctx, (void **)&mm->segs, &mm->capsegs, mm->nsegs + 1,
                  sizeof *mm->segs) < 0)
        return -1;
    if (!isfinite(s.weight) || s.weight < 0)
        return pmml_fail(ctx, el, "Segment weight must be a number >= 0");
    const char *id = pmml_attr(ctx, el, "id");
    char position[24];
    snprintf(position, sizeof position, "%zu", mm->nsegs + 1);
    if (!(s.id = strdup(id ? id : position))) {
        ctx->oom = 1;
        return pmml_fail(ctx, el, "out of memory");
    }
    s.m = pmml_compile_nested(ctx, model_el, mm->method == MODEL_CHAIN,
                              &s.out_slots);
    if (!s.m) {
        free(s.id);
        free(s.out_slots);
        return -1;
    }
    s.matches = (mm->function == CLASSIFICATION) == (s.m->nclasses > 0);
    mm->segs[mm->nsegs++] = s;   /* owned by mm from here on */
    segment *kept = &mm->segs[mm->nsegs - 1];
    if (s.m->noutputs > mm->max_outputs) mm->max_outputs = s.m->noutputs;
    /* In a chain only the last segment must match: checked at the end. */
    if (!s.matches && mm->method != MODEL_CHAIN)
        return mismatch(ctx, mm, model_el, s.m);
    if (!s.matches || s.m->nclasses == 0) return 0;
    kept->label_map = malloc(s.m->nclasses * sizeof *kept->label_map);
    if (!kept->label_map) {
        ctx->oom = 1;
        return pmml_fail(ctx, el, "out of memory");
    }
    for (size_t i = 0; i < s.m->nclasses; i++) {
        int idx;
        if (pmml_class_index(ctx, model_el, s.m->class_labels[i], &idx) < 0)
            return -1;
        kept->label_map[i] = idx;
    }
    if (s.m->nclasses > mm->child_classes) mm->child_classes = s.m->nclasses;
    return 0;
}

static int compile_segmentation(pmml_ctx *ctx, mining_model *mm,
                                const xmlNode *seg) {
    static const char *const treatments[] = {"returnMissing", "skipSegment",
                                             "continue", NULL};
    mm->nhigh_in = ctx->nderived;
    if (pmml_attr_enum_req(ctx, seg, "multipleModelMethod", methods,
                           &mm->method) < 0 ||
        pmml_attr_enum(ctx, seg, "missingPredictionTreatment", treatments,
                       CONTINUE, &mm->missing) < 0 ||
        pmml_attr_double(ctx, seg, "missingThreshold", 1,
                         &mm->missing_threshold) < 0 ||
        check_method(ctx, mm, seg) < 0)
        return -1;
    for (const xmlNode *c = pmml_elem(seg->children); c;
         c = pmml_elem(c->next)) {
        if (!pmml_is(c, "Segment")) return pmml_unsupported(ctx, c);
        if (compile_segment(ctx, mm, c) < 0) return -1;
    }
    if (mm->nsegs == 0)
        return pmml_fail(ctx, seg, "Segmentation has no Segment");
    const segment *last = &mm->segs[mm->nsegs - 1];
    if (!last->matches)
        return mismatch(ctx, mm, seg, last->m);
    return 0;
}

static int compile_mining(pmml_ctx *ctx, mining_model *mm, const xmlNode *el) {
    static const char *const functions[] = {"classification", "regression",
                                            NULL};
    if (pmml_attr_enum_req(ctx, el, "functionName", functions,
                           &mm->function) < 0)
        return -1;
    const xmlNode *seg = NULL;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (pmml_is_common_child(c)) continue;
        if (!pmml_is(c, "Segmentation") || seg)
            return pmml_unsupported(ctx, c);
        seg = c;
    }
    if (!seg) return pmml_fail(ctx, el, "MiningModel has no Segmentation");
    size_t nfields = ctx->nfields;
    if (compile_segmentation(ctx, mm, seg) < 0) return -1;
    /* A chain's outputs were for its later segments only. */
    ctx->nfields = nfields;
    size_t child_scratch = 0;
    for (size_t i = 0; i < mm->nsegs; i++)
        if (mm->segs[i].m->scratch_size > child_scratch)
            child_scratch = mm->segs[i].m->scratch_size;
    if (mm->function == CLASSIFICATION &&
        pmml_classes_take(ctx, &mm->classes) < 0)
        return -1;
    /* acc, child_probs, values, weights, outputs; a chain's copy of the
     * record; then the segments' scratch, kept 16-byte aligned for
     * whatever they store. */
    size_t doubles = mm->classes.n + mm->child_classes + 2 * mm->nsegs +
                     mm->max_outputs;
    mm->buffer = (doubles * sizeof(double) + 15) & ~(size_t)15;
    mm->child_scratch = mm->buffer;
    if (mm->method == MODEL_CHAIN) {
        mm->nlow = atomic_load(&ctx->schema->nfields);
        mm->nhigh = ctx->nderived;
        mm->child_scratch += ((PMML_DERIVED_BASE + ctx->nderived) *
                                  sizeof(double) + 15) & ~(size_t)15;
    }
    mm->base.scratch_size = mm->child_scratch + child_scratch;
    mm->base.nclasses = mm->classes.n;
    mm->base.class_labels = (const char *const *)mm->classes.labels;
    return 0;
}

model *pmml_mining_compile(pmml_ctx *ctx, const xmlNode *model_el) {
    mining_model *mm = pmml_model_new(ctx, model_el, sizeof *mm, &mining_ops);
    if (mm && compile_mining(ctx, mm, model_el) < 0) {
        mining_destroy(&mm->base);
        return NULL;
    }
    return mm ? &mm->base : NULL;
}
