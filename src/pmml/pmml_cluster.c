/*
 * pmml_cluster.c - ClusteringModel, center-based: compiler and scorer.
 *
 * Each Cluster's Array is a centre, one value per center field (the
 * ClusteringFields with isCenterField not "false"); the centres form one
 * matrix of nclusters rows. Scoring measures the record against every
 * centre and predicts the nearest (distance) or most similar (similarity)
 * cluster; its label is the Cluster's id, or its 1-based position when it
 * has none (JPMML's predictedValue), and its "probability" is 1, the
 * others' 0 (PMML gives clusters no probabilities). The distance or
 * similarity itself is the Output feature affinity (pmml_output.c asks
 * pmml_cluster_measure()).
 *
 * Distances, as JPMML computes them, with c_i the field's comparison of
 * x_i to the centre (absDiff |x - y|, gaussSim exp(-ln 2 (x-y)^2 / s^2)
 * with s the field's similarityScale, delta 0 when equal else 1, equal 1
 * when equal else 0) and w_i its fieldWeight:
 *
 *   euclidean         (adj * sum w_i c_i^2) ^ 1/2
 *   squaredEuclidean  adj * sum w_i c_i^2
 *   cityBlock         adj * sum w_i c_i
 *   chebychev         adj * max w_i c_i
 *   minkowski         (adj * sum w_i c_i^p) ^ 1/p
 *
 * Missing values are left out and made up for by adj = sum q_i / sum of
 * q_i over the fields present, q being MissingValueWeights (all 1 when
 * absent); a record with every center field missing has no prediction.
 * Similarities (simpleMatching, jaccard, tanimoto, binarySimilarity)
 * count matches of 0/1 values and need every value present and binary.
 * distributionBased models and the "table" compare function are rejected.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum measure {
    M_EUCLIDEAN, M_SQUARED_EUCLIDEAN, M_CHEBYCHEV, M_CITY_BLOCK, M_MINKOWSKI,
    M_SIMPLE_MATCHING, M_JACCARD, M_TANIMOTO, M_BINARY_SIMILARITY
};
static const char *const measures[] = {
    "euclidean", "squaredEuclidean", "chebychev", "cityBlock", "minkowski",
    "simpleMatching", "jaccard", "tanimoto", "binarySimilarity", NULL};

enum compare { C_ABS_DIFF, C_GAUSS_SIM, C_DELTA, C_EQUAL, C_TABLE };
static const char *const compares[] = {"absDiff", "gaussSim", "delta",
                                       "equal", "table", NULL};

typedef struct cl_field {
    int32_t slot;
    int compare;
    double weight, scale, q;   /* fieldWeight, similarityScale, missing
                                  value weight */
} cl_field;

typedef struct cluster_model {
    model base;
    int measure;
    double p;                  /* minkowski */
    double c[4], d[4];         /* binarySimilarity c00 c01 c10 c11, d.. */
    cl_field *fields;
    size_t nfields, capfields;
    pmml_values centres;       /* nclusters x nfields */
    pmml_classes classes;
} cluster_model;

/* ---- scoring ---------------------------------------------------------- */

static double compare(const cl_field *f, double x, double y) {
    switch (f->compare) {
    case C_GAUSS_SIM: {
        double z = x - y;
        return exp(-M_LN2 * z * z / (f->scale * f->scale));
    }
    case C_DELTA: return x == y ? 0 : 1;
    case C_EQUAL: return x == y ? 1 : 0;
    default:      return fabs(x - y);
    }
}

static double distance(const cluster_model *cm, const double *x,
                       const double *centre, double adj) {
    double acc = 0;
    double inner = cm->measure == M_EUCLIDEAN ||
                           cm->measure == M_SQUARED_EUCLIDEAN
                       ? 2
                       : cm->measure == M_MINKOWSKI ? cm->p : 1;
    for (size_t i = 0; i < cm->nfields; i++) {
        const cl_field *f = &cm->fields[i];
        double v = x[f->slot];
        if (isnan(v)) continue;
        double c = compare(f, v, centre[i]);
        double t = f->weight * (inner == 1 ? c : inner == 2 ? c * c
                                                            : pow(c, inner));
        if (cm->measure == M_CHEBYCHEV)
            acc = t > acc ? t : acc;
        else
            acc += t;
    }
    switch (cm->measure) {
    case M_EUCLIDEAN: return sqrt(acc * adj);
    case M_MINKOWSKI: return pow(acc * adj, 1 / cm->p);
    default:          return acc * adj;
    }
}

