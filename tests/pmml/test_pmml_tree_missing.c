/*
 * test_pmml_tree_missing.c - the TreeModel missing-value strategies that
 * follow other branches: defaultChild, aggregateNodes and
 * weightedConfidence (none, nullPrediction and lastPrediction are in
 * test_pmml.c).
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

/* root (10 records, defaultChild n2)
 *   n1: a <= 0, 6 records (defaultChild n12)
 *     n11: b <= 0, 4 records: yes 4, no 0
 *     n12: b > 0,  2 records: yes 1, no 1, score no
 *   n2: a > 0, 4 records: yes 1, no 3 */
#define SD(YES, NO)                                                        \
    "<ScoreDistribution value=\"yes\" recordCount=\"" YES "\"/>"           \
    "<ScoreDistribution value=\"no\" recordCount=\"" NO "\"/>"
#define TREE(STRATEGY)                                                     \
    PMML_HEAD(TARGET_CATEGORICAL)                                          \
    "<TreeModel functionName=\"classification\" missingValueStrategy=\""   \
    STRATEGY "\">\n" MINING_SCHEMA                                         \
    "<Output><OutputField name=\"node\" feature=\"entityId\"/></Output>"   \
    "<Node recordCount=\"10\" defaultChild=\"n2\"><True/>" SD("6", "4")    \
    "<Node id=\"n1\" recordCount=\"6\" defaultChild=\"n12\">"              \
    "<SimplePredicate field=\"a\" operator=\"lessOrEqual\" value=\"0\"/>"  \
    SD("5", "1")                                                           \
    "<Node id=\"n11\" recordCount=\"4\"><SimplePredicate field=\"b\" "     \
    "operator=\"lessOrEqual\" value=\"0\"/>" SD("4", "0") "</Node>"        \
    "<Node id=\"n12\" recordCount=\"2\" score=\"no\"><SimplePredicate "    \
    "field=\"b\" operator=\"greaterThan\" value=\"0\"/>" SD("1", "1")      \
    "</Node></Node>"                                                       \
    "<Node id=\"n2\" recordCount=\"4\"><SimplePredicate field=\"a\" "      \
    "operator=\"greaterThan\" value=\"0\"/>" SD("1", "3") "</Node>"        \
    "</Node>\n</TreeModel>\n</PMML>\n"

static void expect(const char *doc, double a, double b, const char *label,
                   double p_yes) {
    model *m = must_load(doc);
    double probs[2];
    model_output out = {.probabilities = probs};
    ms_error err;
    if (score3(m, a, b, 0, &out, &err) < 0) fail_msg("score: %s", err.msg);
    assert_string_equal(m->class_labels[out.label_index], label);
    assert_float_equal(probs[0], p_yes, 1e-12);
    assert_float_equal(probs[1], 1 - p_yes, 1e-12);
    model_free(m);
}

static void test_default_child(void **state) {
    (void)state;
    const char *doc = TREE("defaultChild");
    /* a missing: n1 is UNKNOWN, the root's defaultChild n2 decides. */
    expect(doc, U, 1, "no", 0.25);
    /* b missing at n1: its defaultChild n12 (score no, 1/2 each). */
    expect(doc, -1, U, "no", 0.5);
    /* Nothing missing: the plain walk, n11. */
    expect(doc, -1, -1, "yes", 1);
    expect(doc, U, U, "no", 0.25);
}

static void test_aggregate_nodes(void **state) {
    (void)state;
    const char *doc = TREE("aggregateNodes");
    /* a missing, b = 1: n1 and n2 are both followed; n1 goes on to n12
     * (b > 0). Counts n12 (1, 1) + n2 (1, 3) = (2, 4): P(yes) = 1/3. */
    expect(doc, U, 1, "no", 1.0 / 3);
    /* a = -1, b missing: n11 (4, 0) + n12 (1, 1) = (5, 1). */
    expect(doc, -1, U, "yes", 5.0 / 6);
    /* Both missing: n11 + n12 + n2 = (4+1+1, 0+1+3) = (6, 4). */
    expect(doc, U, U, "yes", 0.6);
    /* Nothing missing: n2 alone, (1, 3). */
    expect(doc, 1, 0, "no", 0.25);
}

