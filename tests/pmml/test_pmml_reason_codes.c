/*
 * test_pmml_reason_codes.c - the Output feature reasonCode of a
 * Scorecard: points per matching Attribute against its baseline
 * (pointsBelow: baseline - partial; pointsAbove: partial - baseline),
 * summed per code, negative totals dropped, ranked highest first with
 * ties to the code that scored first (JPMML's ranking); rank picks one.
 *
 * Every expected ranking is worked out by hand next to it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "pmml_test.h"

#define U NAN

/* ca (code RA, baseline 10): a < 0 -> 2 with its own code RX, else 8.
 * cb (code RB, the Scorecard's baseline 6): b <= 10 -> -3, b == 11 -> 1,
 * else 7. cc (code RA, baseline 4): always 1. */
#define SCORECARD(ALGORITHM, OUTPUTS)                                      \
    PMML_HEAD(TARGET_CONTINUOUS)                                           \
    "<Scorecard functionName=\"regression\" reasonCodeAlgorithm=\""        \
    ALGORITHM "\" baselineScore=\"6\" baselineMethod=\"other\">\n"         \
    MINING_SCHEMA "<Output>" OUTPUTS "</Output>\n<Characteristics>\n"      \
    "<Characteristic reasonCode=\"RA\" baselineScore=\"10\">"              \
    "<Attribute partialScore=\"2\" reasonCode=\"RX\"><SimplePredicate "    \
    "field=\"a\" operator=\"lessThan\" value=\"0\"/></Attribute>"          \
    "<Attribute partialScore=\"8\"><True/></Attribute></Characteristic>\n" \
    "<Characteristic reasonCode=\"RB\">"                                   \
    "<Attribute partialScore=\"-3\"><SimplePredicate field=\"b\" "         \
    "operator=\"lessOrEqual\" value=\"10\"/></Attribute>"                  \
    "<Attribute partialScore=\"1\"><SimplePredicate field=\"b\" "          \
    "operator=\"equal\" value=\"11\"/></Attribute>"                        \
    "<Attribute partialScore=\"7\"><True/></Attribute></Characteristic>\n" \
    "<Characteristic reasonCode=\"RA\" baselineScore=\"4\">"               \
    "<Attribute partialScore=\"1\"><True/></Attribute></Characteristic>\n" \
    "</Characteristics></Scorecard></PMML>\n"
#define RANKS                                                              \
    "<OutputField name=\"r1\" feature=\"reasonCode\"/>"                    \
    "<OutputField name=\"r2\" feature=\"reasonCode\" rank=\"2\"/>"         \
    "<OutputField name=\"r3\" feature=\"reasonCode\" rank=\"3\"/>"

/* Checks the score and the three ranked codes (NULL: none) of (a, b). */
static void expect_codes(const model *m, double a, double b, double score,
                         const char *r1, const char *r2, const char *r3) {
    double v[3];
    const char *s[3];
    const char *want[3] = {r1, r2, r3};
    model_output out = {.outputs = v, .output_strings = s};
    ms_error err;
    if (score3(m, a, b, 0, &out, &err) < 0) fail_msg("score: %s", err.msg);
    assert_float_equal(out.value, score, 1e-12);
    for (int i = 0; i < 3; i++) {
        if (!want[i]) {
            assert_null(s[i]);
            assert_true(isnan(v[i]));
        } else {
            assert_non_null(s[i]);
            assert_string_equal(s[i], want[i]);
        }
    }
}

static void test_points_below(void **state) {
    (void)state;
    model *m = must_load(SCORECARD("pointsBelow", RANKS));
    /* a=1, b=5: 8 - 3 + 1 = 6; RA 10-8 + 4-1 = 5, RB 6-(-3) = 9. */
    expect_codes(m, 1, 5, 6, "RB", "RA", NULL);
    /* a=-1, b=20: 2 + 7 + 1; RX 10-2 = 8, RB 6-7 = -1 dropped, RA 3. */
    expect_codes(m, -1, 20, 10, "RX", "RA", NULL);
    /* a=1, b=11: 8 + 1 + 1; RA 2 + 3 = 5 and RB 6-1 = 5 tie: RA scored
     * first. */
    expect_codes(m, 1, 11, 10, "RA", "RB", NULL);
    /* b missing: its tests are UNKNOWN, True gives 7: RB -1 dropped. */
    expect_codes(m, 1, U, 16, "RA", NULL, NULL);
    model_free(m);
}

static void test_points_above(void **state) {
    (void)state;
    model *m = must_load(SCORECARD("pointsAbove", RANKS));
    /* a=1, b=5: RA (8-10) + (1-4) = -5, RB -3-6 = -9: none left. */
    expect_codes(m, 1, 5, 6, NULL, NULL, NULL);
    /* a=-1, b=20: RX 2-10 = -8, RB 7-6 = 1, RA 1-4 = -3: RB only. */
    expect_codes(m, -1, 20, 10, "RB", NULL, NULL);
    model_free(m);
}

static void test_rejected(void **state) {
    (void)state;
    expect_rejected(PMML_HEAD(TARGET_CONTINUOUS)
                    "<RegressionModel functionName=\"regression\">"
                    MINING_SCHEMA "<Output>" RANKS "</Output>"
                    "<RegressionTable intercept=\"1\"/></RegressionModel>"
                    "</PMML>\n",
                    "reasonCode is supported for Scorecard only");
    expect_rejected(SCORECARD("pointsBelow",
                              "<OutputField name=\"r\" feature=\"reasonCode\" "
                              "rank=\"0\"/>"),
                    "rank must be a whole number from 1 to 1000");
    /* No baseline for cb without the Scorecard's: it cannot rank. */
    static const char no_baseline[] =
        PMML_HEAD(TARGET_CONTINUOUS)
        "<Scorecard functionName=\"regression\">" MINING_SCHEMA
        "<Output>" RANKS "</Output><Characteristics><Characteristic "
        "reasonCode=\"RA\">\n<Attribute partialScore=\"1\"><True/>"
        "</Attribute></Characteristic></Characteristics></Scorecard></PMML>";
    char want[96];
    snprintf(want, sizeof want, "the Attribute at line %d has no reasonCode "
             "or no baselineScore", line_of(no_baseline, "<Attribute"));
    expect_rejected(no_baseline, want);
    /* Such a scorecard still scores when nobody asks for reasons. */
    model *m = must_load(
        PMML_HEAD(TARGET_CONTINUOUS)
        "<Scorecard functionName=\"regression\">" MINING_SCHEMA
        "<Characteristics><Characteristic><Attribute partialScore=\"1\">"
        "<True/></Attribute></Characteristic></Characteristics></Scorecard>"
        "</PMML>");
    assert_float_equal(value_of(m, 0, 0, 0), 1, 0);
    model_free(m);
    expect_rejected(PMML_HEAD(TARGET_CONTINUOUS)
                    "<Scorecard functionName=\"regression\" "
                    "useReasonCodes=\"false\">" MINING_SCHEMA
                    "<Output>" RANKS "</Output><Characteristics>"
                    "<Characteristic><Attribute partialScore=\"1\"><True/>"
                    "</Attribute></Characteristic></Characteristics>"
                    "</Scorecard></PMML>",
                    "reasonCode of a Scorecard with useReasonCodes=\"false\"");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_points_below),
        cmocka_unit_test(test_points_above),
        cmocka_unit_test(test_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