/* Binary similarity from the counts of (record, centre) value pairs;
 * n[2 * a + b] counts record value a against centre value b. */
static double similarity(const cluster_model *cm, const double *x,
                         const double *centre) {
    double n[4] = {0};   /* a00 a01 a10 a11 */
    for (size_t i = 0; i < cm->nfields; i++)
        n[2 * (x[cm->fields[i].slot] == 1) + (centre[i] == 1)] += 1;
    double num, den;
    switch (cm->measure) {
    case M_SIMPLE_MATCHING:
        num = n[3] + n[0];
        den = n[0] + n[1] + n[2] + n[3];
        break;
    case M_JACCARD:
        num = n[3];
        den = n[3] + n[1] + n[2];
        break;
    case M_TANIMOTO:
        num = n[3] + n[0];
        den = n[3] + 2 * (n[1] + n[2]) + n[0];
        break;
    default:
        num = den = 0;
        for (int i = 0; i < 4; i++) {
            num += cm->c[i] * n[i];
            den += cm->d[i] * n[i];
        }
    }
    return num / den;
}

static int check_record(const cluster_model *cm, const double *x,
                        double *adj, ms_error *err) {
    double all = 0, present = 0;
    for (size_t i = 0; i < cm->nfields; i++) {
        double v = x[cm->fields[i].slot];
        all += cm->fields[i].q;
        if (cm->measure >= M_SIMPLE_MATCHING && !(v == 0 || v == 1))
            return ms_error_set(err, "ClusteringModel: no prediction (%s "
                                     "needs every input 0 or 1)",
                                measures[cm->measure]);
        if (!isnan(v)) present += cm->fields[i].q;
    }
    if (present == 0)
        return ms_error_set(err, "ClusteringModel: no prediction (every "
                                 "input is missing)");
    *adj = all / present;
    return 0;
}

double pmml_cluster_measure(const model *m, const double *x, size_t cluster) {
    const cluster_model *cm = (const cluster_model *)m;
    const double *centre = cm->centres.v + cluster * cm->nfields;
    double adj;
    ms_error ignored;
    if (check_record(cm, x, &adj, &ignored) < 0) return NAN;
    return cm->measure >= M_SIMPLE_MATCHING ? similarity(cm, x, centre)
                                            : distance(cm, x, centre, adj);
}

static int cluster_score(const model *m, const double *x, void *scratch,
                         model_output *out, ms_error *err) {
    const cluster_model *cm = (const cluster_model *)m;
    size_t k = cm->classes.n, best = 0;
    double adj = 1, top = 0;
    (void)scratch;
    if (check_record(cm, x, &adj, err) < 0) return -1;
    int similar = cm->measure >= M_SIMPLE_MATCHING;
    for (size_t j = 0; j < k; j++) {
        const double *centre = cm->centres.v + j * cm->nfields;
        double v = similar ? similarity(cm, x, centre)
                           : distance(cm, x, centre, adj);
        if (j == 0 || (similar ? v > top : v < top)) {
            top = v;
            best = j;
        }
    }
    out->label_index = (int)best;
    out->value = cm->classes.values[best];
    if (out->probabilities)
        for (size_t j = 0; j < k; j++) out->probabilities[j] = j == best;
    return 0;
}

static void cluster_destroy(model *m) {
    cluster_model *cm = (cluster_model *)m;
    free(cm->fields);
    free(cm->centres.v);
    pmml_classes_free(&cm->classes);
    free(cm);
}

static const model_ops cluster_ops = {.score = cluster_score,
                                      .destroy = cluster_destroy};

/* ---- compiling -------------------------------------------------------- */

