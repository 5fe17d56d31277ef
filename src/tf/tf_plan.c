/*
 * tf_plan.c - compiles a GraphDef into a plan (see tf_plan.h).
 *
 * Load-time work, in order: index the graph; pick the output (named, or
 * the one node nothing reads) and the input (named, or the one
 * Placeholder); order what the output needs, rejecting cycles and unknown
 * ops; then prepare every node in that order (shapes and dtypes checked,
 * constants folded by running the step once); and last, give every value
 * computed per record a place in scratch, reusing a place once its last
 * reader has run.
 */
#include "tf/tf_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tf/tf_graph.h"

#define ALIGN 16

void *tf_build_const(tf_build *b, tf_value *v) {
    tf_plan *p = b->plan;
    size_t bytes = (size_t)v->count * tf_dtype_size(v->dtype);
    if (p->const_bytes + bytes > TF_MAX_TOTAL_BYTES) {
        ms_error_set(b->err, "the graph's constants exceed %zu bytes",
                     (size_t)TF_MAX_TOTAL_BYTES);
        return NULL;
    }
    if (p->nowned == p->capowned) {
        int cap = p->capowned ? 2 * p->capowned : 16;
        void **o = realloc(p->owned, (size_t)cap * sizeof *o);
        if (!o) goto oom;
        p->owned = o;
        p->capowned = cap;
    }
    void *data = calloc(bytes ? bytes : 1, 1);
    if (!data) goto oom;
    p->owned[p->nowned++] = data;
    p->const_bytes += bytes;
    v->data = data;
    return data;
oom:
    ms_error_set(b->err, "out of memory for the graph's constants");
    return NULL;
}

/* Adopts a buffer a decoder malloc'd as a constant's data. */
static int adopt(tf_build *b, tf_value *v, void *data) {
    void *own = tf_build_const(b, v);
    if (!own) {
        free(data);
        return -1;
    }
    memcpy(own, data, (size_t)v->count * tf_dtype_size(v->dtype));
    free(data);
    return 0;
}

void tf_plan_free(tf_plan *p) {
    if (!p) return;
    for (int i = 0; i < p->nowned; i++) free(p->owned[i]);
    free(p->owned);
    free(p->values);
    free(p->steps);
    free(p);
}

static int op_outputs(const tf_op *op, const tf_graph *g, int node) {
    return op->nout >= 0 ? op->nout : g->ninputs[node];
}

/* The output node: the only one whose outputs nothing reads (sources and
 * NoOps aside). */
static int default_output(const tf_graph *g, ms_error *err) {
    int found = -1, count = 0;
    char names[256] = "";
    for (int i = 0; i < g->n; i++) {
        const char *op = g->def->node[i]->op;
        if (g->consumers[i] || strcmp(op, "NoOp") == 0 ||
            strcmp(op, "Const") == 0 || strncmp(op, "Placeholder", 11) == 0 ||
            strcmp(op, "VariableV2") == 0 || strcmp(op, "VarHandleOp") == 0)
            continue;
        if (count++ < 4) {
            size_t at = strlen(names);
            snprintf(names + at, sizeof names - at, "%s'%s'", at ? ", " : "",
                     g->def->node[i]->name);
        }
        found = i;
    }
    if (count == 1) return found;
    if (count == 0)
        return ms_error_set(err, "the graph has no node to take as the "
                                 "output");
    return ms_error_set(err, "the graph has %d nodes nothing reads (%s%s): "
                             "name the output", count, names,
                        count > 4 ? ", ..." : "");
}

/* The input node among the ordered ones: the only Placeholder. */
static int default_input(const tf_graph *g, const int *order, int n,
                         ms_error *err) {
    int found = -1;
    for (int i = 0; i < n; i++) {
        if (strcmp(g->def->node[order[i]]->op, "Placeholder") != 0) continue;
        if (found >= 0)
            return ms_error_set(err, "the output needs two Placeholders, "
                                     "'%s' and '%s': name the input",
                                g->def->node[found]->name,
                                g->def->node[order[i]]->name);
        found = order[i];
    }
    return found < 0 ? -2 : found;
}

/* The declared shape of a weight: a Const's tensor, or a variable's shape
 * attribute, through Identity nodes. */
