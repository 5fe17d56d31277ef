/*
 * pmml_tree.c - TreeModel (classification and regression): compiler and
 * scorer.
 *
 * The tree becomes an array of nodes. Each node holds the index of its
 * predicate in a pmml_preds array and the range [first, first + count) of
 * its children, which are laid out next to each other (a node's block is
 * reserved before any child is compiled). Class probabilities of a node are
 * a row of nclasses doubles in one shared array, and the ScoreDistribution
 * confidences (Output feature confidence) a row at the same place of
 * another (NaN where a ScoreDistribution gives none).
 *
 * Scoring starts at the root and moves to the first child whose predicate
 * is TRUE; that is both the binarySplit and the multiSplit walk. It stops at
 * a leaf, or when no child is true (noTrueChildStrategy), or when a
 * predicate is UNKNOWN because of a missing value (missingValueStrategy:
 * "none" treats UNKNOWN as false, as JPMML does; "nullPrediction" and
 * "lastPrediction" stop). The other missing-value strategies
 * (defaultChild, weightedConfidence, aggregateNodes) are rejected at load.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NO_PROBS UINT32_MAX
#define NO_ID UINT32_MAX

typedef struct tree_node {
    uint32_t pred;          /* index into preds */
    uint32_t first, count;  /* children: nodes[first .. first + count) */
    uint32_t probs;         /* row in probs[], or NO_PROBS */
    int32_t label;          /* classification: class index, -1 if none */
    int32_t line;           /* of the Node element, for messages */
    int32_t default_child;  /* node index of defaultChild, -1 if none */
    uint32_t id;            /* the Node's id: ids + id, or NO_ID */
    double score;           /* regression: the score, NaN if none */
    double records;         /* recordCount (else its distribution's sum) */
} tree_node;

enum { CLASSIFICATION, REGRESSION };
enum { MISSING_NONE, MISSING_NULL, MISSING_LAST, MISSING_DEFAULT,
       MISSING_WEIGHTED, MISSING_AGGREGATE };

typedef struct tree_model {
    model base;
    int function;
    int missing;            /* MISSING_* */
    int return_last;        /* noTrueChildStrategy="returnLastPrediction" */
    tree_node *nodes;
    size_t nnodes, capnodes;
    pmml_preds preds;
    double *probs;
    size_t nprobs, capprobs;
    double *conf;           /* confidences, rows as in probs */
    size_t capconf;
    pmml_classes classes;
    char *ids;              /* Node ids, NUL-separated (Output entityId) */
    size_t nids, capids;
} tree_model;

/* ---- scoring ---------------------------------------------------------- */

static int result(const tree_model *t, const tree_node *n, model_output *out,
                  ms_error *err) {
    if (t->function == REGRESSION) {
        if (isnan(n->score))
            return ms_error_set(err, "TreeModel: the Node at line %d that "
                                     "decided has no score", (int)n->line);
        out->label_index = -1;
        out->value = n->score;
        return 0;
    }
    if (n->label < 0)
        return ms_error_set(err, "TreeModel: the Node at line %d that "
                                 "decided has no score", (int)n->line);
    out->label_index = n->label;
    out->value = t->classes.values[n->label];
    if (out->probabilities) {
        size_t k = t->classes.n;
        if (n->probs != NO_PROBS) {
            memcpy(out->probabilities, t->probs + n->probs,
                   k * sizeof *out->probabilities);
        } else {
            /* A node without ScoreDistribution is certain of its score. */
            for (size_t i = 0; i < k; i++) out->probabilities[i] = 0;
            out->probabilities[n->label] = 1;
        }
    }
    return 0;
}

/* The class distribution of node n, times w, added to acc. */
static void add_leaf(const tree_model *t, const tree_node *n, double w,
                     double *acc) {
    size_t k = t->classes.n;
    if (t->missing == MISSING_AGGREGATE) w *= n->records;
    if (n->probs == NO_PROBS) {
        acc[n->label] += w;
        return;
    }
    for (size_t i = 0; i < k; i++) acc[i] += w * t->probs[n->probs + i];
}

/* aggregateNodes and weightedConfidence: walks from n, adding the leaves
 * reached (weight w) to acc. */
