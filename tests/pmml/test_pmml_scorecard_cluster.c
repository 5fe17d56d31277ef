/*
 * test_pmml_scorecard_cluster.c - hand-written Scorecard and
 * ClusteringModel documents.
 *
 * Every expected value is worked out by hand from the PMML 4.4 formulas
 * written next to it; none comes from running our evaluator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "pmml_test.h"

#define U NAN

/* ---- Scorecard ---------------------------------------------------------- */

/* initialScore 10. Characteristic on a: missing 1, a < 0 2, a >= 0 5.
 * Characteristic on b: b <= 10 -3, b in {11, 12} 7, b > 10 4 (no missing
 * attribute). */
static const char scorecard[] =
    PMML_HEAD(TARGET_CONTINUOUS)
    "<Scorecard functionName=\"regression\" initialScore=\"10\" "
    "useReasonCodes=\"true\" reasonCodeAlgorithm=\"pointsBelow\" "
    "baselineMethod=\"other\">\n" MINING_SCHEMA
    "<Characteristics>\n"
    "<Characteristic name=\"ca\" reasonCode=\"RA\" baselineScore=\"0\">\n"
    "<Attribute partialScore=\"1\"><SimplePredicate field=\"a\" "
    "operator=\"isMissing\"/></Attribute>\n"
    "<Attribute partialScore=\"2\"><SimplePredicate field=\"a\" "
    "operator=\"lessThan\" value=\"0\"/></Attribute>\n"
    "<Attribute partialScore=\"5\"><True/></Attribute>\n"
    "</Characteristic>\n"
    "<Characteristic name=\"cb\" reasonCode=\"RB\" baselineScore=\"0\">\n"
    "<Attribute partialScore=\"-3\"><SimplePredicate field=\"b\" "
    "operator=\"lessOrEqual\" value=\"10\"/></Attribute>\n"
    "<Attribute partialScore=\"7\"><SimpleSetPredicate field=\"b\" "
    "booleanOperator=\"isIn\"><Array type=\"real\" n=\"2\">11 12</Array>"
    "</SimpleSetPredicate></Attribute>\n"
    "<Attribute partialScore=\"4\"><SimplePredicate field=\"b\" "
    "operator=\"greaterThan\" value=\"10\"/></Attribute>\n"
    "</Characteristic>\n"
    "</Characteristics>\n</Scorecard>\n</PMML>\n";

static void test_scorecard(void **state) {
    (void)state;
    model *m = must_load(scorecard);
    assert_int_equal(m->nclasses, 0);
    assert_float_equal(value_of(m, 1, 5, U), 10 + 5 - 3, 0);
    assert_float_equal(value_of(m, -1, 20, U), 10 + 2 + 4, 0);
    assert_float_equal(value_of(m, -1, 12, U), 10 + 2 + 7, 0);
    /* a missing: the isMissing attribute. */
    assert_float_equal(value_of(m, U, 20, U), 10 + 1 + 4, 0);
    /* b missing: every b predicate is UNKNOWN, none matches: no score. */
    model_output out = {0};
    ms_error err;
    assert_int_equal(score3(m, 1, U, U, &out, &err), -1);
    char want[100];
    snprintf(want, sizeof want, "no Attribute of the Characteristic at line "
                                "%d matches",
             line_of(scorecard, "<Characteristic name=\"cb\""));
    assert_non_null(strstr(err.msg, want));
    model_free(m);
}