static int weight_shape(const tf_graph *g, int node, int64_t *dims,
                        int *rank) {
    for (int hops = 0; hops < 8; hops++) {
        const Tensorflow__NodeDef *nd = g->def->node[node];
        if (strcmp(nd->op, "Identity") == 0 && g->ninputs[node] == 1) {
            node = g->inputs[node][0].node;
            continue;
        }
        const Tensorflow__AttrValue *a = NULL;
        if (strcmp(nd->op, "Const") == 0) {
            a = tf_attr(nd, "value");
            if (!a || a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_TENSOR)
                return -1;
            return tf_shape_proto(a->tensor->tensor_shape, dims, rank, NULL);
        }
        if (strcmp(nd->op, "VariableV2") == 0 ||
            strcmp(nd->op, "VarHandleOp") == 0) {
            a = tf_attr(nd, "shape");
            if (!a || a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_SHAPE)
                return -1;
            return tf_shape_proto(a->shape, dims, rank, NULL);
        }
        return -1;
    }
    return -1;
}

/* An undeclared input shape from a MatMul that reads the input as its
 * left operand: one row of the weight's inner size. */
static int infer_input_shape(const tf_graph *g, int input, int64_t *dims,
                             int *rank) {
    for (int i = 0; i < g->n; i++) {
        const Tensorflow__NodeDef *nd = g->def->node[i];
        if (strcmp(nd->op, "MatMul") != 0 || g->ninputs[i] != 2 ||
            g->inputs[i][0].node != input)
            continue;
        int64_t w[TF_MAX_RANK];
        int wr, ta, tb;
        if (weight_shape(g, g->inputs[i][1].node, w, &wr) < 0 || wr != 2 ||
            tf_attr_bool(nd, "transpose_a", 0, &ta, NULL) < 0 ||
            tf_attr_bool(nd, "transpose_b", 0, &tb, NULL) < 0)
            continue;
        int64_t k = w[tb ? 1 : 0];
        if (k < 0) continue;
        dims[0] = ta ? k : 1;
        dims[1] = ta ? 1 : k;
        *rank = 2;
        return 0;
    }
    return -1;
}

/* The fed Placeholder: its declared shape, else the spec's, else the one
 * TensorFlow noted in _output_shapes, else one inferred; a batch of one
 * where the first dimension is unknown. */
static int prepare_input(tf_build *b, const tf_graph *g, int node,
                         const tf_plan_spec *spec) {
    int64_t dims[TF_MAX_RANK];
    int rank = -1, dtype;
    const Tensorflow__AttrValue *shape = tf_attr(b->def, "shape");
    if (tf_attr_type(b->def, "dtype", 0, &dtype, b->err) < 0) return -1;
    if (dtype != TF_FLOAT)
        return ms_error_set(b->err, "the input is %s; only float32 inputs "
                                    "are supported", tf_dtype_name(dtype));
    const Tensorflow__AttrValue *known = tf_attr(b->def, "_output_shapes");
    /* A Placeholder's shape of rank 0 means "unconstrained", as TensorFlow
     * has it; so do an unknown rank and no shape at all. */
    if (shape && shape->value_case == TENSORFLOW__ATTR_VALUE__VALUE_SHAPE &&
        !shape->shape->unknown_rank && shape->shape->n_dim > 0) {
        if (tf_shape_proto(shape->shape, dims, &rank, b->err) < 0) return -1;
    } else if (spec->input_rank >= 0) {
        rank = spec->input_rank;
        memcpy(dims, spec->input_dims, (size_t)rank * sizeof *dims);
    } else if (known && known->value_case == TENSORFLOW__ATTR_VALUE__VALUE_LIST &&
               known->list->n_shape == 1 && known->list->shape[0]->n_dim > 0 &&
               !known->list->shape[0]->unknown_rank) {
        if (tf_shape_proto(known->list->shape[0], dims, &rank, b->err) < 0)
            return -1;
    } else if (infer_input_shape(g, node, dims, &rank) < 0) {
        return ms_error_set(b->err, "the input declares no shape and none "
                                    "can be inferred; give the input_shape "
                                    "parameter");
    }
    for (int i = 0; i < rank; i++)
        if (dims[i] < 0) {
            if (i > 0)
                return ms_error_set(b->err, "the input's dimension %d is "
                                            "unknown; only the first (the "
                                            "batch) may be", i);
            dims[i] = 1;
        }
    b->out[0]->dtype = TF_FLOAT;
    return tf_set_shape(b->out[0], dims, rank, b->err);
}