static int compile_measure(pmml_ctx *ctx, cluster_model *cm,
                           const xmlNode *el, int *compare_dflt) {
    static const char *const kinds[] = {"distance", "similarity", NULL};
    static const char *const params[] = {"c00-parameter", "c01-parameter",
                                         "c10-parameter", "c11-parameter",
                                         "d00-parameter", "d01-parameter",
                                         "d10-parameter", "d11-parameter"};
    int kind;
    if (pmml_attr_enum_req(ctx, el, "kind", kinds, &kind) < 0 ||
        pmml_attr_enum(ctx, el, "compareFunction", compares, C_ABS_DIFF,
                       compare_dflt) < 0)
        return -1;
    if (*compare_dflt == C_GAUSS_SIM || *compare_dflt == C_TABLE)
        return pmml_fail(ctx, el, "ComparisonMeasure compareFunction '%s' "
                                  "is not supported (it needs per-field "
                                  "parameters)", compares[*compare_dflt]);
    const xmlNode *m = pmml_elem(el->children);
    cm->measure = -1;
    for (int i = 0; m && measures[i]; i++)
        if (pmml_is(m, measures[i])) cm->measure = i;
    if (cm->measure < 0)
        return m ? pmml_unsupported(ctx, m)
                 : pmml_fail(ctx, el, "ComparisonMeasure names no measure");
    if (pmml_elem(m->next)) return pmml_unsupported(ctx, pmml_elem(m->next));
    if ((kind == 1) != (cm->measure >= M_SIMPLE_MATCHING))
        return pmml_fail(ctx, m, "%s is not a %s measure", m->name,
                         kinds[kind]);
    if (cm->measure == M_MINKOWSKI) {
        if (pmml_attr_double_req(ctx, m, "p-parameter", &cm->p) < 0)
            return -1;
        if (!(cm->p > 0) || isinf(cm->p))
            return pmml_fail(ctx, m, "minkowski p-parameter must be > 0");
    }
    if (cm->measure == M_BINARY_SIMILARITY)
        for (int i = 0; i < 8; i++)
            if (pmml_attr_double_req(ctx, m, params[i],
                                     i < 4 ? &cm->c[i] : &cm->d[i - 4]) < 0)
                return -1;
    return 0;
}

static int compile_field(pmml_ctx *ctx, cluster_model *cm, const xmlNode *el,
                         int compare_dflt) {
    static const char *const booleans[] = {"false", "true", NULL};
    cl_field f = {.q = 1};
    int slot, center;
    if (pmml_elem(el->children))
        return pmml_unsupported(ctx, pmml_elem(el->children));
    if (pmml_attr_enum(ctx, el, "isCenterField", booleans, 1, &center) < 0)
        return -1;
    if (!center) return 0;
    if (pmml_input_slot(ctx, el, "field", &slot, NULL) < 0 ||
        pmml_attr_double(ctx, el, "fieldWeight", 1, &f.weight) < 0 ||
        pmml_attr_double(ctx, el, "similarityScale", NAN, &f.scale) < 0 ||
        pmml_attr_enum(ctx, el, "compareFunction", compares, compare_dflt,
                       &f.compare) < 0)
        return -1;
    f.slot = slot;
    if (!isfinite(f.weight) || f.weight < 0)
        return pmml_fail(ctx, el, "ClusteringField fieldWeight must be a "
                                  "number >= 0");
    if (f.compare == C_TABLE)
        return pmml_fail(ctx, el, "ClusteringField compareFunction 'table' "
                                  "is not supported");
    if (f.compare == C_GAUSS_SIM && !(f.scale > 0 && isfinite(f.scale)))
        return pmml_fail(ctx, el, "gaussSim needs a similarityScale > 0");
    if (pmml_grow(ctx, (void **)&cm->fields, &cm->capfields, cm->nfields + 1,
                  sizeof *cm->fields) < 0)
        return -1;
    cm->fields[cm->nfields++] = f;
    return 0;
}