static void test_scorecard_rejects(void **state) {
    (void)state;
    static const char complex[] =
        PMML_HEAD(TARGET_CONTINUOUS)
        "<Scorecard functionName=\"regression\">" MINING_SCHEMA
        "<Characteristics><Characteristic>\n<Attribute><True/>\n"
        "<ComplexPartialScore><FieldRef field=\"a\"/></ComplexPartialScore>"
        "</Attribute></Characteristic></Characteristics></Scorecard></PMML>";
    expect_unsupported(complex, "ComplexPartialScore", "Attribute");
    expect_rejected(PMML_HEAD(TARGET_CONTINUOUS)
                    "<Scorecard functionName=\"regression\">" MINING_SCHEMA
                    "<Characteristics><Characteristic/></Characteristics>"
                    "</Scorecard></PMML>",
                    "Characteristic has no Attribute");
    expect_rejected(PMML_HEAD(TARGET_CONTINUOUS)
                    "<Scorecard functionName=\"classification\">"
                    MINING_SCHEMA "</Scorecard></PMML>",
                    "functionName 'classification' is not supported");
}

/* ---- ClusteringModel ---------------------------------------------------- */

#define CLUSTER_SCHEMA                                                     \
    "<MiningSchema><MiningField name=\"a\"/><MiningField name=\"b\"/>"     \
    "<MiningField name=\"c\"/></MiningSchema>\n"

/* Centres over (a, b): cluster id "7" at (0, 0), the second (no id, so
 * labelled "2") at (3.4, 1.4). Field weights 1. */
#define CLUSTERING(MEASURE)                                                \
    PMML_HEAD("")                                                          \
    "<ClusteringModel functionName=\"clustering\" "                        \
    "modelClass=\"centerBased\" numberOfClusters=\"2\">\n" CLUSTER_SCHEMA  \
    "<ComparisonMeasure kind=\"distance\">" MEASURE "</ComparisonMeasure>" \
    "\n<ClusteringField field=\"a\"/><ClusteringField field=\"b\"/>\n"     \
    "<ClusteringField field=\"c\" isCenterField=\"false\"/>\n"             \
    "<Cluster id=\"7\" size=\"10\"><Array type=\"real\" n=\"2\">0 0"       \
    "</Array></Cluster>\n"                                                 \
    "<Cluster><Partition name=\"p\"/><Array type=\"real\">3.4 1.4</Array>" \
    "</Cluster>\n"                                                         \
    "</ClusteringModel>\n</PMML>\n"

static void expect_cluster(const model *m, double a, double b,
                           const char *label) {
    double probs[2];
    model_output out = {.probabilities = probs};
    ms_error err;
    if (score3(m, a, b, 99, &out, &err) < 0) fail_msg("score: %s", err.msg);
    assert_string_equal(m->class_labels[out.label_index], label);
    assert_float_equal(out.value, label[0] - '0', 0);
    assert_float_equal(probs[out.label_index], 1, 0);
    assert_float_equal(probs[1 - out.label_index], 0, 0);
}

/* A document, a record and the cluster it should land in. */
typedef struct cluster_case {
    const char *doc;
    double a, b, c;
    const char *label;
} cluster_case;

static void run_cluster_cases(const cluster_case *cases, size_t n) {
    for (size_t i = 0; i < n; i++) {
        model *m = must_load(cases[i].doc);
        model_output out = {0};
        ms_error err;
        if (score3(m, cases[i].a, cases[i].b, cases[i].c, &out, &err) < 0)
            fail_msg("case %zu: %s", i, err.msg);
        assert_string_equal(m->class_labels[out.label_index], cases[i].label);
        model_free(m);
    }
}

/* Binary similarity over (a, b, c): "1" at (1, 1, 0), "2" at (0, 1, 1). */
#define CLUSTERING_BINARY(MEASURE)                                         \
    PMML_HEAD("")                                                          \
    "<ClusteringModel functionName=\"clustering\" "                        \
    "modelClass=\"centerBased\">\n" CLUSTER_SCHEMA                         \
    "<ComparisonMeasure kind=\"similarity\">" MEASURE                      \
    "</ComparisonMeasure>\n<ClusteringField field=\"a\"/>"                 \
    "<ClusteringField field=\"b\"/><ClusteringField field=\"c\"/>\n"       \
    "<Cluster><Array type=\"real\">1 1 0</Array></Cluster>\n"              \
    "<Cluster><Array type=\"real\">0 1 1</Array></Cluster>\n"              \
    "</ClusteringModel>\n</PMML>\n"

