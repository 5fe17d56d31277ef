/*
 * test_pmml.c - the supported PMML subset, feature by feature, on small
 * hand-written documents whose expected scores are worked out by hand in
 * the comments next to them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "pmml_test.h"

#define U NAN /* a missing input */

static void assert_contains(const char *msg, const char *part) {
    if (!strstr(msg, part))
        fail_msg("expected \"%s\" in error \"%s\"", part, msg);
}

/* Loads doc, which must fail with an error containing part. */
static void assert_rejected(const char *doc, const char *part) {
    ms_error err;
    model *m = load_str(doc, &err);
    if (m) {
        model_free(m);
        fail_msg("document loaded, expected an error containing \"%s\"",
                 part);
    }
    assert_contains(err.msg, part);
}

/* ---- RegressionModel --------------------------------------------------- */

#define REGRESSION(ATTRS, TABLE)                                           \
    PMML_HEAD(TARGET_CONTINUOUS)                                           \
    "<RegressionModel functionName=\"regression\"" ATTRS ">\n"             \
    MINING_SCHEMA                                                          \
    "<Output><OutputField name=\"p\" feature=\"predictedValue\"/>"         \
    "</Output>\n"                                                          \
    "<Extension name=\"vendor\"><Anything/></Extension>\n"                 \
    TABLE                                                                  \
    "</RegressionModel>\n</PMML>\n"

static const char linear_doc[] = REGRESSION(
    "",
    "<RegressionTable intercept=\"1.5\">\n"
    "<NumericPredictor name=\"a\" coefficient=\"2\"/>\n"
    "<NumericPredictor name=\"b\" coefficient=\"-1\" exponent=\"2\"/>\n"
    "<CategoricalPredictor name=\"c\" value=\"3\" coefficient=\"10\"/>\n"
    "<Extension/>\n"
    "</RegressionTable>\n");

static void test_regression_scores(void **state) {
    (void)state;
    ms_error err;
    model_output out = {0};
    model *m = load_str(linear_doc, &err);
    assert_non_null(m);
    assert_int_equal(m->nclasses, 0);
    assert_int_equal(m->noutputs, 1);
    assert_string_equal(m->output_names[0], "p");
    /* 1.5 + 2*1 - 2^2 + 10*(3 == 3) = 9.5 */
    assert_int_equal(score3(m, 1, 2, 3, &out, &err), 0);
    assert_int_equal(out.label_index, -1);
    assert_true(out.value == 9.5);
    /* 1.5 + 2*0.5 - (-1)^2 + 10*(4 == 3) = 1.5 */
    assert_int_equal(score3(m, 0.5, -1, 4, &out, &err), 0);
    assert_true(out.value == 1.5);
    /* A missing input means no prediction, reported, not a crash. */
    assert_int_equal(score3(m, 1, U, 3, &out, &err), -1);
    assert_string_equal(err.msg,
                        "RegressionModel: no prediction (input 'b' is "
                        "missing)");
    model_free(m);
}

static void test_regression_rejects(void **state) {
    (void)state;
    assert_rejected(
        REGRESSION(" normalizationMethod=\"softmin\"",
                   "<RegressionTable intercept=\"1\"/>\n"),
        "RegressionModel normalizationMethod 'softmin' is not supported "
        "(supported: none, simplemax, softmax, logit, probit, cloglog, exp, "
        "loglog, cauchit)");
    assert_rejected(
        REGRESSION("", "<RegressionTable intercept=\"1\"/>\n"
                       "<RegressionTable intercept=\"2\"/>\n"),
        "exactly one RegressionTable");
    assert_rejected(REGRESSION("", "<RegressionTable/>\n"),
                    "RegressionTable has no intercept attribute");
    assert_rejected(
        REGRESSION("", "<RegressionTable intercept=\"1\">"
                       "<NumericPredictor name=\"y\" coefficient=\"1\"/>"
                       "</RegressionTable>\n"),
        "NumericPredictor on field 'y', which is not an active field");
    assert_rejected(
        REGRESSION("", "<RegressionTable intercept=\"1\">"
                       "<NumericPredictor name=\"a\" coefficient=\"x1\"/>"
                       "</RegressionTable>\n"),
        "NumericPredictor coefficient='x1' is not a number");
    assert_rejected(
        REGRESSION("", "<Targets><Target field=\"y\" rescaleFactor=\"2\"/>"
                       "<Target field=\"z\"/>"
                       "</Targets>\n<RegressionTable intercept=\"1\"/>\n"),
        "only one Target (that of the predicted field) is supported");
    assert_rejected(
        REGRESSION("", "<LocalTransformations><DerivedField name=\"d\"/>"
                       "</LocalTransformations>\n"
                       "<RegressionTable intercept=\"1\"/>\n"),
        "DerivedField 'd' has no expression");
}

