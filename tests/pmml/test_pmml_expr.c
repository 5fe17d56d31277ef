/*
 * test_pmml_expr.c - transformations: DerivedFields in LocalTransformations
 * and the TransformationDictionary, every numeric built-in function of
 * Apply, DefineFunction, NormContinuous, NormDiscrete, Discretize and
 * MapValues, their missing-value and invalid-value handling, and derived
 * fields read by predicates and by the segments of an ensemble.
 *
 * Every expected value is worked out by hand from the PMML 4.4 definitions
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

#define K(V) "<Constant>" V "</Constant>"

static void test_builtins(void **state) {
    (void)state;
    static const struct {
        const char *function, *args;
        double want;
    } cases[] = {
        {"+", K("1") K("2"), 3},
        {"-", K("5") K("2"), 3},
        {"*", K("3") K("4"), 12},
        {"/", K("7") K("2"), 3.5},
        {"min", K("3") K("1") K("2"), 1},
        {"max", K("3") K("1") K("2"), 3},
        {"sum", K("1") K("2") K("3"), 6},
        {"avg", K("1") K("2") K("3") K("4"), 2.5},
        {"median", K("5") K("1") K("3"), 3},
        {"median", K("4") K("1") K("3") K("2"), 2.5},   /* (2 + 3) / 2 */
        {"product", K("2") K("3") K("4"), 24},
        {"log10", K("1000"), 3},
        {"ln", K("1"), 0},
        {"sqrt", K("16"), 4},
        {"abs", K("-3"), 3},
        {"exp", K("0"), 1},
        {"pow", K("2") K("10"), 1024},
        {"threshold", K("3") K("2"), 1},                /* 3 > 2 */
        {"threshold", K("2") K("3"), 0},
        {"floor", K("-1.5"), -2},
        {"ceil", K("-1.5"), -1},
        {"round", K("2.5"), 3},                         /* half up */
        {"round", K("-2.5"), -2},
        {"rint", K("2.5"), 2},                          /* half even */
        {"rint", K("3.5"), 4},
        {"modulo", K("-7") K("3"), 2},                  /* -7 - (-3)*3 */
        {"expm1", K("0"), 0},
        {"ln1p", K("0"), 0},
        {"hypot", K("3") K("4"), 5},
        {"sin", K("0"), 0},
        {"cos", K("0"), 1},
        {"tan", K("0"), 0},
        {"asin", K("1"), M_PI / 2},
        {"acos", K("1"), 0},
        {"atan", K("1"), M_PI / 4},
        {"atan2", K("1") K("1"), M_PI / 4},
        {"sinh", K("0"), 0},
        {"cosh", K("0"), 1},
        {"tanh", K("0"), 0},
        {"erf", K("0"), 0},
        {"stdNormalCDF", K("0"), 0.5},
        {"stdNormalPDF", K("0"), 0.3989422804014327},   /* 1/sqrt(2 pi) */
        {"normalCDF", K("1") K("1") K("2"), 0.5},
        /* phi((3 - 1) / 2) / 2 = e^-0.5 / sqrt(2 pi) / 2 */
        {"normalPDF", K("3") K("1") K("2"), 0.12098536225957168},
        {"equal", K("2") K("2"), 1},
        {"notEqual", K("2") K("2"), 0},
        {"lessThan", K("1") K("2"), 1},
        {"lessOrEqual", K("2") K("2"), 1},
        {"greaterThan", K("1") K("2"), 0},
        {"greaterOrEqual", K("1") K("2"), 0},
        {"and", K("1") K("1") K("0"), 0},
        {"and", K("1") K("1"), 1},
        {"or", K("0") K("0") K("1"), 1},
        {"not", K("0"), 1},
        {"isIn", K("2") K("1") K("2") K("3"), 1},
        {"isNotIn", K("2") K("1") K("3"), 1},
        {"if", K("1") K("10") K("20"), 10},
        {"if", K("0") K("10") K("20"), 20},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char doc[4096];
        snprintf(doc, sizeof doc,
                 DERIVE("<Apply function=\"%s\">%s</Apply>"),
                 cases[i].function, cases[i].args);
        double got = derived(doc, 0, 0, 0);
        if (fabs(got - cases[i].want) > 1e-12)
            fail_msg("%s: got %.17g, want %.17g", cases[i].function, got,
                     cases[i].want);
    }
}

