/*
 * test_tf_ops.c - the elementwise and matrix ops, each on a small graph
 * written by tf_writer, against values worked out by hand (or, for the
 * transcendental functions, with Python's math module) in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "tf_test.h"

/* One unary op on x = [-2, 0.5, 8]. */
static void unary(const char *op, double a, double b, double c) {
    static const double x[] = {-2, 0.5, 8};
    tf_writer *w = tf_test_graph(3);
    tf_writer_node(w, "y", op, "x", NULL);
    if (strcmp(op, "LeakyRelu") == 0) tf_writer_attr_float(w, "alpha", 0.1f);
    TF_EXPECT(w, x, a, b, c);
}

static void test_unary(void **state) {
    (void)state;
    unary("Relu", 0, 0.5, 8);
    unary("Relu6", 0, 0.5, 6);
    unary("Elu", -0.8646647167633873, 0.5, 8);            /* e^-2 - 1 */
    unary("Selu", -1.5201664685956948, 0.5253504936777402, 8.405607898843844);
    unary("LeakyRelu", -0.2, 0.5, 8);                      /* alpha 0.1 */
    unary("Sigmoid", 0.11920292202211755, 0.6224593312018546,
          0.9996646498695336);
    unary("Tanh", -0.9640275800758169, 0.46211715726000974,
          0.9999997749296758);
    unary("Softplus", 0.1269280110429725, 0.9740769841801067,
          8.000335406372896);
    unary("Exp", 0.1353352832366127, 1.6487212707001282, 2980.9579870417283);
    unary("Neg", 2, -0.5, -8);
    unary("Abs", 2, 0.5, 8);
    unary("Square", 4, 0.25, 64);
}

static void test_unary_positive(void **state) {
    (void)state;
    static const double x[] = {0.25, 1, 4};
    static const char *const ops[] = {"Log", "Sqrt", "Rsqrt"};
    static const double want[][3] = {
        {-1.3862943611198906, 0, 1.3862943611198906}, {0.5, 1, 2}, {2, 1, 0.5}};
    for (int i = 0; i < 3; i++) {
        tf_writer *w = tf_test_graph(3);
        tf_writer_node(w, "y", ops[i], "x", NULL);
        TF_EXPECT(w, x, want[i][0], want[i][1], want[i][2]);
    }
}

/* x = [1, 2, 3] with the scalar 2. */
static void binary_scalar(const char *op, double a, double b, double c) {
    static const double x[] = {1, 2, 3};
    tf_writer *w = tf_test_graph(3);
    tf_writer_const(w, "two", F32, NULL, 0, FLOATS(2));
    tf_writer_node(w, "y", op, "x", "two", NULL);
    TF_EXPECT(w, x, a, b, c);
}

static void test_binary(void **state) {
    (void)state;
    binary_scalar("Add", 3, 4, 5);
    binary_scalar("AddV2", 3, 4, 5);
    binary_scalar("Sub", -1, 0, 1);
    binary_scalar("Mul", 2, 4, 6);
    binary_scalar("RealDiv", 0.5, 1, 1.5);
    binary_scalar("Maximum", 2, 2, 3);
    binary_scalar("Minimum", 1, 2, 2);
    binary_scalar("Pow", 1, 4, 9);
    binary_scalar("SquaredDifference", 1, 0, 1);
}

/* [1,3] + [2,1] broadcasts to [2,3]: row i is x + 10*(i+1). */
static void test_broadcast(void **state) {
    (void)state;
    static const double x[] = {1, 2, 3};
    tf_writer *w = tf_test_graph(3);
    tf_writer_const(w, "c", F32, DIMS(2, 1), 2, FLOATS(10, 20));
    tf_writer_node(w, "y", "Add", "x", "c", NULL);
    TF_EXPECT(w, x, 11, 12, 13, 21, 22, 23);
    /* The constant on the left, and a rank-1 operand: [3] - [2,1]. */
    w = tf_test_graph(3);
    tf_writer_const(w, "c", F32, DIMS(2, 1), 2, FLOATS(10, 20));
    tf_writer_const(w, "s", F32, DIMS(3), 1,
                    FLOATS(1, 2, 3));
    tf_writer_node(w, "xs", "Mul", "x", "s", NULL);     /* [1, 4, 9] */
    tf_writer_node(w, "y", "Sub", "c", "xs", NULL);
    TF_EXPECT(w, x, 9, 6, 1, 19, 16, 11);
    /* [1,3] and [2,2] do not broadcast. */
    w = tf_test_graph(3);
    tf_writer_const(w, "c", F32, DIMS(2, 2), 2, FLOATS(1, 2, 3, 4));
    tf_writer_node(w, "y", "Add", "x", "c", NULL);
    TF_REJECT(w, "do not broadcast");
}

