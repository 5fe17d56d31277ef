/*
 * test_pmml_strings.c - string values: string fields fed text through
 * model_encode(), string operands of predicates, MapValues, Discretize
 * and Constants, and the PMML 4.4 string built-ins (uppercase, lowercase,
 * substring, trimBlanks, concat, replace, matches, stringLength,
 * formatNumber) with missing-value propagation; what is refused at load.
 *
 * Fields: a is a categorical string listing its valid Values (red, green,
 * blue, yellow and " blue "), b a string without Values (any text), c a
 * number. Every expected value is worked out by hand from the PMML 4.4
 * definition of the function, next to each case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pmml_test.h"

#define STR_HEAD                                                           \
    "<?xml version=\"1.0\"?>\n"                                            \
    "<PMML xmlns=\"http://www.dmg.org/PMML-4_4\" version=\"4.4\">\n"       \
    "<Header/>\n<DataDictionary>\n"                                        \
    "<DataField name=\"a\" optype=\"categorical\" dataType=\"string\">"    \
    "<Value value=\"red\"/><Value value=\"green\"/><Value value=\"blue\"/>" \
    "<Value value=\"yellow\"/><Value value=\" blue \"/></DataField>\n"     \
    "<DataField name=\"b\" optype=\"categorical\" dataType=\"string\"/>\n" \
    "<DataField name=\"c\" optype=\"continuous\" dataType=\"double\"/>\n"  \
    TARGET_CONTINUOUS "</DataDictionary>\n"

/* y = d, d the derived field EXPR; A is a's MiningField attributes. */
#define STR_DERIVE_A(A, EXPR)                                              \
    STR_HEAD                                                               \
    "<RegressionModel functionName=\"regression\"><MiningSchema>\n"        \
    "<MiningField name=\"y\" usageType=\"target\"/>\n"                     \
    "<MiningField name=\"a\" " A "/><MiningField name=\"b\"/>"             \
    "<MiningField name=\"c\"/></MiningSchema>\n"                           \
    "<LocalTransformations><DerivedField name=\"d\" optype=\"continuous\" " \
    "dataType=\"double\">\n" EXPR "\n</DerivedField></LocalTransformations>" \
    "<RegressionTable intercept=\"0\"><NumericPredictor name=\"d\" "       \
    "coefficient=\"1\"/></RegressionTable></RegressionModel></PMML>\n"
#define STR_DERIVE(EXPR) STR_DERIVE_A("", EXPR)

#define S(TEXT) "<Constant dataType=\"string\">" TEXT "</Constant>"
#define N(TEXT) "<Constant>" TEXT "</Constant>"
#define A "<FieldRef field=\"a\"/>"
#define B "<FieldRef field=\"b\"/>"
#define C "<FieldRef field=\"c\"/>"
#define F1(FN, X) "<Apply function=\"" FN "\">" X "</Apply>"
#define F2(FN, X, Y) "<Apply function=\"" FN "\">" X Y "</Apply>"
#define F3(FN, X, Y, Z) "<Apply function=\"" FN "\">" X Y Z "</Apply>"
#define EQ(X, Y) F2("equal", X, Y)

/* Scores text a and b (NULL: missing) and number c. */
static int score_text(const model *m, const char *a, const char *b, double c,
                      model_output *out, ms_error *err) {
    static _Alignas(16) unsigned char scratch[1 << 14];
    double x[3] = {NAN, NAN, c};
    if (a) assert_int_equal(model_encode(m, 0, a, &x[0]), 1);
    if (b) assert_int_equal(model_encode(m, 1, b, &x[1]), 1);
    double ignored;
    assert_int_equal(model_encode(m, 2, "1", &ignored), 0);  /* a number */
    err->msg[0] = '\0';
    assert_true(m->scratch_size <= sizeof scratch);
    return model_score(m, x, scratch, out, err);
}

static double text_value(const model *m, const char *a, const char *b,
                         double c) {
    ms_error err;
    model_output out = {0};
    if (score_text(m, a, b, c, &out, &err) < 0) fail_msg("score: %s", err.msg);
    return out.value;
}