static void test_weighted_confidence(void **state) {
    (void)state;
    const char *doc = TREE("weightedConfidence");
    /* a missing, b = 1: n1 weighs 6/10, n2 4/10; n1 reaches n12 (1/2,
     * 1/2), n2 is (1/4, 3/4): yes 0.6*0.5 + 0.4*0.25 = 0.4. */
    expect(doc, U, 1, "no", 0.4);
    /* Both missing: n1 0.6 * (4/6 * (1, 0) + 2/6 * (1/2, 1/2)) = (0.5,
     * 0.1); n2 0.4 * (1/4, 3/4) = (0.1, 0.3): yes 0.6. */
    expect(doc, U, U, "yes", 0.6);
}

/* Output entityId: the id of the Node that decides, none when no single
 * Node does. */
static void test_entity_id(void **state) {
    (void)state;
    static const char *const strategies[] = {"defaultChild",
                                             "lastPrediction",
                                             "aggregateNodes"};
    model *m[3];
    for (int i = 0; i < 3; i++) {
        char doc[4096];
        snprintf(doc, sizeof doc, TREE("%s"), strategies[i]);
        m[i] = must_load(doc);
    }
    double v;
    const char *s = NULL;
    model_output out = {.outputs = &v, .output_strings = &s};
    ms_error err;
    assert_int_equal(score3(m[0], U, 1, 0, &out, &err), 0);
    assert_string_equal(s, "n2");                /* the root's default */
    assert_int_equal(score3(m[0], -1, U, 0, &out, &err), 0);
    assert_string_equal(s, "n12");               /* n1's default */
    assert_int_equal(score3(m[0], -1, -1, 0, &out, &err), 0);
    assert_string_equal(s, "n11");
    assert_true(isnan(v));                       /* "n11" is no number */
    /* lastPrediction stops at n1 when b is missing, at the root (which
     * has no id) when a is. */
    assert_int_equal(score3(m[1], -1, U, 0, &out, &err), 0);
    assert_string_equal(s, "n1");
    assert_int_equal(score3(m[1], U, 1, 0, &out, &err), 0);
    assert_null(s);
    /* aggregateNodes has no single deciding Node. */
    assert_int_equal(score3(m[2], U, 1, 0, &out, &err), 0);
    assert_null(s);
    for (int i = 0; i < 3; i++) model_free(m[i]);
}

static void test_default_child_rejects(void **state) {
    (void)state;
    static const char doc[] =
        PMML_HEAD(TARGET_CATEGORICAL)
        "<TreeModel functionName=\"classification\" "
        "missingValueStrategy=\"defaultChild\">" MINING_SCHEMA
        "<Node defaultChild=\"nope\"><True/><Node id=\"x\" score=\"yes\">"
        "<True/></Node></Node></TreeModel></PMML>";
    expect_rejected(doc, "defaultChild 'nope' is not a child of this Node");
    /* A node without defaultChild under this strategy: no prediction. */
    static const char no_default[] =
        PMML_HEAD(TARGET_CATEGORICAL)
        "<TreeModel functionName=\"classification\" "
        "missingValueStrategy=\"defaultChild\">" MINING_SCHEMA
        "<Node score=\"no\"><True/><Node score=\"yes\"><SimplePredicate "
        "field=\"a\" operator=\"greaterThan\" value=\"0\"/></Node></Node>"
        "</TreeModel></PMML>";
    model *m = must_load(no_default);
    model_output out = {0};
    ms_error err;
    assert_int_equal(score3(m, U, 0, 0, &out, &err), -1);
    assert_non_null(strstr(err.msg, "has no defaultChild"));
    model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_child),
        cmocka_unit_test(test_aggregate_nodes),
        cmocka_unit_test(test_weighted_confidence),
        cmocka_unit_test(test_entity_id),
        cmocka_unit_test(test_default_child_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
