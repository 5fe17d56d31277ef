/*
 * test_tf_shapes.c - ops that reshape, cut, join and reduce, on x = 1..6
 * (or smaller) with the expected elements worked out by hand in the
 * comments; outputs are read flat, in row-major order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "tf_test.h"

static const double x6[] = {1, 2, 3, 4, 5, 6};

/* x [1,6] reshaped to m = [[1,2,3],[4,5,6]]. */
static tf_writer *matrix23(void) {
    tf_writer *w = tf_test_graph(6);
    tf_writer_const(w, "shape", I32, DIMS(2), 1, INTS(-1, 3));
    tf_writer_node(w, "m", "Reshape", "x", "shape", NULL);
    return w;
}

static void test_reshape_transpose(void **state) {
    (void)state;
    /* m^T = [[1,4],[2,5],[3,6]]. */
    tf_writer *w = matrix23();
    tf_writer_const(w, "perm", I32, DIMS(2), 1, INTS(1, 0));
    tf_writer_node(w, "y", "Transpose", "m", "perm", NULL);
    TF_EXPECT(w, x6, 1, 4, 2, 5, 3, 6);
    /* ExpandDims then Squeeze give m back; Identity, StopGradient and
     * IdentityN pass it through. */
    w = matrix23();
    tf_writer_const(w, "ax", I32, NULL, 0, INTS(0));
    tf_writer_node(w, "e", "ExpandDims", "m", "ax", NULL);
    tf_writer_node(w, "s", "Squeeze", "e", NULL);
    tf_writer_node(w, "i", "Identity", "s", NULL);
    tf_writer_node(w, "g", "StopGradient", "i", NULL);
    tf_writer_node(w, "n", "IdentityN", "g", "x", NULL);
    tf_writer_node(w, "y", "Neg", "n:0", NULL);
    tf_writer_node(w, "unused", "NoOp", "^n", NULL);
    TF_EXPECT(w, x6, -1, -2, -3, -4, -5, -6);
    /* 6 values do not make [4, -1]. */
    w = tf_test_graph(6);
    tf_writer_const(w, "shape", I32, DIMS(2), 1, INTS(4, -1));
    tf_writer_node(w, "y", "Reshape", "x", "shape", NULL);
    TF_REJECT(w, "cannot reshape 6 values");
    /* Squeezing a dim of 6. */
    w = tf_test_graph(6);
    tf_writer_node(w, "y", "Squeeze", "x", NULL);
    tf_writer_attr_ints(w, "squeeze_dims", DIMS(1), 1);
    TF_REJECT(w, "cannot squeeze dim 1 of size 6");
}

static void test_concat_pack(void **state) {
    (void)state;
    /* Along axis 1: [[1,2,3,7],[4,5,6,8]]. */
    tf_writer *w = matrix23();
    tf_writer_const(w, "c", F32, DIMS(2, 1), 2, FLOATS(7, 8));
    tf_writer_const(w, "ax", I32, NULL, 0, INTS(1));
    tf_writer_node(w, "y", "ConcatV2", "m", "c", "ax", NULL);
    TF_EXPECT(w, x6, 1, 2, 3, 7, 4, 5, 6, 8);
    /* Along axis -2 (0): m then [9,9,9]. */
    w = matrix23();
    tf_writer_const(w, "c", F32, DIMS(1, 3), 2, FLOATS(9, 9, 9));
    tf_writer_const(w, "ax", I32, NULL, 0, INTS(-2));
    tf_writer_node(w, "y", "ConcatV2", "m", "c", "ax", NULL);
    TF_EXPECT(w, x6, 1, 2, 3, 4, 5, 6, 9, 9, 9);
    /* Pack on axis 1 interleaves: [[1,7],[2,8],[3,9]] for [1,2,3], [7,8,9]. */
    w = tf_test_graph(3);
    tf_writer_const(w, "shape", I32, DIMS(1), 1, INTS(3));
    tf_writer_node(w, "v", "Reshape", "x", "shape", NULL);
    tf_writer_const(w, "c", F32, DIMS(3), 1, FLOATS(7, 8, 9));
    tf_writer_node(w, "y", "Pack", "v", "c", NULL);
    tf_writer_attr_int(w, "axis", 1);
    TF_EXPECT(w, x6, 1, 7, 2, 8, 3, 9);
    /* Scalars have no axis to join on (folded at load time, so this would
     * be written past a one-element buffer if it were let through). */
    w = tf_test_graph(1);
    tf_writer_const(w, "s1", F32, NULL, 0, FLOATS(1));
    tf_writer_const(w, "s2", F32, NULL, 0, FLOATS(2));
    tf_writer_const(w, "ax", I32, NULL, 0, INTS(0));
    tf_writer_node(w, "c", "ConcatV2", "s1", "s2", "ax", NULL);
    tf_writer_node(w, "y", "Add", "x", "c", NULL);
    TF_REJECT(w, "a scalar has no axis 0");
    /* Mismatched off the axis. */
    w = matrix23();
    tf_writer_const(w, "c", F32, DIMS(1, 2), 2, FLOATS(7, 8));
    tf_writer_const(w, "ax", I32, NULL, 0, INTS(1));
    tf_writer_node(w, "y", "ConcatV2", "m", "c", "ax", NULL);
    TF_REJECT(w, "does not match");
}

