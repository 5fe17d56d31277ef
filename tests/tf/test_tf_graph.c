/*
 * test_tf_graph.c - what the loader rejects and how it binds: cycles,
 * dangling inputs, unknown ops, wrong dtypes, broken protobuf, ambiguous
 * inputs and outputs, the features and output_mode parameters, buffer
 * reuse, and the seed's wine graph on all 1,599 rows (skipped without
 * ../shared/data).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "tf_test.h"
#include "util/file.h"

static void test_rejects_structure(void **state) {
    (void)state;
    /* a -> b -> a. */
    tf_writer *w = tf_test_graph(1);
    tf_writer_node(w, "a", "Add", "x", "b", NULL);
    tf_writer_node(w, "b", "Relu", "a", NULL);
    tf_writer_node(w, "y", "Relu", "b", NULL);
    TF_REJECT(w, "the graph has a cycle through node");
    w = tf_test_graph(1);
    tf_writer_node(w, "y", "Relu", "nowhere:0", NULL);
    TF_REJECT(w, "node 'y': input 'nowhere:0': no node is named 'nowhere'");
    w = tf_test_graph(1);
    tf_writer_node(w, "y", "FancyOp", "x", NULL);
    TF_REJECT(w, "node 'y': op FancyOp is not supported");
    w = tf_test_graph(1);
    tf_writer_node(w, "y", "Relu", "x", NULL);
    tf_writer_node(w, "y", "Relu", "x", NULL);
    TF_REJECT(w, "two nodes are named 'y'");
    w = tf_test_graph(1);
    tf_writer_node(w, "y", "Relu", "x:3", NULL);
    TF_REJECT(w, "input 'x' has no output 3");
    w = tf_test_graph(1);
    tf_writer_node(w, "y", "Relu", "x", "x", NULL);
    TF_REJECT(w, "has 2 data inputs, expected 1");
    /* Two unread nodes: which is the output? */
    w = tf_test_graph(1);
    tf_writer_node(w, "y1", "Relu", "x", NULL);
    tf_writer_node(w, "y2", "Neg", "x", NULL);
    TF_REJECT(w, "2 nodes nothing reads ('y1', 'y2'): name the output");
    /* Two Placeholders. */
    w = tf_test_graph(1);
    tf_writer_placeholder(w, "x2", DIMS(1, 1), 2);
    tf_writer_node(w, "y", "Add", "x", "x2", NULL);
    TF_REJECT(w, "two Placeholders");
    /* A variable has no value in a frozen graph. */
    w = tf_test_graph(1);
    tf_writer_node(w, "v", "VariableV2", NULL);
    tf_writer_node(w, "y", "Add", "x", "v", NULL);
    TF_REJECT(w, "variable 'v' has no value in a frozen graph");
}

static void test_rejects_values(void **state) {
    (void)state;
    tf_writer *w = tf_test_graph(2);
    tf_writer_const(w, "i", I32, DIMS(1, 2), 2, INTS(1, 2));
    tf_writer_node(w, "y", "Sigmoid", "i", NULL);
    TF_REJECT(w, "the input is int32, expected float32");
    /* A tensor whose content does not fill its shape. */
    w = tf_test_graph(2);
    tf_writer_const(w, "c", F32, DIMS(2, 2), 2, FLOATS(1, 2, 3, 4));
    tf_writer_node(w, "y", "Add", "x", "c", NULL);
    ms_error err;
    size_t len;
    uint8_t *pb = tf_writer_graph(w, &len);
    /* Cut the graph anywhere inside: every prefix is rejected or loads,
     * never crashes; the proper cut inside a node is malformed. */
    int rejected = 0;
    for (size_t cut = 1; cut < len; cut++) {
        model_source src = {.bytes = pb, .len = cut};
        model *m = tf_load_graph(&src, &tf_test_schema, &err);
        if (!m) rejected++;
        model_free(m);
    }
    assert_true(rejected > (int)len / 2);
    model_source src = {.bytes = pb, .len = len - 3};
    assert_null(tf_load_graph(&src, &tf_test_schema, &err));
    assert_string_equal(err.msg, "TensorFlow: not a GraphDef (the protobuf "
                                 "is malformed or truncated)");
    free(pb);
    /* A dtype the executor does not compute in. */
    w = tf_test_graph(2);
    tf_writer_node(w, "d", "Const", NULL);
    tf_writer_attr_tensor(w, "value", 2, DIMS(1), 1,
                          (const double[]){1.0});  /* DT_DOUBLE */
    tf_writer_node(w, "y", "Add", "x", "d", NULL);
    TF_REJECT(w, "dtype float64 (2) is not supported");
    /* An input of unknown inner size that nothing pins down. */
    w = tf_writer_new();
    tf_writer_placeholder(w, "x", DIMS(-1, -1), 2);
    tf_writer_node(w, "y", "Relu", "x", NULL);
    TF_REJECT(w, "the input's dimension 1 is unknown");
}