/* ---- Predicates ------------------------------------------------------ */

/* A regression tree that scores 1 when PREDICATE holds and 0 otherwise
 * (the True sibling catches the rest). */
#define PREDICATE_TREE(MISSING, PREDICATE)                                 \
    PMML_HEAD(TARGET_CONTINUOUS)                                           \
    "<TreeModel functionName=\"regression\" splitCharacteristic="          \
    "\"multiSplit\" missingValueStrategy=\"" MISSING "\">\n"               \
    MINING_SCHEMA                                                          \
    "<Node score=\"0\"><True/>\n"                                          \
    "<Node score=\"1\">" PREDICATE "</Node>\n"                             \
    "<Node score=\"0\"><True/></Node>\n"                                   \
    "</Node>\n</TreeModel>\n</PMML>\n"

/* Scores (a, b, c) with doc; returns the score, or -1 for "no prediction". */
static double tree_outcome(const char *doc, double a, double b, double c) {
    ms_error err;
    model_output out = {0};
    model *m = load_str(doc, &err);
    if (!m) fail_msg("load failed: %s", err.msg);
    int rc = score3(m, a, b, c, &out, &err);
    model_free(m);
    return rc < 0 ? -1 : out.value;
}

static void test_simple_predicate_operators(void **state) {
    (void)state;
    /* Each operator against the operand 2, for a = 1, 2, 3 and missing
     * (missing is UNKNOWN, which the "none" strategy treats as false). */
    static const struct {
        const char *op;
        double when[4];
    } cases[] = {
        {"equal", {0, 1, 0, 0}},       {"notEqual", {1, 0, 1, 0}},
        {"lessThan", {1, 0, 0, 0}},    {"lessOrEqual", {1, 1, 0, 0}},
        {"greaterThan", {0, 0, 1, 0}}, {"greaterOrEqual", {0, 1, 1, 0}},
        {"isMissing", {0, 0, 0, 1}},   {"isNotMissing", {1, 1, 1, 0}},
    };
    static const double a[4] = {1, 2, 3, U};
    char doc[2048];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(doc, sizeof doc,
                 PREDICATE_TREE("none", "<SimplePredicate field=\"a\" "
                                        "operator=\"%s\" value=\"2\"/>"),
                 cases[i].op);
        for (int k = 0; k < 4; k++)
            if (tree_outcome(doc, a[k], 0, 0) != cases[i].when[k])
                fail_msg("%s with a=%g: expected %g", cases[i].op, a[k],
                         cases[i].when[k]);
    }
}

