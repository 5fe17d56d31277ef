/*
 * tf_ops_shape.c - ops that move no numbers or only make them: sources
 * (planned by tf_plan.c), Identity and its kin, Reshape, Squeeze,
 * ExpandDims (all aliases of their input's storage), Shape (a constant, as
 * every shape is known at load time), Fill and Transpose.
 */
#include <string.h>

#include "tf/tf_internal.h"

/* Output k shares input k's storage under its own shape. */
static int alias_as(tf_build *b, int k, const int64_t *dims, int rank) {
    const tf_value *in = b->in[k];
    tf_value *out = b->out[k];
    out->dtype = in->dtype;
    if (tf_set_shape(out, dims, rank, b->err) < 0) return -1;
    if (out->count != in->count) {
        char s[128];
        return ms_error_set(b->err, "cannot reshape %lld values (%s) to %lld",
                            (long long)in->count,
                            tf_shape_str(&in->shape, s, sizeof s),
                            (long long)out->count);
    }
    out->data = in->data;
    out->root = in->root;
    return 0;
}

static int prepare_identity(tf_build *b) {
    if (b->nin < 1) return ms_error_set(b->err, "expected an input");
    for (int k = 0; k < b->nout; k++)
        if (alias_as(b, k, b->in[k]->shape.dim, b->in[k]->shape.rank) < 0)
            return -1;
    return 0;
}

static int prepare_reshape(tf_build *b) {
    int64_t dims[TF_MAX_RANK];
    int rank, unknown = -1;
    if (tf_const_ints(b->in[1], "the shape", dims, TF_MAX_RANK, &rank,
                      b->err) < 0)
        return -1;
    int64_t known = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] == -1) {
            if (unknown >= 0)
                return ms_error_set(b->err, "the shape has two -1 dims");
            unknown = i;
        } else if (dims[i] < 0) {
            return ms_error_set(b->err, "the shape has dim %lld",
                                (long long)dims[i]);
        } else if (dims[i] > TF_MAX_ELEMENTS ||
                   (known *= dims[i]) > TF_MAX_ELEMENTS) {
            return ms_error_set(b->err, "the shape is too large");
        }
    }
    if (unknown >= 0) {
        if (known == 0 || b->in[0]->count % known)
            return ms_error_set(b->err, "cannot reshape %lld values with a "
                                        "-1 dim", (long long)b->in[0]->count);
        dims[unknown] = b->in[0]->count / known;
    }
    return alias_as(b, 0, dims, rank);
}

static int prepare_squeeze(tf_build *b) {
    const tf_shape *s = &b->in[0]->shape;
    const Tensorflow__AttrValue *a = tf_attr(b->def, "squeeze_dims");
    if (!a) a = tf_attr(b->def, "axis");
    char drop[TF_MAX_RANK] = {0};
    size_t nax = a && a->value_case == TENSORFLOW__ATTR_VALUE__VALUE_LIST
                     ? a->list->n_i : 0;
    for (size_t i = 0; i < nax; i++) {
        int64_t ax;
        if (tf_axis(a->list->i[i], s->rank, &ax, b->err) < 0) return -1;
        if (s->dim[ax] != 1)
            return ms_error_set(b->err, "cannot squeeze dim %lld of size %lld",
                                (long long)ax, (long long)s->dim[ax]);
        drop[ax] = 1;
    }
    int64_t dims[TF_MAX_RANK];
    int rank = 0;
    for (int i = 0; i < s->rank; i++)
        if (!(nax ? drop[i] : s->dim[i] == 1)) dims[rank++] = s->dim[i];
    return alias_as(b, 0, dims, rank);
}

static int prepare_expand_dims(tf_build *b) {
    int64_t ax[1], dims[TF_MAX_RANK];
    int n;
    const tf_shape *s = &b->in[0]->shape;
    if (tf_const_ints(b->in[1], "the axis", ax, 1, &n, b->err) < 0) return -1;
    if (n != 1) return ms_error_set(b->err, "the axis must be one value");
    if (s->rank >= TF_MAX_RANK)
        return ms_error_set(b->err, "rank %d is the most supported",
                            TF_MAX_RANK);
    int64_t at;
    if (tf_axis(ax[0], s->rank + 1, &at, b->err) < 0) return -1;
    int r = 0;
    for (int i = 0; i <= s->rank; i++)
        dims[i] = i == at ? 1 : s->dim[r++];
    return alias_as(b, 0, dims, s->rank + 1);
}