static void test_apply_missing_and_invalid(void **state) {
    (void)state;
    /* a + b; a missing -> mapMissingTo -1. */
    const char *doc = DERIVE("<Apply function=\"+\" mapMissingTo=\"-1\">"
                             "<FieldRef field=\"a\"/><FieldRef field=\"b\"/>"
                             "</Apply>");
    assert_float_equal(derived(doc, 1, 2, 0), 3, 0);
    assert_float_equal(derived(doc, U, 2, 0), -1, 0);
    /* A missing result takes defaultValue: a / 0 is invalid, asMissing
     * makes it missing, defaultValue 5. */
    doc = DERIVE("<Apply function=\"/\" invalidValueTreatment=\"asMissing\" "
                 "defaultValue=\"5\"><FieldRef field=\"a\"/>" K("0")
                 "</Apply>");
    assert_float_equal(derived(doc, 1, 0, 0), 5, 0);
    /* returnInvalid (the default): the record fails. */
    model *m = must_load(DERIVE("<Apply function=\"ln\">"
                                "<FieldRef field=\"a\"/></Apply>"));
    model_output out = {0};
    ms_error err;
    assert_float_equal(value_of(m, M_E, 0, 0), 1, 1e-15);
    assert_int_equal(score3(m, -1, 0, 0, &out, &err), -1);
    assert_non_null(strstr(err.msg, "a derived field is invalid"));
    model_free(m);
    /* isMissing / isNotMissing see the missing value itself. */
    doc = DERIVE("<Apply function=\"isMissing\"><FieldRef field=\"a\"/>"
                 "</Apply>");
    assert_float_equal(derived(doc, U, 0, 0), 1, 0);
    assert_float_equal(derived(doc, 2, 0, 0), 0, 0);
    doc = DERIVE("<Apply function=\"isNotMissing\"><FieldRef field=\"a\"/>"
                 "</Apply>");
    assert_float_equal(derived(doc, U, 0, 0), 0, 0);
    /* if(a > 0, b, 20): the branch not taken may be missing. */
    doc = DERIVE("<Apply function=\"if\"><Apply function=\"greaterThan\">"
                 "<FieldRef field=\"a\"/>" K("0") "</Apply>"
                 "<FieldRef field=\"b\"/>" K("20") "</Apply>");
    assert_float_equal(derived(doc, 1, 7, 0), 7, 0);
    assert_float_equal(derived(doc, -1, U, 0), 20, 0);
    /* FieldRef mapMissingTo, Constant missing="true". */
    doc = DERIVE("<FieldRef field=\"a\" mapMissingTo=\"7\"/>");
    assert_float_equal(derived(doc, U, 0, 0), 7, 0);
    assert_float_equal(derived(doc, 3, 0, 0), 3, 0);
    doc = DERIVE("<Apply function=\"isMissing\"><Constant missing=\"true\"/>"
                 "</Apply>");
    assert_float_equal(derived(doc, 0, 0, 0), 1, 0);
}

static void test_normalizations(void **state) {
    (void)state;
    /* LinearNorm (0, 0) (10, 1): 5 -> 0.5; 20 clamped -> 1 with
     * asExtremeValues; missing -> mapMissingTo 0.25. */
    const char *doc = DERIVE("<NormContinuous field=\"a\" "
                             "outliers=\"asExtremeValues\" "
                             "mapMissingTo=\"0.25\"><LinearNorm orig=\"0\" "
                             "norm=\"0\"/><LinearNorm orig=\"10\" "
                             "norm=\"1\"/></NormContinuous>");
    assert_float_equal(derived(doc, 5, 0, 0), 0.5, 1e-15);
    assert_float_equal(derived(doc, 20, 0, 0), 1, 0);
    assert_float_equal(derived(doc, U, 0, 0), 0.25, 0);
    /* asIs extrapolates the end segment: 20 -> 2. */
    doc = DERIVE("<NormContinuous field=\"a\"><LinearNorm orig=\"0\" "
                 "norm=\"0\"/><LinearNorm orig=\"10\" norm=\"1\"/>"
                 "</NormContinuous>");
    assert_float_equal(derived(doc, 20, 0, 0), 2, 1e-15);
    /* NormDiscrete b == 2. */
    doc = DERIVE("<NormDiscrete field=\"b\" value=\"2\" "
                 "mapMissingTo=\"0.5\"/>");
    assert_float_equal(derived(doc, 0, 2, 0), 1, 0);
    assert_float_equal(derived(doc, 0, 3, 0), 0, 0);
    assert_float_equal(derived(doc, 0, U, 0), 0.5, 0);
}

