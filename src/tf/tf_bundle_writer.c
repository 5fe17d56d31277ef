/*
 * tf_bundle_writer.c - writes what tf_bundle.c and tf_saved.c read, for
 * tests and fuzz seeds (see tf_writer.h): a TensorBundle checkpoint as a
 * LevelDB-format table of one data block (keys unshared, one restart
 * point), an index block pointing at it, an empty metaindex block and the
 * footer; and a saved_model.pb wrapping a GraphDef with a signature.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tf/tf_bundle.h"
#include "tf/tf_wire.h"
#include "tf/tf_writer.h"

#define TABLE_MAGIC 0xdb4775248b80fb57ull

static void put_le32(tf_buf *b, uint32_t v) {
    uint8_t le[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                     (uint8_t)(v >> 24)};
    tf_put_raw(b, le, 4);
}

/* One table entry, its key unshared with the one before. */
static void put_entry(tf_buf *block, const char *key, const tf_buf *value) {
    tf_put_varint(block, 0);
    tf_put_varint(block, strlen(key));
    tf_put_varint(block, value->n);
    tf_put_raw(block, key, strlen(key));
    tf_put_raw(block, value->d, value->n);
}

/* Ends a block with its restart array and appends it and its trailer
 * (no compression, masked CRC of block and type) to file; *off and *size
 * become its handle. */
static void put_block(tf_buf *file, tf_buf *block, uint64_t *off,
                      uint64_t *size) {
    put_le32(block, 0);   /* one restart point, at the first entry */
    put_le32(block, 1);
    *off = file->n;
    *size = block->n;
    tf_put_raw(file, block->d, block->n);
    uint8_t type = 0;
    tf_put_raw(block, &type, 1);
    tf_put_raw(file, &type, 1);
    put_le32(file, block->oom ? 0 : tf_crc32c_masked(block->d, block->n));
    if (block->oom) file->oom = 1;
    free(block->d);
    *block = (tf_buf){0};
}

int tf_writer_bundle(const tf_writer_var *vars, int n, uint8_t **index,
                     size_t *index_len, uint8_t **data, size_t *data_len) {
    tf_buf shard = {0}, block = {0}, file = {0}, value = {0};
    /* The header under the empty key: num_shards (1) = 1. */
    tf_put_tag(&value, 1, 0);
    tf_put_varint(&value, 1);
    put_entry(&block, "", &value);
    free(value.d);
    for (int i = 0; i < n; i++) {
        size_t count = 1;
        for (int d = 0; d < vars[i].rank; d++) count *= (size_t)vars[i].dims[d];
        size_t bytes = count * sizeof(float), offset = shard.n;
        tf_put_raw(&shard, vars[i].values, bytes);
        /* BundleEntryProto: dtype 1, shape 2, offset 4, size 5, crc32c 6. */
        value = (tf_buf){0};
        tf_put_tag(&value, 1, 0);
        tf_put_varint(&value, 1);   /* DT_FLOAT */
        tf_put_shape(&value, 2, vars[i].dims, vars[i].rank);
        tf_put_tag(&value, 4, 0);
        tf_put_varint(&value, offset);
        tf_put_tag(&value, 5, 0);
        tf_put_varint(&value, bytes);
        tf_put_tag(&value, 6, 5);
        put_le32(&value, tf_crc32c_masked((const uint8_t *)vars[i].values, bytes));
        put_entry(&block, vars[i].name, &value);
        free(value.d);
    }
    uint64_t data_off, data_size, meta_off, meta_size, idx_off, idx_size;
    put_block(&file, &block, &data_off, &data_size);
    /* The index: one entry, a key past every data key, the block handle. */
    value = (tf_buf){0};
    tf_put_varint(&value, data_off);
    tf_put_varint(&value, data_size);
    put_entry(&block, "\x7f", &value);
    free(value.d);
    put_block(&file, &block, &idx_off, &idx_size);
    put_block(&file, &block, &meta_off, &meta_size);   /* empty metaindex */
    /* Footer: both handles, zero padding to 40 bytes, the magic. */
    size_t foot = file.n;
    tf_put_varint(&file, meta_off);
    tf_put_varint(&file, meta_size);
    tf_put_varint(&file, idx_off);
    tf_put_varint(&file, idx_size);
    static const uint8_t zeros[40];
    tf_put_raw(&file, zeros, 40 - (file.n - foot));
    put_le32(&file, (uint32_t)TABLE_MAGIC);
    put_le32(&file, (uint32_t)(TABLE_MAGIC >> 32));
    if (file.oom || shard.oom) {
        free(file.d);
        free(shard.d);
        return -1;
    }
    *index = file.d;
    *index_len = file.n;
    *data = shard.d ? shard.d : malloc(1);
    *data_len = shard.n;
    return 0;
}

/* A signature's map entry: key (1), TensorInfo (2) { name (1) }. */
static void put_tensor_entry(tf_buf *sig, int field, const char *key,
                             const char *tensor) {
    tf_buf info = {0}, entry = {0};
    tf_put_str(&info, 1, tensor);
    tf_put_str(&entry, 1, key);
    tf_put_msg(&entry, 2, &info);
    tf_put_msg(sig, field, &entry);
}

uint8_t *tf_writer_saved_model(const uint8_t *graph, size_t graph_len,
                               const char *input, const char *output,
                               size_t *len) {
    tf_buf meta_info = {0}, sig = {0}, sig_entry = {0}, meta = {0}, sm = {0};
    tf_put_str(&meta_info, 4, "serve");            /* MetaInfoDef.tags */
    put_tensor_entry(&sig, 1, "input", input);     /* SignatureDef.inputs */
    put_tensor_entry(&sig, 2, "output", output);   /* SignatureDef.outputs */
    tf_put_str(&sig_entry, 1, "serving_default");
    tf_put_msg(&sig_entry, 2, &sig);
    tf_put_msg(&meta, 1, &meta_info);              /* meta_info_def */
    tf_put_bytes(&meta, 2, graph, graph_len);      /* graph_def */
    tf_put_msg(&meta, 5, &sig_entry);              /* signature_def */
    tf_put_tag(&sm, 1, 0);                         /* schema version 1 */
    tf_put_varint(&sm, 1);
    tf_put_msg(&sm, 2, &meta);                     /* meta_graphs */
    if (sm.oom) {
        free(sm.d);
        return NULL;
    }
    *len = sm.n;
    return sm.d;
}
