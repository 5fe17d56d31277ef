/*
 * tf_tensor.c - dtypes, shapes, node attributes and TensorProto decoding:
 * the checks every op's prepare function builds on.
 *
 * Everything here runs at load time on untrusted protobuf: sizes are
 * bounded before anything is allocated, and a value of the wrong kind is an
 * error naming the attribute, never a guess.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tf/tf_internal.h"

size_t tf_dtype_size(tf_dtype t) {
    switch (t) {
    case TF_FLOAT: case TF_INT32: return 4;
    case TF_INT64: return 8;
    case TF_BOOL: return 1;
    }
    return 0;
}

const char *tf_dtype_name(int t) {
    switch (t % 100) {
    case 1: return "float32";
    case 2: return "float64";
    case 3: return "int32";
    case 4: return "uint8";
    case 5: return "int16";
    case 6: return "int8";
    case 7: return "string";
    case 9: return "int64";
    case 10: return "bool";
    case 19: return "float16";
    case 20: return "resource";
    default: return "an unsupported type";
    }
}

int tf_dtype_check(int t, tf_dtype *out, ms_error *err) {
    int base = t > 100 ? t - 100 : t;   /* DT_FLOAT_REF = 101, ... */
    switch (base) {
    case TF_FLOAT: case TF_INT32: case TF_INT64: case TF_BOOL:
        *out = (tf_dtype)base;
        return 0;
    }
    return ms_error_set(err, "dtype %s (%d) is not supported (float32, "
                             "int32, int64 and bool are)",
                        tf_dtype_name(base), t);
}

int tf_set_shape(tf_value *v, const int64_t *dims, int rank, ms_error *err) {
    if (rank < 0 || rank > TF_MAX_RANK)
        return ms_error_set(err, "rank %d is more than the %d supported",
                            rank, TF_MAX_RANK);
    int64_t count = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0)
            return ms_error_set(err, "dimension %d is %lld, not a size", i,
                                (long long)dims[i]);
        if (dims[i] > TF_MAX_ELEMENTS ||
            (dims[i] && count > TF_MAX_ELEMENTS / dims[i]))
            return ms_error_set(err, "a tensor of more than %lld elements "
                                     "is too large", (long long)TF_MAX_ELEMENTS);
        count *= dims[i];
    }
    v->shape.rank = rank;
    memcpy(v->shape.dim, dims, (size_t)rank * sizeof *dims);
    v->count = count;
    return 0;
}

int tf_shape_equal(const tf_shape *a, const tf_shape *b) {
    if (a->rank != b->rank) return 0;
    for (int i = 0; i < a->rank; i++)
        if (a->dim[i] != b->dim[i]) return 0;
    return 1;
}

const char *tf_shape_str(const tf_shape *s, char *buf, size_t len) {
    size_t at = (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < s->rank && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%lld", i ? "," : "",
                               (long long)s->dim[i]);
    if (at < len) snprintf(buf + at, len - at, "]");
    return buf;
}

void tf_strides(const tf_shape *s, int64_t *strides) {
    int64_t st = 1;
    for (int i = s->rank - 1; i >= 0; i--) {
        strides[i] = st;
        st *= s->dim[i];
    }
}

/* ---- Attributes -------------------------------------------------------- */

const Tensorflow__AttrValue *tf_attr(const Tensorflow__NodeDef *n,
                                     const char *key) {
    for (size_t i = 0; i < n->n_attr; i++)
        if (n->attr[i]->key && strcmp(n->attr[i]->key, key) == 0)
            return n->attr[i]->value;
    return NULL;
}

/* The attribute key when it holds a value of kind want (NULL when
 * absent); -1 with err when it holds another kind. */
static int attr_of(const Tensorflow__NodeDef *n, const char *key,
                   Tensorflow__AttrValue__ValueCase want, const char *kind,
                   const Tensorflow__AttrValue **out, ms_error *err) {
    *out = tf_attr(n, key);
    if (*out && (*out)->value_case != want)
        return ms_error_set(err, "attribute '%s' is not %s", key, kind);
    return 0;
}

int tf_attr_int(const Tensorflow__NodeDef *n, const char *key, int64_t def,
                int64_t *out, ms_error *err) {
    const Tensorflow__AttrValue *a;
    if (attr_of(n, key, TENSORFLOW__ATTR_VALUE__VALUE_I, "an integer", &a,
                err) < 0)
        return -1;
    *out = a ? a->i : def;
    return 0;
}

int tf_attr_float(const Tensorflow__NodeDef *n, const char *key, double def,
                  double *out, ms_error *err) {
    const Tensorflow__AttrValue *a;
    if (attr_of(n, key, TENSORFLOW__ATTR_VALUE__VALUE_F, "a float", &a,
                err) < 0)
        return -1;
    *out = a ? a->f : def;
    return 0;
}

int tf_attr_bool(const Tensorflow__NodeDef *n, const char *key, int def,
                 int *out, ms_error *err) {
    const Tensorflow__AttrValue *a;
    if (attr_of(n, key, TENSORFLOW__ATTR_VALUE__VALUE_B, "a bool", &a,
                err) < 0)
        return -1;
    *out = a ? a->b != 0 : def;
    return 0;
}

int tf_attr_type(const Tensorflow__NodeDef *n, const char *key, int def,
                 int *out, ms_error *err) {
    const Tensorflow__AttrValue *a;
    if (attr_of(n, key, TENSORFLOW__ATTR_VALUE__VALUE_TYPE, "a type", &a,
                err) < 0)
        return -1;
    *out = a ? (int)a->type : def;
    return 0;
}