static int prepare_const(tf_build *b) {
    const Tensorflow__AttrValue *a = tf_attr(b->def, "value");
    if (!a || a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_TENSOR)
        return ms_error_set(b->err, "the constant has no tensor value");
    void *data;
    if (tf_tensor_decode(a->tensor, b->out[0], &data, b->err) < 0) return -1;
    return adopt(b, b->out[0], data);
}

static int prepare_variable(tf_build *b, const tf_plan_spec *spec) {
    char buf[512];   /* name may point into it until the end */
    const char *name =
        strcmp(b->def->op, "VarHandleOp") == 0
            ? tf_attr_str(b->def, "shared_name", b->def->name, buf, sizeof buf)
            : b->def->name;
    if (!spec->variable)
        return ms_error_set(b->err, "variable '%s' has no value in a frozen "
                                    "graph (freeze it, or serve it as a "
                                    "SavedModel)", name);
    void *data;
    if (spec->variable(spec->ctx, name, b->out[0], &data, b->err) < 0)
        return -1;
    return adopt(b, b->out[0], data);
}

/* Prepares one node; folds its step when every input is a constant. */
static int prepare_node(tf_plan *p, const tf_graph *g, const tf_op *op,
                        int node, int is_input, const int *base,
                        const tf_plan_spec *spec, ms_error *err) {
    const Tensorflow__NodeDef *nd = g->def->node[node];
    const tf_value *in[TF_MAX_INPUTS];
    tf_value *out[TF_MAX_OUTPUTS];
    tf_step *st = &p->steps[p->nsteps];
    memset(st, 0, sizeof *st);
    int nin = is_input ? 0 : g->ninputs[node];
    /* The input has one value, as build() counted it, whatever its op. */
    int nout = is_input ? 1 : op_outputs(op, g, node);
    if (nin > TF_MAX_INPUTS || nout > TF_MAX_OUTPUTS)
        return ms_error_set(err, "%d inputs or %d outputs are more than "
                                 "supported", nin, nout);
    /* Every node planned is read (the output, or an input of one), and
     * every prepare below writes out[0]. */
    if (nout < 1) return ms_error_set(err, "has no outputs to read");
    if (!is_input && op->nin >= 0 && nin != op->nin)
        return ms_error_set(err, "has %d data inputs, expected %d", nin,
                            op->nin);
    int all_const = 1;
    for (int k = 0; k < nin; k++) {
        tf_edge e = g->inputs[node][k];
        in[k] = &p->values[base[e.node] + e.index];
        st->vin[k] = in[k];
        if (!in[k]->data) all_const = 0;
    }
    for (int k = 0; k < nout; k++) {
        out[k] = &p->values[base[node] + k];
        out[k]->root = base[node] + k;
        st->vout[k] = out[k];
    }
    st->nin = nin;
    st->nout = nout;
    tf_build b = {.def = nd, .nin = nin, .in = in, .nout = nout, .out = out,
                  .step = st, .plan = p, .err = err};
    int rc;
    if (is_input) rc = prepare_input(&b, g, node, spec);
    else if (strcmp(nd->op, "Const") == 0) rc = prepare_const(&b);
    else if (strcmp(nd->op, "Placeholder") == 0)
        rc = ms_error_set(err, "the output needs this Placeholder, which is "
                               "not the input");
    else if (strcmp(nd->op, "VariableV2") == 0 ||
             strcmp(nd->op, "VarHandleOp") == 0)
        rc = prepare_variable(&b, spec);
    else if (op->prepare) rc = op->prepare(&b);
    else rc = ms_error_set(err, "op %s has no outputs to read", nd->op);
    if (rc < 0) return -1;
    if (!st->run) return 0;           /* an alias, or done at load time */
    if (!all_const || nin == 0) {
        p->nsteps++;
        return 0;
    }
    void *outd[TF_MAX_OUTPUTS];
    const void *ind[TF_MAX_INPUTS];
    for (int k = 0; k < nin; k++) ind[k] = in[k]->data;
    for (int k = 0; k < nout; k++)
        if (!(outd[k] = tf_build_const(&b, out[k]))) return -1;
    st->run(st, ind, outd);
    return 0;
}

/* ---- Scratch layout ---------------------------------------------------- */

typedef struct block {
    size_t off, size;
} block;

typedef struct arena {
    block *free;
    int nfree;
    size_t end;
} arena;

static size_t arena_take(arena *a, size_t size) {
    size = (size + ALIGN - 1) / ALIGN * ALIGN;
    for (int i = 0; i < a->nfree; i++) {
        if (a->free[i].size < size) continue;
        size_t off = a->free[i].off;
        a->free[i].off += size;
        a->free[i].size -= size;
        return off;
    }
    size_t off = a->end;
    a->end += size;
    return off;
}

