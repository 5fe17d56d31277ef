/*
 * test_pmml_hostile.c - documents built to hurt: DTDs and entities,
 * truncated or binary input, unsupported models, unknown fields, deep
 * nesting, element floods, oversize input. Each must fail with a sentence
 * that says why, print nothing (libxml2 must not write to stderr), and
 * never crash. Also loads from several threads at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "pmml_test.h"

static void expect_error(const char *doc, size_t len, const char *part) {
    ms_error err = {{0}};
    model *m = pmml_load(doc, len, &test_schema, &err);
    if (m) {
        model_free(m);
        fail_msg("hostile document loaded; expected \"%s\"", part);
    }
    if (!strstr(err.msg, part))
        fail_msg("expected \"%s\" in error \"%s\"", part, err.msg);
}

static void expect_error_str(const char *doc, const char *part) {
    expect_error(doc, strlen(doc), part);
}

static const char billion_laughs[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE PMML [\n"
    " <!ENTITY lol \"lol\">\n"
    " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
    "]>\n"
    "<PMML version=\"4.4\">&lol3;</PMML>\n";

static const char external_entity[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE PMML [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
    "<PMML version=\"4.4\"><Header description=\"&xxe;\"/></PMML>\n";

static const char external_dtd[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE PMML SYSTEM \"http://example.invalid/pmml.dtd\">\n"
    "<PMML version=\"4.4\"/>\n";

static void test_dtd_and_entities(void **state) {
    (void)state;
    expect_error_str(billion_laughs, "DOCTYPE declarations are not allowed");
    expect_error_str(external_entity, "DOCTYPE declarations are not allowed");
    expect_error_str(external_dtd, "PMML line 2: DOCTYPE declarations are "
                                   "not allowed");
    /* Without a DTD an entity reference is undeclared: malformed. */
    expect_error_str("<PMML>&lol;</PMML>", "malformed XML");
}

static const char good_doc[] =
    PMML_HEAD(TARGET_CONTINUOUS)
    "<RegressionModel functionName=\"regression\">\n" MINING_SCHEMA
    "<RegressionTable intercept=\"1\">"
    "<NumericPredictor name=\"a\" coefficient=\"2\"/></RegressionTable>\n"
    "</RegressionModel>\n</PMML>\n";

static void test_broken_xml(void **state) {
    (void)state;
    /* Every prefix of a good document is truncated XML. */
    for (size_t len = 1; len < sizeof good_doc - 8; len += 7)
        expect_error(good_doc, len, "PMML");
    expect_error(good_doc, sizeof good_doc / 2, "malformed XML");
    static const char binary[] = "\x00\xff\xfe\x01<PMML\x00>";
    expect_error(binary, sizeof binary, "PMML");
    expect_error_str("not xml at all", "malformed XML");
    expect_error_str("<PMML><Header></PMML>", "malformed XML");
    expect_error(good_doc, 0, "PMML: empty document");
    ms_error err;
    assert_null(pmml_load(NULL, 10, &test_schema, &err));
    assert_null(pmml_load(good_doc, strlen(good_doc), NULL, &err));
    assert_string_equal(err.msg, "PMML: no schema to bind the model's fields "
                                 "to");
}

static void test_oversize(void **state) {
    (void)state;
    /* calloc'ed pages are never touched: the size check comes first. */
    size_t len = ((size_t)64 << 20) + 1;
    char *big = calloc(1, len);
    assert_non_null(big);
    expect_error(big, len, "larger than the limit of 67108864 bytes");
    free(big);
}

static void test_document_structure(void **state) {
    (void)state;
    static const char other_model[] =
        PMML_HEAD(TARGET_CONTINUOUS)
        "<AssociationModel functionName=\"associationRules\">\n"
        MINING_SCHEMA "</AssociationModel>\n</PMML>\n";
    char want[300];
    snprintf(want, sizeof want,
             "PMML line %d: AssociationModel is not supported (supported "
             "models: ClusteringModel, GeneralRegressionModel, MiningModel, "
             "NaiveBayesModel, NeuralNetwork, RegressionModel, Scorecard, "
             "SupportVectorMachineModel, TreeModel)",
             line_of(other_model, "<AssociationModel"));
    expect_error_str(other_model, want);

    expect_error_str(
        PMML_HEAD(TARGET_CONTINUOUS)
        "<TransformationDictionary><Lag/>"
        "</TransformationDictionary>\n"
        "<TreeModel functionName=\"regression\"/>\n</PMML>\n",
        "Lag inside TransformationDictionary is not supported");
    expect_error_str("<Model/>", "PMML line 1: the root element is Model, "
                                 "not PMML");
    expect_error_str("<PMML><Header/><RegressionModel/></PMML>",
                     "RegressionModel before the DataDictionary");
    expect_error_str("<PMML><DataDictionary/></PMML>",
                     "the document holds no model");
    expect_error_str(
        PMML_HEAD(TARGET_CONTINUOUS)
        "<TreeModel functionName=\"regression\"><Node><True/></Node>"
        "</TreeModel></PMML>",
        "TreeModel has no MiningSchema");
}

