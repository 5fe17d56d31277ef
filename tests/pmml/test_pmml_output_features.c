/*
 * test_pmml_output_features.c - OutputField features beyond the
 * prediction and its probabilities: decision (an expression, with the
 * Decisions it may take), confidence of a TreeModel's ScoreDistribution,
 * and residual (needs the target's value in the record).
 *
 * Every expected value is worked out by hand from PMML 4.4 next to it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "pmml_test.h"

#define U NAN

/* The Output fields of doc for record (a, b, c), into outs[0 .. n). */
static void outputs_of(const char *doc, double a, double b, double c,
                       double *outs, size_t n) {
    model *m = must_load(doc);
    model_output out = {.outputs = outs};
    ms_error err;
    assert_int_equal(m->noutputs, n);
    for (size_t i = 0; i < n; i++) outs[i] = -1;
    if (score3(m, a, b, c, &out, &err) < 0) fail_msg("score: %s", err.msg);
    model_free(m);
}

/* y = 2a + 1; "d" decides 1 when the prediction exceeds b, else 0. */
#define DECISION_DOC(DECISIONS)                                            \
    PMML_HEAD(TARGET_CONTINUOUS)                                           \
    "<RegressionModel functionName=\"regression\">" MINING_SCHEMA          \
    "<Output><OutputField name=\"p\" feature=\"predictedValue\"/>\n"       \
    "<OutputField name=\"d\" feature=\"decision\">" DECISIONS "\n"         \
    "<Apply function=\"if\"><Apply function=\"greaterThan\">"              \
    "<FieldRef field=\"p\"/><FieldRef field=\"b\"/></Apply>"               \
    "<Constant>1</Constant><Constant>0</Constant></Apply>"                 \
    "</OutputField></Output>\n"                                            \
    "<RegressionTable intercept=\"1\"><NumericPredictor name=\"a\" "       \
    "coefficient=\"2\"/></RegressionTable></RegressionModel></PMML>\n"
#define DECISIONS_OK                                                       \
    "<Decisions><Decision value=\"1\" displayValue=\"approve\"/>"          \
    "<Decision value=\"0\" displayValue=\"reject\"/></Decisions>"

static void test_decision(void **state) {
    (void)state;
    double o[2];
    /* a=3: p = 7 > b=5: decision 1. */
    outputs_of(DECISION_DOC(DECISIONS_OK), 3, 5, 0, o, 2);
    assert_float_equal(o[0], 7, 1e-12);
    assert_float_equal(o[1], 1, 0);
    /* a=1: p = 3, not > 5: 0. */
    outputs_of(DECISION_DOC(DECISIONS_OK), 1, 5, 0, o, 2);
    assert_float_equal(o[1], 0, 0);
    /* b missing: greaterThan is missing, so is the if: no decision. */
    outputs_of(DECISION_DOC(DECISIONS_OK), 1, U, 0, o, 2);
    assert_true(isnan(o[1]));
    /* Decisions is optional. */
    outputs_of(DECISION_DOC(""), 3, 5, 0, o, 2);
    assert_float_equal(o[1], 1, 0);
}

static void test_decision_rejected(void **state) {
    (void)state;
    /* A Decision value must be a number, as the expression's are. */
    static const char words[] = DECISION_DOC(
        "<Decisions><Decision value=\"approve\"/></Decisions>");
    expect_rejected_at(words, "<Decisions",
                       "Decision value 'approve' is not a number");
    /* Without an expression there is nothing to decide with. */
    expect_rejected(PMML_HEAD(TARGET_CONTINUOUS)
                    "<RegressionModel functionName=\"regression\">"
                    MINING_SCHEMA "<Output><OutputField name=\"d\" "
                    "feature=\"decision\">" DECISIONS_OK "</OutputField>"
                    "</Output><RegressionTable intercept=\"1\"/>"
                    "</RegressionModel></PMML>\n",
                    "OutputField 'd' (decision) has no expression");
}

/* A classification tree: a < 5 -> "1" (records 3 "1", 1 "0"), else "0"
 * (records 1 "1", 4 "0"); confidences 0.6 and 0.2 at the first leaf,
 * only "0" has one (0.9) at the second. TARGET is the target field (y
 * or c), OUTPUT the Output element, STRATEGY attributes of TreeModel. */
