/*
 * tf_plan.h - a GraphDef compiled for one input tensor and one output:
 * validated, pruned to what the output needs, constants folded, and the
 * remaining steps in order over preallocated buffers in scratch.
 */
#ifndef MS_TF_PLAN_H
#define MS_TF_PLAN_H

#include "tf/tf_internal.h"

typedef struct tf_plan_spec {
    const char *input;    /* tensor name; NULL: the only Placeholder */
    const char *output;   /* tensor name; NULL: the only unread node */
    /* The input's shape when the Placeholder declares none (a signature's,
     * or the input_shape parameter's); input_rank -1: not given, then it
     * is inferred from a MatMul reading the input. */
    int input_rank;
    int64_t input_dims[TF_MAX_RANK];
    /* The value of a variable node (VariableV2, VarHandleOp) by name, into
     * v (dtype, shape) and a malloc'd *data; NULL when the graph can have
     * none (a frozen graph). */
    int (*variable)(void *ctx, const char *name, tf_value *v, void **data,
                    ms_error *err);
    void *ctx;
} tf_plan_spec;

struct tf_plan {
    tf_value *values;
    int nvalues;
    tf_step *steps;
    int nsteps;
    void **owned;         /* constants' buffers */
    int nowned, capowned;
    size_t const_bytes;
    size_t scratch_size;
    int input, output;    /* value indices; input is -1 without one */
};

tf_plan *tf_plan_build(const Tensorflow__GraphDef *def,
                       const tf_plan_spec *spec, ms_error *err);
void tf_plan_free(tf_plan *p);

/* Where value v is while scoring with this scratch. */
static inline const void *tf_plan_data(const tf_plan *p, int v,
                                       const void *scratch) {
    const tf_value *r = &p->values[p->values[v].root];
    return r->data ? r->data : (const char *)scratch + r->offset;
}

/* Runs every step on scratch, whose input value the caller has filled. */
void tf_plan_run(const tf_plan *p, void *scratch);

#endif