/* The derived value of document doc for (a, b, c). */
static double str_derived(const char *doc, const char *a, const char *b,
                          double c) {
    model *m = must_load(doc);
    double v = text_value(m, a, b, c);
    model_free(m);
    return v;
}

static void test_case_length_trim(void **state) {
    (void)state;
    /* stringLength counts characters: "yellow" 6, " blue " 6. */
    const char *len = STR_DERIVE(F1("stringLength", A));
    assert_float_equal(str_derived(len, "yellow", NULL, 0), 6, 0);
    assert_float_equal(str_derived(len, " blue ", NULL, 0), 6, 0);
    /* uppercase("red") = "RED", which equals the Constant "RED". */
    const char *up = STR_DERIVE(EQ(F1("uppercase", A), S("RED")));
    assert_float_equal(str_derived(up, "red", NULL, 0), 1, 0);
    assert_float_equal(str_derived(up, "green", NULL, 0), 0, 0);
    /* lowercase("ReD") = "red" = a for a = red. */
    const char *low = STR_DERIVE(EQ(F1("lowercase", S("ReD")), A));
    assert_float_equal(str_derived(low, "red", NULL, 0), 1, 0);
    assert_float_equal(str_derived(low, "blue", NULL, 0), 0, 0);
    /* trimBlanks(" blue ") = "blue"; trimBlanks("red") = "red". */
    const char *trim = STR_DERIVE(EQ(F1("trimBlanks", A), S("blue")));
    assert_float_equal(str_derived(trim, " blue ", NULL, 0), 1, 0);
    assert_float_equal(str_derived(trim, "blue", NULL, 0), 1, 0);
    assert_float_equal(str_derived(trim, "red", NULL, 0), 0, 0);
    /* Nested: stringLength(uppercase(trimBlanks(" blue "))) = 4. */
    const char *nest = STR_DERIVE(
        F1("stringLength", F1("uppercase", F1("trimBlanks", A))));
    assert_float_equal(str_derived(nest, " blue ", NULL, 0), 4, 0);
}

static void test_substring_concat(void **state) {
    (void)state;
    /* substring is 1-based: substring("yellow", 2, 3) = "ell". */
    const char *sub = STR_DERIVE(EQ(F3("substring", A, N("2"), N("3")),
                                    S("ell")));
    assert_float_equal(str_derived(sub, "yellow", NULL, 0), 1, 0);
    assert_float_equal(str_derived(sub, "green", NULL, 0), 0, 0);  /* "ree" */
    /* Clipped at the end: substring("red", 2, 3) = "ed". */
    const char *clip = STR_DERIVE(EQ(F3("substring", A, N("2"), N("3")),
                                     S("ed")));
    assert_float_equal(str_derived(clip, "red", NULL, 0), 1, 0);
    /* Past the end: substring("red", 5, 2) = "", 0 characters. */
    const char *past = STR_DERIVE(
        F1("stringLength", F3("substring", A, N("5"), N("2"))));
    assert_float_equal(str_derived(past, "red", NULL, 0), 0, 0);
    /* concat("red", "-x") = "red-x"; concat("pre-", "green"). */
    const char *cat = STR_DERIVE(EQ(F2("concat", A, S("-x")), S("red-x")));
    assert_float_equal(str_derived(cat, "red", NULL, 0), 1, 0);
    assert_float_equal(str_derived(cat, "blue", NULL, 0), 0, 0);
    const char *pre = STR_DERIVE(EQ(F2("concat", S("pre-"), A),
                                    S("pre-green")));
    assert_float_equal(str_derived(pre, "green", NULL, 0), 1, 0);
    /* stringLength(concat("yellow", "-", "yellow")): 13 characters. */
    const char *three = STR_DERIVE(
        F1("stringLength", F3("concat", A, S("-"), S("yellow"))));
    assert_float_equal(str_derived(three, "yellow", NULL, 0), 13, 0);
}

