/*
 * test_pmml_select_all.c - Segmentation multipleModelMethod="selectAll":
 * the prediction is the first segment's (JPMML gives a list of them all,
 * which one model output cannot carry), and Output fields with a
 * segmentId report each segment's predictedValue or probability, a
 * segment whose predicate is not true giving a missing value. Segments
 * are named by id, else by 1-based position.
 *
 * Expected values are read off the documents by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "pmml_test.h"

#define U NAN

/* A constant regression segment. */
#define SEGMENT(ID, PRED, VALUE)                                           \
    "<Segment " ID ">" PRED "<RegressionModel functionName=\"regression\">" \
    "<MiningSchema><MiningField name=\"a\"/></MiningSchema>"               \
    "<RegressionTable intercept=\"" VALUE "\"/></RegressionModel>"         \
    "</Segment>\n"
#define A_POSITIVE \
    "<SimplePredicate field=\"a\" operator=\"greaterThan\" value=\"0\"/>"

/* Segments: "low" always 1; "2" (no id: its position) when a > 0: 3;
 * "hi" always 8. */
#define REGRESSION_ALL(METHOD, OUTPUTS)                                    \
    PMML_HEAD(TARGET_CONTINUOUS)                                           \
    "<MiningModel functionName=\"regression\">\n" MINING_SCHEMA            \
    "<Output>" OUTPUTS "</Output>\n"                                       \
    "<Segmentation multipleModelMethod=\"" METHOD "\">\n"                  \
    SEGMENT("id=\"low\"", "<True/>", "1")                                  \
    SEGMENT("", A_POSITIVE, "3")                                           \
    SEGMENT("id=\"hi\"", "<True/>", "8")                                   \
    "</Segmentation></MiningModel>\n</PMML>\n"
#define EACH                                                               \
    "<OutputField name=\"s1\" feature=\"predictedValue\" "                 \
    "segmentId=\"low\"/>"                                                  \
    "<OutputField name=\"s2\" segmentId=\"2\"/>"                           \
    "<OutputField name=\"s3\" feature=\"predictedValue\" "                 \
    "segmentId=\"hi\"/>"

static void scores(const model *m, double a, double *value, double *o) {
    model_output out = {.outputs = o};
    ms_error err;
    if (score3(m, a, 0, 0, &out, &err) < 0) fail_msg("score: %s", err.msg);
    *value = out.value;
}

static void test_regression(void **state) {
    (void)state;
    model *m = must_load(REGRESSION_ALL("selectAll", EACH));
    double v, o[3];
    assert_int_equal(m->noutputs, 3);
    /* a=1: every segment: 1, 3, 8; the prediction is the first's. */
    scores(m, 1, &v, o);
    assert_float_equal(v, 1, 0);
    assert_float_equal(o[0], 1, 0);
    assert_float_equal(o[1], 3, 0);
    assert_float_equal(o[2], 8, 0);
    /* a=-1 and a missing: the second segment's predicate is not true. */
    scores(m, -1, &v, o);
    assert_true(isnan(o[1]));
    assert_float_equal(o[2], 8, 0);
    scores(m, U, &v, o);
    assert_float_equal(v, 1, 0);
    assert_true(isnan(o[1]));
    model_free(m);
    /* segmentId works with the other methods too: sum 12 and each. */
    m = must_load(REGRESSION_ALL("sum", EACH));
    scores(m, 1, &v, o);
    assert_float_equal(v, 12, 0);
    assert_float_equal(o[1], 3, 0);
    model_free(m);
}

/* Classification trees: "t1" predicts A (A 3, B 1), "t2" B (A 1, B 4). */
#define TREE_SEGMENT(ID, LABEL, NA, NB)                                    \
    "<Segment id=\"" ID "\"><True/>"                                       \
    "<TreeModel functionName=\"classification\"><MiningSchema>"            \
    "<MiningField name=\"a\"/></MiningSchema><Node score=\"" LABEL "\">"   \
    "<True/><ScoreDistribution value=\"A\" recordCount=\"" NA "\"/>"       \
    "<ScoreDistribution value=\"B\" recordCount=\"" NB "\"/></Node>"       \
    "</TreeModel></Segment>\n"

static void test_classification(void **state) {
    (void)state;
    model *m = must_load(
        PMML_HEAD(TARGET_CATEGORICAL)
        "<MiningModel functionName=\"classification\">" MINING_SCHEMA
        "<Output><OutputField name=\"l2\" feature=\"predictedValue\" "
        "segmentId=\"t2\"/><OutputField name=\"pb1\" feature=\"probability\" "
        "value=\"B\" segmentId=\"t1\"/><OutputField name=\"p2\" "
        "feature=\"probability\" segmentId=\"t2\"/></Output>"
        "<Segmentation multipleModelMethod=\"selectAll\">"
        TREE_SEGMENT("t1", "A", "3", "1") TREE_SEGMENT("t2", "B", "1", "4")
        "</Segmentation></MiningModel></PMML>");
    double o[3], probs[2];
    const char *s[3];
    model_output out = {.probabilities = probs, .outputs = o,
                        .output_strings = s};
    ms_error err;
    assert_int_equal(score3(m, 0, 0, 0, &out, &err), 0);
    /* The prediction is t1's: A, with 3/4. */
    assert_string_equal(m->class_labels[out.label_index], "A");
    assert_float_equal(probs[out.label_index], 0.75, 1e-12);
    /* t2 predicts B; t1's P(B) = 1/4; t2's P(its B) = 4/5. */
    assert_string_equal(s[0], "B");
    assert_float_equal(o[1], 0.25, 1e-12);
    assert_float_equal(o[2], 0.8, 1e-12);
    model_free(m);
}

static void test_rejected(void **state) {
    (void)state;
    expect_rejected(REGRESSION_ALL("selectAll", "<OutputField name=\"x\" "
                                                "segmentId=\"nope\"/>"),
                    "OutputField 'x': no Segment 'nope'");
    expect_rejected(REGRESSION_ALL("modelChain", EACH),
                    "OutputField 's1': no Segment 'low' (or a modelChain");
    expect_rejected(REGRESSION_ALL("selectAll", "<OutputField name=\"x\" "
                                                "feature=\"transformedValue\" "
                                                "segmentId=\"hi\"/>"),
                    "only predictedValue and probability are supported "
                    "with segmentId");
    expect_rejected(REGRESSION_ALL("selectAll", "<OutputField name=\"x\" "
                                                "feature=\"probability\" "
                                                "segmentId=\"hi\"/>"),
                    "probability of a segment that is not a classifier");
    expect_rejected(PMML_HEAD(TARGET_CONTINUOUS)
                    "<RegressionModel functionName=\"regression\">"
                    MINING_SCHEMA "<Output><OutputField name=\"x\" "
                    "segmentId=\"1\"/></Output><RegressionTable "
                    "intercept=\"1\"/></RegressionModel></PMML>\n",
                    "segmentId on a model that is not a MiningModel");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regression),
        cmocka_unit_test(test_classification),
        cmocka_unit_test(test_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
