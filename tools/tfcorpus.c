/*
 * tfcorpus.c - writes the seed corpus of fuzz/fuzz_tf.c: small graphs,
 * a SavedModel tar and a checkpoint index, all made by our own writer
 * (tf/tf_writer.h), each file prefixed with the byte that tells the fuzz
 * target what it is (0 GraphDef, 1 SavedModel tar, 2 variables.index).
 *
 *   tfcorpus fuzz/corpus/tf
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tf/tf_writer.h"

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define FLOATS(...) ((const float[]){__VA_ARGS__})
#define INTS(...) ((const int32_t[]){__VA_ARGS__})

static int write_seed(const char *dir, const char *name, int kind,
                      const uint8_t *data, size_t len) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return -1;
    }
    uint8_t k = (uint8_t)kind;
    int ok = fwrite(&k, 1, 1, f) == 1 && fwrite(data, 1, len, f) == len;
    ok &= fclose(f) == 0;
    if (!ok) fprintf(stderr, "tfcorpus: writing %s failed\n", path);
    return ok ? 0 : -1;
}

static int graph_seed(const char *dir, const char *name, tf_writer *w) {
    size_t len;
    uint8_t *pb = tf_writer_graph(w, &len);
    int rc = pb ? write_seed(dir, name, 0, pb, len) : -1;
    free(pb);
    return rc;
}

/* x[1,3] -> dense 3x2 -> Relu -> Softmax. */
static tf_writer *dense(void) {
    tf_writer *w = tf_writer_new();
    tf_writer_placeholder(w, "x", DIMS(-1, 3), 2);
    tf_writer_const(w, "W", 1, DIMS(3, 2), 2, FLOATS(1, -1, 0.5, 2, -3, 1));
    tf_writer_const(w, "b", 1, DIMS(2), 1, FLOATS(0.1f, -0.2f));
    tf_writer_node(w, "mm", "MatMul", "x", "W", NULL);
    tf_writer_node(w, "ba", "BiasAdd", "mm", "b", NULL);
    tf_writer_node(w, "r", "Relu", "ba", NULL);
    tf_writer_node(w, "y", "Softmax", "r", NULL);
    return w;
}

/* Reshape, Transpose, ConcatV2, StridedSlice, Sum, ArgMax. */
static tf_writer *shapes(void) {
    tf_writer *w = tf_writer_new();
    tf_writer_placeholder(w, "x", DIMS(1, 6), 2);
    tf_writer_const(w, "shape", 3, DIMS(2), 1, INTS(2, 3));
    tf_writer_node(w, "m", "Reshape", "x", "shape", NULL);
    tf_writer_const(w, "perm", 3, DIMS(2), 1, INTS(1, 0));
    tf_writer_node(w, "t", "Transpose", "m", "perm", NULL);
    tf_writer_const(w, "ax", 3, DIMS(0), 0, INTS(0));
    tf_writer_node(w, "c", "ConcatV2", "t", "t", "ax", NULL);
    tf_writer_const(w, "b", 3, DIMS(2), 1, INTS(0, 1));
    tf_writer_const(w, "e", 3, DIMS(2), 1, INTS(6, 2));
    tf_writer_const(w, "s", 3, DIMS(2), 1, INTS(2, 1));
    tf_writer_node(w, "sl", "StridedSlice", "c", "b", "e", "s", NULL);
    tf_writer_attr_int(w, "end_mask", 1);
    tf_writer_const(w, "one", 3, DIMS(0), 0, INTS(1));
    tf_writer_node(w, "sum", "Sum", "sl", "one", NULL);
    tf_writer_attr_bool(w, "keep_dims", 1);
    tf_writer_node(w, "y", "ArgMax", "sum", "ax", NULL);
    return w;
}