static tf_writer *sliced(const int32_t *begin, const int32_t *end,
                         const int32_t *strides, int n) {
    tf_writer *w = matrix23();
    tf_writer_const(w, "b", I32, DIMS(n), 1, begin);
    tf_writer_const(w, "e", I32, DIMS(n), 1, end);
    tf_writer_const(w, "s", I32, DIMS(n), 1, strides);
    tf_writer_node(w, "y", "StridedSlice", "m", "b", "e", "s", NULL);
    return w;
}

static void test_strided_slice(void **state) {
    (void)state;
    /* m[:, ::-1] = [[3,2,1],[6,5,4]]: begin and end masked on dim 1. */
    tf_writer *w = sliced(INTS(0, 0), INTS(2, 0), INTS(1, -1), 2);
    tf_writer_attr_int(w, "begin_mask", 2);
    tf_writer_attr_int(w, "end_mask", 2);
    TF_EXPECT(w, x6, 3, 2, 1, 6, 5, 4);
    /* m[1] = [4,5,6] (shrink axis 0). */
    w = sliced(INTS(1), INTS(2), INTS(1), 1);
    tf_writer_attr_int(w, "shrink_axis_mask", 1);
    TF_EXPECT(w, x6, 4, 5, 6);
    /* m[..., 1:] = [[2,3],[5,6]] (ellipsis, then a range). */
    w = sliced(INTS(0, 1), INTS(0, 3), INTS(1, 1), 2);
    tf_writer_attr_int(w, "ellipsis_mask", 1);
    TF_EXPECT(w, x6, 2, 3, 5, 6);
    /* m[-1, ::2] = [4, 6], negative index, with a new axis first. */
    w = sliced(INTS(0, -1, 0), INTS(0, 0, 3), INTS(1, 1, 2), 3);
    tf_writer_attr_int(w, "new_axis_mask", 1);
    tf_writer_attr_int(w, "shrink_axis_mask", 2);
    TF_EXPECT(w, x6, 4, 6);
    /* Out of range index, and a zero stride. */
    w = sliced(INTS(2), INTS(3), INTS(1), 1);
    tf_writer_attr_int(w, "shrink_axis_mask", 1);
    TF_REJECT(w, "index 2 is out of range");
    w = sliced(INTS(0), INTS(1), INTS(0), 1);
    TF_REJECT(w, "a stride is 0");
}

static void test_slice(void **state) {
    (void)state;
    /* m[0:2, 1:] with size -1 = [[2,3],[5,6]]. */
    tf_writer *w = matrix23();
    tf_writer_const(w, "b", I32, DIMS(2), 1, INTS(0, 1));
    tf_writer_const(w, "s", I32, DIMS(2), 1, INTS(2, -1));
    tf_writer_node(w, "y", "Slice", "m", "b", "s", NULL);
    TF_EXPECT(w, x6, 2, 3, 5, 6);
    w = matrix23();
    tf_writer_const(w, "b", I32, DIMS(2), 1, INTS(1, 1));
    tf_writer_const(w, "s", I32, DIMS(2), 1, INTS(2, 1));
    tf_writer_node(w, "y", "Slice", "m", "b", "s", NULL);
    TF_REJECT(w, "outside a dim of 2");
}

/* Shape is known at load time, so Fill(Shape(m), 7) is a constant [2,3]
 * of sevens; adding it to m gives m + 7. */
static void test_shape_fill(void **state) {
    (void)state;
    tf_writer *w = matrix23();
    tf_writer_node(w, "sh", "Shape", "m", NULL);
    tf_writer_const(w, "seven", F32, NULL, 0, FLOATS(7));
    tf_writer_node(w, "f", "Fill", "sh", "seven", NULL);
    tf_writer_node(w, "y", "Add", "m", "f", NULL);
    TF_EXPECT(w, x6, 8, 9, 10, 11, 12, 13);
    /* Shape alone: [2, 3] as int32. */
    w = matrix23();
    tf_writer_node(w, "y", "Shape", "m", NULL);
    TF_EXPECT(w, x6, 2, 3);
    /* An absurd Fill is refused before anything is allocated. */
    w = tf_test_graph(1);
    tf_writer_const(w, "dims", I32, DIMS(2), 1, INTS(1000000, 1000000));
    tf_writer_const(w, "v", F32, NULL, 0, FLOATS(1));
    tf_writer_node(w, "f", "Fill", "dims", "v", NULL);
    tf_writer_node(w, "y", "Add", "x", "f", NULL);
    TF_REJECT(w, "too large");
}

