/*
 * pmml_test.h - helpers shared by the PMML unit tests: a three-field test
 * schema (a, b, c), the boilerplate of a small PMML document, and loading /
 * scoring shorthands (must_load, value_of, expect_rejected). Header-only
 * so each test_*.c stays one executable.
 */
#ifndef MS_TESTS_PMML_TEST_H
#define MS_TESTS_PMML_TEST_H

#include <math.h>
#include <string.h>

#include "pmml/pmml.h"

static const char *const test_fields[] = {"a", "b", "c"};
static const ms_schema test_schema = {
    .data_type = "test", .nfields = 3, .fields = test_fields};

/* Document head: a, b, c are numeric inputs, y is the target; TARGET is the
 * DataField of y (its optype and any <Value>s). */
#define PMML_HEAD(TARGET)                                                  \
    "<?xml version=\"1.0\"?>\n"                                            \
    "<PMML xmlns=\"http://www.dmg.org/PMML-4_4\" version=\"4.4\">\n"       \
    "<Header/>\n"                                                          \
    "<DataDictionary>\n"                                                   \
    "<DataField name=\"a\" optype=\"continuous\" dataType=\"double\"/>\n"  \
    "<DataField name=\"b\" optype=\"continuous\" dataType=\"double\"/>\n"  \
    "<DataField name=\"c\" optype=\"continuous\" dataType=\"double\"/>\n"  \
    TARGET                                                                 \
    "</DataDictionary>\n"

/* Like PMML_HEAD with validity rules: a is valid in [-10, 10]; b is categorical, valid 1 and 2, 9 invalid,
 * -1 a code for missing; c has no rules. */
#define HEAD_RULES(TARGET)                                                 \
    "<?xml version=\"1.0\"?>\n"                                            \
    "<PMML xmlns=\"http://www.dmg.org/PMML-4_4\" version=\"4.4\">\n"       \
    "<Header/>\n<DataDictionary>\n"                                        \
    "<DataField name=\"a\" optype=\"continuous\" dataType=\"double\">"     \
    "<Interval closure=\"closedClosed\" leftMargin=\"-10\" "               \
    "rightMargin=\"10\"/></DataField>\n"                                   \
    "<DataField name=\"b\" optype=\"categorical\" dataType=\"integer\">"   \
    "<Value value=\"1\"/><Value value=\"2\" property=\"valid\"/>"          \
    "<Value value=\"9\" property=\"invalid\"/>"                            \
    "<Value value=\"-1\" property=\"missing\"/></DataField>\n"             \
    "<DataField name=\"c\" optype=\"continuous\" dataType=\"double\"/>\n"  \
    TARGET "</DataDictionary>\n"

#define TARGET_CONTINUOUS \
    "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>\n"
#define TARGET_CATEGORICAL \
    "<DataField name=\"y\" optype=\"categorical\" dataType=\"string\"/>\n"

#define MINING_SCHEMA                                                      \
    "<MiningSchema>\n"                                                     \
    "<MiningField name=\"y\" usageType=\"target\"/>\n"                     \
    "<MiningField name=\"a\"/><MiningField name=\"b\"/>"                   \
    "<MiningField name=\"c\"/>\n"                                          \
    "</MiningSchema>\n"

static inline model *load_str(const char *xml, ms_error *err) {
    err->msg[0] = '\0';
    return pmml_load(xml, strlen(xml), &test_schema, err);
}

static inline int score3(const model *m, double a, double b, double c,
                         model_output *out, ms_error *err) {
    static _Alignas(16) unsigned char scratch[1 << 14];
    const double x[3] = {a, b, c};
    err->msg[0] = '\0';
    if (m->scratch_size > sizeof scratch) return -1;
    return model_score(m, x, scratch, out, err);
}

/* The helpers below report through cmocka, which the test includes
 * first. */
static inline model *must_load(const char *doc) {
    ms_error err;
    model *m = load_str(doc, &err);
    if (!m) fail_msg("load failed: %s", err.msg);
    return m;
}

static inline double value_of(const model *m, double a, double b, double c) {
    ms_error err;
    model_output out = {0};
    if (score3(m, a, b, c, &out, &err) < 0) fail_msg("score: %s", err.msg);
    return out.value;
}

static inline void expect_rejected(const char *doc, const char *needle) {
    ms_error err;
    model *m = load_str(doc, &err);
    if (m) {
        model_free(m);
        fail_msg("document loaded, expected an error containing \"%s\"",
                 needle);
    }
    if (!strstr(err.msg, needle))
        fail_msg("expected \"%s\" in error \"%s\"", needle, err.msg);
}

/* y = d, where d is the derived field EXPR; DICT is the
 * TransformationDictionary's content. */
#define DERIVE_IN(DICT, EXPR)                                              \
    PMML_HEAD(TARGET_CONTINUOUS)                                           \
    "<TransformationDictionary>" DICT "</TransformationDictionary>\n"      \
    "<RegressionModel functionName=\"regression\">" MINING_SCHEMA          \
    "<LocalTransformations><DerivedField name=\"d\" optype=\"continuous\" " \
    "dataType=\"double\">\n" EXPR "\n</DerivedField></LocalTransformations>" \
    "<RegressionTable intercept=\"0\"><NumericPredictor name=\"d\" "       \
    "coefficient=\"1\"/></RegressionTable></RegressionModel></PMML>\n"
#define DERIVE(EXPR) DERIVE_IN("", EXPR)

/* The derived field of DERIVE document doc for record (a, b, c). */
static inline double derived(const char *doc, double a, double b,
                             double c) {
    model *m = must_load(doc);
    double v = value_of(m, a, b, c);
    model_free(m);
    return v;
}

/* 1-based line of the first occurrence of needle in doc, for checking the
 * "PMML line N:" of error messages. */
static inline int line_of(const char *doc, const char *needle) {
    const char *at = strstr(doc, needle);
    int line = 1;
    for (const char *s = doc; at && s < at; s++) line += *s == '\n';
    return at ? line : -1;
}

/* expect_rejected for "PMML line N: message", N the line of the first
 * occurrence of at in doc. */
static inline void expect_rejected_at(const char *doc, const char *at,
                                      const char *message) {
    char want[256];
    snprintf(want, sizeof want, "PMML line %d: %s", line_of(doc, at),
             message);
    expect_rejected(doc, want);
}

/* The standard rejection of an element we do not support, with the line
 * of its first occurrence in doc. */
static inline void expect_unsupported(const char *doc, const char *element,
                                      const char *parent) {
    char open[64], message[192];
    snprintf(open, sizeof open, "<%s", element);
    snprintf(message, sizeof message, "%s inside %s is not supported",
             element, parent);
    expect_rejected_at(doc, open, message);
}

#endif