/* Dense layer: [1,2] x [[1,2,3],[4,5,6]] = [9,12,15]; bias -> [-1,12,16];
 * Relu -> [0,12,16]. */
static void test_matmul_bias(void **state) {
    (void)state;
    static const double x[] = {1, 2};
    tf_writer *w = tf_test_graph(2);
    tf_writer_const(w, "W", F32, DIMS(2, 3), 2, FLOATS(1, 2, 3, 4, 5, 6));
    tf_writer_const(w, "b", F32, DIMS(3), 1, FLOATS(-10, 0, 1));
    tf_writer_node(w, "mm", "MatMul", "x", "W", NULL);
    tf_writer_node(w, "ba", "BiasAdd", "mm", "b", NULL);
    tf_writer_node(w, "y", "Relu", "ba", NULL);
    TF_EXPECT(w, x, 0, 12, 16);
    /* The same weights stored transposed. */
    w = tf_test_graph(2);
    tf_writer_const(w, "Wt", F32, DIMS(3, 2), 2, FLOATS(1, 4, 2, 5, 3, 6));
    tf_writer_node(w, "y", "MatMul", "x", "Wt", NULL);
    tf_writer_attr_bool(w, "transpose_b", 1);
    TF_EXPECT(w, x, 9, 12, 15);
    /* transpose_a: x^T [2,1] x [1,3] = outer product. */
    w = tf_test_graph(2);
    tf_writer_const(w, "r", F32, DIMS(1, 3), 2, FLOATS(1, 10, 100));
    tf_writer_node(w, "y", "MatMul", "x", "r", NULL);
    tf_writer_attr_bool(w, "transpose_a", 1);
    TF_EXPECT(w, x, 1, 10, 100, 2, 20, 200);
    /* Inner sizes that differ. */
    w = tf_test_graph(2);
    tf_writer_const(w, "W", F32, DIMS(3, 1), 2, FLOATS(1, 2, 3));
    tf_writer_node(w, "y", "MatMul", "x", "W", NULL);
    TF_REJECT(w, "cannot multiply [1,2] by [3,1]");
    /* Constants of 2^24 values whose product would take 2^36 multiply-adds
     * at load time are refused before any is done. */
    w = tf_test_graph(2);
    tf_writer_const(w, "fill", F32, NULL, 0, FLOATS(1));
    tf_writer_const(w, "dims", I32, DIMS(2), 1, INTS(4096, 4096));
    tf_writer_node(w, "big", "Fill", "dims", "fill", NULL);
    tf_writer_node(w, "sq", "MatMul", "big", "big", NULL);
    tf_writer_const(w, "W", F32, DIMS(2, 1), 2, FLOATS(1, 1));
    tf_writer_node(w, "mm", "MatMul", "x", "W", NULL);
    tf_writer_node(w, "y", "Add", "mm", "sq", NULL);
    TF_REJECT(w, "the product needs more than 2^32 multiply-adds");
}

/* NCHW: the channel is dim 1. x = [1,2,3,4] as [1,2,1,2] is channel 0 =
 * [1,2], channel 1 = [3,4]; bias [10,20] gives [11,12,23,24]. */
static void test_bias_add_nchw(void **state) {
    (void)state;
    static const double x[] = {1, 2, 3, 4};
    tf_writer *w = tf_test_graph(4);
    tf_writer_const(w, "shape", I32, DIMS(4), 1, INTS(1, 2, 1, 2));
    tf_writer_node(w, "x4", "Reshape", "x", "shape", NULL);
    tf_writer_const(w, "b", F32, DIMS(2), 1, FLOATS(10, 20));
    tf_writer_node(w, "y", "BiasAdd", "x4", "b", NULL);
    tf_writer_attr_str(w, "data_format", "NCHW");
    TF_EXPECT(w, x, 11, 12, 23, 24);
    /* A bias that fits no channel count. */
    w = tf_test_graph(4);
    tf_writer_const(w, "b", F32, DIMS(3), 1, FLOATS(1, 2, 3));
    tf_writer_node(w, "y", "BiasAdd", "x", "b", NULL);
    TF_REJECT(w, "the input has 4 channels, the per-channel values 3");
}