static void test_regex(void **state) {
    (void)state;
    /* replace("yellow", "l+", "L") = "yeLow" (one match of "ll"). */
    const char *rep = STR_DERIVE(EQ(F3("replace", A, S("l+"), S("L")),
                                    S("yeLow")));
    assert_float_equal(str_derived(rep, "yellow", NULL, 0), 1, 0);
    /* Every match: replace("green", "e", "E") = "grEEn". */
    const char *all = STR_DERIVE(EQ(F3("replace", A, S("e"), S("E")),
                                    S("grEEn")));
    assert_float_equal(str_derived(all, "green", NULL, 0), 1, 0);
    /* Groups: replace("yellow", "(e)(l)", "$2$1") swaps the first "el":
     * "y" + "le" + "low" = "ylelow". */
    const char *grp = STR_DERIVE(EQ(F3("replace", A, S("(e)(l)"),
                                       S("$2$1")), S("ylelow")));
    assert_float_equal(str_derived(grp, "yellow", NULL, 0), 1, 0);
    /* matches finds the pattern anywhere: "^gr" in green, not in red;
     * "e$" in blue. */
    const char *m1 = STR_DERIVE(F2("matches", A, S("^gr")));
    assert_float_equal(str_derived(m1, "green", NULL, 0), 1, 0);
    assert_float_equal(str_derived(m1, "red", NULL, 0), 0, 0);
    const char *m2 = STR_DERIVE(F2("matches", A, S("e$")));
    assert_float_equal(str_derived(m2, "blue", NULL, 0), 1, 0);
    assert_float_equal(str_derived(m2, "yellow", NULL, 0), 0, 0);
}

static void test_format_number(void **state) {
    (void)state;
    /* formatNumber(3.14159, "%.2f") = "3.14"; (2, "%.2f") = "2.00",
     * which equals no string of the document: 0. */
    const char *f = STR_DERIVE(EQ(F2("formatNumber", C, S("%.2f")),
                                  S("3.14")));
    assert_float_equal(str_derived(f, NULL, NULL, 3.14159), 1, 0);
    assert_float_equal(str_derived(f, NULL, NULL, 2), 0, 0);
    /* "%03d" of 7 = "007"; of 7.5 a fraction is no integer: invalid,
     * made missing by asMissing, so isMissing is 1. */
    const char *d = STR_DERIVE(EQ(F2("formatNumber", C, S("v=%03d")),
                                  S("v=007")));
    assert_float_equal(str_derived(d, NULL, NULL, 7), 1, 0);
    const char *frac = STR_DERIVE(F1(
        "isMissing", "<Apply function=\"formatNumber\" "
                     "invalidValueTreatment=\"asMissing\">" C S("%d")
                     "</Apply>"));
    assert_float_equal(str_derived(frac, NULL, NULL, 7.5), 1, 0);
    assert_float_equal(str_derived(frac, NULL, NULL, 7), 0, 0);
}

static void test_missing(void **state) {
    (void)state;
    /* A missing argument makes a missing result: isMissing(uppercase(a))
     * is 1 for a missing, 0 for red. */
    const char *miss = STR_DERIVE(F1("isMissing", F1("uppercase", A)));
    assert_float_equal(str_derived(miss, NULL, NULL, 0), 1, 0);
    assert_float_equal(str_derived(miss, "red", NULL, 0), 0, 0);
    /* mapMissingTo gives the missing result a value: -1 for the length,
     * "NONE" for a string. */
    const char *len = STR_DERIVE("<Apply function=\"stringLength\" "
                                 "mapMissingTo=\"-1\">" A "</Apply>");
    assert_float_equal(str_derived(len, NULL, NULL, 0), -1, 0);
    const char *none = STR_DERIVE(EQ("<Apply function=\"uppercase\" "
                                     "mapMissingTo=\"NONE\">" A "</Apply>",
                                     S("NONE")));
    assert_float_equal(str_derived(none, NULL, NULL, 0), 1, 0);
    assert_float_equal(str_derived(none, "red", NULL, 0), 0, 0);
    /* formatNumber of a missing number: missing (isMissing 1). */
    const char *fmt = STR_DERIVE(F1("isMissing",
                                    F2("formatNumber", C, S("%.1f"))));
    assert_float_equal(str_derived(fmt, NULL, NULL, NAN), 1, 0);
}