const char *tf_attr_str(const Tensorflow__NodeDef *n, const char *key,
                        const char *def, char *buf, size_t len) {
    const Tensorflow__AttrValue *a = tf_attr(n, key);
    if (!a || a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_S) return def;
    size_t m = a->s.len < len - 1 ? a->s.len : len - 1;
    memcpy(buf, a->s.data, m);
    buf[m] = '\0';
    return buf;
}

/* ---- Constant operands ------------------------------------------------- */

int tf_const_ints(const tf_value *v, const char *what, int64_t *vals,
                  int max, int *n, ms_error *err) {
    if (v->dtype != TF_INT32 && v->dtype != TF_INT64)
        return ms_error_set(err, "%s is %s, expected int32 or int64", what,
                            tf_dtype_name(v->dtype));
    if (!v->data)
        return ms_error_set(err, "%s must be known at load time (a constant "
                                 "or computed from constants)", what);
    if (v->count > max)
        return ms_error_set(err, "%s has %lld values, more than %d", what,
                            (long long)v->count, max);
    for (int64_t i = 0; i < v->count; i++)
        vals[i] = v->dtype == TF_INT32 ? ((const int32_t *)v->data)[i]
                                       : ((const int64_t *)v->data)[i];
    *n = (int)v->count;
    return 0;
}

int tf_need_dtype(const tf_value *v, const char *what, tf_dtype t,
                  ms_error *err) {
    if (v->dtype == t) return 0;
    return ms_error_set(err, "%s is %s, expected %s", what,
                        tf_dtype_name(v->dtype), tf_dtype_name(t));
}

int tf_need_float(const tf_value *v, const char *what, ms_error *err) {
    return tf_need_dtype(v, what, TF_FLOAT, err);
}

int tf_axis(int64_t axis, int rank, int64_t *out, ms_error *err) {
    if (rank == 0) return ms_error_set(err, "a scalar has no axis %lld",
                                       (long long)axis);
    if (axis < -rank || axis >= rank)
        return ms_error_set(err, "axis %lld is out of range for rank %d",
                            (long long)axis, rank);
    *out = axis < 0 ? axis + rank : axis;
    return 0;
}

/* ---- TensorProto ------------------------------------------------------- */

int tf_shape_proto(const Tensorflow__TensorShapeProto *s, int64_t *dims,
                   int *rank, ms_error *err) {
    if (!s) {
        *rank = 0;
        return 0;
    }
    if (s->unknown_rank) return ms_error_set(err, "the shape's rank is unknown");
    if (s->n_dim > TF_MAX_RANK)
        return ms_error_set(err, "rank %zu is more than the %d supported",
                            s->n_dim, TF_MAX_RANK);
    for (size_t i = 0; i < s->n_dim; i++) {
        dims[i] = s->dim[i]->size;
        if (dims[i] < -1)
            return ms_error_set(err, "dimension %zu is %lld", i,
                                (long long)dims[i]);
    }
    *rank = (int)s->n_dim;
    return 0;
}

/* Copies k listed values into n slots, repeating the last one, as
 * TensorFlow does for a short list (a single value fills the tensor). */
#define FILL_FROM_LIST(T, list, k, out, n)                                 \
    do {                                                                   \
        for (int64_t i_ = 0; i_ < (n); i_++)                               \
            ((T *)(out))[i_] = (T)(list)[i_ < (int64_t)(k) ? i_ : (int64_t)(k)-1]; \
    } while (0)

int tf_tensor_decode(const Tensorflow__TensorProto *t, tf_value *v,
                     void **data, ms_error *err) {
    int64_t dims[TF_MAX_RANK];
    int rank;
    *data = NULL;
    if (tf_dtype_check(t->dtype, &v->dtype, err) < 0 ||
        tf_shape_proto(t->tensor_shape, dims, &rank, err) < 0 ||
        tf_set_shape(v, dims, rank, err) < 0)
        return -1;
    size_t es = tf_dtype_size(v->dtype), bytes = (size_t)v->count * es;
    *data = calloc(bytes ? bytes : 1, 1);
    if (!*data) return ms_error_set(err, "out of memory for a constant");
    if (t->tensor_content.len) {
        if (t->tensor_content.len != bytes) {
            free(*data);
            *data = NULL;
            return ms_error_set(err, "tensor_content has %zu bytes, its "
                                     "shape needs %zu", t->tensor_content.len,
                                bytes);
        }
        memcpy(*data, t->tensor_content.data, bytes);
        return 0;
    }
    size_t k = 0;
    switch (v->dtype) {
    case TF_FLOAT:
        if ((k = t->n_float_val)) FILL_FROM_LIST(float, t->float_val, k, *data, v->count);
        break;
    case TF_INT32:
        if ((k = t->n_int_val)) FILL_FROM_LIST(int32_t, t->int_val, k, *data, v->count);
        break;
    case TF_INT64:
        if ((k = t->n_int64_val)) FILL_FROM_LIST(int64_t, t->int64_val, k, *data, v->count);
        break;
    case TF_BOOL:
        if ((k = t->n_bool_val)) FILL_FROM_LIST(uint8_t, t->bool_val, k, *data, v->count);
        break;
    }
    if (k > (size_t)v->count) {
        free(*data);
        *data = NULL;
        return ms_error_set(err, "the tensor lists %zu values, its shape "
                                 "holds %lld", k, (long long)v->count);
    }
    return 0;
}