static void walk_split(const tree_model *t, const tree_node *n,
                       const double *x, double w, double *acc) {
    while (n->count) {
        const tree_node *next = NULL;
        int unknown = 0;
        for (uint32_t i = n->first; i < n->first + n->count && !next; i++) {
            pmml_truth v = pmml_predicate_eval(&t->preds, t->nodes[i].pred, x);
            if (v == PMML_UNKNOWN) unknown = 1;
            if (v != PMML_FALSE) next = &t->nodes[i];
        }
        if (unknown) {
            double total = 0;
            for (uint32_t i = n->first; i < n->first + n->count; i++)
                if (pmml_predicate_eval(&t->preds, t->nodes[i].pred, x) !=
                    PMML_FALSE)
                    total += t->nodes[i].records;
            for (uint32_t i = n->first; i < n->first + n->count; i++)
                if (total > 0 &&
                    pmml_predicate_eval(&t->preds, t->nodes[i].pred, x) !=
                        PMML_FALSE)
                    walk_split(t, &t->nodes[i], x,
                               t->missing == MISSING_WEIGHTED
                                   ? w * t->nodes[i].records / total : w,
                               acc);
            return;
        }
        if (!next) {
            if (t->return_last) break;
            return;             /* this branch has no prediction */
        }
        n = next;
    }
    if (n->label >= 0) add_leaf(t, n, w, acc);
}

static int split_result(const tree_model *t, double *acc, model_output *out,
                        ms_error *err) {
    size_t k = t->classes.n;
    double sum = 0;
    for (size_t i = 0; i < k; i++) sum += acc[i];
    if (!(sum > 0))
        return ms_error_set(err, "TreeModel: no prediction (no branch "
                                 "followed for the missing value reached a "
                                 "node with a score)");
    for (size_t i = 0; i < k; i++) acc[i] /= sum;
    size_t best = pmml_argmax(acc, k);
    out->label_index = (int)best;
    out->value = t->classes.values[best];
    if (out->probabilities) memcpy(out->probabilities, acc, k * sizeof *acc);
    return 0;
}

/* What to do when child c of n is UNKNOWN: 1 to stop at n, 0 to go on
 * (*next set for defaultChild), -1 for no prediction. */
static int on_unknown(const tree_model *t, const tree_node *n,
                      const tree_node **next, ms_error *err) {
    switch (t->missing) {
    case MISSING_NULL:
        return ms_error_set(err, "TreeModel: no prediction (a child of the "
                                 "Node at line %d tests a missing value)",
                            (int)n->line);
    case MISSING_LAST: return 1;
    default:                                  /* defaultChild */
        if (n->default_child < 0)
            return ms_error_set(err, "TreeModel: no prediction (the Node at "
                                     "line %d has no defaultChild for a "
                                     "missing value)", (int)n->line);
        *next = &t->nodes[n->default_child];
        return 0;
    }
}

/* The walk of the strategies that end at one node: *end is the node
 * that decides. Returns 0, or -1 with err filled. */
static int walk(const tree_model *t, const double *x, const tree_node **end,
                ms_error *err) {
    const tree_node *n = &t->nodes[0];
    while (n->count) {
        const tree_node *next = NULL;
        int stop = 0;                          /* lastPrediction: n */
        for (uint32_t i = n->first;
             i < n->first + n->count && !next && !stop; i++) {
            pmml_truth v = pmml_predicate_eval(&t->preds, t->nodes[i].pred, x);
            if (v == PMML_TRUE) {
                next = &t->nodes[i];
            } else if (v == PMML_UNKNOWN && t->missing != MISSING_NONE) {
                int rc = on_unknown(t, n, &next, err);
                if (rc < 0) return -1;
                stop = rc > 0;
            }
        }
        if (stop) break;
        if (!next) {
            if (t->return_last) break;
            return ms_error_set(err, "TreeModel: no prediction (no child of "
                                     "the Node at line %d is true)",
                                (int)n->line);
        }
        n = next;
    }
    *end = n;
    return 0;
}

static int root_true(const tree_model *t, const double *x, ms_error *err) {
    const tree_node *n = &t->nodes[0];
    if (pmml_predicate_eval(&t->preds, n->pred, x) == PMML_TRUE) return 0;
    return ms_error_set(err, "TreeModel: no prediction (the predicate of the "
                             "root Node at line %d is not true)",
                        (int)n->line);
}