/* a not among its Values: returnInvalid fails the record, asMissing
 * takes the replacement, asIs keeps an unknown string that equals none;
 * b (no Values) takes any text, compared exactly. */
static void test_validity(void **state) {
    (void)state;
    ms_error err;
    model_output out = {0};
    model *m = must_load(STR_DERIVE(EQ(A, S("red"))));
    assert_int_equal(score_text(m, "pink", NULL, 0, &out, &err), -1);
    assert_non_null(strstr(err.msg, "input 'a' is not one of its valid "
                                    "values"));
    model_free(m);
    /* asMissing with replacement "green": pink -> green: uppercase is
     * "GREEN". */
    const char *repl = STR_DERIVE_A(
        "invalidValueTreatment=\"asMissing\" missingValueReplacement=\"green\"",
        EQ(F1("uppercase", A), S("GREEN")));
    assert_float_equal(str_derived(repl, "pink", NULL, 0), 1, 0);
    assert_float_equal(str_derived(repl, NULL, NULL, 0), 1, 0);
    assert_float_equal(str_derived(repl, "red", NULL, 0), 0, 0);
    /* asIs keeps pink, which is not red; isValid(a) is 0 for it. */
    const char *as_is = STR_DERIVE_A("invalidValueTreatment=\"asIs\"",
                                     F2("+", EQ(A, S("red")),
                                        F2("*", N("10"), F1("isValid", A))));
    assert_float_equal(str_derived(as_is, "pink", NULL, 0), 0, 0);
    assert_float_equal(str_derived(as_is, "red", NULL, 0), 11, 0);
    /* b: "zebra" is a string of the document, "horse" is not. */
    const char *zebra = STR_DERIVE(F3("isIn", B, S("zebra"), S("lion")));
    assert_float_equal(str_derived(zebra, NULL, "zebra", 0), 1, 0);
    assert_float_equal(str_derived(zebra, NULL, "lion", 0), 1, 0);
    assert_float_equal(str_derived(zebra, NULL, "horse", 0), 0, 0);
    /* A number given for b is text too: "1" equals the Constant "1". */
    const char *one = STR_DERIVE(EQ(B, S("1")));
    assert_float_equal(str_derived(one, NULL, "1", 0), 1, 0);
    assert_float_equal(str_derived(one, NULL, "1.0", 0), 0, 0);
}

/* A tree splitting on strings: red -> 1; green or blue -> 2; b = "x" ->
 * 3; else 4. */
static void test_tree(void **state) {
    (void)state;
    static const char doc[] =
        STR_HEAD
        "<TreeModel functionName=\"regression\"><MiningSchema>\n"
        "<MiningField name=\"y\" usageType=\"target\"/>\n"
        "<MiningField name=\"a\" invalidValueTreatment=\"asIs\"/>"
        "<MiningField name=\"b\"/></MiningSchema>\n"
        "<Node score=\"0\"><True/>"
        "<Node score=\"1\"><SimplePredicate field=\"a\" operator=\"equal\" "
        "value=\"red\"/></Node>"
        "<Node score=\"2\"><SimpleSetPredicate field=\"a\" "
        "booleanOperator=\"isIn\"><Array type=\"string\" n=\"2\">green "
        "\"blue\"</Array></SimpleSetPredicate></Node>"
        "<Node score=\"3\"><SimplePredicate field=\"b\" operator=\"equal\" "
        "value=\"x\"/></Node>"
        "<Node score=\"4\"><True/></Node></Node></TreeModel></PMML>\n";
    model *m = must_load(doc);
    assert_float_equal(text_value(m, "red", "x", 0), 1, 0);
    assert_float_equal(text_value(m, "blue", "x", 0), 2, 0);
    assert_float_equal(text_value(m, "yellow", "x", 0), 3, 0);
    assert_float_equal(text_value(m, "pink", "y", 0), 4, 0);  /* unknown */
    model_free(m);
}

/* MapValues string -> string, then a string Output field and a number:
 * red, yellow -> warm; blue -> cold; else (defaultValue) other. */