static void test_simple_set_predicate(void **state) {
    (void)state;
    static const char in[] = PREDICATE_TREE(
        "none", "<SimpleSetPredicate field=\"a\" booleanOperator=\"isIn\">"
                "<Array n=\"3\" type=\"real\">1 \"3\"\n 5.0</Array>"
                "</SimpleSetPredicate>");
    static const char not_in[] = PREDICATE_TREE(
        "none", "<SimpleSetPredicate field=\"a\" booleanOperator=\"isNotIn\">"
                "<Array type=\"int\">1 3 5</Array></SimpleSetPredicate>");
    assert_true(tree_outcome(in, 1, 0, 0) == 1);
    assert_true(tree_outcome(in, 2, 0, 0) == 0);
    assert_true(tree_outcome(in, 3, 0, 0) == 1);
    assert_true(tree_outcome(in, 5, 0, 0) == 1);
    assert_true(tree_outcome(in, U, 0, 0) == 0);
    assert_true(tree_outcome(not_in, 1, 0, 0) == 0);
    assert_true(tree_outcome(not_in, 2, 0, 0) == 1);
    assert_true(tree_outcome(not_in, U, 0, 0) == 0);  /* UNKNOWN */
    assert_rejected(
        PREDICATE_TREE("none", "<SimpleSetPredicate field=\"a\" "
                               "booleanOperator=\"isIn\"><Array n=\"4\">1 2"
                               "</Array></SimpleSetPredicate>"),
        "Array n='4' but it holds 2 values");
    assert_rejected(
        PREDICATE_TREE("none", "<SimpleSetPredicate field=\"a\" "
                               "booleanOperator=\"isIn\"><Array>\"red\" 2"
                               "</Array></SimpleSetPredicate>"),
        "Array member 'red' is not a number");
}

static void test_compound_three_valued(void **state) {
    (void)state;
    /* a > 0 and b > 0 are TRUE for 1, FALSE for -1, UNKNOWN for missing.
     * With missingValueStrategy="nullPrediction" an UNKNOWN compound
     * means no prediction (-1), so all three outcomes are visible. The
     * tables are PMML's truth tables for and/or/xor; surrogate takes the
     * first operand that is not UNKNOWN. */
    static const double v[3] = {1, -1, U};  /* T, F, U */
    static const struct {
        const char *op;
        double want[9];  /* (a, b) = TT TF TU FT FF FU UT UF UU */
    } cases[] = {
        {"and", {1, 0, -1, 0, 0, 0, -1, 0, -1}},
        {"or", {1, 1, 1, 1, 0, -1, 1, -1, -1}},
        {"xor", {0, 1, -1, 1, 0, -1, -1, -1, -1}},
        {"surrogate", {1, 1, 1, 0, 0, 0, 1, 0, -1}},
    };
    char doc[2048];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(doc, sizeof doc,
                 PREDICATE_TREE("nullPrediction",
                                "<CompoundPredicate booleanOperator=\"%s\">"
                                "<SimplePredicate field=\"a\" operator="
                                "\"greaterThan\" value=\"0\"/>"
                                "<SimplePredicate field=\"b\" operator="
                                "\"greaterThan\" value=\"0\"/>"
                                "</CompoundPredicate>"),
                 cases[i].op);
        for (int k = 0; k < 9; k++)
            if (tree_outcome(doc, v[k / 3], v[k % 3], 0) != cases[i].want[k])
                fail_msg("%s case %d: expected %g", cases[i].op, k,
                         cases[i].want[k]);
    }
}

