/*
 * tf_ops_elementwise.c - ops that compute each output element from the
 * elements at the same place in their inputs: unary math (Relu ... Abs),
 * binary math with NumPy broadcasting (Add ... SquaredDifference), Select
 * and SelectV2, and Cast.
 *
 * float32 is computed in double and rounded once to float32, which is what
 * TensorFlow's single-rounding float kernels give for + - * / and sqrt, and
 * at least as close for the rest. Integer math wraps (through unsigned
 * arithmetic) instead of overflowing, so no input can reach undefined
 * behaviour.
 */
#include <math.h>
#include <string.h>

#include "tf/tf_internal.h"

static double get_f(const void *p, tf_dtype t, int64_t i) {
    switch (t) {
    case TF_FLOAT: return ((const float *)p)[i];
    case TF_INT32: return ((const int32_t *)p)[i];
    case TF_INT64: return (double)((const int64_t *)p)[i];
    case TF_BOOL: return ((const uint8_t *)p)[i] != 0;
    }
    return 0;
}

static int64_t get_i(const void *p, tf_dtype t, int64_t i) {
    switch (t) {
    case TF_INT32: return ((const int32_t *)p)[i];
    case TF_INT64: return ((const int64_t *)p)[i];
    case TF_BOOL: return ((const uint8_t *)p)[i] != 0;
    case TF_FLOAT: {
        double v = ((const float *)p)[i];
        if (isnan(v)) return 0;
        if (v >= 9.2233720368547758e18) return INT64_MAX;
        if (v <= -9.2233720368547758e18) return INT64_MIN;
        return (int64_t)v;
    }
    }
    return 0;
}

/* Stores an integer result, wrapping to 32 bits for int32. */
static void put_i(void *p, tf_dtype t, int64_t i, int64_t v) {
    if (t == TF_INT32) ((int32_t *)p)[i] = (int32_t)(uint32_t)(uint64_t)v;
    else if (t == TF_INT64) ((int64_t *)p)[i] = v;
    else ((uint8_t *)p)[i] = v != 0;
}

/* ---- Unary ------------------------------------------------------------- */

enum { U_RELU, U_RELU6, U_ELU, U_SELU, U_LEAKY, U_SIGMOID, U_TANH,
       U_SOFTPLUS, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_SQUARE, U_NEG, U_ABS };

static double unary(int code, double x, double alpha) {
    /* SELU's constants, from Klambauer et al. (2017), as TensorFlow uses. */
    static const double selu_scale = 1.0507009873554804934193349852946;
    static const double selu_alpha = 1.6732632423543772848170429916717;
    switch (code) {
    case U_RELU: return x > 0 ? x : 0;
    case U_RELU6: return x > 0 ? (x < 6 ? x : 6) : 0;
    case U_ELU: return x < 0 ? expm1(x) : x;
    case U_SELU: return x < 0 ? selu_scale * selu_alpha * expm1(x)
                              : selu_scale * x;
    case U_LEAKY: return x < 0 ? alpha * x : x;
    case U_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case U_TANH: return tanh(x);
    case U_SOFTPLUS: return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
    case U_EXP: return exp(x);
    case U_LOG: return log(x);
    case U_SQRT: return sqrt(x);
    case U_RSQRT: return 1.0 / sqrt(x);
    case U_SQUARE: return x * x;
    case U_NEG: return -x;
    default: return fabs(x);
    }
}

static void run_unary(const tf_step *s, const void *const *in,
                      void *const *out) {
    const tf_value *v = s->vin[0];
    int code = s->p.code;
    if (v->dtype == TF_FLOAT) {
        const float *x = in[0];
        float *y = out[0];
        /* The activations of dense layers get loops of their own. */
        if (code == U_RELU) {
            for (int64_t i = 0; i < v->count; i++) y[i] = x[i] > 0 ? x[i] : 0;
            return;
        }
        for (int64_t i = 0; i < v->count; i++)
            y[i] = (float)unary(code, x[i], s->p.f[0]);
        return;
    }
    for (int64_t i = 0; i < v->count; i++) {
        uint64_t x = (uint64_t)get_i(in[0], v->dtype, i);
        int64_t r = code == U_NEG      ? (int64_t)(0 - x)
                    : code == U_SQUARE ? (int64_t)(x * x)
                    : (int64_t)x < 0   ? (int64_t)(0 - x)
                                       : (int64_t)x;
        put_i(out[0], v->dtype, i, r);
    }
}

