/*
 * tf_ops_reduce.c - reductions over constant axes (Sum, Mean, Prod, Max,
 * Min, with keep_dims) and ArgMax/ArgMin along one axis.
 *
 * A reduction walks the kept dims of the output and, for each output
 * element, the reduced dims of the input, both by strides fixed at load
 * time; float sums accumulate in double.
 */
#include <math.h>
#include <string.h>

#include "tf/tf_internal.h"

enum { R_SUM, R_MEAN, R_PROD, R_MAX, R_MIN };

/* p.a[0]: input strides of the kept dims, over the shape p.n[0] (rank) and
 * p.a[2] (dims); p.a[1]: input strides of the reduced dims, over p.n[1]
 * (rank) and p.b (dims); p.n[2] the reduced element count. */
static double reduce_f(int code, const float *x, const tf_params *p) {
    tf_shape rs = {.rank = (int)p->n[1]};
    memcpy(rs.dim, p->b, sizeof rs.dim);
    tf_walk w;
    tf_walk_init(&w, &rs, 1, (const int64_t (*)[TF_MAX_RANK])&p->a[1]);
    double acc = code == R_PROD ? 1 : code == R_MAX ? -INFINITY
                                  : code == R_MIN ? INFINITY : 0;
    for (int64_t i = 0; i < p->n[2]; i++, tf_walk_next(&w)) {
        double v = x[w.off[0]];
        switch (code) {
        case R_PROD: acc *= v; break;
        case R_MAX: if (v > acc || isnan(v)) acc = v; break;
        case R_MIN: if (v < acc || isnan(v)) acc = v; break;
        default: acc += v;
        }
    }
    return code == R_MEAN ? acc / (double)p->n[2] : acc;
}

static int64_t get_int(const void *x, tf_dtype t, int64_t i) {
    return t == TF_INT32 ? ((const int32_t *)x)[i] : ((const int64_t *)x)[i];
}

static int64_t reduce_i(int code, const void *x, tf_dtype t,
                        const tf_params *p) {
    tf_shape rs = {.rank = (int)p->n[1]};
    memcpy(rs.dim, p->b, sizeof rs.dim);
    tf_walk w;
    tf_walk_init(&w, &rs, 1, (const int64_t (*)[TF_MAX_RANK])&p->a[1]);
    uint64_t acc = code == R_PROD ? 1 : 0;
    int64_t best = code == R_MAX ? INT64_MIN : INT64_MAX;
    for (int64_t i = 0; i < p->n[2]; i++, tf_walk_next(&w)) {
        int64_t v = get_int(x, t, w.off[0]);
        if (code == R_PROD) acc *= (uint64_t)v;
        else if (code == R_MAX) best = v > best ? v : best;
        else if (code == R_MIN) best = v < best ? v : best;
        else acc += (uint64_t)v;
    }
    if (code == R_MAX || code == R_MIN) return best;
    if (code == R_MEAN) return p->n[2] ? (int64_t)acc / p->n[2] : 0;
    return (int64_t)acc;
}

static void run_reduce(const tf_step *s, const void *const *in,
                       void *const *out) {
    tf_dtype t = s->vin[0]->dtype;
    tf_shape ks = {.rank = (int)s->p.n[0]};
    memcpy(ks.dim, s->p.a[2], sizeof ks.dim);
    tf_walk w;
    tf_walk_init(&w, &ks, 1, (const int64_t (*)[TF_MAX_RANK])&s->p.a[0]);
    for (int64_t i = 0; i < s->vout[0]->count; i++, tf_walk_next(&w)) {
        if (t == TF_FLOAT) {
            ((float *)out[0])[i] = (float)reduce_f(
                s->p.code, (const float *)in[0] + w.off[0], &s->p);
        } else {
            size_t es = tf_dtype_size(t);
            int64_t v = reduce_i(s->p.code,
                                 (const char *)in[0] + (size_t)w.off[0] * es,
                                 t, &s->p);
            if (t == TF_INT32) ((int32_t *)out[0])[i] = (int32_t)(uint32_t)v;
            else ((int64_t *)out[0])[i] = v;
        }
    }
}