static void test_compound_nested(void **state) {
    (void)state;
    /* or( and(a>0, b>0), and(c>0, c<5, or(False, a<0)) ): the children
     * of nested compounds get their own index ranges. */
    static const char doc[] = PREDICATE_TREE(
        "none",
        "<CompoundPredicate booleanOperator=\"or\">"
        " <CompoundPredicate booleanOperator=\"and\">"
        "  <SimplePredicate field=\"a\" operator=\"greaterThan\" value=\"0\"/>"
        "  <SimplePredicate field=\"b\" operator=\"greaterThan\" value=\"0\"/>"
        " </CompoundPredicate>"
        " <CompoundPredicate booleanOperator=\"and\">"
        "  <SimplePredicate field=\"c\" operator=\"greaterThan\" value=\"0\"/>"
        "  <SimplePredicate field=\"c\" operator=\"lessThan\" value=\"5\"/>"
        "  <CompoundPredicate booleanOperator=\"or\"><False/>"
        "   <SimplePredicate field=\"a\" operator=\"lessThan\" value=\"0\"/>"
        "  </CompoundPredicate>"
        " </CompoundPredicate>"
        "</CompoundPredicate>");
    assert_true(tree_outcome(doc, 1, 1, 9) == 1);    /* first and */
    assert_true(tree_outcome(doc, -1, 1, 3) == 1);   /* second and */
    assert_true(tree_outcome(doc, 1, -1, 3) == 0);   /* a<0 false */
    assert_true(tree_outcome(doc, 1, -1, 9) == 0);   /* c<5 false */
    assert_true(tree_outcome(doc, -1, -1, -1) == 0);
    assert_rejected(
        PREDICATE_TREE("none", "<CompoundPredicate booleanOperator=\"and\">"
                               "<True/></CompoundPredicate>"),
        "CompoundPredicate needs at least two predicates, it has 1");
    assert_rejected(
        PREDICATE_TREE("none", "<CompoundPredicate booleanOperator=\"nand\">"
                               "<True/><True/></CompoundPredicate>"),
        "CompoundPredicate booleanOperator 'nand' is not supported "
        "(supported: and, or, xor, surrogate)");
}

/* ---- TreeModel --------------------------------------------------------- */

/* 5 at the root, 6 when a > 0, 7 when also b > 0. */
#define STRATEGY_TREE(MISSING, NOTRUE)                                     \
    PMML_HEAD(TARGET_CONTINUOUS)                                           \
    "<TreeModel functionName=\"regression\" missingValueStrategy=\""       \
    MISSING "\" noTrueChildStrategy=\"" NOTRUE "\">\n" MINING_SCHEMA       \
    "<Node score=\"5\"><True/>\n"                                          \
    " <Node score=\"6\">"                                                  \
    "<SimplePredicate field=\"a\" operator=\"greaterThan\" value=\"0\"/>\n"\
    "  <Node score=\"7\">"                                                 \
    "<SimplePredicate field=\"b\" operator=\"greaterThan\" value=\"0\"/>"  \
    "</Node>\n"                                                            \
    " </Node>\n"                                                           \
    "</Node>\n</TreeModel>\n</PMML>\n"

static void test_tree_strategies(void **state) {
    (void)state;
    static const char none_null[] =
        STRATEGY_TREE("none", "returnNullPrediction");
    static const char none_last[] =
        STRATEGY_TREE("none", "returnLastPrediction");
    static const char last_null[] =
        STRATEGY_TREE("lastPrediction", "returnNullPrediction");
    static const char null_last[] =
        STRATEGY_TREE("nullPrediction", "returnLastPrediction");
    assert_true(tree_outcome(none_null, 1, 1, 0) == 7);
    assert_true(tree_outcome(none_null, 1, -1, 0) == -1);  /* no true child */
    assert_true(tree_outcome(none_last, 1, -1, 0) == 6);
    assert_true(tree_outcome(none_last, -1, 0, 0) == 5);
    assert_true(tree_outcome(none_null, 1, U, 0) == -1);   /* U is false */
    assert_true(tree_outcome(none_last, 1, U, 0) == 6);
    assert_true(tree_outcome(last_null, 1, U, 0) == 6);    /* stop at U */
    assert_true(tree_outcome(last_null, U, 1, 0) == 5);
    assert_true(tree_outcome(null_last, 1, U, 0) == -1);   /* U -> null */
    assert_true(tree_outcome(null_last, 1, -1, 0) == 6);

    ms_error err;
    model_output out = {0};
    model *m = load_str(none_null, &err);
    assert_non_null(m);
    assert_int_equal(score3(m, 1, -1, 0, &out, &err), -1);
    char want[128];
    snprintf(want, sizeof want, "TreeModel: no prediction (no child of the "
                                "Node at line %d is true)",
             line_of(none_null, "<Node score=\"6\""));
    assert_string_equal(err.msg, want);
    model_free(m);
}