/* An input without a shape attribute takes its size from the MatMul that
 * reads it (as the seed's graph needs). */
static void test_input_shape_inferred(void **state) {
    (void)state;
    static const double x[] = {1, 2};
    tf_writer *w = tf_writer_new();
    tf_writer_node(w, "x", "Placeholder", NULL);
    tf_writer_attr_type(w, "dtype", F32);
    tf_writer_const(w, "W", F32, DIMS(2, 1), 2, FLOATS(3, 4));
    tf_writer_node(w, "y", "MatMul", "x", "W", NULL);
    ms_error err;
    model *m = tf_test_load_params(w, &err, NULL);
    assert_non_null(m);
    assert_int_equal(tf_model_input_width(m), 2);
    double y[1];
    assert_int_equal(tf_test_eval(m, x, y, 1, &err), 1);
    assert_true(y[0] == 11);   /* 1*3 + 2*4, a scalar: a regression */
    assert_int_equal(m->nclasses, 0);
    model_free(m);
}

/* features picks the fields; output_mode shapes the result. */
static void test_binding(void **state) {
    (void)state;
    static const char *const kv[] = {"features", "x3, x1", "output", "y:0",
                                     NULL};
    static const double x[] = {0, 10, 0, 1};
    tf_writer *w = tf_test_graph(2);
    tf_writer_const(w, "c", F32, DIMS(2), 1, FLOATS(0, 100));
    tf_writer_node(w, "y", "Add", "x", "c", NULL);      /* [x3, x1 + 100] */
    tf_writer_node(w, "z", "Neg", "y", NULL);
    ms_error err;
    model *m = tf_test_load_params(w, &err, kv);
    if (!m) fail_msg("%s", err.msg);
    double probs[2];
    model_output out = {.probabilities = probs};
    void *scratch = malloc(m->scratch_size + 1);
    assert_int_equal(model_score(m, x, scratch, &out, &err), 0);
    assert_int_equal(m->nclasses, 2);
    assert_string_equal(m->class_labels[1], "1");
    assert_int_equal(out.label_index, 1);   /* argmax of [1, 110] */
    assert_true(out.value == 1);
    assert_true(probs[0] == 1 && probs[1] == 110);
    /* A missing value is an error, not a NaN score. */
    static const double missing[] = {0, NAN, 0, 1};
    assert_int_equal(model_score(m, missing, scratch, &out, &err), -1);
    assert_string_equal(err.msg, "TensorFlow: no prediction (input value 1 "
                                 "is missing)");
    free(scratch);
    model_free(m);
    static const char *const bad[][5] = {
        {"features", "x1", NULL},
        {"features", "x1,nope", NULL},
        {"output_mode", "scalar", NULL},
        {"output_mode", "loud", NULL},
        {"input", "y", NULL},
        {"output", "missing", NULL}};
    static const char *const why[] = {
        "features names 1 fields, the input takes 2 values",
        "feature 'nope' is not a field of data type 't'",
        "output_mode scalar needs one output value, the output has 2",
        "output_mode 'loud' is none of argmax, vector, scalar",
        "input 'y' is a Add, not a Placeholder",
        "output 'missing': no node is named 'missing'"};
    for (size_t i = 0; i < sizeof why / sizeof *why; i++) {
        w = tf_test_graph(2);
        tf_writer_const(w, "c", F32, DIMS(2), 1, FLOATS(0, 100));
        tf_writer_node(w, "y", "Add", "x", "c", NULL);
        const char *kv2[] = {bad[i][0], bad[i][1], "output", "y", NULL};
        m = tf_test_load_params(w, &err, strcmp(bad[i][0], "output") ? kv2
                                                                     : bad[i]);
        assert_null(m);
        if (!strstr(err.msg, why[i]))
            fail_msg("expected \"%s\" in \"%s\"", why[i], err.msg);
    }
}