static void test_cluster_measures(void **state) {
    (void)state;
    /* x = (1.4, 1.4): differences to "7" are (1.4, 1.4), to "2" (2, 0).
     *   cityBlock   7: 2.8                 2: 2      -> 2
     *   chebychev   7: 1.4                 2: 2      -> 7
     *   euclidean   7: sqrt(3.92) = 1.98   2: 2      -> 7
     *   sqEuclidean 7: 3.92                2: 4      -> 7
     *   minkowski 1 = cityBlock                      -> 2
     *   minkowski 3 7: (2*1.4^3)^(1/3) = 1.764  2: 2 -> 7
     * Similarities, CLUSTERING_BINARY, x = (0, 0, 1): against "1": a11 0, a10 1 (c), a01 2 (a, b), a00 0;
     * against "2": a11 1 (c), a01 1 (b), a00 1 (a).
     *   jaccard a11/(a11+a10+a01):  "1" 0/3, "2" 1/2          -> 2
     *   simpleMatching (a11+a00)/n: "1" 0/3, "2" 2/3          -> 2
     *   tanimoto (a11+a00)/(a11+2(a10+a01)+a00):
     *                               "1" 0/6, "2" 2/4          -> 2
     *   binarySimilarity with c10 = 1 and every d 1, so it counts only
     *   record-1/centre-0 pairs: "1" 1/3, "2" 0/3             -> 1 */
    static const cluster_case cases[] = {
        {CLUSTERING("<cityBlock/>"), 1.4, 1.4, 0, "2"},
        {CLUSTERING("<chebychev/>"), 1.4, 1.4, 0, "7"},
        {CLUSTERING("<euclidean/>"), 1.4, 1.4, 0, "7"},
        {CLUSTERING("<squaredEuclidean/>"), 1.4, 1.4, 0, "7"},
        {CLUSTERING("<minkowski p-parameter=\"1\"/>"), 1.4, 1.4, 0, "2"},
        {CLUSTERING("<minkowski p-parameter=\"3\"/>"), 1.4, 1.4, 0, "7"},
        {CLUSTERING_BINARY("<jaccard/>"), 0, 0, 1, "2"},
        {CLUSTERING_BINARY("<simpleMatching/>"), 0, 0, 1, "2"},
        {CLUSTERING_BINARY("<tanimoto/>"), 0, 0, 1, "2"},
        {CLUSTERING_BINARY("<binarySimilarity c00-parameter=\"0\" "
                           "c01-parameter=\"0\" c10-parameter=\"1\" "
                           "c11-parameter=\"0\" d00-parameter=\"1\" "
                           "d01-parameter=\"1\" d10-parameter=\"1\" "
                           "d11-parameter=\"1\"/>"), 0, 0, 1, "1"},
    };
    run_cluster_cases(cases, sizeof cases / sizeof *cases);
    /* Labels: the id, else the 1-based position; value and one-hot
     * probabilities follow the label. */
    model *m = must_load(CLUSTERING("<euclidean/>"));
    assert_int_equal(m->nclasses, 2);
    assert_string_equal(m->class_labels[0], "7");
    assert_string_equal(m->class_labels[1], "2");
    expect_cluster(m, 1.4, 1.4, "7");
    model_free(m);
}

static void test_cluster_missing(void **state) {
    (void)state;
    model *m = must_load(CLUSTERING("<euclidean/>"));
    /* b missing: only a counts. a = 3: |3 - 0| = 3 vs |3 - 3.4| = 0.4
     * (times the same adjustment 2/1 for both) -> "2". */
    expect_cluster(m, 3, U, "2");
    /* a missing, b = 0.2: 0.2 vs 1.2 -> "7". */
    expect_cluster(m, U, 0.2, "7");
    /* Every center field missing (c is not one): no prediction. */
    model_output out = {0};
    ms_error err;
    assert_int_equal(score3(m, U, U, 1, &out, &err), -1);
    assert_non_null(strstr(err.msg, "every input is missing"));
    model_free(m);
}