static void test_discretize_and_map(void **state) {
    (void)state;
    /* (-inf, 0) -> 1, [0, 10) -> 2, else defaultValue 3, missing 4. */
    const char *doc = DERIVE(
        "<Discretize field=\"a\" defaultValue=\"3\" mapMissingTo=\"4\">"
        "<DiscretizeBin binValue=\"1\"><Interval closure=\"openOpen\" "
        "rightMargin=\"0\"/></DiscretizeBin>"
        "<DiscretizeBin binValue=\"2\"><Interval closure=\"closedOpen\" "
        "leftMargin=\"0\" rightMargin=\"10\"/></DiscretizeBin></Discretize>");
    assert_float_equal(derived(doc, -1, 0, 0), 1, 0);
    assert_float_equal(derived(doc, 0, 0, 0), 2, 0);
    assert_float_equal(derived(doc, 9.5, 0, 0), 2, 0);
    assert_float_equal(derived(doc, 10, 0, 0), 3, 0);
    assert_float_equal(derived(doc, U, 0, 0), 4, 0);
    /* b: 1 -> 100, 2 -> 200, else -1, missing -2. */
    doc = DERIVE("<MapValues outputColumn=\"out\" defaultValue=\"-1\" "
                 "mapMissingTo=\"-2\"><FieldColumnPair field=\"b\" "
                 "column=\"in\"/><InlineTable>"
                 "<row><in>1</in><out>100</out></row>"
                 "<row><in>2</in><out>200</out></row>"
                 "</InlineTable></MapValues>");
    assert_float_equal(derived(doc, 0, 2, 0), 200, 0);
    assert_float_equal(derived(doc, 0, 1, 0), 100, 0);
    assert_float_equal(derived(doc, 0, 5, 0), -1, 0);
    assert_float_equal(derived(doc, 0, U, 0), -2, 0);
}

#define FUNCTIONS                                                          \
    "<DefineFunction name=\"f\" optype=\"continuous\">"                    \
    "<ParameterField name=\"x\"/><ParameterField name=\"y\"/>"             \
    "<Apply function=\"+\"><Apply function=\"*\"><FieldRef field=\"x\"/>"  \
    "<FieldRef field=\"y\"/></Apply>" K("1") "</Apply></DefineFunction>"   \
    "<DefineFunction name=\"g\" optype=\"continuous\">"                    \
    "<ParameterField name=\"x\"/><Apply function=\"f\">"                   \
    "<FieldRef field=\"x\"/><FieldRef field=\"x\"/></Apply>"               \
    "</DefineFunction>"                                                    \
    "<DefineFunction name=\"r\" optype=\"continuous\">"                    \
    "<ParameterField name=\"x\"/><Apply function=\"r\">"                   \
    "<FieldRef field=\"x\"/></Apply></DefineFunction>"                     \
    "<DerivedField name=\"t\" optype=\"continuous\" dataType=\"double\">"  \
    "<Apply function=\"*\"><FieldRef field=\"a\"/>" K("2") "</Apply>"      \
    "</DerivedField>"                                                      \
    "<DerivedField name=\"unused\" optype=\"continuous\" "                 \
    "dataType=\"double\"><FieldRef field=\"nowhere\"/></DerivedField>"