/* Select, Cast, FusedBatchNorm, Pack, Fill(Shape). */
static tf_writer *misc(void) {
    static const uint8_t cond[] = {1, 0};
    tf_writer *w = tf_writer_new();
    tf_writer_placeholder(w, "x", DIMS(-1, 2), 2);
    tf_writer_const(w, "c", 10, DIMS(1, 2), 2, cond);
    tf_writer_node(w, "n", "Neg", "x", NULL);
    tf_writer_node(w, "sel", "Select", "c", "x", "n", NULL);
    tf_writer_const(w, "shape", 3, DIMS(4), 1, INTS(1, 1, 1, 2));
    tf_writer_node(w, "x4", "Reshape", "sel", "shape", NULL);
    tf_writer_const(w, "v", 1, DIMS(2), 1, FLOATS(1, 2));
    tf_writer_node(w, "bn", "FusedBatchNormV3", "x4", "v", "v", "v", "v", NULL);
    tf_writer_attr_bool(w, "is_training", 0);
    tf_writer_node(w, "sh", "Shape", "bn", NULL);
    tf_writer_const(w, "half", 1, DIMS(0), 0, FLOATS(0.5f));
    tf_writer_node(w, "f", "Fill", "sh", "half", NULL);
    tf_writer_node(w, "p", "Pack", "bn", "f", NULL);
    tf_writer_node(w, "i", "Cast", "p", NULL);
    tf_writer_attr_type(w, "SrcT", 1);
    tf_writer_attr_type(w, "DstT", 3);
    return w;
}

static int saved_seeds(const char *dir) {
    tf_writer *w = tf_writer_new();
    tf_writer_placeholder(w, "x", DIMS(-1, 2), 2);
    tf_writer_node(w, "w", "VariableV2", NULL);
    tf_writer_attr_type(w, "dtype", 1);
    tf_writer_attr_shape(w, "shape", DIMS(2, 2), 2);
    tf_writer_node(w, "b", "VarHandleOp", NULL);
    tf_writer_node(w, "b/read", "ReadVariableOp", "b", NULL);
    tf_writer_node(w, "mm", "MatMul", "x", "w", NULL);
    tf_writer_node(w, "y", "AddV2", "mm", "b/read", NULL);
    size_t glen, slen, ilen, dlen, tlen;
    uint8_t *graph = tf_writer_graph(w, &glen);
    uint8_t *sm = graph ? tf_writer_saved_model(graph, glen, "x:0", "y:0", &slen)
                        : NULL;
    free(graph);
    /* Zeros, so the fuzz target's zero data shard matches the index. */
    static const float zeros[4];
    const tf_writer_var vars[] = {{"b", DIMS(2), 1, zeros},
                                  {"w", DIMS(2, 2), 2, zeros}};
    uint8_t *index = NULL, *data = NULL;
    if (!sm || tf_writer_bundle(vars, 2, &index, &ilen, &data, &dlen) < 0) {
        free(sm);
        return -1;
    }
    const char *paths[] = {"1/saved_model.pb", "1/variables/variables.index",
                           "1/variables/variables.data-00000-of-00001"};
    const uint8_t *contents[] = {sm, index, data};
    size_t lens[] = {slen, ilen, dlen};
    size_t cap = 1 << 16;
    uint8_t *tar = malloc(cap);
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    int rc = tar && archive_write_open_memory(a, tar, cap, &tlen) == ARCHIVE_OK
                 ? 0 : -1;
    for (int i = 0; rc == 0 && i < 3; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, paths[i]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)lens[i]);
        archive_entry_set_mtime(e, 0, 0);   /* the same bytes every run */
        if (archive_write_header(a, e) != ARCHIVE_OK ||
            archive_write_data(a, contents[i], lens[i]) != (la_ssize_t)lens[i])
            rc = -1;
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    if (rc == 0) rc = write_seed(dir, "saved_tar", 1, tar, tlen);
    if (rc == 0) rc = write_seed(dir, "bundle_index", 2, index, ilen);
    free(tar);
    free(sm);
    free(index);
    free(data);
    return rc;
}

int main(int argc, char **argv) {
    if (argc != 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs("Usage: tfcorpus DIR\n"
              "Writes the seed corpus of the fuzz_tf target into DIR: small\n"
              "GraphDefs, a SavedModel tar and a checkpoint index made by the\n"
              "project's own TensorFlow writer.\n", argc == 2 ? stdout : stderr);
        return argc == 2 ? 0 : 2;
    }
    const char *dir = argv[1];
    int rc = graph_seed(dir, "graph_dense", dense());
    rc |= graph_seed(dir, "graph_shapes", shapes());
    rc |= graph_seed(dir, "graph_misc", misc());
    rc |= saved_seeds(dir);
    return rc ? 1 : 0;
}
