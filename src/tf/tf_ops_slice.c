/*
 * tf_ops_slice.c - ops that cut or join tensors: StridedSlice (every mask),
 * Slice, ConcatV2 and Pack.
 *
 * Slices become one strided copy: per input dim a start, a step and a
 * length fixed at load time (begin, end and strides must be constants),
 * walked in row-major order; shrunk dims and new axes have length 1 and so
 * do not change that order, only the output's shape.
 */
#include <stdbool.h>
#include <string.h>

#include "tf/tf_internal.h"

/* p.n[0] rank, p.n[1] start offset, p.a[0] strides, p.a[1] lengths. */
static void run_strided(const tf_step *s, const void *const *in,
                        void *const *out) {
    size_t es = tf_dtype_size(s->vin[0]->dtype);
    tf_shape walk = {.rank = (int)s->p.n[0]};
    memcpy(walk.dim, s->p.a[1], sizeof walk.dim);
    tf_walk w;
    tf_walk_init(&w, &walk, 1, (const int64_t (*)[TF_MAX_RANK])&s->p.a[0]);
    const char *src = (const char *)in[0] + s->p.n[1] * (int64_t)es;
    for (int64_t i = 0; i < s->vout[0]->count; i++, tf_walk_next(&w))
        memcpy((char *)out[0] + i * (int64_t)es, src + w.off[0] * (int64_t)es,
               es);
}

