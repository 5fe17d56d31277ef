/*
 * tf_writer.h - writes GraphDefs: the small graphs the tests, the fuzz seed
 * corpus and demogen make. Independent of the reader: it encodes the
 * protobuf wire format by hand with TensorFlow's field numbers.
 *
 *   tf_writer *w = tf_writer_new();
 *   tf_writer_placeholder(w, "x", (int64_t[]){-1, 2}, 2);
 *   tf_writer_node(w, "y", "Relu", "x", NULL);
 *   uint8_t *pb = tf_writer_graph(w, &len);   // malloc'd; w is freed
 */
#ifndef MS_TF_WRITER_H
#define MS_TF_WRITER_H

#include <stddef.h>
#include <stdint.h>

typedef struct tf_writer tf_writer;

tf_writer *tf_writer_new(void);

/* Starts a node reading the NULL-terminated input names; the attributes
 * that follow belong to it. */
void tf_writer_node(tf_writer *w, const char *name, const char *op, ...)
    __attribute__((sentinel));

void tf_writer_attr_int(tf_writer *w, const char *key, int64_t v);
void tf_writer_attr_float(tf_writer *w, const char *key, float v);
void tf_writer_attr_bool(tf_writer *w, const char *key, int v);
void tf_writer_attr_type(tf_writer *w, const char *key, int dtype);
void tf_writer_attr_str(tf_writer *w, const char *key, const char *v);
void tf_writer_attr_shape(tf_writer *w, const char *key, const int64_t *dims,
                          int rank);
void tf_writer_attr_ints(tf_writer *w, const char *key, const int64_t *v,
                         int n);
/* A tensor attribute with its values as tensor_content (little-endian;
 * dtype 1 float, 3 int32, 9 int64, 10 bool). */
void tf_writer_attr_tensor(tf_writer *w, const char *key, int dtype,
                           const int64_t *dims, int rank, const void *data);

/* A Const node (dtype and value attributes). */
void tf_writer_const(tf_writer *w, const char *name, int dtype,
                     const int64_t *dims, int rank, const void *data);
/* A float32 Placeholder with a shape attribute. */
void tf_writer_placeholder(tf_writer *w, const char *name,
                           const int64_t *dims, int rank);

/* A float32 variable for tf_writer_bundle(). */
typedef struct tf_writer_var {
    const char *name;
    const int64_t *dims;
    int rank;
    const float *values;
} tf_writer_var;

/* A TensorBundle checkpoint of n variables (names in increasing strcmp
 * order): the variables.index table and its one data shard, malloc'd.
 * Returns 0, or -1 when out of memory. */
int tf_writer_bundle(const tf_writer_var *vars, int n, uint8_t **index,
                     size_t *index_len, uint8_t **data, size_t *data_len);

/* A saved_model.pb whose one MetaGraph (tagged serve) holds graph and a
 * serving_default signature from tensor input to tensor output ("x:0").
 * malloc'd, or NULL when out of memory. */
uint8_t *tf_writer_saved_model(const uint8_t *graph, size_t graph_len,
                               const char *input, const char *output,
                               size_t *len);

/* The GraphDef's bytes (malloc'd, *len set), or NULL when out of memory;
 * frees w either way. */
uint8_t *tf_writer_graph(tf_writer *w, size_t *len);

#endif