static int tree_score(const model *m, const double *x, void *scratch,
                      model_output *out, ms_error *err) {
    const tree_model *t = (const tree_model *)m;
    const tree_node *n;
    if (root_true(t, x, err) < 0) return -1;
    if (t->missing == MISSING_WEIGHTED || t->missing == MISSING_AGGREGATE) {
        double *acc = scratch;
        for (size_t i = 0; i < t->classes.n; i++) acc[i] = 0;
        walk_split(t, &t->nodes[0], x, 1, acc);
        return split_result(t, acc, out, err);
    }
    if (walk(t, x, &n, err) < 0) return -1;
    return result(t, n, out, err);
}

/* The one node that decides for x, or NULL (no prediction, or a
 * strategy that blends several nodes). */
static const tree_node *decider(const tree_model *t, const double *x) {
    const tree_node *n;
    ms_error ignored;
    if (t->missing == MISSING_WEIGHTED || t->missing == MISSING_AGGREGATE ||
        root_true(t, x, &ignored) < 0 || walk(t, x, &n, &ignored) < 0)
        return NULL;
    return n;
}

const char *pmml_tree_entity(const model *m, const double *x) {
    const tree_model *t = (const tree_model *)m;
    const tree_node *n = decider(t, x);
    return n && n->id != NO_ID ? t->ids + n->id : NULL;
}

double pmml_tree_confidence(const model *m, const double *x, int cls) {
    const tree_model *t = (const tree_model *)m;
    const tree_node *n = decider(t, x);
    if (!n || n->probs == NO_PROBS || cls < 0) return NAN;
    return t->conf[n->probs + (size_t)cls];
}

static void tree_destroy(model *m) {
    tree_model *t = (tree_model *)m;
    free(t->nodes);
    free(t->probs);
    free(t->conf);
    pmml_preds_free(&t->preds);
    pmml_classes_free(&t->classes);
    free(t->ids);
    free(t);
}

static const model_ops tree_ops = {.score = tree_score,
                                   .destroy = tree_destroy};

/* ---- compiling -------------------------------------------------------- */

/* Labels of a classifier whose target lists no values: every
 * ScoreDistribution value in document order (scores = 0), then any Node
 * score not seen among them (scores = 1). */
static int collect_labels(pmml_ctx *ctx, const xmlNode *node, int scores) {
    int ignored;
    const char *s = scores ? pmml_attr(ctx, node, "score") : NULL;
    if (s && pmml_class_index(ctx, node, s, &ignored) < 0) return -1;
    for (const xmlNode *c = pmml_elem(node->children); c;
         c = pmml_elem(c->next)) {
        if (!scores && pmml_is(c, "ScoreDistribution")) {
            const char *v = pmml_attr_req(ctx, c, "value");
            if (!v || pmml_class_index(ctx, c, v, &ignored) < 0) return -1;
        } else if (pmml_is(c, "Node")) {
            if (collect_labels(ctx, c, scores) < 0) return -1;
        }
    }
    return 0;
}

/* Fills a row of class probabilities from a Node's ScoreDistributions:
 * each one's probability attribute if given, else recordCount / total.
 * Either all of a node's entries carry probability or none do. */