static void test_tree_classification_distribution(void **state) {
    (void)state;
    /* No <Value>s on y: labels come from ScoreDistribution values in
     * document order, so "no" (index 0), "yes" (index 1). */
    static const char doc[] =
        PMML_HEAD(TARGET_CATEGORICAL)
        "<TreeModel functionName=\"classification\" "
        "splitCharacteristic=\"binarySplit\">\n" MINING_SCHEMA
        "<Output><OutputField name=\"p\" feature=\"probability\" "
        "value=\"yes\"/></Output>\n"
        "<Node score=\"no\" recordCount=\"10\"><True/>\n"
        "<ScoreDistribution value=\"no\" recordCount=\"6\"/>\n"
        "<ScoreDistribution value=\"yes\" recordCount=\"4\"/>\n"
        " <Node score=\"yes\"><SimplePredicate field=\"a\" "
        "operator=\"lessOrEqual\" value=\"5\"/>\n"
        "  <ScoreDistribution value=\"yes\" recordCount=\"3\" "
        "probability=\"0.7\"/>\n"
        "  <ScoreDistribution value=\"no\" recordCount=\"1\" "
        "probability=\"0.3\"/>\n"
        " </Node>\n"
        " <Node><SimplePredicate field=\"a\" operator=\"greaterThan\" "
        "value=\"5\"/>\n"
        "  <ScoreDistribution value=\"no\" recordCount=\"2\"/>\n"
        "  <ScoreDistribution value=\"yes\" recordCount=\"6\"/>\n"
        " </Node>\n"
        "</Node>\n</TreeModel>\n</PMML>\n";
    ms_error err;
    double probs[2];
    model_output out = {.probabilities = probs};
    model *m = load_str(doc, &err);
    assert_non_null(m);
    assert_int_equal(m->nclasses, 2);
    assert_string_equal(m->class_labels[0], "no");
    assert_string_equal(m->class_labels[1], "yes");
    /* a=1: left child; probability attributes win over recordCount. */
    assert_int_equal(score3(m, 1, 0, 0, &out, &err), 0);
    assert_int_equal(out.label_index, 1);
    assert_true(isnan(out.value));  /* "yes" is not a number */
    assert_true(probs[0] == 0.3 && probs[1] == 0.7);
    /* a=9: right child has no score: the most probable class, from
     * recordCount/total = 2/8 and 6/8. */
    assert_int_equal(score3(m, 9, 0, 0, &out, &err), 0);
    assert_int_equal(out.label_index, 1);
    assert_true(probs[0] == 0.25 && probs[1] == 0.75);
    /* Probabilities are optional. */
    out.probabilities = NULL;
    assert_int_equal(score3(m, 9, 0, 0, &out, &err), 0);
    assert_int_equal(out.label_index, 1);
    model_free(m);
}

static void test_tree_classification_labels(void **state) {
    (void)state;
    /* Labels from the target's <Value>s, in their order, skipping the
     * "missing" one; nodes without ScoreDistribution are certain. */
    static const char doc[] =
        PMML_HEAD("<DataField name=\"y\" optype=\"categorical\" "
                  "dataType=\"integer\">\n"
                  "<Value value=\"3\"/><Value value=\"1\"/>"
                  "<Value value=\"-1\" property=\"missing\"/>"
                  "<Value value=\"2\"/>\n</DataField>\n")
        "<TreeModel functionName=\"classification\" "
        "noTrueChildStrategy=\"returnLastPrediction\">\n" MINING_SCHEMA
        "<Node score=\"1\"><True/>\n"
        " <Node score=\"2\"><SimplePredicate field=\"a\" "
        "operator=\"greaterThan\" value=\"0\"/></Node>\n"
        "</Node>\n</TreeModel>\n</PMML>\n";
    ms_error err;
    double probs[3];
    model_output out = {.probabilities = probs};
    model *m = load_str(doc, &err);
    assert_non_null(m);
    assert_int_equal(m->nclasses, 3);
    assert_string_equal(m->class_labels[0], "3");
    assert_string_equal(m->class_labels[1], "1");
    assert_string_equal(m->class_labels[2], "2");
    assert_int_equal(score3(m, 1, 0, 0, &out, &err), 0);
    assert_int_equal(out.label_index, 2);
    assert_true(out.value == 2.0);
    assert_true(probs[0] == 0 && probs[1] == 0 && probs[2] == 1);
    assert_int_equal(score3(m, -1, 0, 0, &out, &err), 0);  /* last: root */
    assert_int_equal(out.label_index, 1);
    assert_true(out.value == 1.0);
    assert_true(probs[0] == 0 && probs[1] == 1 && probs[2] == 0);
    model_free(m);
}