static int compile_cluster(pmml_ctx *ctx, cluster_model *cm,
                           const xmlNode *el, size_t position) {
    const xmlNode *arr = NULL;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        /* KohonenMap, Partition and Covariances describe the cluster; they
         * do not move its centre. */
        if (pmml_is(c, "KohonenMap") || pmml_is(c, "Partition") ||
            pmml_is(c, "Covariances"))
            continue;
        if (!pmml_is(c, "Array") || arr) return pmml_unsupported(ctx, c);
        arr = c;
    }
    if (!arr) return pmml_fail(ctx, el, "Cluster has no Array (its centre)");
    size_t before = cm->centres.n;
    if (pmml_array_read(ctx, arr, &cm->centres) < 0) return -1;
    if (cm->centres.n - before != cm->nfields)
        return pmml_fail(ctx, arr, "Cluster centre has %zu values for %zu "
                                   "center fields", cm->centres.n - before,
                         cm->nfields);
    char label[32];
    const char *id = pmml_attr(ctx, el, "id");
    int idx;
    if (!id) {
        if (ctx->oom) return -1;
        snprintf(label, sizeof label, "%zu", position);
        id = label;
    }
    if (pmml_class_index(ctx, el, id, &idx) < 0) return -1;
    if ((size_t)idx != position - 1)
        return pmml_fail(ctx, el, "a second Cluster with id '%s'", id);
    return 0;
}

static int compile_weights(pmml_ctx *ctx, cluster_model *cm,
                           const xmlNode *el) {
    pmml_values q = {0};
    const xmlNode *arr = pmml_elem(el->children);
    int rc = arr ? pmml_array_read(ctx, arr, &q)
                 : pmml_fail(ctx, el, "MissingValueWeights has no Array");
    if (rc == 0 && q.n != cm->nfields)
        rc = pmml_fail(ctx, arr, "MissingValueWeights has %zu values for %zu "
                                 "center fields", q.n, cm->nfields);
    for (size_t i = 0; rc == 0 && i < q.n; i++) {
        if (!(q.v[i] >= 0) || isinf(q.v[i]))
            rc = pmml_fail(ctx, arr, "MissingValueWeights must be >= 0");
        else
            cm->fields[i].q = q.v[i];
    }
    free(q.v);
    return rc;
}

static int compile_clustering(pmml_ctx *ctx, cluster_model *cm,
                              const xmlNode *el) {
    static const char *const functions[] = {"clustering", NULL};
    static const char *const classes[] = {"centerBased", NULL};
    int ignored, compare_dflt = C_ABS_DIFF;
    size_t nclusters = 0;
    const xmlNode *measure = NULL, *weights = NULL;
    if (pmml_attr_enum_req(ctx, el, "functionName", functions, &ignored) < 0 ||
        pmml_attr_enum_req(ctx, el, "modelClass", classes, &ignored) < 0)
        return -1;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (pmml_is_common_child(c)) continue;
        if (pmml_is(c, "ComparisonMeasure") && !measure) {
            measure = c;
            if (compile_measure(ctx, cm, c, &compare_dflt) < 0) return -1;
        } else if (pmml_is(c, "ClusteringField") && measure) {
            if (compile_field(ctx, cm, c, compare_dflt) < 0) return -1;
        } else if (pmml_is(c, "MissingValueWeights") && !weights) {
            weights = c;
        } else if (pmml_is(c, "Cluster")) {
            if (compile_cluster(ctx, cm, c, ++nclusters) < 0) return -1;
        } else {
            return pmml_unsupported(ctx, c);
        }
    }
    if (!measure || cm->nfields == 0 || nclusters == 0)
        return pmml_fail(ctx, el, "ClusteringModel needs a ComparisonMeasure, "
                                  "center ClusteringFields and Clusters");
    if (weights && compile_weights(ctx, cm, weights) < 0) return -1;
    if (pmml_classes_take(ctx, &cm->classes) < 0) return -1;
    cm->base.nclasses = cm->classes.n;
    cm->base.class_labels = (const char *const *)cm->classes.labels;
    return 0;
}

model *pmml_cluster_compile(pmml_ctx *ctx, const xmlNode *model_el) {
    cluster_model *cm =
        pmml_model_new(ctx, model_el, sizeof *cm, &cluster_ops);
    if (cm && compile_clustering(ctx, cm, model_el) < 0) {
        cluster_destroy(&cm->base);
        return NULL;
    }
    return cm ? &cm->base : NULL;
}