/* Neg, Abs and Square also take int32: [-3, 2] -> [3, -2], [3, 2], [9, 4]. */
static void test_unary_int(void **state) {
    (void)state;
    static const double x[] = {-3, 2};
    static const char *const ops[] = {"Neg", "Abs", "Square"};
    static const double want[][2] = {{3, -2}, {3, 2}, {9, 4}};
    for (int i = 0; i < 3; i++) {
        tf_writer *w = tf_test_graph(2);
        tf_writer_node(w, "i", "Cast", "x", NULL);
        tf_writer_attr_type(w, "SrcT", F32);
        tf_writer_attr_type(w, "DstT", I32);
        tf_writer_node(w, "y", ops[i], "i", NULL);
        TF_EXPECT(w, x, want[i][0], want[i][1]);
    }
    tf_writer *w = tf_test_graph(2);
    tf_writer_node(w, "i", "Cast", "x", NULL);
    tf_writer_attr_type(w, "DstT", I32);
    tf_writer_node(w, "y", "Exp", "i", NULL);
    TF_REJECT(w, "the input is int32, expected float32");
}

/* [2,1,2] (batches [1,2] and [3,4]) x [2,3] broadcast over the batch:
 * b = [[1,0,1],[0,1,1]] gives [1,2,3] and [3,4,7]. */
static void test_batch_matmul(void **state) {
    (void)state;
    static const double x[] = {1, 2, 3, 4};
    tf_writer *w = tf_test_graph(4);
    tf_writer_const(w, "shape", I32, DIMS(3), 1, INTS(2, 1, 2));
    tf_writer_node(w, "a", "Reshape", "x", "shape", NULL);
    tf_writer_const(w, "b", F32, DIMS(2, 3), 2, FLOATS(1, 0, 1, 0, 1, 1));
    tf_writer_node(w, "y", "BatchMatMulV2", "a", "b", NULL);
    TF_EXPECT(w, x, 1, 2, 3, 3, 4, 7);
    /* V1 needs equal batch dims; adj_y transposes b's last two: b^T of
     * [[1,1],[0,1]] per batch is [[1,0],[1,1]]: [1,2]->[3,2], [3,4]->[7,4]. */
    w = tf_test_graph(4);
    tf_writer_const(w, "shape", I32, DIMS(3), 1, INTS(2, 1, 2));
    tf_writer_node(w, "a", "Reshape", "x", "shape", NULL);
    tf_writer_const(w, "b", F32, DIMS(2, 2, 2), 3,
                    FLOATS(1, 1, 0, 1, 1, 1, 0, 1));
    tf_writer_node(w, "y", "BatchMatMul", "a", "b", NULL);
    tf_writer_attr_bool(w, "adj_y", 1);
    TF_EXPECT(w, x, 3, 2, 7, 4);
}

/* Softmax of [1,2,3]: e^(x-3) / sum. */
static void test_softmax(void **state) {
    (void)state;
    static const double x[] = {1, 2, 3};
    tf_writer *w = tf_test_graph(3);
    tf_writer_node(w, "y", "Softmax", "x", NULL);
    TF_EXPECT(w, x, 0.09003057317038046, 0.24472847105479764,
              0.6652409557748218);
    w = tf_test_graph(3);
    tf_writer_node(w, "y", "LogSoftmax", "x", NULL);
    TF_EXPECT(w, x, -2.40760596444438, -1.4076059644443804,
              -0.40760596444438046);
}

/* (x - mean) / sqrt(var + eps) * scale + offset per channel, NHWC:
 * (1.5-0.5)/sqrt(4.001)*2+1 and (2-1)/sqrt(0.251)*3-1. */