/* Field-level compare functions and weights, one center field a:
 * "1" at a = 0, "2" at a = 3. */
#define CLUSTERING_A(FIELD)                                                \
    PMML_HEAD("")                                                          \
    "<ClusteringModel functionName=\"clustering\" "                        \
    "modelClass=\"centerBased\">\n" CLUSTER_SCHEMA                         \
    "<ComparisonMeasure kind=\"distance\"><cityBlock/>"                    \
    "</ComparisonMeasure>\n" FIELD "\n"                                    \
    "<MissingValueWeights><Array type=\"real\">2</Array>"                  \
    "</MissingValueWeights>\n"                                             \
    "<Cluster><Array type=\"real\">0</Array></Cluster>\n"                  \
    "<Cluster><Array type=\"real\">3</Array></Cluster>\n"                  \
    "</ClusteringModel>\n</PMML>\n"

static void test_cluster_compare_functions(void **state) {
    (void)state;
#define GAUSS CLUSTERING_A("<ClusteringField field=\"a\" "              \
                           "compareFunction=\"gaussSim\" "                 \
                           "similarityScale=\"1\"/>")
#define DELTA CLUSTERING_A("<ClusteringField field=\"a\" "              \
                           "compareFunction=\"delta\"/>")
#define EQUAL CLUSTERING_A("<ClusteringField field=\"a\" "              \
                           "compareFunction=\"equal\"/>")
#define WEIGHTED CLUSTERING_A("<ClusteringField field=\"a\" "           \
                              "fieldWeight=\"5\"/>")
    /* gaussSim, s = 1, at a = 0: "1" exp(0) = 1, "2" exp(-ln2 * 9) =
     *   2^-9: a distance of similarities, so the smaller, "2", wins.
     * delta: 0 when equal, else 1. a = 3: "1" 1, "2" 0 -> "2"; a = 1:
     *   both 1, the first wins the tie -> "1".
     * equal: 1 when equal. a = 3: "1" 0, "2" 1 -> "1".
     * absDiff (default) with a weight 5: a = 1: 5 vs 10 -> "1"; a = 2:
     *   10 vs 5 -> "2". */
    static const cluster_case cases[] = {
        {GAUSS, 0, U, 0, "2"},    {DELTA, 3, U, 0, "2"},
        {DELTA, 1, U, 0, "1"},    {EQUAL, 3, U, 0, "1"},
        {WEIGHTED, 1, U, 0, "1"}, {WEIGHTED, 2, U, 0, "2"},
    };
    run_cluster_cases(cases, sizeof cases / sizeof *cases);
}

static void test_cluster_binary_inputs(void **state) {
    (void)state;
    /* Similarities need binary inputs: 0.5 and missing are refused. */
    model *m = must_load(CLUSTERING_BINARY("<jaccard/>"));
    model_output out = {0};
    ms_error err;
    assert_int_equal(score3(m, 0.5, 0, 1, &out, &err), -1);
    assert_non_null(strstr(err.msg, "needs every input 0 or 1"));
    assert_int_equal(score3(m, U, 0, 1, &out, &err), -1);
    model_free(m);
}

/* Output: "lo" at (0, 0), "hi" at (10, 0), squaredEuclidean; missing
 * value weights a 1, b 3. */