static int prepare_unary(tf_build *b, int code) {
    const tf_value *x = b->in[0];
    int int_ok = code == U_NEG || code == U_SQUARE || code == U_ABS;
    if (x->dtype != TF_FLOAT &&
        !(int_ok && (x->dtype == TF_INT32 || x->dtype == TF_INT64)))
        return ms_error_set(b->err, "the input is %s, expected float32",
                            tf_dtype_name(x->dtype));
    b->step->p.code = code;
    if (code == U_LEAKY &&
        tf_attr_float(b->def, "alpha", 0.2, &b->step->p.f[0], b->err) < 0)
        return -1;
    b->out[0]->dtype = x->dtype;
    b->step->run = run_unary;
    return tf_set_shape(b->out[0], x->shape.dim, x->shape.rank, b->err);
}

#define UNARY(fn, code) \
    static int fn(tf_build *b) { return prepare_unary(b, code); }
UNARY(prep_relu, U_RELU)
UNARY(prep_relu6, U_RELU6)
UNARY(prep_elu, U_ELU)
UNARY(prep_selu, U_SELU)
UNARY(prep_leaky, U_LEAKY)
UNARY(prep_sigmoid, U_SIGMOID)
UNARY(prep_tanh, U_TANH)
UNARY(prep_softplus, U_SOFTPLUS)
UNARY(prep_exp, U_EXP)
UNARY(prep_log, U_LOG)
UNARY(prep_sqrt, U_SQRT)
UNARY(prep_rsqrt, U_RSQRT)
UNARY(prep_square, U_SQUARE)
UNARY(prep_neg, U_NEG)
UNARY(prep_abs, U_ABS)

/* ---- Binary ------------------------------------------------------------ */

enum { B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_POW, B_SQDIFF };

static double binary_f(int code, double a, double b) {
    switch (code) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    case B_MAX: return isnan(a) || a > b ? a : b;
    case B_MIN: return isnan(a) || a < b ? a : b;
    case B_POW: return pow(a, b);
    default: return (a - b) * (a - b);
    }
}

static int64_t binary_i(int code, int64_t a, int64_t b) {
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    switch (code) {
    case B_ADD: return (int64_t)(ua + ub);
    case B_SUB: return (int64_t)(ua - ub);
    case B_MUL: return (int64_t)(ua * ub);
    case B_MAX: return a > b ? a : b;
    case B_MIN: return a < b ? a : b;
    default: return (int64_t)((ua - ub) * (ua - ub));
    }
}

/* p.n[0]: 1 when both operands have the output's shape (a flat loop);
 * p.a[0], p.a[1]: operand strides otherwise. */
static void run_binary(const tf_step *s, const void *const *in,
                       void *const *out) {
    const tf_value *o = s->vout[0];
    int code = s->p.code;
    if (o->dtype == TF_FLOAT) {
        const float *x = in[0], *y = in[1];
        float *z = out[0];
        if (s->p.n[0]) {
            for (int64_t i = 0; i < o->count; i++)
                z[i] = (float)binary_f(code, x[i], y[i]);
            return;
        }
        tf_walk w;
        tf_walk_init(&w, &o->shape, 2, (const int64_t (*)[TF_MAX_RANK])s->p.a);
        for (int64_t i = 0; i < o->count; i++, tf_walk_next(&w))
            z[i] = (float)binary_f(code, x[w.off[0]], y[w.off[1]]);
        return;
    }
    tf_walk w;
    tf_walk_init(&w, &o->shape, 2, (const int64_t (*)[TF_MAX_RANK])s->p.a);
    for (int64_t i = 0; i < o->count; i++, tf_walk_next(&w))
        put_i(out[0], o->dtype, i,
              binary_i(code, get_i(in[0], o->dtype, w.off[0]),
                       get_i(in[1], o->dtype, w.off[1])));
}