static void test_field_binding(void **state) {
    (void)state;
    static const char not_in_schema[] =
        "<PMML><DataDictionary>\n"
        "<DataField name=\"colour\" optype=\"continuous\"/>\n"
        "</DataDictionary>\n"
        "<TreeModel functionName=\"regression\"><MiningSchema>\n"
        "<MiningField name=\"colour\"/>\n"
        "</MiningSchema><Node score=\"1\"><True/></Node></TreeModel></PMML>";
    expect_error_str(not_in_schema, "PMML line 5: MiningField 'colour' is "
                                    "not a field of data type 'test'");
    expect_error_str(
        PMML_HEAD(TARGET_CONTINUOUS)
        "<TreeModel functionName=\"regression\"><MiningSchema>"
        "<MiningField name=\"d\"/></MiningSchema>"
        "<Node score=\"1\"><True/></Node></TreeModel></PMML>",
        "MiningField 'd' is not declared in the DataDictionary");
    expect_error_str(
        PMML_HEAD(TARGET_CONTINUOUS)
        "<TreeModel functionName=\"regression\"><MiningSchema>"
        "<MiningField name=\"a\" outliers=\"asMissingValues\"/>"
        "</MiningSchema><Node score=\"1\"><True/></Node></TreeModel></PMML>",
        "outliers 'asMissingValues' needs lowValue or highValue");
    expect_error_str(
        PMML_HEAD(TARGET_CONTINUOUS)
        "<TreeModel functionName=\"regression\"><MiningSchema>"
        "<MiningField name=\"a\" outliers=\"clamp\"/>"
        "</MiningSchema><Node score=\"1\"><True/></Node></TreeModel></PMML>",
        "MiningField outliers 'clamp' is not supported");
    expect_error_str(
        "<PMML><DataDictionary>"
        "<DataField name=\"a\" optype=\"continuous\">"
        "<Interval leftMargin=\"0\"/></DataField>"
        "</DataDictionary><TreeModel functionName=\"regression\">"
        "<MiningSchema><MiningField name=\"a\"/></MiningSchema>"
        "<Node score=\"1\"><True/></Node></TreeModel></PMML>",
        "Interval has no closure attribute");
}

/* A regression tree of n Nodes, each the only child of the one before;
 * the deepest scores n. Caller frees. */
static char *chain_tree(int n) {
    static const char head[] = PMML_HEAD(TARGET_CONTINUOUS)
        "<TreeModel functionName=\"regression\">" MINING_SCHEMA;
    size_t cap = sizeof head + (size_t)n * 64 + 64;
    char *doc = malloc(cap);
    assert_non_null(doc);
    size_t used = (size_t)snprintf(doc, cap, "%s", head);
    for (int i = 1; i <= n; i++)
        used += (size_t)snprintf(doc + used, cap - used,
                                 "<Node score=\"%d\"><True/>", i);
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(doc + used, cap - used, "</Node>");
    snprintf(doc + used, cap - used, "</TreeModel></PMML>");
    return doc;
}

static void test_nesting_limit(void **state) {
    (void)state;
    /* PMML(1) > TreeModel(2) > n Nodes > True: depth n + 3, limit 200. */
    char *deepest = chain_tree(197);
    ms_error err;
    model_output out = {0};
    model *m = load_str(deepest, &err);
    if (!m) fail_msg("%s", err.msg);
    assert_int_equal(score3(m, 0, 0, 0, &out, &err), 0);
    assert_true(out.value == 197);
    model_free(m);
    free(deepest);

    char *too_deep = chain_tree(198);
    expect_error_str(too_deep, "elements are nested too deeply");
    free(too_deep);
    char *far_too_deep = chain_tree(5000);  /* beyond libxml2's own 256 */
    expect_error_str(far_too_deep, "elements are nested too deeply");
    free(far_too_deep);
}

static void test_element_flood(void **state) {
    (void)state;
    size_t n = 2000001, len = 6 + n * 4 + 7 + 1;
    char *doc = malloc(len), *p = doc;
    assert_non_null(doc);
    p += sprintf(p, "<PMML>");
    for (size_t i = 0; i < n; i++) p += sprintf(p, "<X/>");
    sprintf(p, "</PMML>");
    expect_error_str(doc, "document has too many elements");
    free(doc);
}

/* Runs hostile and good loads with stderr pointed at a file, which must
 * stay empty: libxml2's messages belong in ms_error only. */
static void test_nothing_on_stderr(void **state) {
    (void)state;
    char path[] = "/tmp/pmml_stderr_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    static const char *const docs[] = {
        billion_laughs, external_entity, external_dtd, "<PMML>&lol;</PMML>",
        "<PMML><Header></PMML>", "<?xml version=\"9.0\"?><PMML/>",
        "<PMML xmlns:x=\"a\" x:y=\"1\" x:y=\"2\"/>",
        /* bytes EUC-JP cannot decode: libxml2's encoding layer reports
         * outside any parser context */
        "<?xml version=\"1.0\" encoding=\"EUC-JP\"?>"
        "<PMML a=\"\xff\xfe\x80\x81\"></PMML>",
        good_doc};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        ms_error err;
        model_free(load_str(docs[i], &err));
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    close(fd);
    unlink(path);
    assert_int_equal(size, 0);
}

/* Loads and scores from several threads at once (pthread_once init, no
 * shared parser state). */
static void *load_many(void *arg) {
    long *failures = arg;
    for (int i = 0; i < 100; i++) {
        ms_error err;
        model_output out = {0};
        model *m = load_str(good_doc, &err);
        if (!m || score3(m, 3, 0, 0, &out, &err) < 0 || out.value != 7)
            (*failures)++;
        model_free(m);
        if (load_str(billion_laughs, &err)) (*failures)++;
    }
    return NULL;
}

static void test_threads(void **state) {
    (void)state;
    pthread_t t[4];
    long failures[4] = {0};
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, load_many, &failures[i]),
                         0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(failures[i], 0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dtd_and_entities),
        cmocka_unit_test(test_broken_xml),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_document_structure),
        cmocka_unit_test(test_field_binding),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_element_flood),
        cmocka_unit_test(test_nothing_on_stderr),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
