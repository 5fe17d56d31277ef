/*
 * test_pmml_data_type.c - a DataField's dataType decides which inputs are
 * valid: as JPMML parses a value by its dataType, an integer field given
 * 1.5 and a boolean field given anything but 0 or 1 hold invalid values,
 * and the MiningField's invalidValueTreatment applies; double and float
 * fields take any number. isValid sees the same, and boolean text (true,
 * false) is encoded as 1 and 0.
 *
 * Fields: a integer, b boolean, c float (no other declarations). The model
 * is y = a + 10 b + 100 c, so each expected value below is worked out by
 * hand from the inputs and the treatment named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "pmml_test.h"

#define TYPED_HEAD                                                         \
    "<?xml version=\"1.0\"?>\n"                                            \
    "<PMML xmlns=\"http://www.dmg.org/PMML-4_4\" version=\"4.4\">\n"       \
    "<Header/>\n<DataDictionary>\n"                                        \
    "<DataField name=\"a\" optype=\"continuous\" dataType=\"integer\"/>\n" \
    "<DataField name=\"b\" optype=\"categorical\" dataType=\"boolean\"/>\n" \
    "<DataField name=\"c\" optype=\"continuous\" dataType=\"float\"/>\n"   \
    TARGET_CONTINUOUS "</DataDictionary>\n"

/* A and B are the MiningField attributes of a and b. */
#define TYPED_DOC(A, B)                                                    \
    TYPED_HEAD                                                             \
    "<RegressionModel functionName=\"regression\"><MiningSchema>\n"        \
    "<MiningField name=\"y\" usageType=\"target\"/>\n"                     \
    "<MiningField name=\"a\" " A "/>\n<MiningField name=\"b\" " B "/>\n"   \
    "<MiningField name=\"c\"/></MiningSchema>\n"                           \
    "<RegressionTable intercept=\"0\">"                                    \
    "<NumericPredictor name=\"a\" coefficient=\"1\"/>"                     \
    "<NumericPredictor name=\"b\" coefficient=\"10\"/>"                    \
    "<NumericPredictor name=\"c\" coefficient=\"100\"/>"                   \
    "</RegressionTable></RegressionModel></PMML>\n"

static void test_return_invalid(void **state) {
    (void)state;
    model *m = must_load(TYPED_DOC("", ""));
    ms_error err;
    model_output out = {0};
    /* Whole a, boolean b, any c: 3 + 10 * 1 + 100 * 0.25 = 38. */
    assert_float_equal(value_of(m, 3, 1, 0.25), 38, 1e-9);
    /* -4 + 0 + 100 * 1.5 = 146: negative integers and non-whole floats
     * are fine. */
    assert_float_equal(value_of(m, -4, 0, 1.5), 146, 1e-9);
    /* a = 1.5 is not an integer: returnInvalid (the default) fails the
     * record, naming the field. */
    assert_int_equal(score3(m, 1.5, 1, 0, &out, &err), -1);
    assert_non_null(strstr(err.msg, "input 'a' = 1.5 is not a valid value"));
    /* b = 2 is not a boolean. */
    assert_int_equal(score3(m, 1, 2, 0, &out, &err), -1);
    assert_non_null(strstr(err.msg, "input 'b' = 2 is not a valid value"));
    /* b = 0.5 neither. */
    assert_int_equal(score3(m, 1, 0.5, 0, &out, &err), -1);
    model_free(m);
}

static void test_treatments(void **state) {
    (void)state;
    model *m = must_load(TYPED_DOC(
        "invalidValueTreatment=\"asMissing\" missingValueReplacement=\"7\"",
        "invalidValueTreatment=\"asValue\" invalidValueReplacement=\"0\""));
    /* a = 2.5 invalid -> missing -> replaced by 7; b = 3 invalid -> 0:
     * 7 + 0 + 100 * 1 = 107. */
    assert_float_equal(value_of(m, 2.5, 3, 1), 107, 1e-9);
    /* Valid values pass: 2 + 10 + 100 = 112. */
    assert_float_equal(value_of(m, 2, 1, 1), 112, 1e-9);
    /* A missing a is missing, not invalid: replaced by 7: 7 + 10 + 0. */
    assert_float_equal(value_of(m, NAN, 1, 0), 17, 1e-9);
    model_free(m);
    m = must_load(TYPED_DOC("invalidValueTreatment=\"asIs\"", ""));
    /* asIs keeps 2.5: 2.5 + 10 * 1 + 0 = 12.5. */
    assert_float_equal(value_of(m, 2.5, 1, 0), 12.5, 1e-9);
    model_free(m);
}

/* isValid(a) is 1 for a whole a, 0 for 1.5 (kept by asIs); 0 when a is
 * missing, a missing value being neither valid nor invalid. */
static void test_is_valid(void **state) {
    (void)state;
    static const char doc[] =
        TYPED_HEAD
        "<RegressionModel functionName=\"regression\"><MiningSchema>\n"
        "<MiningField name=\"y\" usageType=\"target\"/>\n"
        "<MiningField name=\"a\" invalidValueTreatment=\"asIs\"/>\n"
        "</MiningSchema><LocalTransformations>"
        "<DerivedField name=\"v\" optype=\"continuous\" dataType=\"double\">"
        "<Apply function=\"isValid\"><FieldRef field=\"a\"/></Apply>"
        "</DerivedField></LocalTransformations>"
        "<RegressionTable intercept=\"0\">"
        "<NumericPredictor name=\"v\" coefficient=\"1\"/>"
        "</RegressionTable></RegressionModel></PMML>\n";
    model *m = must_load(doc);
    assert_float_equal(value_of(m, 4, 0, 0), 1, 1e-9);
    assert_float_equal(value_of(m, 1.5, 0, 0), 0, 1e-9);
    assert_float_equal(value_of(m, NAN, 0, 0), 0, 1e-9);
    model_free(m);
}

/* Text for a boolean field: true and false are 1 and 0 (as JPMML spells
 * them); other text, and text for the integer and float fields, is left
 * to be read as a number. */
static void test_boolean_text(void **state) {
    (void)state;
    model *m = must_load(TYPED_DOC("", ""));
    double v = -1;
    assert_int_equal(model_encode(m, 1, "true", &v), 1);
    assert_float_equal(v, 1, 0);
    assert_int_equal(model_encode(m, 1, "false", &v), 1);
    assert_float_equal(v, 0, 0);
    assert_int_equal(model_encode(m, 1, "yes", &v), 0);
    assert_int_equal(model_encode(m, 0, "true", &v), 0);
    assert_int_equal(model_encode(m, 2, "1.5", &v), 0);
    model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_return_invalid),
        cmocka_unit_test(test_treatments),
        cmocka_unit_test(test_is_valid),
        cmocka_unit_test(test_boolean_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