static int compile_distribution(pmml_ctx *ctx, tree_model *t,
                                const xmlNode *node, tree_node *n) {
    size_t k = ctx->classes.n, given = 0, entries = 0;
    double total = 0;
    if (k == 0) return 0;   /* no labels at all: compile_tree rejects it */
    if (pmml_grow(ctx, (void **)&t->probs, &t->capprobs, t->nprobs + k,
                  sizeof *t->probs) < 0 ||
        pmml_grow(ctx, (void **)&t->conf, &t->capconf, t->nprobs + k,
                  sizeof *t->conf) < 0)
        return -1;
    double *row = t->probs + t->nprobs, *conf = t->conf + t->nprobs;
    for (size_t i = 0; i < k; i++) {
        row[i] = 0;
        conf[i] = NAN;
    }
    for (const xmlNode *c = pmml_elem(node->children); c;
         c = pmml_elem(c->next)) {
        if (!pmml_is(c, "ScoreDistribution")) continue;
        const char *v = pmml_attr_req(ctx, c, "value");
        double count, prob;
        int idx;
        if (!v || pmml_class_index(ctx, c, v, &idx) < 0 ||
            pmml_attr_double(ctx, c, "recordCount", NAN, &count) < 0 ||
            pmml_attr_double(ctx, c, "probability", NAN, &prob) < 0 ||
            pmml_attr_double(ctx, c, "confidence", NAN, &conf[idx]) < 0)
            return -1;
        if (isnan(count) || count < 0)
            return pmml_fail(ctx, c, "ScoreDistribution needs a recordCount "
                                     ">= 0");
        entries++;
        given += !isnan(prob);
        total += count;
        /* A value listed twice adds up, like the records it counts. */
        row[idx] += isnan(prob) ? count : prob;
    }
    if (isnan(n->records)) n->records = total;
    if (entries == 0) return 0;
    if (given != 0 && given != entries)
        return pmml_fail(ctx, node, "Node mixes ScoreDistributions with and "
                                    "without a probability");
    if (given == 0) {
        if (total <= 0)
            return pmml_fail(ctx, node, "ScoreDistribution recordCounts of "
                                        "this Node add up to 0");
        for (size_t i = 0; i < k; i++) row[i] /= total;
    }
    n->probs = (uint32_t)t->nprobs;
    t->nprobs += k;
    if (n->label < 0) {
        /* No score attribute: PMML predicts the most probable class. */
        n->label = 0;
        for (size_t i = 1; i < k; i++)
            if (row[i] > row[n->label]) n->label = (int32_t)i;
    }
    return 0;
}

static int compile_score(pmml_ctx *ctx, tree_model *t, const xmlNode *el,
                         tree_node *n) {
    const char *s = pmml_attr(ctx, el, "score");
    if (!s) return ctx->oom ? -1 : 0;
    if (t->function == CLASSIFICATION) {
        int idx;
        if (pmml_class_index(ctx, el, s, &idx) < 0) return -1;
        n->label = idx;
        return 0;
    }
    if (pmml_parse_double(s, &n->score) < 0 || isnan(n->score))
        return pmml_fail(ctx, el, "Node score '%s' of a regression tree is "
                                  "not a number", s);
    return 0;
}

/* Compiles Node el into t->nodes[at], already reserved. t->nodes moves as
 * children are added, so the node is built locally and stored last. */
static int compile_node(pmml_ctx *ctx, tree_model *t, const xmlNode *el,
                        uint32_t at) {
    tree_node n = {.probs = NO_PROBS, .label = -1, .score = NAN,
                   .line = (int32_t)xmlGetLineNo(el), .default_child = -1,
                   .id = NO_ID};
    const char *id = pmml_attr(ctx, el, "id");
    if (id) {
        size_t len = strlen(id) + 1;
        if (pmml_grow(ctx, (void **)&t->ids, &t->capids, t->nids + len, 1) < 0)
            return -1;
        memcpy(t->ids + t->nids, id, len);
        n.id = (uint32_t)t->nids;
        t->nids += len;
    }
    if (pmml_attr_double(ctx, el, "recordCount", NAN, &n.records) < 0)
        return -1;
    const xmlNode *pred = pmml_elem(el->children);
    if (!pmml_is_predicate(pred))
        return pmml_fail(ctx, pred ? pred : el, "Node must start with a "
                                                "predicate (True, "
                                                "SimplePredicate, ...)");
    if (pmml_predicate_compile(ctx, &t->preds, pred, &n.pred) < 0) return -1;
    for (const xmlNode *c = pmml_elem(pred->next); c; c = pmml_elem(c->next)) {
        if (pmml_is(c, "Node"))
            n.count++;
        else if (!pmml_is(c, "ScoreDistribution") && !pmml_is(c, "Partition"))
            return pmml_unsupported(ctx, c);  /* e.g. embedded Regression */
    }
    if (compile_score(ctx, t, el, &n) < 0) return -1;
    if (t->function == CLASSIFICATION &&
        compile_distribution(ctx, t, el, &n) < 0)
        return -1;
    if (n.count) {
        if (pmml_grow(ctx, (void **)&t->nodes, &t->capnodes,
                      t->nnodes + n.count, sizeof *t->nodes) < 0)
            return -1;
        n.first = (uint32_t)t->nnodes;
        t->nnodes += n.count;
        uint32_t child = n.first;
        const char *dflt = pmml_attr(ctx, el, "defaultChild");
        for (const xmlNode *c = pmml_elem(pred->next); c;
             c = pmml_elem(c->next)) {
            if (!pmml_is(c, "Node")) continue;
            const char *cid = dflt ? pmml_attr(ctx, c, "id") : NULL;
            if (cid && strcmp(cid, dflt) == 0)
                n.default_child = (int32_t)child;
            if (compile_node(ctx, t, c, child++) < 0) return -1;
        }
        if (dflt && n.default_child < 0)
            return pmml_fail(ctx, el, "defaultChild '%s' is not a child of "
                                      "this Node", dflt);
    }
    if (isnan(n.records)) n.records = 0;
    t->nodes[at] = n;
    return 0;
}