static void test_map_values_output(void **state) {
    (void)state;
    static const char doc[] =
        STR_HEAD
        "<RegressionModel functionName=\"regression\"><MiningSchema>\n"
        "<MiningField name=\"y\" usageType=\"target\"/>\n"
        "<MiningField name=\"a\"/></MiningSchema>\n"
        "<Output><OutputField name=\"tone\" feature=\"transformedValue\">"
        "<FieldRef field=\"t\"/></OutputField></Output>\n"
        "<LocalTransformations>"
        "<DerivedField name=\"t\" optype=\"categorical\" dataType=\"string\">"
        "<MapValues outputColumn=\"out\" dataType=\"string\" "
        "defaultValue=\"other\"><FieldColumnPair field=\"a\" column=\"in\"/>"
        "<InlineTable><row><in>red</in><out>warm</out></row>"
        "<row><in>yellow</in><out>warm</out></row>"
        "<row><in>blue</in><out>cold</out></row></InlineTable></MapValues>"
        "</DerivedField>"
        "<DerivedField name=\"d\" optype=\"continuous\" dataType=\"double\">"
        F2("+", EQ("<FieldRef field=\"t\"/>", S("warm")),
           F1("stringLength", F1("uppercase", "<FieldRef field=\"t\"/>")))
        "</DerivedField></LocalTransformations>"
        "<RegressionTable intercept=\"0\"><NumericPredictor name=\"d\" "
        "coefficient=\"1\"/></RegressionTable></RegressionModel></PMML>\n";
    model *m = must_load(doc);
    static const char *const in[] = {"yellow", "blue", "green"};
    static const char *const tone[] = {"warm", "cold", "other"};
    /* d = (t == warm) + length(T): 1 + 4, 0 + 4, 0 + 5. */
    static const double want[] = {5, 4, 5};
    for (int i = 0; i < 3; i++) {
        double o = 0;
        const char *os = NULL;
        model_output out = {.outputs = &o, .output_strings = &os};
        ms_error err;
        assert_int_equal(score_text(m, in[i], NULL, 0, &out, &err), 0);
        assert_float_equal(out.value, want[i], 0);
        assert_non_null(os);
        assert_string_equal(os, tone[i]);
    }
    model_free(m);
}

/* A field listing 20,000 Values, tabled through uppercase: v19999 is
 * V19999, v7 is V7 (not V19999), an unlisted v20000 invalid. */
static void test_large_domain(void **state) {
    (void)state;
    enum { NVALUES = 20000 };
    size_t cap = (size_t)NVALUES * 24 + 4096, len = 0;
    char *doc = malloc(cap);
    assert_non_null(doc);
    len += (size_t)snprintf(doc + len, cap - len,
                            "<PMML xmlns=\"http://www.dmg.org/PMML-4_4\" "
                            "version=\"4.4\"><Header/><DataDictionary>"
                            "<DataField name=\"a\" optype=\"categorical\" "
                            "dataType=\"string\">");
    for (int i = 0; i < NVALUES; i++)
        len += (size_t)snprintf(doc + len, cap - len,
                                "<Value value=\"v%d\"/>", i);
    snprintf(doc + len, cap - len, "</DataField>%s</DataDictionary>"
             "<RegressionModel functionName=\"regression\"><MiningSchema>"
             "<MiningField name=\"y\" usageType=\"target\"/>"
             "<MiningField name=\"a\"/></MiningSchema><LocalTransformations>"
             "<DerivedField name=\"d\" optype=\"continuous\" "
             "dataType=\"double\">%s</DerivedField></LocalTransformations>"
             "<RegressionTable intercept=\"0\"><NumericPredictor name=\"d\" "
             "coefficient=\"1\"/></RegressionTable></RegressionModel></PMML>",
             TARGET_CONTINUOUS, EQ(F1("uppercase", A), S("V19999")));
    model *m = must_load(doc);
    free(doc);
    assert_float_equal(text_value(m, "v19999", NULL, 0), 1, 0);
    assert_float_equal(text_value(m, "v7", NULL, 0), 0, 0);
    ms_error err;
    model_output out = {0};
    assert_int_equal(score_text(m, "v20000", NULL, 0, &out, &err), -1);
    model_free(m);
}