/* Returns a place to the free list, merged with its neighbours. */
static void arena_give(arena *a, size_t off, size_t size) {
    size = (size + ALIGN - 1) / ALIGN * ALIGN;
    int i = 0;
    while (i < a->nfree && a->free[i].off < off) i++;
    memmove(&a->free[i + 1], &a->free[i],
            (size_t)(a->nfree - i) * sizeof *a->free);
    a->free[i] = (block){off, size};
    a->nfree++;
    if (i + 1 < a->nfree && a->free[i].off + a->free[i].size ==
                                a->free[i + 1].off) {
        a->free[i].size += a->free[i + 1].size;
        memmove(&a->free[i + 1], &a->free[i + 2],
                (size_t)(a->nfree - i - 2) * sizeof *a->free);
        a->nfree--;
    }
    if (i > 0 && a->free[i - 1].off + a->free[i - 1].size == a->free[i].off) {
        a->free[i - 1].size += a->free[i].size;
        memmove(&a->free[i], &a->free[i + 1],
                (size_t)(a->nfree - i - 1) * sizeof *a->free);
        a->nfree--;
    }
}

static size_t value_bytes(const tf_value *v) {
    return (size_t)v->count * tf_dtype_size(v->dtype);
}

static int layout(tf_plan *p, ms_error *err) {
    tf_value *v = p->values;
    for (int i = 0; i < p->nvalues; i++) v[i].last_use = -1;
    for (int s = 0; s < p->nsteps; s++)
        for (int k = 0; k < p->steps[s].nin; k++)
            v[p->steps[s].vin[k]->root].last_use = s;
    v[v[p->output].root].last_use = p->nsteps;   /* read after the run */
    arena a = {.free = malloc(((size_t)p->nvalues + 1) * sizeof *a.free)};
    if (!a.free) return ms_error_set(err, "out of memory planning buffers");
    if (p->input >= 0) v[p->input].offset = arena_take(&a, value_bytes(&v[p->input]));
    for (int s = 0; s < p->nsteps; s++) {
        tf_step *st = &p->steps[s];
        for (int k = 0; k < st->nout; k++)
            st->vout[k]->offset = arena_take(&a, value_bytes(st->vout[k]));
        /* Outputs nothing reads are released at once; inputs whose last
         * reader this is, after it. */
        for (int k = 0; k < st->nout; k++)
            if (st->vout[k]->last_use < s)
                arena_give(&a, st->vout[k]->offset, value_bytes(st->vout[k]));
        for (int k = 0; k < st->nin; k++) {
            tf_value *r = &v[st->vin[k]->root];
            if (r->data || r->last_use != s) continue;
            r->last_use = -2;   /* given back once even if read twice here */
            arena_give(&a, r->offset, value_bytes(r));
        }
    }
    free(a.free);
    p->scratch_size = a.end;
    if (p->scratch_size + p->const_bytes > TF_MAX_TOTAL_BYTES)
        return ms_error_set(err, "the graph needs %zu bytes of buffers, more "
                                 "than %zu", p->scratch_size,
                            (size_t)TF_MAX_TOTAL_BYTES);
    return 0;
}

void tf_plan_run(const tf_plan *p, void *scratch) {
    const void *in[TF_MAX_INPUTS];
    void *out[TF_MAX_OUTPUTS];
    for (int s = 0; s < p->nsteps; s++) {
        const tf_step *st = &p->steps[s];
        for (int k = 0; k < st->nin; k++) {
            const tf_value *r = &p->values[st->vin[k]->root];
            in[k] = r->data ? r->data : (char *)scratch + r->offset;
        }
        for (int k = 0; k < st->nout; k++)
            out[k] = (char *)scratch + st->vout[k]->offset;
        st->run(st, in, out);
    }
}

/* ---- The whole build --------------------------------------------------- */