static void test_batch_norm(void **state) {
    (void)state;
    static const double x[] = {1.5, 2};
    static const char *const ops[] = {"FusedBatchNorm", "FusedBatchNormV3"};
    for (int i = 0; i < 2; i++) {
        tf_writer *w = tf_test_graph(2);
        tf_writer_const(w, "shape", I32, DIMS(4), 1, INTS(1, 1, 1, 2));
        tf_writer_node(w, "x4", "Reshape", "x", "shape", NULL);
        tf_writer_const(w, "scale", F32, DIMS(2), 1, FLOATS(2, 3));
        tf_writer_const(w, "offset", F32, DIMS(2), 1, FLOATS(1, -1));
        tf_writer_const(w, "mean", F32, DIMS(2), 1, FLOATS(0.5, 1));
        tf_writer_const(w, "var", F32, DIMS(2), 1, FLOATS(4, 0.25));
        tf_writer_node(w, "y", ops[i], "x4", "scale", "offset", "mean", "var",
                       NULL);
        tf_writer_attr_float(w, "epsilon", 0.001f);
        tf_writer_attr_bool(w, "is_training", 0);
        TF_EXPECT(w, x, 1.9998750234326181, 4.9880358804184945);
    }
    tf_writer *w = tf_test_graph(2);
    tf_writer_const(w, "c", F32, DIMS(2), 1, FLOATS(1, 1));
    tf_writer_node(w, "y", "FusedBatchNorm", "x", "c", "c", "c", "c", NULL);
    TF_REJECT(w, "is_training");
}

/* Select picks per element, or per row with a vector condition. */
static void test_select(void **state) {
    (void)state;
    static const double x[] = {1, 2, 3};
    static const uint8_t cond[] = {1, 0, 1};
    tf_writer *w = tf_test_graph(3);
    tf_writer_const(w, "c", BOOL, DIMS(1, 3), 2, cond);
    tf_writer_node(w, "n", "Neg", "x", NULL);
    tf_writer_node(w, "y", "Select", "c", "x", "n", NULL);
    TF_EXPECT(w, x, 1, -2, 3);
    /* SelectV2 broadcasts a [3] condition over [2,3] branches. */
    w = tf_test_graph(3);
    tf_writer_const(w, "c", BOOL, DIMS(3), 1, cond);
    tf_writer_const(w, "big", F32, DIMS(2, 1), 2, FLOATS(10, 20));
    tf_writer_node(w, "t", "Add", "x", "big", NULL);   /* [[11,12,13],[21,22,23]] */
    tf_writer_const(w, "zero", F32, NULL, 0, FLOATS(0));
    tf_writer_node(w, "y", "SelectV2", "c", "t", "zero", NULL);
    TF_EXPECT(w, x, 11, 0, 13, 21, 0, 23);
    /* The condition must be bool. */
    w = tf_test_graph(3);
    tf_writer_node(w, "y", "Select", "x", "x", "x", NULL);
    TF_REJECT(w, "the condition is float32, expected bool");
}

/* Cast truncates toward zero; int32 math then wraps, never traps. */
static void test_cast(void **state) {
    (void)state;
    static const double x[] = {1.7, -1.7, 3};
    tf_writer *w = tf_test_graph(3);
    tf_writer_node(w, "i", "Cast", "x", NULL);
    tf_writer_attr_type(w, "SrcT", F32);
    tf_writer_attr_type(w, "DstT", I32);
    tf_writer_const(w, "k", I32, NULL, 0, INTS(10));
    tf_writer_node(w, "y", "Mul", "i", "k", NULL);
    TF_EXPECT(w, x, 10, -10, 30);
    w = tf_test_graph(3);
    tf_writer_const(w, "k", I32, NULL, 0, INTS(10));
    tf_writer_node(w, "y", "Add", "x", "k", NULL);
    TF_REJECT(w, "the inputs are float32 and int32");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unary),
        cmocka_unit_test(test_unary_positive),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_broadcast),
        cmocka_unit_test(test_matmul_bias),
        cmocka_unit_test(test_bias_add_nchw),
        cmocka_unit_test(test_unary_int),
        cmocka_unit_test(test_batch_matmul),
        cmocka_unit_test(test_softmax),
        cmocka_unit_test(test_batch_norm),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_cast),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
