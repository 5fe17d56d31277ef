/*
 * tf_writer.c - GraphDef writer (see tf_writer.h).
 *
 * Each message is encoded into its own growable buffer and appended to its
 * parent as a length-delimited field; the node being written is flushed to
 * the graph when the next one starts. Out of memory is remembered and
 * reported once, by tf_writer_graph() returning NULL.
 */
#include "tf/tf_writer.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tf/tf_wire.h"

struct tf_writer {
    tf_buf graph, node;
    int in_node;
};

tf_writer *tf_writer_new(void) { return calloc(1, sizeof(tf_writer)); }

static void flush_node(tf_writer *w) {
    if (w->in_node) tf_put_msg(&w->graph, 1, &w->node);
    w->in_node = 0;
}

/* A node without inputs; the nodes made here use it rather than a variadic
 * call whose NULL sentinel would have to be a pointer. */
static void begin_node(tf_writer *w, const char *name, const char *op) {
    flush_node(w);
    w->in_node = 1;
    tf_put_str(&w->node, 1, name);                 /* NodeDef.name */
    tf_put_str(&w->node, 2, op);                   /* NodeDef.op */
}

void tf_writer_node(tf_writer *w, const char *name, const char *op, ...) {
    begin_node(w, name, op);
    va_list ap;
    va_start(ap, op);
    for (const char *in; (in = va_arg(ap, const char *));)
        tf_put_str(&w->node, 3, in);               /* NodeDef.input */
    va_end(ap);
}

/* NodeDef.attr (5) entry: key (1), AttrValue (2). */
static void put_attr(tf_writer *w, const char *key, tf_buf *value) {
    tf_buf entry = {0};
    tf_put_str(&entry, 1, key);
    tf_put_msg(&entry, 2, value);
    tf_put_msg(&w->node, 5, &entry);
}

void tf_writer_attr_int(tf_writer *w, const char *key, int64_t v) {
    tf_buf a = {0};
    tf_put_tag(&a, 3, 0);                          /* AttrValue.i */
    tf_put_varint(&a, (uint64_t)v);
    put_attr(w, key, &a);
}

void tf_writer_attr_float(tf_writer *w, const char *key, float v) {
    tf_buf a = {0};
    uint32_t bits;
    memcpy(&bits, &v, 4);
    uint8_t le[4] = {(uint8_t)bits, (uint8_t)(bits >> 8),
                     (uint8_t)(bits >> 16), (uint8_t)(bits >> 24)};
    tf_put_tag(&a, 4, 5);                          /* AttrValue.f, fixed32 */
    tf_put_raw(&a, le, 4);
    put_attr(w, key, &a);
}

void tf_writer_attr_bool(tf_writer *w, const char *key, int v) {
    tf_buf a = {0};
    tf_put_tag(&a, 5, 0);                          /* AttrValue.b */
    tf_put_varint(&a, v != 0);
    put_attr(w, key, &a);
}

void tf_writer_attr_type(tf_writer *w, const char *key, int dtype) {
    tf_buf a = {0};
    tf_put_tag(&a, 6, 0);                          /* AttrValue.type */
    tf_put_varint(&a, (uint64_t)dtype);
    put_attr(w, key, &a);
}

void tf_writer_attr_str(tf_writer *w, const char *key, const char *v) {
    tf_buf a = {0};
    tf_put_str(&a, 2, v);                          /* AttrValue.s */
    put_attr(w, key, &a);
}

void tf_writer_attr_shape(tf_writer *w, const char *key, const int64_t *dims,
                          int rank) {
    tf_buf a = {0};
    tf_put_shape(&a, 7, dims, rank);               /* AttrValue.shape */
    put_attr(w, key, &a);
}

void tf_writer_attr_ints(tf_writer *w, const char *key, const int64_t *v,
                         int n) {
    tf_buf list = {0}, packed = {0}, a = {0};
    for (int i = 0; i < n; i++) tf_put_varint(&packed, (uint64_t)v[i]);
    tf_put_msg(&list, 3, &packed);                 /* ListValue.i, packed */
    tf_put_msg(&a, 1, &list);                      /* AttrValue.list */
    put_attr(w, key, &a);
}

static size_t dtype_bytes(int dtype) {
    return dtype == 9 ? 8 : dtype == 10 ? 1 : 4;
}

void tf_writer_attr_tensor(tf_writer *w, const char *key, int dtype,
                           const int64_t *dims, int rank, const void *data) {
    tf_buf t = {0}, a = {0};
    size_t count = 1;
    for (int i = 0; i < rank; i++) count *= (size_t)dims[i];
    tf_put_tag(&t, 1, 0);                          /* TensorProto.dtype */
    tf_put_varint(&t, (uint64_t)dtype);
    tf_put_shape(&t, 2, dims, rank);               /* TensorProto.tensor_shape */
    tf_put_bytes(&t, 4, data, count * dtype_bytes(dtype)); /* tensor_content */
    tf_put_msg(&a, 8, &t);                         /* AttrValue.tensor */
    put_attr(w, key, &a);
}

void tf_writer_const(tf_writer *w, const char *name, int dtype,
                     const int64_t *dims, int rank, const void *data) {
    begin_node(w, name, "Const");
    tf_writer_attr_type(w, "dtype", dtype);
    tf_writer_attr_tensor(w, "value", dtype, dims, rank, data);
}

void tf_writer_placeholder(tf_writer *w, const char *name,
                           const int64_t *dims, int rank) {
    begin_node(w, name, "Placeholder");
    tf_writer_attr_type(w, "dtype", 1);
    tf_writer_attr_shape(w, "shape", dims, rank);
}

uint8_t *tf_writer_graph(tf_writer *w, size_t *len) {
    if (!w) return NULL;
    flush_node(w);
    uint8_t *out = NULL;
    if (!w->graph.oom && !w->node.oom) {
        out = w->graph.d ? w->graph.d : malloc(1);
        *len = w->graph.n;
        w->graph.d = NULL;
    }
    free(w->graph.d);
    free(w->node.d);
    free(w);
    return out;
}