static int prepare_binary(tf_build *b, int code) {
    const tf_value *x = b->in[0], *y = b->in[1];
    if (x->dtype != y->dtype)
        return ms_error_set(b->err, "the inputs are %s and %s; they must "
                                    "have one dtype", tf_dtype_name(x->dtype),
                            tf_dtype_name(y->dtype));
    int float_only = code == B_DIV || code == B_POW;
    if (x->dtype == TF_BOOL || (float_only && x->dtype != TF_FLOAT))
        return ms_error_set(b->err, "the inputs are %s, which this op does "
                                    "not compute in", tf_dtype_name(x->dtype));
    const tf_shape *shapes[2] = {&x->shape, &y->shape};
    tf_shape os;
    if (tf_broadcast(shapes, 2, &os, b->step->p.a, b->err) < 0) return -1;
    b->out[0]->dtype = x->dtype;
    if (tf_set_shape(b->out[0], os.dim, os.rank, b->err) < 0) return -1;
    b->step->p.code = code;
    b->step->p.n[0] = x->count == b->out[0]->count &&
                      y->count == b->out[0]->count;
    b->step->run = run_binary;
    return 0;
}

#define BINARY(fn, code) \
    static int fn(tf_build *b) { return prepare_binary(b, code); }
BINARY(prep_add, B_ADD)
BINARY(prep_sub, B_SUB)
BINARY(prep_mul, B_MUL)
BINARY(prep_div, B_DIV)
BINARY(prep_max, B_MAX)
BINARY(prep_min, B_MIN)
BINARY(prep_pow, B_POW)
BINARY(prep_sqdiff, B_SQDIFF)

/* ---- Select ------------------------------------------------------------ */

/* p.a[0..2]: strides of condition, then-values and else-values. */
static void run_select(const tf_step *s, const void *const *in,
                       void *const *out) {
    const tf_value *o = s->vout[0];
    size_t es = tf_dtype_size(o->dtype);
    const uint8_t *c = in[0];
    tf_walk w;
    tf_walk_init(&w, &o->shape, 3, (const int64_t (*)[TF_MAX_RANK])s->p.a);
    for (int64_t i = 0; i < o->count; i++, tf_walk_next(&w)) {
        const char *src = c[w.off[0]] ? (const char *)in[1] + w.off[1] * es
                                      : (const char *)in[2] + w.off[2] * es;
        memcpy((char *)out[0] + i * es, src, es);
    }
}

static int select_common(tf_build *b) {
    if (tf_need_dtype(b->in[0], "the condition", TF_BOOL, b->err) < 0)
        return -1;
    if (b->in[1]->dtype != b->in[2]->dtype)
        return ms_error_set(b->err, "the two branches are %s and %s",
                            tf_dtype_name(b->in[1]->dtype),
                            tf_dtype_name(b->in[2]->dtype));
    b->out[0]->dtype = b->in[1]->dtype;
    b->step->run = run_select;
    return 0;
}

/* SelectV2 broadcasts all three. */
static int prepare_select_v2(tf_build *b) {
    const tf_shape *shapes[3] = {&b->in[0]->shape, &b->in[1]->shape,
                                 &b->in[2]->shape};
    tf_shape os;
    if (select_common(b) < 0 ||
        tf_broadcast(shapes, 3, &os, b->step->p.a, b->err) < 0)
        return -1;
    return tf_set_shape(b->out[0], os.dim, os.rank, b->err);
}

/* Select: branches of one shape; the condition has it too, or is a vector
 * choosing whole rows. */
