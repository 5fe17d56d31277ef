/*
 * tf_ops_matrix.c - the ops of dense layers: MatMul, BatchMatMul(V2),
 * BiasAdd, Softmax, LogSoftmax and FusedBatchNorm(V3) in inference mode.
 *
 * Dot products and softmax sums accumulate in double and round once to
 * float32: no worse than TensorFlow's float accumulation, and close to the
 * float64 reference the tests compare with.
 */
#include <math.h>
#include <string.h>

#include "tf/tf_internal.h"

/* ---- MatMul ------------------------------------------------------------ */

/* One [m,k] x [k,n] product with element strides: p.n[0..2] = m, k, n;
 * p.b[0..3] = a's row and inner strides, b's inner and column strides. */
static void matmul(const tf_params *p, const float *a, const float *b,
                   float *c) {
    int64_t m = p->n[0], k = p->n[1], n = p->n[2];
    int64_t ai = p->b[0], ap = p->b[1], bp = p->b[2], bj = p->b[3];
    for (int64_t i = 0; i < m; i++) {
        const float *arow = a + i * ai;
        int64_t j = 0;
        /* Four columns at a time in registers when b's rows are
         * contiguous (no transpose), the dense layer's case. */
        for (; bj == 1 && j + 4 <= n; j += 4) {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (int64_t q = 0; q < k; q++) {
                double av = arow[q * ap];
                const float *r = b + q * bp + j;
                s0 += av * r[0];
                s1 += av * r[1];
                s2 += av * r[2];
                s3 += av * r[3];
            }
            c[i * n + j] = (float)s0;
            c[i * n + j + 1] = (float)s1;
            c[i * n + j + 2] = (float)s2;
            c[i * n + j + 3] = (float)s3;
        }
        for (; j < n; j++) {
            double acc = 0;
            for (int64_t q = 0; q < k; q++)
                acc += (double)arow[q * ap] * b[q * bp + j * bj];
            c[i * n + j] = (float)acc;
        }
    }
}

/* p.a[0], p.a[1]: a's and b's strides over the batch dims (in matrices'
 * elements), p.n[3] the batch rank. */
static void run_matmul(const tf_step *s, const void *const *in,
                       void *const *out) {
    const tf_value *o = s->vout[0];
    int64_t mat = s->p.n[0] * s->p.n[2];
    tf_shape batch = {.rank = (int)s->p.n[3]};
    memcpy(batch.dim, o->shape.dim, (size_t)batch.rank * sizeof *batch.dim);
    int64_t nb = mat ? o->count / mat : 0;
    tf_walk w;
    tf_walk_init(&w, &batch, 2, (const int64_t (*)[TF_MAX_RANK])s->p.a);
    for (int64_t i = 0; i < nb; i++, tf_walk_next(&w))
        matmul(&s->p, (const float *)in[0] + w.off[0],
               (const float *)in[1] + w.off[1], (float *)out[0] + i * mat);
}

/* Shared by MatMul (rank 2) and BatchMatMul: ta/tb transpose the last two
 * dims; broadcast lets the batch dims broadcast (V2). */