static void test_tree_label_order(void **state) {
    (void)state;
    /* Without target values: every ScoreDistribution value in document
     * order first (p, q), then scores not among them (later, r). */
    static const char doc[] =
        PMML_HEAD(TARGET_CATEGORICAL)
        "<TreeModel functionName=\"classification\">\n" MINING_SCHEMA
        "<Node score=\"later\"><True/>\n"
        " <Node><SimplePredicate field=\"a\" operator=\"lessThan\" "
        "value=\"0\"/><ScoreDistribution value=\"p\" recordCount=\"1\"/>"
        "<ScoreDistribution value=\"q\" recordCount=\"3\"/></Node>\n"
        " <Node score=\"r\"><True/></Node>\n"
        "</Node>\n</TreeModel>\n</PMML>\n";
    ms_error err;
    model_output out = {0};
    model *m = load_str(doc, &err);
    assert_non_null(m);
    assert_int_equal(m->nclasses, 4);
    assert_string_equal(m->class_labels[0], "p");
    assert_string_equal(m->class_labels[1], "q");
    assert_string_equal(m->class_labels[2], "later");
    assert_string_equal(m->class_labels[3], "r");
    assert_int_equal(score3(m, -1, 0, 0, &out, &err), 0);
    assert_int_equal(out.label_index, 1);  /* q: 3 of 4 records */
    assert_int_equal(score3(m, 1, 0, 0, &out, &err), 0);
    assert_int_equal(out.label_index, 3);
    model_free(m);
}