static int prepare_select(tf_build *b) {
    const tf_shape *c = &b->in[0]->shape, *t = &b->in[1]->shape;
    if (select_common(b) < 0) return -1;
    if (!tf_shape_equal(t, &b->in[2]->shape))
        return ms_error_set(b->err, "the two branches differ in shape");
    int rows = c->rank == 1 && t->rank > 1 && c->dim[0] == t->dim[0];
    if (!rows && !tf_shape_equal(c, t))
        return ms_error_set(b->err, "the condition's shape fits neither the "
                                    "branches nor their rows");
    tf_strides(t, b->step->p.a[1]);
    tf_strides(t, b->step->p.a[2]);
    if (rows) {
        memset(b->step->p.a[0], 0, sizeof b->step->p.a[0]);
        b->step->p.a[0][0] = 1;
    } else {
        tf_strides(t, b->step->p.a[0]);
    }
    return tf_set_shape(b->out[0], t->dim, t->rank, b->err);
}

/* ---- Cast -------------------------------------------------------------- */

static void run_cast(const tf_step *s, const void *const *in,
                     void *const *out) {
    const tf_value *x = s->vin[0];
    tf_dtype to = s->vout[0]->dtype;
    for (int64_t i = 0; i < x->count; i++) {
        if (to == TF_FLOAT) ((float *)out[0])[i] = (float)get_f(in[0], x->dtype, i);
        else if (to == TF_BOOL) ((uint8_t *)out[0])[i] = get_f(in[0], x->dtype, i) != 0;
        else put_i(out[0], to, i, get_i(in[0], x->dtype, i));
    }
}

static int prepare_cast(tf_build *b) {
    int src, dst;
    tf_dtype to;
    if (tf_attr_type(b->def, "SrcT", b->in[0]->dtype, &src, b->err) < 0 ||
        tf_attr_type(b->def, "DstT", TF_FLOAT, &dst, b->err) < 0 ||
        tf_dtype_check(dst, &to, b->err) < 0)
        return -1;
    if (src != (int)b->in[0]->dtype)
        return ms_error_set(b->err, "SrcT is %s but the input is %s",
                            tf_dtype_name(src), tf_dtype_name(b->in[0]->dtype));
    b->out[0]->dtype = to;
    b->step->run = run_cast;
    return tf_set_shape(b->out[0], b->in[0]->shape.dim, b->in[0]->shape.rank,
                        b->err);
}

const tf_op tf_ops_elementwise[] = {
    {"Relu", 1, 1, prep_relu},         {"Relu6", 1, 1, prep_relu6},
    {"Elu", 1, 1, prep_elu},           {"Selu", 1, 1, prep_selu},
    {"LeakyRelu", 1, 1, prep_leaky},   {"Sigmoid", 1, 1, prep_sigmoid},
    {"Tanh", 1, 1, prep_tanh},         {"Softplus", 1, 1, prep_softplus},
    {"Exp", 1, 1, prep_exp},           {"Log", 1, 1, prep_log},
    {"Sqrt", 1, 1, prep_sqrt},         {"Rsqrt", 1, 1, prep_rsqrt},
    {"Square", 1, 1, prep_square},     {"Neg", 1, 1, prep_neg},
    {"Abs", 1, 1, prep_abs},
    {"Add", 2, 1, prep_add},           {"AddV2", 2, 1, prep_add},
    {"Sub", 2, 1, prep_sub},           {"Mul", 2, 1, prep_mul},
    {"RealDiv", 2, 1, prep_div},       {"Maximum", 2, 1, prep_max},
    {"Minimum", 2, 1, prep_min},       {"Pow", 2, 1, prep_pow},
    {"SquaredDifference", 2, 1, prep_sqdiff},
    {"Select", 3, 1, prepare_select},  {"SelectV2", 3, 1, prepare_select_v2},
    {"Cast", 1, 1, prepare_cast},
    {NULL, 0, 0, NULL},
};
