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
    char want[128];
    snprintf(want, sizeof want, "PMML line %d: Decision value 'approve' is "
             "not a number", line_of(words, "<Decisions"));
    expect_rejected(words, want);
    /* Without an expression there is nothing to decide with. */
    expect_rejected(PMML_HEAD(TARGET_CONTINUOUS)
                    "<RegressionModel functionName=\"regression\">"
                    MINING_SCHEMA "<Output><OutputField name=\"d\" "
                    "feature=\"decision\">" DECISIONS_OK "</OutputField>"
                    "</Output><RegressionTable intercept=\"1\"/>"
                    "</RegressionModel></PMML>\n",
                    "OutputField 'd' (decision) has no expression");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decision),
        cmocka_unit_test(test_decision_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
