/*
 * test_pmml_valid_fn.c - the isValid and isNotValid built-ins: a field's
 * value judged by its DataField's Values and Intervals after the
 * MiningField treatments, missing values being neither valid nor
 * invalid; in derived fields and in an Output transformedValue.
 *
 * The fields are those of HEAD_RULES (pmml_test.h): a valid in
 * [-10, 10]; b categorical, valid 1 and 2, 9 declared invalid, -1 declared
 * missing, anything else invalid (a list of valid values restricts a
 * categorical field); c has no declarations. Expected values are worked
 * out by hand from PMML 4.4 next to each case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "pmml_test.h"

#define U NAN

#define FLAG(NAME, FN, FIELD)                                              \
    "<DerivedField name=\"" NAME "\" optype=\"continuous\" "               \
    "dataType=\"double\"><Apply function=\"" FN "\"><FieldRef field=\""   \
    FIELD "\"/></Apply></DerivedField>\n"
#define TERM(NAME, COEF) \
    "<NumericPredictor name=\"" NAME "\" coefficient=\"" COEF "\"/>"

/* y = va + 10 na + 100 vb + 1000 nb + 10000 vc, a digit per test;
 * B_TREATMENT is b's invalidValueTreatment (and replacement). */
#define FLAGS_DOC(B_TREATMENT)                                             \
    HEAD_RULES(TARGET_CONTINUOUS)                                          \
    "<RegressionModel functionName=\"regression\"><MiningSchema>\n"        \
    "<MiningField name=\"y\" usageType=\"target\"/>\n"                     \
    "<MiningField name=\"a\" invalidValueTreatment=\"asIs\"/>\n"           \
    "<MiningField name=\"b\" " B_TREATMENT "/>\n"                          \
    "<MiningField name=\"c\"/></MiningSchema>\n"                           \
    "<Output><OutputField name=\"out_na\" feature=\"transformedValue\">"   \
    "<Apply function=\"isNotValid\"><FieldRef field=\"a\"/></Apply>"       \
    "</OutputField></Output>\n"                                            \
    "<LocalTransformations>\n"                                             \
    FLAG("va", "isValid", "a") FLAG("na", "isNotValid", "a")               \
    FLAG("vb", "isValid", "b") FLAG("nb", "isNotValid", "b")               \
    FLAG("vc", "isValid", "c")                                             \
    "</LocalTransformations>\n<RegressionTable intercept=\"0\">"           \
    TERM("va", "1") TERM("na", "10") TERM("vb", "100") TERM("nb", "1000")  \
    TERM("vc", "10000") "</RegressionTable></RegressionModel></PMML>\n"

static void test_as_is(void **state) {
    (void)state;
    model *m = must_load(FLAGS_DOC("invalidValueTreatment=\"asIs\""));
    /* a=5 in [-10,10], b=1 listed valid, c=7 declares nothing:
     * va, vb, vc = 1 -> 1 + 100 + 10000. */
    assert_float_equal(value_of(m, 5, 1, 7), 10101, 1e-9);
    /* a=11 outside, kept as is: na; b=9 declared invalid: nb; vc:
     * 10 + 1000 + 10000. */
    assert_float_equal(value_of(m, 11, 9, 7), 11010, 1e-9);
    /* a=10 on the closed right end: va; b=3 not listed: nb:
     * 1 + 1000 + 10000. */
    assert_float_equal(value_of(m, 10, 3, 7), 11001, 1e-9);
    /* a, c missing; b=-1 declared missing (no replacement): every flag
     * is 0, a missing value being neither valid nor invalid. */
    assert_float_equal(value_of(m, U, -1, U), 0, 1e-9);
    /* The Output field sees the same: isNotValid(a) for a=-10.5 is 1,
     * for a=-10 (closed left end) 0, for a missing 0. */
    static const double as[] = {-10.5, -10, U}, want[] = {1, 0, 0};
    for (int i = 0; i < 3; i++) {
        double o = -1;
        model_output out = {.outputs = &o};
        ms_error err;
        assert_int_equal(score3(m, as[i], 1, 0, &out, &err), 0);
        assert_float_equal(o, want[i], 1e-9);
    }
    model_free(m);
}

static void test_as_missing(void **state) {
    (void)state;
    model *m = must_load(FLAGS_DOC("invalidValueTreatment=\"asMissing\" "
                                   "missingValueReplacement=\"2\""));
    /* b=9 invalid -> as missing -> replaced by 2, which is valid: the
     * model sees a valid b: va + vb = 1 + 100 (c missing). */
    assert_float_equal(value_of(m, 5, 9, U), 101, 1e-9);
    /* b missing -> 2 -> vb; a=-11 as is -> na: 10 + 100 + 10000. */
    assert_float_equal(value_of(m, -11, U, 0), 10110, 1e-9);
    model_free(m);
}

static void test_return_invalid(void **state) {
    (void)state;
    /* b's default treatment, returnInvalid: no prediction at all for an
     * invalid b, so isNotValid(b) never gets to be 1. */
    model *m = must_load(FLAGS_DOC("usageType=\"active\""));
    ms_error err;
    model_output out = {0};
    assert_int_equal(score3(m, 5, 9, 0, &out, &err), -1);
    assert_non_null(strstr(err.msg, "'b' = 9 is not a valid value"));
    assert_float_equal(value_of(m, 5, 2, 0), 10101, 1e-9);
    model_free(m);
}

static void test_needs_a_field(void **state) {
    (void)state;
    static const char doc[] =
        PMML_HEAD(TARGET_CONTINUOUS)
        "<RegressionModel functionName=\"regression\">" MINING_SCHEMA
        "<LocalTransformations><DerivedField name=\"d\" "
        "optype=\"continuous\" dataType=\"double\">\n"
        "<Apply function=\"isValid\"><Constant>1</Constant></Apply>"
        "</DerivedField></LocalTransformations><RegressionTable "
        "intercept=\"0\"/></RegressionModel></PMML>\n";
    expect_rejected_at(doc, "<Apply", "function 'isValid' takes a field");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_as_is),
        cmocka_unit_test(test_as_missing),
        cmocka_unit_test(test_return_invalid),
        cmocka_unit_test(test_needs_a_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