static void test_rejections(void **state) {
    (void)state;
    expect_rejected(STR_DERIVE(F1("uppercase", B)),
                    "uppercase over a string the document cannot list");
    expect_rejected(STR_DERIVE_A("invalidValueTreatment=\"asIs\"",
                                 F1("lowercase", A)),
                    "lowercase over a string the document cannot list");
    expect_rejected(STR_DERIVE(F1("formatDatetime", A)),
                    "function 'formatDatetime' is not supported (inputs "
                    "carry numbers and strings, no dates)");
    expect_rejected(STR_DERIVE(F2("formatNumber", C, S("%s"))),
                    "formatNumber pattern '%s' is not text with one printf "
                    "conversion");
    expect_rejected(STR_DERIVE(F2("formatNumber", C, S("%n"))),
                    "formatNumber pattern '%n'");
    expect_rejected(STR_DERIVE(F2("formatNumber", C, S("%d %d"))),
                    "formatNumber pattern '%d %d'");
    expect_rejected(STR_DERIVE(F2("matches", A, S("("))),
                    "'(' is not a POSIX extended regular expression");
    expect_rejected(STR_DERIVE(EQ(B, B)),
                    "function 'equal' compares two strings the document "
                    "cannot list");
    expect_rejected(STR_DERIVE(F2("+", A, N("1"))),
                    "function '+' takes numbers, and an argument is a "
                    "string");
    expect_rejected(STR_DERIVE(EQ(A, N("1"))),
                    "function 'equal' mixes strings and numbers");
    expect_rejected(STR_DERIVE(F3("substring", A, N("0"), N("2"))),
                    "substring needs a whole startPos >= 1");
    expect_rejected(STR_DERIVE(F2("concat", A, A)),
                    "concat: only its first argument");
    expect_rejected(STR_DERIVE(F1("stringLength", N("5"))),
                    "argument 1 of stringLength is a number, not a string");
    expect_rejected(STR_DERIVE_A("outliers=\"asExtremeValues\" "
                                 "lowValue=\"0\"", EQ(A, S("red"))),
                    "outliers, lowValue and highValue do not apply to field "
                    "'a', which holds strings");
    expect_rejected(STR_DERIVE(F2("concat", A, "<Constant dataType=\"string\" "
                                             "missing=\"true\"/>")),
                    "argument 2 of concat is a missing Constant");
    expect_rejected(STR_DERIVE(F2("matches", A, "<Constant dataType=\"string\" "
                                              "missing=\"true\"/>")),
                    "argument 2 of matches is a missing Constant");
    /* A model reading a as a number is refused it. */
    expect_rejected(
        STR_HEAD "<RegressionModel functionName=\"regression\">"
        "<MiningSchema><MiningField name=\"y\" usageType=\"target\"/>"
        "<MiningField name=\"a\"/></MiningSchema><RegressionTable "
        "intercept=\"0\"><NumericPredictor name=\"a\" coefficient=\"1\"/>"
        "</RegressionTable></RegressionModel></PMML>\n",
        "NumericPredictor reads numbers, but field 'a' holds strings");
    expect_rejected(
        STR_HEAD "<TreeModel functionName=\"regression\"><MiningSchema>"
        "<MiningField name=\"y\" usageType=\"target\"/>"
        "<MiningField name=\"a\"/></MiningSchema><Node score=\"0\"><True/>"
        "<Node score=\"1\"><SimplePredicate field=\"a\" "
        "operator=\"lessThan\" value=\"m\"/></Node></Node></TreeModel>"
        "</PMML>\n",
        "SimplePredicate lessThan on field 'a', which holds strings, is not "
        "supported");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_case_length_trim),
        cmocka_unit_test(test_substring_concat),
        cmocka_unit_test(test_regex),
        cmocka_unit_test(test_format_number),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_validity),
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_map_values_output),
        cmocka_unit_test(test_large_domain),
        cmocka_unit_test(test_rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