static void test_tree_rejects(void **state) {
    (void)state;
    static const char unknown_field[] = PREDICATE_TREE(
        "none", "<SimplePredicate field=\"pH2\" operator=\"equal\" "
                "value=\"1\"/>");
    char want[128];
    snprintf(want, sizeof want,
             "PMML line %d: SimplePredicate on unknown field 'pH2'",
             line_of(unknown_field, "<Node score=\"1\""));
    ms_error err;
    assert_null(load_str(unknown_field, &err));
    assert_string_equal(err.msg, want);

    assert_rejected(STRATEGY_TREE("aggregateNodes", "returnNullPrediction"),
                    "missingValueStrategy 'aggregateNodes' applies to "
                    "classification trees only");
    assert_rejected(STRATEGY_TREE("guess", "returnNullPrediction"),
                    "TreeModel missingValueStrategy 'guess' is not "
                    "supported (supported: none, nullPrediction, "
                    "lastPrediction, defaultChild, weightedConfidence, "
                    "aggregateNodes)");
    assert_rejected(STRATEGY_TREE("none", "returnFirst"),
                    "noTrueChildStrategy 'returnFirst' is not supported");
    assert_rejected(
        PREDICATE_TREE("none", "<SimplePredicate field=\"a\" "
                               "operator=\"equal\" value=\"red\"/>"),
        "SimplePredicate value 'red' is not a number");
    assert_rejected(
        PREDICATE_TREE("none", "<SimplePredicate field=\"a\" "
                               "operator=\"like\" value=\"1\"/>"),
        "SimplePredicate operator 'like' is not supported");
    assert_rejected(PREDICATE_TREE("none", "<SimplePredicate field=\"a\" "
                                           "operator=\"equal\"/>"),
                    "SimplePredicate has no value attribute");
    assert_rejected(PREDICATE_TREE("none", ""),
                    "Node must start with a predicate");
    assert_rejected(
        PREDICATE_TREE("none", "<True/><Regression functionName="
                               "\"regression\"/>"),
        "Regression inside Node is not supported");
    assert_rejected(
        PMML_HEAD(TARGET_CONTINUOUS)
        "<TreeModel functionName=\"regression\">" MINING_SCHEMA
        "<Node score=\"five\"><True/></Node></TreeModel></PMML>",
        "Node score 'five' of a regression tree is not a number");
    assert_rejected(
        PMML_HEAD(TARGET_CATEGORICAL)
        "<TreeModel functionName=\"classification\">" MINING_SCHEMA
        "<Node score=\"x\"><True/><ScoreDistribution value=\"x\"/></Node>"
        "</TreeModel></PMML>",
        "ScoreDistribution needs a recordCount");
    assert_rejected(
        PMML_HEAD(TARGET_CATEGORICAL)
        "<TreeModel functionName=\"classification\">" MINING_SCHEMA
        "<Node score=\"x\"><True/>"
        "<ScoreDistribution value=\"x\" recordCount=\"1\" probability=\"1\"/>"
        "<ScoreDistribution value=\"z\" recordCount=\"0\"/></Node>"
        "</TreeModel></PMML>",
        "Node mixes ScoreDistributions with and without a probability");
    assert_rejected(
        PMML_HEAD("<DataField name=\"y\" optype=\"categorical\" "
                  "dataType=\"string\"><Value value=\"x\"/></DataField>\n")
        "<TreeModel functionName=\"classification\">" MINING_SCHEMA
        "<Node score=\"w\"><True/></Node></TreeModel></PMML>",
        "label 'w' of Node is not one of the values of target field 'y'");
    assert_rejected(
        PMML_HEAD(TARGET_CONTINUOUS)
        "<TreeModel functionName=\"clustering\">" MINING_SCHEMA
        "<Node><True/></Node></TreeModel></PMML>",
        "TreeModel functionName 'clustering' is not supported");
    assert_rejected(
        PMML_HEAD(TARGET_CONTINUOUS)
        "<TreeModel functionName=\"regression\">" MINING_SCHEMA
        "</TreeModel></PMML>",
        "TreeModel has no Node");
}

static void test_first_model_is_used(void **state) {
    (void)state;
    /* PMML: with several models, the first one is the one to score. */
    static const char doc[] =
        PMML_HEAD(TARGET_CONTINUOUS)
        "<RegressionModel functionName=\"regression\">" MINING_SCHEMA
        "<RegressionTable intercept=\"4\"/></RegressionModel>\n"
        "<MiningModel functionName=\"regression\"/>\n</PMML>\n";
    ms_error err;
    model_output out = {0};
    model *m = load_str(doc, &err);
    assert_non_null(m);
    assert_int_equal(score3(m, 0, 0, 0, &out, &err), 0);
    assert_true(out.value == 4);
    model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regression_scores),
        cmocka_unit_test(test_regression_rejects),
        cmocka_unit_test(test_simple_predicate_operators),
        cmocka_unit_test(test_simple_set_predicate),
        cmocka_unit_test(test_compound_three_valued),
        cmocka_unit_test(test_compound_nested),
        cmocka_unit_test(test_tree_strategies),
        cmocka_unit_test(test_tree_classification_distribution),
        cmocka_unit_test(test_tree_classification_labels),
        cmocka_unit_test(test_tree_label_order),
        cmocka_unit_test(test_tree_rejects),
        cmocka_unit_test(test_first_model_is_used),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