static int prepare_shape(tf_build *b) {
    int type;
    const tf_shape *s = &b->in[0]->shape;
    int64_t n = s->rank;
    if (tf_attr_type(b->def, "out_type", TF_INT32, &type, b->err) < 0)
        return -1;
    if (type != TF_INT32 && type != TF_INT64)
        return ms_error_set(b->err, "out_type must be int32 or int64");
    b->out[0]->dtype = (tf_dtype)type;
    if (tf_set_shape(b->out[0], &n, 1, b->err) < 0) return -1;
    void *d = tf_build_const(b, b->out[0]);
    if (!d) return -1;
    for (int i = 0; i < s->rank; i++) {
        if (type == TF_INT32) ((int32_t *)d)[i] = (int32_t)s->dim[i];
        else ((int64_t *)d)[i] = s->dim[i];
    }
    return 0;
}

static void run_fill(const tf_step *s, const void *const *in,
                     void *const *out) {
    size_t es = tf_dtype_size(s->vout[0]->dtype);
    for (int64_t i = 0; i < s->vout[0]->count; i++)
        memcpy((char *)out[0] + i * es, in[1], es);
}

static int prepare_fill(tf_build *b) {
    int64_t dims[TF_MAX_RANK];
    int rank;
    if (tf_const_ints(b->in[0], "the dims", dims, TF_MAX_RANK, &rank,
                      b->err) < 0)
        return -1;
    if (b->in[1]->count != 1 || b->in[1]->shape.rank != 0)
        return ms_error_set(b->err, "the value must be a scalar");
    b->out[0]->dtype = b->in[1]->dtype;
    if (tf_set_shape(b->out[0], dims, rank, b->err) < 0) return -1;
    b->step->run = run_fill;
    return 0;
}

/* p.a[0]: input strides in output dim order. */
static void run_transpose(const tf_step *s, const void *const *in,
                          void *const *out) {
    const tf_shape *os = &s->vout[0]->shape;
    size_t es = tf_dtype_size(s->vout[0]->dtype);
    tf_walk w;
    tf_walk_init(&w, os, 1, (const int64_t (*)[TF_MAX_RANK])s->p.a);
    for (int64_t i = 0; i < s->vout[0]->count; i++, tf_walk_next(&w))
        memcpy((char *)out[0] + i * es, (const char *)in[0] + w.off[0] * es,
               es);
}

static int prepare_transpose(tf_build *b) {
    int64_t perm[TF_MAX_RANK], dims[TF_MAX_RANK], st[TF_MAX_RANK];
    int n;
    const tf_shape *s = &b->in[0]->shape;
    if (tf_const_ints(b->in[1], "the permutation", perm, TF_MAX_RANK, &n,
                      b->err) < 0)
        return -1;
    if (n != s->rank)
        return ms_error_set(b->err, "the permutation has %d values for rank "
                                    "%d", n, s->rank);
    char seen[TF_MAX_RANK] = {0};
    tf_strides(s, st);
    for (int i = 0; i < n; i++) {
        if (perm[i] < 0 || perm[i] >= n || seen[perm[i]]++)
            return ms_error_set(b->err, "the permutation is not one");
        dims[i] = s->dim[perm[i]];
        b->step->p.a[0][i] = st[perm[i]];
    }
    b->out[0]->dtype = b->in[0]->dtype;
    if (tf_set_shape(b->out[0], dims, n, b->err) < 0) return -1;
    b->step->run = run_transpose;
    return 0;
}

const tf_op tf_ops_shape[] = {
    {"Const", 0, 1, NULL},
    {"Placeholder", 0, 1, NULL},
    {"VariableV2", 0, 1, NULL},
    {"VarHandleOp", 0, 1, NULL},
    {"NoOp", 0, 0, NULL},
    {"PlaceholderWithDefault", 1, 1, prepare_identity},
    {"Identity", 1, 1, prepare_identity},
    {"StopGradient", 1, 1, prepare_identity},
    {"Snapshot", 1, 1, prepare_identity},
    {"ReadVariableOp", 1, 1, prepare_identity},
    {"IdentityN", -1, -1, prepare_identity},
    {"Reshape", 2, 1, prepare_reshape},
    {"Squeeze", 1, 1, prepare_squeeze},
    {"ExpandDims", 2, 1, prepare_expand_dims},
    {"Shape", 1, 1, prepare_shape},
    {"Fill", 2, 1, prepare_fill},
    {"Transpose", 2, 1, prepare_transpose},
    {NULL, 0, 0, NULL},
};