static int prepare_products(tf_build *b, const char *ta_key,
                            const char *tb_key, int batched, int broadcast) {
    const tf_value *x = b->in[0], *y = b->in[1];
    int ta, tb;
    if (tf_need_float(x, "the first input", b->err) < 0 ||
        tf_need_float(y, "the second input", b->err) < 0 ||
        tf_attr_bool(b->def, ta_key, 0, &ta, b->err) < 0 ||
        tf_attr_bool(b->def, tb_key, 0, &tb, b->err) < 0)
        return -1;
    int rx = x->shape.rank, ry = y->shape.rank;
    if (rx < 2 || ry < 2 || (!batched && (rx != 2 || ry != 2)) ||
        (!broadcast && rx != ry))
        return ms_error_set(b->err, "the inputs have ranks %d and %d", rx, ry);
    int64_t m = x->shape.dim[rx - (ta ? 1 : 2)];
    int64_t k = x->shape.dim[rx - (ta ? 2 : 1)];
    int64_t k2 = y->shape.dim[ry - (tb ? 1 : 2)];
    int64_t n = y->shape.dim[ry - (tb ? 2 : 1)];
    if (k != k2) {
        char s1[128], s2[128];
        return ms_error_set(b->err, "cannot multiply %s by %s",
                            tf_shape_str(&x->shape, s1, sizeof s1),
                            tf_shape_str(&y->shape, s2, sizeof s2));
    }
    tf_params *p = &b->step->p;
    p->n[0] = m, p->n[1] = k, p->n[2] = n;
    p->b[0] = ta ? 1 : k, p->b[1] = ta ? m : 1;
    p->b[2] = tb ? 1 : n, p->b[3] = tb ? k : 1;
    /* Batch dims: broadcast them as shapes, then scale to matrices. */
    tf_shape bx = {.rank = rx - 2}, by = {.rank = ry - 2}, bo;
    memcpy(bx.dim, x->shape.dim, (size_t)bx.rank * sizeof *bx.dim);
    memcpy(by.dim, y->shape.dim, (size_t)by.rank * sizeof *by.dim);
    const tf_shape *shapes[2] = {&bx, &by};
    if (tf_broadcast(shapes, 2, &bo, p->a, b->err) < 0) return -1;
    if (!broadcast && !tf_shape_equal(&bx, &by))
        return ms_error_set(b->err, "the batch dims differ");
    for (int d = 0; d < bo.rank; d++) {
        p->a[0][d] *= m * k;
        p->a[1][d] *= k * n;
    }
    p->n[3] = bo.rank;
    /* Bound the work of one product (run per record, or once when folded
     * at load): a hostile graph must not stall the loader for hours. */
    double batches = 1;
    for (int d = 0; d < bo.rank; d++) batches *= (double)bo.dim[d];
    if (batches * (double)m * (double)k * (double)n > 0x1p32)
        return ms_error_set(b->err, "the product needs more than 2^32 "
                                    "multiply-adds");
    bo.dim[bo.rank] = m;
    bo.dim[bo.rank + 1] = n;
    b->out[0]->dtype = TF_FLOAT;
    b->step->run = run_matmul;
    return tf_set_shape(b->out[0], bo.dim, bo.rank + 2, b->err);
}

static int prepare_matmul(tf_build *b) {
    return prepare_products(b, "transpose_a", "transpose_b", 0, 0);
}

static int prepare_batch_matmul(tf_build *b) {
    return prepare_products(b, "adj_x", "adj_y", 1, 0);
}

static int prepare_batch_matmul_v2(tf_build *b) {
    return prepare_products(b, "adj_x", "adj_y", 1, 1);
}

/* ---- Per-channel ops --------------------------------------------------- */

/* The channel of element i: p.n[0] channels, p.n[1] elements per channel
 * run (1 for NHWC, H*W for NCHW). */
static inline int64_t channel(const tf_params *p, int64_t i) {
    return (i / p->n[1]) % p->n[0];
}

/* Sets p.n[0..1] from the data format; the channel dim is the last one
 * (NHWC) or the second (NCHW). */
static int channels(tf_build *b, const tf_value *x, int64_t c) {
    char buf[16];
    const char *fmt = tf_attr_str(b->def, "data_format", "NHWC", buf,
                                  sizeof buf);
    int nchw = strncmp(fmt, "NC", 2) == 0;
    int rank = x->shape.rank;
    if (rank < (nchw ? 3 : 1))
        return ms_error_set(b->err, "the input's rank %d has no channels",
                            rank);
    int cd = nchw ? 1 : rank - 1;
    if (x->shape.dim[cd] != c)
        return ms_error_set(b->err, "the input has %lld channels, the "
                                    "per-channel values %lld",
                            (long long)x->shape.dim[cd], (long long)c);
    int64_t inner = 1;
    for (int d = cd + 1; d < rank; d++) inner *= x->shape.dim[d];
    b->step->p.n[0] = c;
    b->step->p.n[1] = inner;
    b->out[0]->dtype = TF_FLOAT;
    return tf_set_shape(b->out[0], x->shape.dim, rank, b->err);
}

static void run_bias_add(const tf_step *s, const void *const *in,
                         void *const *out) {
    const float *x = in[0], *bias = in[1];
    float *y = out[0];
    int64_t n = s->vout[0]->count;
    if (s->p.n[1] == 1) {
        int64_t c = s->p.n[0];
        for (int64_t i = 0; i < n; i += c)
            for (int64_t j = 0; j < c; j++) y[i + j] = x[i + j] + bias[j];
        return;
    }
    for (int64_t i = 0; i < n; i++) y[i] = x[i] + bias[channel(&s->p, i)];
}

static int prepare_bias_add(tf_build *b) {
    if (tf_need_float(b->in[0], "the value", b->err) < 0 ||
        tf_need_float(b->in[1], "the bias", b->err) < 0)
        return -1;
    if (b->in[1]->shape.rank != 1)
        return ms_error_set(b->err, "the bias must be a vector");
    b->step->run = run_bias_add;
    return channels(b, b->in[0], b->in[1]->shape.dim[0]);
}