static int build(tf_plan *p, const tf_graph *g, const tf_plan_spec *spec,
                 ms_error *err) {
    tf_edge out_edge, in_edge = {.node = -1};
    if (spec->output) {
        if (tf_graph_tensor(g, spec->output, &out_edge, err) < 0)
            return ms_error_prefix(err, "output '%s'", spec->output);
    } else {
        out_edge.index = 0;
        if ((out_edge.node = default_output(g, err)) < 0) return -1;
    }
    if (spec->input) {
        if (tf_graph_tensor(g, spec->input, &in_edge, err) < 0)
            return ms_error_prefix(err, "input '%s'", spec->input);
        const char *op = g->def->node[in_edge.node]->op;
        if (strcmp(op, "Placeholder") != 0 &&
            strcmp(op, "PlaceholderWithDefault") != 0)
            return ms_error_set(err, "input '%s' is a %s, not a Placeholder",
                                spec->input, op);
    }
    char *stop = calloc((size_t)g->n + 1, 1);
    int *order = NULL, norder = 0, rc = -1;
    /* Zeroed: only the nodes of order get a base below. */
    int *base = calloc((size_t)g->n + 1, sizeof *base);
    if (!stop || !base) {
        ms_error_set(err, "out of memory planning the graph");
        goto done;
    }
    if (in_edge.node >= 0) stop[in_edge.node] = 1;
    if (tf_graph_order(g, out_edge.node, stop, &order, &norder, err) < 0)
        goto done;
    if (in_edge.node >= 0) {
        int needed = 0;
        for (int i = 0; i < norder; i++) needed |= order[i] == in_edge.node;
        if (!needed) {
            ms_error_set(err, "the output does not depend on input '%s'",
                         spec->input);
            goto done;
        }
    } else {
        int found = default_input(g, order, norder, err);
        if (found == -1) goto done;
        in_edge.node = found >= 0 ? found : -1;
    }
    /* Every op known, before anything is prepared. */
    int nvalues = 0;
    for (int i = 0; i < norder; i++) {
        const Tensorflow__NodeDef *nd = g->def->node[order[i]];
        const tf_op *op = tf_op_find(nd->op);
        if (!op) {
            ms_error_set(err, "node '%s': op %s is not supported", nd->name,
                         nd->op);
            goto done;
        }
        base[order[i]] = nvalues;
        nvalues += order[i] == in_edge.node ? 1 : op_outputs(op, g, order[i]);
    }
    p->values = calloc((size_t)nvalues + 1, sizeof *p->values);
    p->steps = malloc(((size_t)norder + 1) * sizeof *p->steps);
    if (!p->values || !p->steps) {
        ms_error_set(err, "out of memory planning the graph");
        goto done;
    }
    p->nvalues = nvalues;
    for (int i = 0; i < norder; i++) {
        int node = order[i];
        const Tensorflow__NodeDef *nd = g->def->node[node];
        /* Each read output must exist: checked here, where counts are
         * known. */
        for (int k = 0; node != in_edge.node && k < g->ninputs[node]; k++) {
            tf_edge e = g->inputs[node][k];
            int have = e.node == in_edge.node ? 1
                       : op_outputs(tf_op_find(g->def->node[e.node]->op), g,
                                    e.node);
            if (e.index >= have) {
                ms_error_set(err, "node '%s': input '%s' has no output %d",
                             nd->name, g->def->node[e.node]->name, e.index);
                goto done;
            }
        }
        if (prepare_node(p, g, tf_op_find(nd->op), node, node == in_edge.node,
                         base, spec, err) < 0) {
            ms_error_prefix(err, "node '%s' (%s)", nd->name, nd->op);
            goto done;
        }
    }
    int outs = out_edge.node == in_edge.node ? 1
               : op_outputs(tf_op_find(g->def->node[out_edge.node]->op), g,
                            out_edge.node);
    if (out_edge.index >= outs) {
        ms_error_set(err, "the output node '%s' has no output %d",
                     g->def->node[out_edge.node]->name, out_edge.index);
        goto done;
    }
    p->output = base[out_edge.node] + out_edge.index;
    p->input = in_edge.node >= 0 ? base[in_edge.node] : -1;
    rc = layout(p, err);
done:
    free(stop);
    free(order);
    free(base);
    return rc;
}

tf_plan *tf_plan_build(const Tensorflow__GraphDef *def,
                       const tf_plan_spec *spec, ms_error *err) {
    tf_graph g;
    if (tf_graph_index(&g, def, err) < 0) return NULL;
    tf_plan *p = calloc(1, sizeof *p);
    if (!p) {
        tf_graph_free(&g);
        ms_error_set(err, "out of memory planning the graph");
        return NULL;
    }
    int rc = build(p, &g, spec, err);
    tf_graph_free(&g);
    if (rc < 0) {
        tf_plan_free(p);
        return NULL;
    }
    return p;
}