static void test_define_function(void **state) {
    (void)state;
    /* f(a, b) = a * b + 1 = 7 at (2, 3). */
    assert_float_equal(
        derived(DERIVE_IN(FUNCTIONS, "<Apply function=\"f\"><FieldRef "
                                     "field=\"a\"/><FieldRef field=\"b\"/>"
                                     "</Apply>"), 2, 3, 0),
        7, 0);
    /* g(a) = f(a, a) = a^2 + 1 = 10 at 3. */
    assert_float_equal(
        derived(DERIVE_IN(FUNCTIONS, "<Apply function=\"g\"><FieldRef "
                                     "field=\"a\"/></Apply>"), 3, 0, 0),
        10, 0);
    /* A TransformationDictionary field: t = 2a, d = t + 1 = 7 at 3. The
     * dictionary's field on an unknown input is never read, so it does
     * not matter. */
    assert_float_equal(
        derived(DERIVE_IN(FUNCTIONS, "<Apply function=\"+\"><FieldRef "
                                     "field=\"t\"/>" K("1") "</Apply>"),
                3, 0, 0),
        7, 0);
    expect_rejected(DERIVE_IN(FUNCTIONS, "<Apply function=\"r\">"
                                         "<FieldRef field=\"a\"/></Apply>"),
                    "DefineFunction calls nest more than 16 deep");
    expect_rejected(DERIVE_IN(FUNCTIONS, "<Apply function=\"f\">"
                                         "<FieldRef field=\"a\"/></Apply>"),
                    "function 'f' takes 2 arguments, not 1");
}

static void test_rejections(void **state) {
    (void)state;
    expect_rejected(DERIVE("<Apply function=\"uppercase\"><FieldRef "
                           "field=\"a\"/></Apply>"),
                    "argument 1 of uppercase is a number, not a string");
    expect_rejected(DERIVE("<Apply function=\"frobnicate\"/>"),
                    "function 'frobnicate' is not supported");
    expect_rejected(DERIVE("<Apply function=\"pow\">" K("1") "</Apply>"),
                    "function 'pow' takes 2 to 2 arguments, not 1");
    expect_rejected(DERIVE(K("abc")), "DerivedField 'd' is of dataType "
                                      "'double' but its expression gives "
                                      "strings");
    expect_unsupported(DERIVE("<Aggregate field=\"a\" function=\"sum\"/>"),
                       "Aggregate", "DerivedField");
    expect_rejected(DERIVE("<FieldRef field=\"zz\"/>"),
                    "FieldRef on unknown field 'zz'");
    /* Dictionary fields defined through each other: refused, not a stack
     * overflow. */
    expect_rejected(
        DERIVE_IN("<DerivedField name=\"p\" optype=\"continuous\" "
                  "dataType=\"double\"><FieldRef field=\"q\"/></DerivedField>"
                  "<DerivedField name=\"q\" optype=\"continuous\" "
                  "dataType=\"double\"><FieldRef field=\"p\"/></DerivedField>",
                  "<FieldRef field=\"p\"/>"),
        "DerivedField 'p' depends on itself");
}

/* y = d, d of dataType TYPE. */
#define TYPED(TYPE, EXPR)                                                  \
    PMML_HEAD(TARGET_CONTINUOUS)                                           \
    "<RegressionModel functionName=\"regression\">" MINING_SCHEMA          \
    "<LocalTransformations><DerivedField name=\"d\" optype=\"continuous\" " \
    "dataType=\"" TYPE "\">" EXPR "</DerivedField></LocalTransformations>" \
    "<RegressionTable intercept=\"0\"><NumericPredictor name=\"d\" "       \
    "coefficient=\"1\"/></RegressionTable></RegressionModel></PMML>\n"