/* Inputs x, scale, offset, mean, variance; p.f[0] = epsilon. The other
 * outputs are what inference mode returns: the mean and variance given. */
static void run_batch_norm(const tf_step *s, const void *const *in,
                           void *const *out) {
    const float *x = in[0], *scale = in[1], *offset = in[2], *mean = in[3],
                *var = in[4];
    float *y = out[0];
    for (int64_t i = 0; i < s->vout[0]->count; i++) {
        int64_t c = channel(&s->p, i);
        y[i] = (float)(((double)x[i] - mean[c]) /
                           sqrt((double)var[c] + s->p.f[0]) * scale[c] +
                       offset[c]);
    }
    size_t cb = (size_t)s->p.n[0] * sizeof(float);
    for (int k = 1; k < 5 && k < s->nout; k++)
        memcpy(out[k], k % 2 ? mean : var, cb);
}

static int prepare_batch_norm(tf_build *b) {
    int training;
    if (tf_attr_bool(b->def, "is_training", 1, &training, b->err) < 0 ||
        tf_attr_float(b->def, "epsilon", 1e-4, &b->step->p.f[0], b->err) < 0)
        return -1;
    if (training)
        return ms_error_set(b->err, "is_training (batch statistics) is not "
                                    "supported; export the graph for "
                                    "inference");
    static const char *const names[] = {"x", "scale", "offset", "mean",
                                        "variance"};
    for (int k = 0; k < 5; k++)
        if (tf_need_float(b->in[k], names[k], b->err) < 0) return -1;
    int64_t c = b->in[1]->count;
    for (int k = 1; k < 5; k++)
        if (b->in[k]->shape.rank != 1 || b->in[k]->count != c)
            return ms_error_set(b->err, "%s must be a vector of %lld",
                                names[k], (long long)c);
    if (channels(b, b->in[0], c) < 0) return -1;
    for (int k = 1; k < b->nout; k++) {
        int64_t dim = k < 5 ? c : 0;
        b->out[k]->dtype = TF_FLOAT;
        if (tf_set_shape(b->out[k], &dim, 1, b->err) < 0) return -1;
    }
    b->step->run = run_batch_norm;
    return 0;
}

/* ---- Softmax ----------------------------------------------------------- */

/* Over the last dim: p.n[0] its size; p.code 1 for the log. */
static void run_softmax(const tf_step *s, const void *const *in,
                        void *const *out) {
    const float *x = in[0];
    float *y = out[0];
    int64_t n = s->p.n[0], count = s->vout[0]->count;
    for (int64_t r = 0; n && r < count; r += n) {
        double mx = -INFINITY, sum = 0;
        for (int64_t j = 0; j < n; j++)
            if (x[r + j] > mx) mx = x[r + j];
        for (int64_t j = 0; j < n; j++) sum += exp(x[r + j] - mx);
        for (int64_t j = 0; j < n; j++)
            y[r + j] = (float)(s->p.code ? x[r + j] - mx - log(sum)
                                         : exp(x[r + j] - mx) / sum);
    }
}

static int prepare_softmax_kind(tf_build *b, int log_kind) {
    const tf_value *x = b->in[0];
    if (tf_need_float(x, "the logits", b->err) < 0) return -1;
    if (x->shape.rank < 1)
        return ms_error_set(b->err, "the logits must have at least one dim");
    b->step->p.n[0] = x->shape.dim[x->shape.rank - 1];
    b->step->p.code = log_kind;
    b->step->run = run_softmax;
    b->out[0]->dtype = TF_FLOAT;
    return tf_set_shape(b->out[0], x->shape.dim, x->shape.rank, b->err);
}

static int prepare_softmax(tf_build *b) { return prepare_softmax_kind(b, 0); }
static int prepare_log_softmax(tf_build *b) {
    return prepare_softmax_kind(b, 1);
}

const tf_op tf_ops_matrix[] = {
    {"MatMul", 2, 1, prepare_matmul},
    {"BatchMatMul", 2, 1, prepare_batch_matmul},
    {"BatchMatMulV2", 2, 1, prepare_batch_matmul_v2},
    {"BiasAdd", 2, 1, prepare_bias_add},
    {"BiasAddV1", 2, 1, prepare_bias_add},
    {"FusedBatchNorm", 5, 5, prepare_batch_norm},
    {"FusedBatchNormV3", 5, 6, prepare_batch_norm},
    {"Softmax", 1, 1, prepare_softmax},
    {"LogSoftmax", 1, 1, prepare_log_softmax},
    {NULL, 0, 0, NULL},
};
