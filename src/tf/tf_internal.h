/*
 * tf_internal.h - what the files of the TensorFlow executor share: tensor
 * values, plan steps, the op table and the helpers ops prepare with.
 *
 * A graph is planned once at load time for a batch of one record, so every
 * shape is known then: each op's prepare function checks its inputs' dtypes
 * and shapes, computes its outputs' and fills its step's parameters. A step
 * whose inputs are all constants is run at once (constant folding); the
 * others are kept, in topological order, and run per record on buffers
 * carved out of the caller's scratch. Ops that only relabel their input
 * (Identity, Reshape, ...) get no step: their output shares the input's
 * storage.
 */
#ifndef MS_TF_INTERNAL_H
#define MS_TF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "tensorflow.pb-c.h"

enum { TF_MAX_RANK = 8, TF_MAX_INPUTS = 64, TF_MAX_OUTPUTS = 6 };
#define TF_MAX_ELEMENTS ((int64_t)1 << 26)      /* per tensor */
#define TF_MAX_TOTAL_BYTES ((size_t)1 << 30)    /* constants plus scratch */
#define TF_MAX_NODES 1000000

/* TensorFlow's DataType numbers for the types the executor computes in. */
typedef enum tf_dtype {
    TF_FLOAT = 1,
    TF_INT32 = 3,
    TF_INT64 = 9,
    TF_BOOL = 10,
} tf_dtype;

typedef struct tf_shape {
    int rank;
    int64_t dim[TF_MAX_RANK];
} tf_shape;

/* One output of one node. */
typedef struct tf_value {
    tf_dtype dtype;
    tf_shape shape;
    int64_t count;      /* product of the dims */
    const void *data;   /* set for constants; NULL when computed per record */
    int root;           /* the value whose storage this one shares (or self) */
    size_t offset;      /* in scratch, for a computed root */
    int last_use;       /* last step reading the root's storage */
} tf_value;

/* Op parameters fixed at load time; each op documents its use of them. */
typedef struct tf_params {
    int code;                        /* which function of a family */
    int64_t n[6];
    double f[3];
    int64_t a[3][TF_MAX_RANK];       /* per-operand strides, or begin/step */
    int64_t b[TF_MAX_RANK];
} tf_params;

typedef struct tf_plan tf_plan;
typedef struct tf_step tf_step;
typedef void (*tf_run_fn)(const tf_step *s, const void *const *in,
                          void *const *out);

struct tf_step {
    tf_run_fn run;
    int nin, nout;
    const tf_value *vin[TF_MAX_INPUTS];
    tf_value *vout[TF_MAX_OUTPUTS];
    tf_params p;
};

/* What an op's prepare function sees and fills. */
typedef struct tf_build {
    const Tensorflow__NodeDef *def;
    int nin;
    const tf_value *const *in;
    int nout;
    tf_value *const *out;   /* dtype and shape to fill (tf_set_shape) */
    tf_step *step;          /* run and p to fill; run NULL = no step */
    tf_plan *plan;          /* for tf_build_const() */
    ms_error *err;
} tf_build;

typedef int (*tf_prepare_fn)(tf_build *b);

typedef struct tf_op {
    const char *name;
    int nin;                /* data inputs; -1: any number (checked by prepare) */
    int nout;               /* outputs; -1: one per data input */
    tf_prepare_fn prepare;  /* NULL for source ops the planner handles */
} tf_op;

/* The op of that name, or NULL when the executor does not know it. */
const tf_op *tf_op_find(const char *name);

/* Per-kind op tables (tf_ops_*.c), gathered by tf_op_find(). */
extern const tf_op tf_ops_elementwise[], tf_ops_matrix[], tf_ops_reduce[],
    tf_ops_shape[], tf_ops_slice[];

/* ---- Helpers for prepare functions (tf_tensor.c) ----------------------- */

size_t tf_dtype_size(tf_dtype t);
const char *tf_dtype_name(int t);
/* Whether t is one of ours; the _REF variants count as their base type. */
int tf_dtype_check(int t, tf_dtype *out, ms_error *err);

/* Sets v's shape and count; fails on a rank, dim or size out of bounds. */
int tf_set_shape(tf_value *v, const int64_t *dims, int rank, ms_error *err);
int tf_shape_equal(const tf_shape *a, const tf_shape *b);
/* "[1,11]" into buf. */
const char *tf_shape_str(const tf_shape *s, char *buf, size_t len);

/* Attributes of a node; the default when absent. -1 with err on a wrong
 * kind of value. */
const Tensorflow__AttrValue *tf_attr(const Tensorflow__NodeDef *n,
                                     const char *key);
int tf_attr_int(const Tensorflow__NodeDef *n, const char *key, int64_t def,
                int64_t *out, ms_error *err);
int tf_attr_float(const Tensorflow__NodeDef *n, const char *key, double def,
                  double *out, ms_error *err);
int tf_attr_bool(const Tensorflow__NodeDef *n, const char *key, int def,
                 int *out, ms_error *err);
int tf_attr_type(const Tensorflow__NodeDef *n, const char *key, int def,
                 int *out, ms_error *err);
/* A string attribute, or def. */
const char *tf_attr_str(const Tensorflow__NodeDef *n, const char *key,
                        const char *def, char *buf, size_t len);

/* A constant int32/int64 tensor's values (at most max); fails when v is not
 * a constant (the op needs it at load time) or has too many. */
int tf_const_ints(const tf_value *v, const char *what, int64_t *vals,
                  int max, int *n, ms_error *err);
/* Requires v to have dtype t. */
int tf_need_dtype(const tf_value *v, const char *what, tf_dtype t,
                  ms_error *err);
/* Requires v to be float32. */
int tf_need_float(const tf_value *v, const char *what, ms_error *err);
/* Normalises an axis in [-rank, rank) to [0, rank). */
int tf_axis(int64_t axis, int rank, int64_t *out, ms_error *err);

/* Decodes a TensorProto into v (dtype, shape, malloc'd *data). */
int tf_tensor_decode(const Tensorflow__TensorProto *t, tf_value *v,
                     void **data, ms_error *err);
/* Reads a shape proto; -1 dims stay -1. */
int tf_shape_proto(const Tensorflow__TensorShapeProto *s, int64_t *dims,
                   int *rank, ms_error *err);

/* A buffer for a constant output of the node being prepared, owned by the
 * plan: prepare functions that compute their output at load time (Shape)
 * fill it and set out->data. NULL with b->err filled when out of memory. */
void *tf_build_const(tf_build *b, tf_value *v);

/* ---- Broadcasting (tf_broadcast.c) ------------------------------------- */

/* NumPy-style broadcast of n operand shapes into out; strides[k] are each
 * operand's element strides in out's dims (0 where it broadcasts). */
int tf_broadcast(const tf_shape *const *shapes, int n, tf_shape *out,
                 int64_t strides[][TF_MAX_RANK], ms_error *err);

/* Walks the elements of a shape in row-major order, keeping each operand's
 * offset: call tf_walk_next() after each element. */
typedef struct tf_walk {
    int rank, n;
    int64_t idx[TF_MAX_RANK];
    const int64_t *dim;
    const int64_t (*stride)[TF_MAX_RANK];
    int64_t off[3];
} tf_walk;

void tf_walk_init(tf_walk *w, const tf_shape *s, int n,
                  const int64_t (*strides)[TF_MAX_RANK]);
void tf_walk_next(tf_walk *w);

/* Row-major strides of a shape. */
void tf_strides(const tf_shape *s, int64_t *strides);

#endif