#define TREE_DOC(TARGET, STRATEGY, OUTPUT)                                 \
    PMML_HEAD(TARGET_CATEGORICAL)                                          \
    "<TreeModel functionName=\"classification\" " STRATEGY ">"            \
    "<MiningSchema><MiningField name=\"" TARGET "\" "                      \
    "usageType=\"target\"/><MiningField name=\"a\"/></MiningSchema>\n"     \
    OUTPUT "\n<Node><True/>"                                               \
    "<Node score=\"1\"><SimplePredicate field=\"a\" operator=\"lessThan\" " \
    "value=\"5\"/><ScoreDistribution value=\"1\" recordCount=\"3\" "       \
    "confidence=\"0.6\"/><ScoreDistribution value=\"0\" recordCount=\"1\" " \
    "confidence=\"0.2\"/></Node>"                                          \
    "<Node score=\"0\"><True/><ScoreDistribution value=\"1\" "             \
    "recordCount=\"1\"/><ScoreDistribution value=\"0\" recordCount=\"4\" " \
    "confidence=\"0.9\"/></Node></Node></TreeModel></PMML>\n"
#define CONFIDENCES                                                        \
    "<Output><OutputField name=\"conf\" feature=\"confidence\"/>"          \
    "<OutputField name=\"conf1\" feature=\"confidence\" value=\"1\"/>"     \
    "</Output>"

static void test_confidence(void **state) {
    (void)state;
    static const char doc[] = TREE_DOC("y", "", CONFIDENCES);
    double o[2];
    /* a=2: the first leaf decides "1": 0.6, and "1"'s is 0.6 too. */
    outputs_of(doc, 2, 0, 0, o, 2);
    assert_float_equal(o[0], 0.6, 1e-12);
    assert_float_equal(o[1], 0.6, 1e-12);
    /* a=7: the second leaf, "0": 0.9; "1" has no confidence there. */
    outputs_of(doc, 7, 0, 0, o, 2);
    assert_float_equal(o[0], 0.9, 1e-12);
    assert_true(isnan(o[1]));
    /* a missing: the test is UNKNOWN, false under strategy "none": the
     * second leaf again. */
    outputs_of(doc, U, 0, 0, o, 2);
    assert_float_equal(o[0], 0.9, 1e-12);
}

static void test_confidence_rejected(void **state) {
    (void)state;
    expect_rejected(TREE_DOC("y", "missingValueStrategy=\"aggregateNodes\"",
                             CONFIDENCES),
                    "confidence with missingValueStrategy 'aggregateNodes' "
                    "is not supported");
    expect_rejected(PMML_HEAD(TARGET_CONTINUOUS)
                    "<RegressionModel functionName=\"regression\">"
                    MINING_SCHEMA "<Output><OutputField name=\"conf\" "
                    "feature=\"confidence\"/></Output><RegressionTable "
                    "intercept=\"1\"/></RegressionModel></PMML>\n",
                    "confidence is supported for classification TreeModel "
                    "only");
}

/* y = 2a + 1, predicting c, which records carry. */
static const char regression_residual[] =
    PMML_HEAD(TARGET_CONTINUOUS)
    "<RegressionModel functionName=\"regression\"><MiningSchema>"
    "<MiningField name=\"c\" usageType=\"target\"/>"
    "<MiningField name=\"a\"/></MiningSchema>"
    "<Output><OutputField name=\"r\" feature=\"residual\"/></Output>"
    "<RegressionTable intercept=\"1\"><NumericPredictor name=\"a\" "
    "coefficient=\"2\"/></RegressionTable></RegressionModel></PMML>\n";

static void test_residual(void **state) {
    (void)state;
    double o[1];
    /* a=3: 7 predicted, c=10 actual: 10 - 7 = 3. */
    outputs_of(regression_residual, 3, 0, 10, o, 1);
    assert_float_equal(o[0], 3, 1e-12);
    /* c missing: no residual, the prediction stands. */
    outputs_of(regression_residual, 3, 0, U, o, 1);
    assert_true(isnan(o[0]));
    /* The tree predicting c: a=2 predicts "1" with 3/4: actual 1 gives
     * 1 - 0.75, actual 0 gives 0 - 0.75; a=7 predicts "0" with 4/5,
     * actual 0: 1 - 0.8. */
    static const char tree[] = TREE_DOC(
        "c", "", "<Output><OutputField name=\"r\" feature=\"residual\"/>"
                 "</Output>");
    outputs_of(tree, 2, 0, 1, o, 1);
    assert_float_equal(o[0], 0.25, 1e-12);
    outputs_of(tree, 2, 0, 0, o, 1);
    assert_float_equal(o[0], -0.75, 1e-12);
    outputs_of(tree, 7, 0, 0, o, 1);
    assert_float_equal(o[0], 0.2, 1e-12);
    /* The test schema has no y: a residual of y cannot be had. */
    expect_rejected(TREE_DOC("y", "", "<Output><OutputField name=\"r\" "
                                      "feature=\"residual\"/></Output>"),
                    "residual needs the target 'y' in the records");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decision),
        cmocka_unit_test(test_decision_rejected),
        cmocka_unit_test(test_confidence),
        cmocka_unit_test(test_confidence_rejected),
        cmocka_unit_test(test_residual),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