static int compile_tree(pmml_ctx *ctx, tree_model *t, const xmlNode *el) {
    static const char *const functions[] = {"classification", "regression",
                                            NULL};
    static const char *const splits[] = {"binarySplit", "multiSplit", NULL};
    static const char *const missing[] = {
        "none", "nullPrediction", "lastPrediction", "defaultChild",
        "weightedConfidence", "aggregateNodes", NULL};
    static const char *const no_true[] = {"returnNullPrediction",
                                          "returnLastPrediction", NULL};
    int split;
    if (pmml_attr_enum_req(ctx, el, "functionName", functions,
                           &t->function) < 0 ||
        pmml_attr_enum(ctx, el, "splitCharacteristic", splits, 1, &split) < 0 ||
        pmml_attr_enum(ctx, el, "missingValueStrategy", missing, MISSING_NONE,
                       &t->missing) < 0 ||
        pmml_attr_enum(ctx, el, "noTrueChildStrategy", no_true, 0,
                       &t->return_last) < 0)
        return -1;
    const xmlNode *root = NULL;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (pmml_is_common_child(c)) continue;
        if (!pmml_is(c, "Node")) return pmml_unsupported(ctx, c);
        if (root) return pmml_fail(ctx, c, "TreeModel has a second root Node");
        root = c;
    }
    if (!root) return pmml_fail(ctx, el, "TreeModel has no Node");
    if (t->function == CLASSIFICATION && !ctx->classes.fixed &&
        (collect_labels(ctx, root, 0) < 0 || collect_labels(ctx, root, 1) < 0))
        return -1;
    if (pmml_grow(ctx, (void **)&t->nodes, &t->capnodes, 1,
                  sizeof *t->nodes) < 0)
        return -1;
    t->nnodes = 1;
    if (compile_node(ctx, t, root, 0) < 0) return -1;
    if (t->function == CLASSIFICATION) {
        if (ctx->classes.n == 0)
            return pmml_fail(ctx, el, "classification TreeModel has no class "
                                      "labels (no scores, no target values)");
        if (pmml_classes_take(ctx, &t->classes) < 0) return -1;
        t->base.scratch_size = t->classes.n * sizeof(double);
    } else if (t->missing == MISSING_WEIGHTED ||
               t->missing == MISSING_AGGREGATE) {
        return pmml_fail(ctx, el, "missingValueStrategy '%s' applies to "
                                  "classification trees only",
                         missing[t->missing]);
    }
    return 0;
}

model *pmml_tree_compile(pmml_ctx *ctx, const xmlNode *model_el) {
    tree_model *t = calloc(1, sizeof *t);
    if (!t) {
        ctx->oom = 1;
        pmml_fail(ctx, model_el, "out of memory");
        return NULL;
    }
    t->base.ops = &tree_ops;
    if (compile_tree(ctx, t, model_el) < 0) {
        tree_destroy(&t->base);
        return NULL;
    }
    t->base.type = MODEL_TYPE_PMML;
    t->base.nclasses = t->classes.n;
    t->base.class_labels = (const char *const *)t->classes.labels;
    return &t->base;
}