static int prepare_reduce(tf_build *b, int code) {
    const tf_value *x = b->in[0];
    const tf_shape *s = &x->shape;
    int64_t axes[TF_MAX_RANK], st[TF_MAX_RANK], dims[TF_MAX_RANK];
    int nax, keep;
    if (x->dtype == TF_BOOL)
        return ms_error_set(b->err, "cannot reduce bool values");
    if (tf_const_ints(b->in[1], "the axes", axes, TF_MAX_RANK, &nax,
                      b->err) < 0 ||
        tf_attr_bool(b->def, "keep_dims", 0, &keep, b->err) < 0)
        return -1;
    char red[TF_MAX_RANK] = {0};
    for (int i = 0; i < nax; i++) {
        int64_t ax;
        if (tf_axis(axes[i], s->rank, &ax, b->err) < 0) return -1;
        red[ax] = 1;
    }
    tf_params *p = &b->step->p;
    tf_strides(s, st);
    int rank = 0;
    p->n[0] = p->n[1] = 0;
    p->n[2] = 1;
    for (int d = 0; d < s->rank; d++) {
        if (red[d]) {
            p->a[1][p->n[1]] = st[d];
            p->b[p->n[1]++] = s->dim[d];
            p->n[2] *= s->dim[d];
            if (keep) dims[rank++] = 1;
        } else {
            p->a[0][p->n[0]] = st[d];
            p->a[2][p->n[0]++] = s->dim[d];
            dims[rank++] = s->dim[d];
        }
    }
    p->code = code;
    b->out[0]->dtype = x->dtype;
    b->step->run = run_reduce;
    return tf_set_shape(b->out[0], dims, rank, b->err);
}

static int prep_sum(tf_build *b) { return prepare_reduce(b, R_SUM); }
static int prep_mean(tf_build *b) { return prepare_reduce(b, R_MEAN); }
static int prep_prod(tf_build *b) { return prepare_reduce(b, R_PROD); }
static int prep_max(tf_build *b) { return prepare_reduce(b, R_MAX); }
static int prep_min(tf_build *b) { return prepare_reduce(b, R_MIN); }

/* ---- ArgMax / ArgMin --------------------------------------------------- */

static double get_num(const void *x, tf_dtype t, int64_t i) {
    return t == TF_FLOAT ? ((const float *)x)[i] : (double)get_int(x, t, i);
}

/* p.n[0..2]: outer count, axis size, inner count; p.code 1 for the min.
 * Ties go to the first index, as in TensorFlow. */
static void run_arg(const tf_step *s, const void *const *in,
                    void *const *out) {
    int64_t outer = s->p.n[0], n = s->p.n[1], inner = s->p.n[2];
    tf_dtype t = s->vin[0]->dtype;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < inner; j++) {
            int64_t base = o * n * inner + j, best = 0;
            double bv = get_num(in[0], t, base);
            for (int64_t i = 1; i < n; i++) {
                double v = get_num(in[0], t, base + i * inner);
                if (s->p.code ? v < bv : v > bv) {
                    bv = v;
                    best = i;
                }
            }
            if (s->vout[0]->dtype == TF_INT32)
                ((int32_t *)out[0])[o * inner + j] = (int32_t)best;
            else
                ((int64_t *)out[0])[o * inner + j] = best;
        }
}

static int prepare_arg(tf_build *b, int is_min) {
    const tf_shape *s = &b->in[0]->shape;
    int64_t ax[1], axis, dims[TF_MAX_RANK];
    int n, type;
    if (b->in[0]->dtype == TF_BOOL)
        return ms_error_set(b->err, "the input is bool");
    if (tf_const_ints(b->in[1], "the axis", ax, 1, &n, b->err) < 0 ||
        tf_attr_type(b->def, "output_type", TF_INT64, &type, b->err) < 0)
        return -1;
    if (n != 1) return ms_error_set(b->err, "the axis must be one value");
    if (s->rank < 1) return ms_error_set(b->err, "the input is a scalar");
    if (tf_axis(ax[0], s->rank, &axis, b->err) < 0) return -1;
    if (type != TF_INT32 && type != TF_INT64)
        return ms_error_set(b->err, "output_type must be int32 or int64");
    if (s->dim[axis] == 0)
        return ms_error_set(b->err, "the axis is empty");
    tf_params *p = &b->step->p;
    p->n[0] = p->n[2] = 1;
    p->n[1] = s->dim[axis];
    int rank = 0;
    for (int d = 0; d < s->rank; d++) {
        if (d < axis) p->n[0] *= s->dim[d];
        if (d > axis) p->n[2] *= s->dim[d];
        if (d != axis) dims[rank++] = s->dim[d];
    }
    p->code = is_min;
    b->out[0]->dtype = (tf_dtype)type;
    b->step->run = run_arg;
    return tf_set_shape(b->out[0], dims, rank, b->err);
}

static int prep_argmax(tf_build *b) { return prepare_arg(b, 0); }
static int prep_argmin(tf_build *b) { return prepare_arg(b, 1); }

const tf_op tf_ops_reduce[] = {
    {"Sum", 2, 1, prep_sum},   {"Mean", 2, 1, prep_mean},
    {"Prod", 2, 1, prep_prod}, {"Max", 2, 1, prep_max},
    {"Min", 2, 1, prep_min},   {"ArgMax", 2, 1, prep_argmax},
    {"ArgMin", 2, 1, prep_argmin},
    {NULL, 0, 0, NULL},
};
