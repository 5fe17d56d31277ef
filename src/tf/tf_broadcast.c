/*
 * tf_broadcast.c - NumPy-style broadcasting of operand shapes, and the
 * row-major walk over an output that keeps each operand's offset.
 *
 * Shapes are aligned at their last dimension; a dimension of 1 (or a
 * missing leading one) repeats, which becomes a stride of 0, so one walk
 * serves every elementwise op whatever its operands' shapes.
 */
#include <string.h>

#include "tf/tf_internal.h"

int tf_broadcast(const tf_shape *const *shapes, int n, tf_shape *out,
                 int64_t strides[][TF_MAX_RANK], ms_error *err) {
    int rank = 0;
    for (int k = 0; k < n; k++)
        if (shapes[k]->rank > rank) rank = shapes[k]->rank;
    out->rank = rank;
    for (int d = 0; d < rank; d++) {
        int64_t dim = 1;
        for (int k = 0; k < n; k++) {
            int kd = d - (rank - shapes[k]->rank);
            int64_t e = kd < 0 ? 1 : shapes[k]->dim[kd];
            if (e == dim || e == 1) continue;
            if (dim != 1) {
                char a[128], b[128];
                return ms_error_set(err, "shapes %s and %s do not broadcast",
                                    tf_shape_str(shapes[0], a, sizeof a),
                                    tf_shape_str(shapes[k], b, sizeof b));
            }
            dim = e;
        }
        out->dim[d] = dim;
    }
    for (int k = 0; k < n; k++) {
        int64_t own[TF_MAX_RANK];
        tf_strides(shapes[k], own);
        for (int d = 0; d < rank; d++) {
            int kd = d - (rank - shapes[k]->rank);
            strides[k][d] = kd < 0 || shapes[k]->dim[kd] == 1 ? 0 : own[kd];
        }
    }
    return 0;
}

void tf_walk_init(tf_walk *w, const tf_shape *s, int n,
                  const int64_t (*strides)[TF_MAX_RANK]) {
    w->rank = s->rank;
    w->n = n;
    w->dim = s->dim;
    w->stride = strides;
    memset(w->idx, 0, sizeof w->idx);
    memset(w->off, 0, sizeof w->off);
}

void tf_walk_next(tf_walk *w) {
    for (int d = w->rank - 1; d >= 0; d--) {
        for (int k = 0; k < w->n; k++) w->off[k] += w->stride[k][d];
        if (++w->idx[d] < w->dim[d]) return;
        for (int k = 0; k < w->n; k++)
            w->off[k] -= w->stride[k][d] * w->dim[d];
        w->idx[d] = 0;
    }
}