static void test_data_types(void **state) {
    (void)state;
    const char *a = "<FieldRef field=\"a\"/>";
    char doc[2048];
    /* float: 0.1 becomes the float nearest it, 0.100000001490116... */
    snprintf(doc, sizeof doc, TYPED("float", "%s"), a);
    assert_true(derived(doc, 0.1, 0, 0) == (double)0.1f);
    /* boolean: any non-zero number is true. */
    snprintf(doc, sizeof doc, TYPED("boolean", "%s"), a);
    assert_float_equal(derived(doc, 2.5, 0, 0), 1, 0);
    assert_float_equal(derived(doc, 0, 0, 0), 0, 0);
    /* integer: 3 is one, 2.5 is not (no prediction). */
    snprintf(doc, sizeof doc, TYPED("integer", "%s"), a);
    assert_float_equal(derived(doc, 3, 0, 0), 3, 0);
    model *m = must_load(doc);
    model_output out = {0};
    ms_error err;
    assert_int_equal(score3(m, 2.5, 0, 0, &out, &err), -1);
    assert_non_null(strstr(err.msg, "a derived field is invalid"));
    model_free(m);
    /* double and string keep the number as it is. */
    snprintf(doc, sizeof doc, TYPED("string", "%s"), a);
    assert_float_equal(derived(doc, 0.1, 0, 0), 0.1, 0);
}

static void test_derived_in_predicates_and_segments(void **state) {
    (void)state;
    /* A tree splitting on d = a + b; an ensemble whose segments read the
     * ensemble's derived field e = 10 a through their MiningSchema. */
    static const char tree[] =
        PMML_HEAD(TARGET_CONTINUOUS)
        "<TreeModel functionName=\"regression\">" MINING_SCHEMA
        "<LocalTransformations><DerivedField name=\"d\" optype=\"continuous\""
        " dataType=\"double\"><Apply function=\"+\"><FieldRef field=\"a\"/>"
        "<FieldRef field=\"b\"/></Apply></DerivedField></LocalTransformations>"
        "<Node><True/><Node score=\"1\"><SimplePredicate field=\"d\" "
        "operator=\"greaterThan\" value=\"5\"/></Node>"
        "<Node score=\"0\"><True/></Node></Node></TreeModel></PMML>";
    model *m = must_load(tree);
    assert_float_equal(value_of(m, 3, 3, 0), 1, 0);   /* 6 > 5 */
    assert_float_equal(value_of(m, 3, 1, 0), 0, 0);   /* 4 */
    model_free(m);
    static const char mining[] =
        PMML_HEAD(TARGET_CONTINUOUS)
        "<MiningModel functionName=\"regression\">" MINING_SCHEMA
        "<LocalTransformations><DerivedField name=\"e\" optype=\"continuous\""
        " dataType=\"double\"><Apply function=\"*\"><FieldRef field=\"a\"/>"
        K("10") "</Apply></DerivedField></LocalTransformations>"
        "<Segmentation multipleModelMethod=\"sum\">"
        "<Segment><True/><RegressionModel functionName=\"regression\">"
        "<MiningSchema><MiningField name=\"e\"/></MiningSchema>"
        "<RegressionTable intercept=\"1\"><NumericPredictor name=\"e\" "
        "coefficient=\"1\"/></RegressionTable></RegressionModel></Segment>"
        "<Segment><True/><RegressionModel functionName=\"regression\">"
        "<MiningSchema><MiningField name=\"b\"/></MiningSchema>"
        "<LocalTransformations><DerivedField name=\"f\" optype=\"continuous\""
        " dataType=\"double\"><Apply function=\"+\"><FieldRef field=\"e\"/>"
        "<FieldRef field=\"b\"/></Apply></DerivedField>"
        "</LocalTransformations>"
        "<RegressionTable intercept=\"0\"><NumericPredictor name=\"f\" "
        "coefficient=\"2\"/></RegressionTable></RegressionModel></Segment>"
        "</Segmentation></MiningModel></PMML>";
    /* a = 2, b = 3: e = 20; segment 1: 20 + 1 = 21; segment 2:
     * f = 20 + 3 = 23, 2 * 23 = 46; sum 67. */
    m = must_load(mining);
    assert_float_equal(value_of(m, 2, 3, 0), 67, 0);
    model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtins),
        cmocka_unit_test(test_apply_missing_and_invalid),
        cmocka_unit_test(test_normalizations),
        cmocka_unit_test(test_discretize_and_map),
        cmocka_unit_test(test_define_function),
        cmocka_unit_test(test_rejections),
        cmocka_unit_test(test_data_types),
        cmocka_unit_test(test_derived_in_predicates_and_segments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
