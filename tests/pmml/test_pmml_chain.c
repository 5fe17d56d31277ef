/*
 * test_pmml_chain.c - MiningModel modelChain feeding one segment's Output
 * fields to the next, the way gradient-boosted classifiers are written: a
 * regression (here one linear model, in practice a sum of trees) whose
 * output a logistic regression turns into class probabilities.
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

/* Segment 1 (regression): s1 = 2a + c, Output s1 (predictedValue) and
 * s2 = s1 + 1 (transformedValue). Segment 2 (classification, softmax):
 * yes = s2, no = 0; its MiningField s2 has S2_ATTRS. */
#define CHAIN(SEG1_PREDICATE, S2_ATTRS)                                              \
    PMML_HEAD(TARGET_CATEGORICAL)                                          \
    "<MiningModel functionName=\"classification\">" MINING_SCHEMA          \
    "<Segmentation multipleModelMethod=\"modelChain\">\n"                  \
    "<Segment id=\"1\">" SEG1_PREDICATE                                    \
    "<RegressionModel functionName=\"regression\">"                        \
    "<MiningSchema><MiningField name=\"a\"/><MiningField name=\"c\"/>"     \
    "</MiningSchema><Output><OutputField name=\"s1\" "                     \
    "feature=\"predictedValue\"/><OutputField name=\"s2\" "                \
    "feature=\"transformedValue\"><Apply function=\"+\"><FieldRef "        \
    "field=\"s1\"/><Constant>1</Constant></Apply></OutputField></Output>"  \
    "<RegressionTable intercept=\"0\"><NumericPredictor name=\"a\" "       \
    "coefficient=\"2\"/><NumericPredictor name=\"c\" coefficient=\"1\"/>"  \
    "</RegressionTable></RegressionModel></Segment>\n"                     \
    "<Segment id=\"2\"><True/>"                                            \
    "<RegressionModel functionName=\"classification\" "                    \
    "normalizationMethod=\"softmax\"><MiningSchema>"                       \
    "<MiningField name=\"y\" usageType=\"target\"/>"                       \
    "<MiningField name=\"s2\" " S2_ATTRS "/></MiningSchema>"               \
    "<RegressionTable intercept=\"0\" targetCategory=\"yes\">"             \
    "<NumericPredictor name=\"s2\" coefficient=\"1\"/></RegressionTable>"  \
    "<RegressionTable intercept=\"0\" targetCategory=\"no\"/>"             \
    "</RegressionModel></Segment>\n"                                       \
    "</Segmentation></MiningModel></PMML>\n"

static double p_yes(const model *m, double a, double c, int *rc) {
    double probs[2] = {0};
    model_output out = {.probabilities = probs};
    ms_error err;
    *rc = score3(m, a, 0, c, &out, &err);
    return probs[0];
}

static void test_chain(void **state) {
    (void)state;
    model *m = must_load(CHAIN("<True/>", ""));
    int rc;
    assert_int_equal(m->nclasses, 2);
    /* a = 0.5, c = 0: s1 = 1, s2 = 2; P(yes) = e^2 / (e^2 + e^0) =
     * 0.8807970779778823. */
    assert_float_equal(p_yes(m, 0.5, 0, &rc), 0.8807970779778823, 1e-15);
    assert_int_equal(rc, 0);
    /* a = -1, c = 1: s1 = -1, s2 = 0: P(yes) = 1/2. */
    assert_float_equal(p_yes(m, -1, 1, &rc), 0.5, 1e-15);
    /* a missing: segment 1 has no prediction, so s2 is missing and the
     * classifier cannot score either: no prediction. */
    p_yes(m, U, 0, &rc);
    assert_int_equal(rc, -1);
    model_free(m);
}

static void test_chain_segment_skipped(void **state) {
    (void)state;
    /* Segment 1 runs only for c > 5. When it does not, its outputs are
     * missing (not left over from an earlier record) and the classifier
     * has no prediction. */
#define SKIPPED "<SimplePredicate field=\"c\" operator=\"greaterThan\" " \
                "value=\"5\"/>"
    model *m = must_load(CHAIN(SKIPPED, ""));
    int rc;
    /* a = 0, c = 6: s1 = 6, s2 = 7: P(yes) = e^7 / (e^7 + 1). */
    assert_float_equal(p_yes(m, 0, 6, &rc), 0.9990889488055994, 1e-15);
    p_yes(m, 0, 1, &rc);
    assert_int_equal(rc, -1);
    model_free(m);
    /* The second segment's MiningSchema may treat the missing output: with
     * missingValueReplacement 0, s2 = 0 gives P(yes) = 1/2. */
    m = must_load(CHAIN(SKIPPED, "missingValueReplacement=\"0\""));
    assert_float_equal(p_yes(m, 0, 1, &rc), 0.5, 1e-15);
    assert_int_equal(rc, 0);
    assert_float_equal(p_yes(m, 0, 6, &rc), 0.9990889488055994, 1e-15);
    model_free(m);
}

static void test_chain_rejects(void **state) {
    (void)state;
    /* The last segment must predict what the ensemble does. */
    static const char doc[] =
        PMML_HEAD(TARGET_CATEGORICAL)
        "<MiningModel functionName=\"classification\">" MINING_SCHEMA
        "<Segmentation multipleModelMethod=\"modelChain\"><Segment><True/>"
        "<RegressionModel functionName=\"regression\"><MiningSchema>"
        "<MiningField name=\"a\"/></MiningSchema><RegressionTable "
        "intercept=\"0\"/></RegressionModel></Segment></Segmentation>"
        "</MiningModel></PMML>";
    expect_rejected(doc, "a regression segment in a classification "
                         "MiningModel");
    /* Outside a chain, a segment's outputs are not visible. */
    static const char not_chained[] =
        PMML_HEAD(TARGET_CONTINUOUS)
        "<MiningModel functionName=\"regression\">" MINING_SCHEMA
        "<Segmentation multipleModelMethod=\"sum\"><Segment><True/>"
        "<RegressionModel functionName=\"regression\"><MiningSchema>"
        "<MiningField name=\"a\"/></MiningSchema><Output><OutputField "
        "name=\"s1\"/></Output><RegressionTable intercept=\"0\"/>"
        "</RegressionModel></Segment><Segment><True/>"
        "<RegressionModel functionName=\"regression\"><MiningSchema>"
        "<MiningField name=\"s1\"/></MiningSchema><RegressionTable "
        "intercept=\"0\"/></RegressionModel></Segment></Segmentation>"
        "</MiningModel></PMML>";
    expect_rejected(not_chained, "MiningField 's1' is not declared in the "
                                 "DataDictionary");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_chain_segment_skipped),
        cmocka_unit_test(test_chain_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