static void reduce(const char *op, const int32_t *axes, int n, int keep,
                   const double *want, int nwant) {
    tf_writer *w = matrix23();
    tf_writer_const(w, "ax", I32, DIMS(n), 1, axes);
    tf_writer_node(w, "y", op, "m", "ax", NULL);
    if (keep) tf_writer_attr_bool(w, "keep_dims", 1);
    ms_error err;
    model *m = tf_test_load(w, &err);
    if (!m) fail_msg("%s: %s", op, err.msg);
    double y[8];
    assert_int_equal(tf_test_eval(m, x6, y, 8, &err), nwant);
    for (int i = 0; i < nwant; i++)
        if (fabs(y[i] - want[i]) > 1e-6)
            fail_msg("%s: output %d is %g, expected %g", op, i, y[i], want[i]);
    model_free(m);
}

static void test_reductions(void **state) {
    (void)state;
    /* m = [[1,2,3],[4,5,6]]. */
    reduce("Sum", INTS(1), 1, 0, (const double[]){6, 15}, 2);
    reduce("Sum", INTS(-1), 1, 1, (const double[]){6, 15}, 2);
    reduce("Mean", INTS(0), 1, 0, (const double[]){2.5, 3.5, 4.5}, 3);
    reduce("Max", INTS(1), 1, 1, (const double[]){3, 6}, 2);
    reduce("Min", INTS(0, 1), 2, 0, (const double[]){1}, 1);
    reduce("Prod", INTS(1), 1, 0, (const double[]){6, 120}, 2);
    /* An axis past the rank. */
    tf_writer *w = matrix23();
    tf_writer_const(w, "ax", I32, NULL, 0, INTS(2));
    tf_writer_node(w, "y", "Sum", "m", "ax", NULL);
    TF_REJECT(w, "axis 2 is out of range for rank 2");
}

/* [[3,1,2],[0,5,5]]: ArgMax on axis 1 is [0,1] (a tie goes to the first);
 * ArgMin on axis 0 is [1,0,0]. */
static void test_arg(void **state) {
    (void)state;
    static const double x[] = {3, 1, 2, 0, 5, 5};
    tf_writer *w = matrix23();
    tf_writer_const(w, "ax", I32, NULL, 0, INTS(1));
    tf_writer_node(w, "y", "ArgMax", "m", "ax", NULL);
    TF_EXPECT(w, x, 0, 1);
    w = matrix23();
    tf_writer_const(w, "ax", I64, NULL, 0, (const int64_t[]){0});
    tf_writer_node(w, "y", "ArgMin", "m", "ax", NULL);
    tf_writer_attr_type(w, "output_type", I32);
    TF_EXPECT(w, x, 1, 0, 0);
}

/* Empty tensors flow like any other: x[:, 0:0] is [1,0]; joined to x it
 * gives x back; its sum along the empty axis is [0]. A [1] operand
 * broadcasts like a scalar. */
static void test_edge_shapes(void **state) {
    (void)state;
    static const double x[] = {1, 2, 3};
    tf_writer *w = tf_test_graph(3);
    tf_writer_const(w, "b", I32, DIMS(2), 1, INTS(0, 0));
    tf_writer_const(w, "s", I32, DIMS(2), 1, INTS(1, 0));
    tf_writer_node(w, "empty", "Slice", "x", "b", "s", NULL);
    tf_writer_const(w, "ax", I32, NULL, 0, INTS(1));
    tf_writer_node(w, "y", "ConcatV2", "empty", "x", "ax", NULL);
    TF_EXPECT(w, x, 1, 2, 3);
    w = tf_test_graph(3);
    tf_writer_const(w, "b", I32, DIMS(2), 1, INTS(0, 0));
    tf_writer_const(w, "s", I32, DIMS(2), 1, INTS(1, 0));
    tf_writer_node(w, "empty", "Slice", "x", "b", "s", NULL);
    tf_writer_const(w, "ax", I32, NULL, 0, INTS(1));
    tf_writer_node(w, "sum", "Sum", "empty", "ax", NULL);
    tf_writer_node(w, "y", "Add", "sum", "x", NULL);   /* [0] + x */
    TF_EXPECT(w, x, 1, 2, 3);
    w = tf_test_graph(3);
    tf_writer_const(w, "one", F32, DIMS(1), 1, FLOATS(0.5));
    tf_writer_node(w, "y", "Mul", "x", "one", NULL);
    TF_EXPECT(w, x, 0.5, 1, 1.5);
}

/* Not fed, a PlaceholderWithDefault is its default. */
static void test_placeholder_with_default(void **state) {
    (void)state;
    static const double x[] = {1, 2};
    tf_writer *w = tf_test_graph(2);
    tf_writer_const(w, "d", F32, DIMS(1, 2), 2, FLOATS(10, 20));
    tf_writer_node(w, "p", "PlaceholderWithDefault", "d", NULL);
    tf_writer_attr_type(w, "dtype", F32);
    tf_writer_node(w, "y", "Add", "x", "p", NULL);
    TF_EXPECT(w, x, 11, 22);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reshape_transpose),
        cmocka_unit_test(test_concat_pack),
        cmocka_unit_test(test_strided_slice),
        cmocka_unit_test(test_slice),
        cmocka_unit_test(test_shape_fill),
        cmocka_unit_test(test_reductions),
        cmocka_unit_test(test_arg),
        cmocka_unit_test(test_edge_shapes),
        cmocka_unit_test(test_placeholder_with_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