/* Eight Relus in a row over 16 floats need two buffers that take turns
 * (the input's is free once r0 has read it), not nine; constants are
 * folded away entirely. */
static void test_buffers_reused(void **state) {
    (void)state;
    tf_writer *w = tf_test_graph(16);
    tf_writer_const(w, "one", F32, NULL, 0, FLOATS(1));
    tf_writer_const(w, "two", F32, NULL, 0, FLOATS(2));
    tf_writer_node(w, "three", "Add", "one", "two", NULL);   /* folded */
    tf_writer_node(w, "r0", "Mul", "x", "three", NULL);
    char prev[8] = "r0", name[8];
    for (int i = 1; i < 8; i++) {
        snprintf(name, sizeof name, "r%d", i);
        tf_writer_node(w, name, "Relu", prev, NULL);
        memcpy(prev, name, sizeof prev);
    }
    ms_error err;
    model *m = tf_test_load(w, &err);
    if (!m) fail_msg("%s", err.msg);
    assert_int_equal(m->scratch_size, 2 * 16 * 4);
    double x[16] = {-1, 2}, y[16] = {0};
    assert_int_equal(tf_test_eval(m, x, y, 16, &err), 16);
    assert_true(y[0] == 0 && y[1] == 6 && y[2] == 0);
    model_free(m);
}

static void test_wine(void **state) {
    (void)state;
    const char *dir = getenv("MS_SHARED_DATA");
    char path[4096];
    uint8_t *pb, *csv, *expected;
    size_t len, csv_len, exp_len;
    ms_error err;
    if (!dir) skip();
    snprintf(path, sizeof path, "%s/optimized_WineQuality.pb", dir);
    if (file_read_all(path, 1 << 24, &pb, &len, &err) < 0) skip();
    snprintf(path, sizeof path, "%s/winequality_red.csv", dir);
    assert_int_equal(file_read_all(path, 1 << 24, &csv, &csv_len, &err), 0);
    snprintf(path, sizeof path, "%s/expected/tf_wine_quality.csv", dir);
    assert_int_equal(file_read_all(path, 1 << 24, &expected, &exp_len, &err), 0);
    model_source src = {.bytes = pb, .len = len};
    model *m = tf_load_graph(&src, ms_schema_wine(), &err);
    if (!m) fail_msg("%s", err.msg);
    assert_int_equal(m->nclasses, 9);
    void *scratch = malloc(m->scratch_size);
    double probs[9], worst = 0;
    char *line = (char *)csv, *eline = (char *)expected;
    int rows = 0;
    while (*eline == '#') eline = strchr(eline, '\n') + 1;
    for (; *line; rows++) {
        double x[11];
        for (int i = 0; i < 11; i++) x[i] = strtod(line, &line), line++;
        char *nl = strchr(line, '\n');   /* the last row has none */
        line = nl ? nl + 1 : line + strlen(line);
        model_output out = {.probabilities = probs};
        assert_int_equal(model_score(m, x, scratch, &out, &err), 0);
        long want = strtol(eline, &eline, 10);
        assert_int_equal(out.label_index, want);
        assert_true(out.value == (double)want);
        for (int k = 0; k < 9; k++) {
            double e = strtod(eline + 1, &eline);
            double rel = fabs(probs[k] - e) / fabs(e);
            if (rel > worst) worst = rel;
        }
        eline++;
    }
    assert_int_equal(rows, 1599);
    if (worst > 1e-5) fail_msg("worst relative difference %g", worst);
    free(scratch);
    model_free(m);
    free(pb);
    free(csv);
    free(expected);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rejects_structure),
        cmocka_unit_test(test_rejects_values),
        cmocka_unit_test(test_input_shape_inferred),
        cmocka_unit_test(test_binding),
        cmocka_unit_test(test_buffers_reused),
        cmocka_unit_test(test_wine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