static const char cluster_outputs[] =
    PMML_HEAD("")
    "<ClusteringModel functionName=\"clustering\" "
    "modelClass=\"centerBased\">\n" CLUSTER_SCHEMA
    "<Output><OutputField name=\"id\" feature=\"entityId\"/>"
    "<OutputField name=\"n\" feature=\"clusterId\"/>"
    "<OutputField name=\"near\" feature=\"affinity\"/>"
    "<OutputField name=\"to_hi\" feature=\"affinity\" value=\"hi\"/>"
    "</Output>\n"
    "<ComparisonMeasure kind=\"distance\"><squaredEuclidean/>"
    "</ComparisonMeasure><ClusteringField field=\"a\"/>"
    "<ClusteringField field=\"b\"/><MissingValueWeights><Array "
    "type=\"real\">1 3</Array></MissingValueWeights>\n"
    "<Cluster id=\"lo\"><Array type=\"real\">0 0</Array></Cluster>"
    "<Cluster id=\"hi\"><Array type=\"real\">10 0</Array></Cluster>\n"
    "</ClusteringModel>\n</PMML>\n";

static void test_cluster_outputs(void **state) {
    (void)state;
    model *m = must_load(cluster_outputs);
    double outs[4];
    const char *strs[4];
    model_output out = {.outputs = outs, .output_strings = strs};
    ms_error err;
    assert_int_equal(m->noutputs, 4);
    /* (3, 1): lo 9 + 1 = 10, hi 49 + 1 = 50: lo wins. */
    assert_int_equal(score3(m, 3, 1, 0, &out, &err), 0);
    assert_string_equal(strs[0], "lo");
    assert_float_equal(outs[1], 1, 0);
    assert_float_equal(outs[2], 10, 1e-12);
    assert_float_equal(outs[3], 50, 1e-12);
    /* (8, missing): only a counts, scaled by (1 + 3) / 1 = 4:
     * lo 4 * 64 = 256, hi 4 * 4 = 16: hi wins. */
    assert_int_equal(score3(m, 8, U, 0, &out, &err), 0);
    assert_string_equal(strs[0], "hi");
    assert_float_equal(outs[1], 2, 0);
    assert_float_equal(outs[2], 16, 1e-12);
    assert_float_equal(outs[3], 16, 1e-12);
    /* (missing, 2): only b, scaled by 4 / 3: both 4 * 4 / 3; the first
     * wins the tie. */
    assert_int_equal(score3(m, U, 2, 0, &out, &err), 0);
    assert_string_equal(strs[0], "lo");
    assert_float_equal(outs[2], 16.0 / 3, 1e-12);
    model_free(m);
}

static void test_cluster_rejects(void **state) {
    (void)state;
    expect_rejected(PMML_HEAD("")
                    "<ClusteringModel functionName=\"clustering\" "
                    "modelClass=\"distributionBased\">" CLUSTER_SCHEMA
                    "</ClusteringModel></PMML>",
                    "modelClass 'distributionBased' is not supported");
    expect_rejected(CLUSTERING_A("<ClusteringField field=\"a\" "
                                 "compareFunction=\"table\"/>"),
                    "compareFunction 'table' is not supported");
    expect_rejected(CLUSTERING_A("<ClusteringField field=\"a\" "
                                 "compareFunction=\"gaussSim\"/>"),
                    "gaussSim needs a similarityScale > 0");
    expect_rejected(CLUSTERING_BINARY("<euclidean/>"),
                    "euclidean is not a similarity measure");
    /* Two center fields, one-value centres. */
    expect_rejected(CLUSTERING_A("<ClusteringField field=\"a\"/>"
                                 "<ClusteringField field=\"b\"/>"),
                    "Cluster centre has 1 values for 2 center fields");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scorecard),
        cmocka_unit_test(test_scorecard_rejects),
        cmocka_unit_test(test_cluster_measures),
        cmocka_unit_test(test_cluster_missing),
        cmocka_unit_test(test_cluster_compare_functions),
        cmocka_unit_test(test_cluster_binary_inputs),
        cmocka_unit_test(test_cluster_outputs),
        cmocka_unit_test(test_cluster_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