/* Fills the strided copy for begin/step/len per input dim. */
static void strided(tf_build *b, const int64_t *begin, const int64_t *step,
                    const int64_t *len) {
    const tf_shape *s = &b->in[0]->shape;
    int64_t st[TF_MAX_RANK];
    tf_strides(s, st);
    tf_params *p = &b->step->p;
    p->n[0] = s->rank;
    p->n[1] = 0;
    for (int d = 0; d < s->rank; d++) {
        p->n[1] += begin[d] * st[d];
        p->a[0][d] = step[d] * st[d];
        p->a[1][d] = len[d];
    }
    b->out[0]->dtype = b->in[0]->dtype;
    b->step->run = run_strided;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

/* One spec entry on input dim d: begin, end, step into the copy. */
static int slice_dim(tf_build *b, int64_t dim, int64_t bgn, int64_t end,
                     int64_t step, bool bmask, bool emask, bool shrink,
                     int64_t *out_begin, int64_t *out_len) {
    if (step == 0) return ms_error_set(b->err, "a stride is 0");
    if (shrink) {
        int64_t i = bgn < 0 ? bgn + dim : bgn;
        if (i < 0 || i >= dim)
            return ms_error_set(b->err, "index %lld is out of range for a "
                                        "dim of %lld", (long long)bgn,
                                (long long)dim);
        *out_begin = i;
        *out_len = 1;
        return 0;
    }
    int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? dim : dim - 1;
    bgn = bmask ? (step > 0 ? 0 : dim - 1)
                : clamp(bgn < 0 ? bgn + dim : bgn, lo, hi);
    end = emask ? (step > 0 ? dim : -1) : clamp(end < 0 ? end + dim : end, lo, hi);
    int64_t span = step > 0 ? end - bgn : bgn - end, mag = step > 0 ? step : -step;
    *out_begin = bgn;
    *out_len = span > 0 ? (span + mag - 1) / mag : 0;
    return 0;
}

static int prepare_strided_slice(tf_build *b) {
    const tf_shape *s = &b->in[0]->shape;
    int64_t bg[TF_MAX_RANK], en[TF_MAX_RANK], sd[TF_MAX_RANK];
    int nb, ne, ns;
    int64_t m_begin, m_end, m_ell, m_new, m_shrink;
    if (tf_const_ints(b->in[1], "begin", bg, TF_MAX_RANK, &nb, b->err) < 0 ||
        tf_const_ints(b->in[2], "end", en, TF_MAX_RANK, &ne, b->err) < 0 ||
        tf_const_ints(b->in[3], "strides", sd, TF_MAX_RANK, &ns, b->err) < 0 ||
        tf_attr_int(b->def, "begin_mask", 0, &m_begin, b->err) < 0 ||
        tf_attr_int(b->def, "end_mask", 0, &m_end, b->err) < 0 ||
        tf_attr_int(b->def, "ellipsis_mask", 0, &m_ell, b->err) < 0 ||
        tf_attr_int(b->def, "new_axis_mask", 0, &m_new, b->err) < 0 ||
        tf_attr_int(b->def, "shrink_axis_mask", 0, &m_shrink, b->err) < 0)
        return -1;
    if (nb != ne || nb != ns)
        return ms_error_set(b->err, "begin, end and strides differ in length");
    int spec_dims = 0;   /* input dims the entries name, ellipsis aside */
    for (int i = 0; i < nb; i++)
        if (!(m_new >> i & 1) && !(m_ell >> i & 1)) spec_dims++;
    /* Zeroed: strided() reads all s->rank input dims. The loop fills every
     * one (the pass at i == nb covers the rest), but should a dim be left
     * unset it must be an empty copy, never stack garbage. */
    int64_t begin[TF_MAX_RANK] = {0}, step[TF_MAX_RANK] = {0},
            len[TF_MAX_RANK] = {0}, dims[TF_MAX_RANK];
    int d = 0, rank = 0, seen_ell = 0;
    for (int i = 0; i <= nb; i++) {
        /* Past the last entry: an implicit ellipsis covers the rest. */
        int ell = i == nb || ((m_ell >> i & 1) && !seen_ell);
        if (ell) {
            seen_ell |= i < nb;
            int cover = i == nb ? s->rank - d : s->rank - spec_dims;
            for (int k = 0; k < cover && d < s->rank; k++, d++) {
                begin[d] = 0, step[d] = 1, len[d] = s->dim[d];
                if (rank >= TF_MAX_RANK) goto too_deep;
                dims[rank++] = s->dim[d];
            }
            continue;
        }
        if (m_new >> i & 1) {
            if (rank >= TF_MAX_RANK) goto too_deep;
            dims[rank++] = 1;
            continue;
        }
        if (d >= s->rank)
            return ms_error_set(b->err, "the slice names more dims than the "
                                        "input's %d", s->rank);
        bool shrink = m_shrink >> i & 1;
        if (slice_dim(b, s->dim[d], bg[i], en[i], sd[i], m_begin >> i & 1,
                      m_end >> i & 1, shrink, &begin[d], &len[d]) < 0)
            return -1;
        step[d] = shrink ? 1 : sd[i];
        if (!shrink) {
            if (rank >= TF_MAX_RANK) goto too_deep;
            dims[rank++] = len[d];
        }
        d++;
    }
    strided(b, begin, step, len);
    return tf_set_shape(b->out[0], dims, rank, b->err);
too_deep:
    return ms_error_set(b->err, "the result has more than %d dims",
                        TF_MAX_RANK);
}

static int prepare_slice(tf_build *b) {
    const tf_shape *s = &b->in[0]->shape;
    int64_t bg[TF_MAX_RANK], sz[TF_MAX_RANK], step[TF_MAX_RANK];
    int nb, nsz;
    if (tf_const_ints(b->in[1], "begin", bg, TF_MAX_RANK, &nb, b->err) < 0 ||
        tf_const_ints(b->in[2], "size", sz, TF_MAX_RANK, &nsz, b->err) < 0)
        return -1;
    if (nb != s->rank || nsz != s->rank)
        return ms_error_set(b->err, "begin and size must have %d values",
                            s->rank);
    for (int d = 0; d < s->rank; d++) {
        if (sz[d] == -1) sz[d] = s->dim[d] - bg[d];
        if (bg[d] < 0 || sz[d] < 0 || bg[d] > s->dim[d] ||
            sz[d] > s->dim[d] - bg[d])
            return ms_error_set(b->err, "begin %lld size %lld is outside a "
                                        "dim of %lld", (long long)bg[d],
                                (long long)sz[d], (long long)s->dim[d]);
        step[d] = 1;
    }
    strided(b, bg, step, sz);
    return tf_set_shape(b->out[0], sz, s->rank, b->err);
}

/* ---- ConcatV2 and Pack ------------------------------------------------- */

/* p.n[0] outer count, p.n[1] how many inputs are joined: per outer index,
 * each input's next count/outer elements in turn. */
static void run_join(const tf_step *s, const void *const *in,
                     void *const *out) {
    size_t es = tf_dtype_size(s->vout[0]->dtype);
    int64_t outer = s->p.n[0];
    char *dst = out[0];
    for (int64_t o = 0; o < outer; o++)
        for (int k = 0; k < s->p.n[1]; k++) {
            size_t chunk = (size_t)(s->vin[k]->count / outer) * es;
            memcpy(dst, (const char *)in[k] + (size_t)o * chunk, chunk);
            dst += chunk;
        }
}

static int prepare_concat(tf_build *b) {
    int n = b->nin - 1;
    int64_t ax[1], axis;
    int na;
    if (n < 1) return ms_error_set(b->err, "nothing to concatenate");
    if (tf_const_ints(b->in[n], "the axis", ax, 1, &na, b->err) < 0) return -1;
    const tf_value *first = b->in[0];
    if (na != 1) return ms_error_set(b->err, "the axis must be one value");
    if (tf_axis(ax[0], first->shape.rank, &axis, b->err) < 0) return -1;
    tf_shape os = first->shape;
    for (int k = 1; k < n; k++) {
        const tf_value *v = b->in[k];
        int same = v->dtype == first->dtype &&
                   v->shape.rank == first->shape.rank;
        for (int d = 0; same && d < os.rank; d++)
            same = d == axis || v->shape.dim[d] == os.dim[d];
        if (!same)
            return ms_error_set(b->err, "input %d does not match input 0 "
                                        "off the axis", k);
        os.dim[axis] += v->shape.dim[axis];
    }
    b->step->p.n[0] = 1;
    for (int d = 0; d < axis; d++) b->step->p.n[0] *= os.dim[d];
    b->step->p.n[1] = n;
    b->out[0]->dtype = first->dtype;
    b->step->run = run_join;
    return tf_set_shape(b->out[0], os.dim, os.rank, b->err);
}

static int prepare_pack(tf_build *b) {
    int64_t axis_attr, axis, dims[TF_MAX_RANK];
    if (b->nin < 1) return ms_error_set(b->err, "nothing to pack");
    const tf_value *first = b->in[0];
    int rank = first->shape.rank;
    if (tf_attr_int(b->def, "axis", 0, &axis_attr, b->err) < 0) return -1;
    if (rank >= TF_MAX_RANK)
        return ms_error_set(b->err, "rank %d is the most supported",
                            TF_MAX_RANK);
    if (tf_axis(axis_attr, rank + 1, &axis, b->err) < 0) return -1;
    for (int k = 1; k < b->nin; k++)
        if (b->in[k]->dtype != first->dtype ||
            !tf_shape_equal(&b->in[k]->shape, &first->shape))
            return ms_error_set(b->err, "input %d differs from input 0", k);
    b->step->p.n[0] = 1;
    for (int d = 0, r = 0; d <= rank; d++) {
        dims[d] = d == axis ? b->nin : first->shape.dim[r++];
        if (d < axis) b->step->p.n[0] *= dims[d];
    }
    b->step->p.n[1] = b->nin;
    b->out[0]->dtype = first->dtype;
    b->step->run = run_join;
    return tf_set_shape(b->out[0], dims, rank + 1, b->err);
}

const tf_op tf_ops_slice[] = {
    {"StridedSlice", 4, 1, prepare_strided_slice},
    {"Slice", 3, 1, prepare_slice},
    {"ConcatV2", -1, 1, prepare_concat},
    {"Pack", -1, 1, prepare_pack},
    {NULL, 0, 0, NULL},
};
