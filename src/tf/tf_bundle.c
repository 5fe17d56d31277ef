/*
 * tf_bundle.c - reads TensorBundle checkpoints (see tf_bundle.h).
 *
 * variables.index is a LevelDB-format table (TensorFlow's lib/io/table):
 * data blocks of prefix-compressed key/value entries with a restart array
 * at the end, an index block whose values are the data blocks' handles,
 * and a 48-byte footer holding the index block's handle and a magic
 * number. Every length and offset read from the file is checked against
 * what is left of it before use. Compressed blocks are refused (TensorFlow
 * writes bundles uncompressed). The empty key holds a BundleHeaderProto;
 * every other key a BundleEntryProto, whose CRC32C (masked, as TensorFlow
 * stores it) is checked against the shard's bytes.
 */
#include "tf/tf_bundle.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOOTER_LEN 48
#define BLOCK_TRAILER 5                      /* compression type + CRC */
#define TABLE_MAGIC 0xdb4775248b80fb57ull
#define MAX_KEY 65536
#define MAX_SHARDS 1024

typedef struct entry {
    char *key;
    const uint8_t *value;   /* into index */
    size_t len;
} entry;

struct tf_bundle {
    uint8_t *index;
    size_t index_len;
    entry *entries;
    size_t n, cap;
    uint8_t **shards;
    size_t *shard_len;
    int nshards;
};

/* ---- Reading the table ------------------------------------------------- */

static int varint(const uint8_t **p, const uint8_t *end, uint64_t *v) {
    *v = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t c = *(*p)++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return 0;
    }
    return -1;
}

static int handle(const uint8_t **p, const uint8_t *end, uint64_t *off,
                  uint64_t *size) {
    return varint(p, end, off) < 0 || varint(p, end, size) < 0 ? -1 : 0;
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* The block at a handle, without its trailer: [*start, *start + *len). */
static int block(const tf_bundle *b, uint64_t off, uint64_t size,
                 const uint8_t **start, size_t *len, ms_error *err) {
    if (off > b->index_len || size > b->index_len - off ||
        BLOCK_TRAILER > b->index_len - off - size)
        return ms_error_set(err, "a block lies outside variables.index");
    if (b->index[off + size] != 0)
        return ms_error_set(err, "variables.index has compressed blocks "
                                 "(type %d), which are not supported",
                            b->index[off + size]);
    *start = b->index + off;
    *len = (size_t)size;
    return 0;
}

/* Calls fn for each entry of a block, keys rebuilt from their shared
 * prefixes. */
static int block_entries(const uint8_t *data, size_t len,
                         int (*fn)(void *, const char *, size_t,
                                   const uint8_t *, size_t, ms_error *),
                         void *ctx, ms_error *err) {
    if (len < 4) return ms_error_set(err, "a block is too short");
    uint32_t restarts = le32(data + len - 4);
    if (restarts > (len - 4) / 4)
        return ms_error_set(err, "a block's restart count is corrupt");
    const uint8_t *p = data, *end = data + len - 4 - 4 * (size_t)restarts;
    char *key = malloc(MAX_KEY + 1);
    size_t key_len = 0;
    int rc = 0;
    if (!key) return ms_error_set(err, "out of memory reading the index");
    while (p < end) {
        uint64_t shared, unshared, vlen;
        if (varint(&p, end, &shared) < 0 || varint(&p, end, &unshared) < 0 ||
            varint(&p, end, &vlen) < 0 || shared > key_len ||
            unshared > MAX_KEY - shared || unshared > (uint64_t)(end - p) ||
            vlen > (uint64_t)(end - p) - unshared) {
            rc = ms_error_set(err, "a block entry is corrupt");
            break;
        }
        memcpy(key + shared, p, (size_t)unshared);
        key_len = (size_t)(shared + unshared);
        key[key_len] = '\0';
        p += unshared;
        if ((rc = fn(ctx, key, key_len, p, (size_t)vlen, err)) < 0) break;
        p += vlen;
    }
    free(key);
    return rc;
}

static int add_entry(void *ctx, const char *key, size_t key_len,
                     const uint8_t *value, size_t len, ms_error *err) {
    tf_bundle *b = ctx;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        entry *e = realloc(b->entries, cap * sizeof *e);
        if (!e) return ms_error_set(err, "out of memory reading the index");
        b->entries = e;
        b->cap = cap;
    }
    char *k = strndup(key, key_len);
    if (!k) return ms_error_set(err, "out of memory reading the index");
    b->entries[b->n++] = (entry){k, value, len};
    return 0;
}

/* An index-block entry: its value is a data block's handle. */
static int add_block(void *ctx, const char *key, size_t key_len,
                     const uint8_t *value, size_t len, ms_error *err) {
    (void)key;
    (void)key_len;
    tf_bundle *b = ctx;
    uint64_t off, size;
    const uint8_t *data;
    size_t dlen;
    if (handle(&value, value + len, &off, &size) < 0)
        return ms_error_set(err, "a block handle is corrupt");
    if (block(b, off, size, &data, &dlen, err) < 0) return -1;
    return block_entries(data, dlen, add_entry, b, err);
}

static int read_table(tf_bundle *b, ms_error *err) {
    if (b->index_len < FOOTER_LEN)
        return ms_error_set(err, "variables.index is too short for a table");
    const uint8_t *foot = b->index + b->index_len - FOOTER_LEN;
    uint64_t magic = (uint64_t)le32(foot + 40) | (uint64_t)le32(foot + 44) << 32;
    if (magic != TABLE_MAGIC)
        return ms_error_set(err, "variables.index is not a table (bad "
                                 "magic number)");
    const uint8_t *p = foot, *end = foot + 40;
    uint64_t moff, msize, ioff, isize;
    const uint8_t *data;
    size_t len;
    if (handle(&p, end, &moff, &msize) < 0 || handle(&p, end, &ioff, &isize) < 0)
        return ms_error_set(err, "the table footer is corrupt");
    if (block(b, ioff, isize, &data, &len, err) < 0) return -1;
    return block_entries(data, len, add_block, b, err);
}

/* ---- CRC32C ------------------------------------------------------------ */

static uint32_t crc_table[256];

/* The Castagnoli polynomial, reflected. */
static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        crc_table[i] = c;
    }
}

static uint32_t crc32c(const uint8_t *p, size_t n) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, crc_init);
    const uint32_t *table = crc_table;
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

/* TensorFlow stores CRCs masked, so a CRC of data holding CRCs stays
 * useful. */
uint32_t tf_crc32c_masked(const uint8_t *p, size_t n) {
    uint32_t c = crc32c(p, n);
    return ((c >> 15) | (c << 17)) + 0xa282ead8u;
}

/* ---- The bundle -------------------------------------------------------- */

static const entry *find(const tf_bundle *b, const char *key) {
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->entries[i].key, key) == 0) return &b->entries[i];
    return NULL;
}

static int read_shards(tf_bundle *b, const tf_files *files,
                       const char *prefix, ms_error *err) {
    const entry *h = find(b, "");
    int nshards = 1;
    if (h) {
        Tensorflow__BundleHeaderProto *hp =
            tensorflow__bundle_header_proto__unpack(NULL, h->len, h->value);
        if (!hp) return ms_error_set(err, "the bundle header is corrupt");
        nshards = hp->num_shards;
        int big = hp->endianness != TENSORFLOW__BUNDLE_HEADER_PROTO__ENDIANNESS__LITTLE;
        tensorflow__bundle_header_proto__free_unpacked(hp, NULL);
        if (big)
            return ms_error_set(err, "the bundle is big-endian; only "
                                     "little-endian is supported");
    }
    if (nshards < 1 || nshards > MAX_SHARDS)
        return ms_error_set(err, "the bundle has %d shards", nshards);
    b->shards = calloc((size_t)nshards, sizeof *b->shards);
    b->shard_len = calloc((size_t)nshards, sizeof *b->shard_len);
    if (!b->shards || !b->shard_len)
        return ms_error_set(err, "out of memory reading the bundle");
    b->nshards = nshards;
    for (int i = 0; i < nshards; i++) {
        char rel[4096];
        snprintf(rel, sizeof rel, "%s.data-%05d-of-%05d", prefix, i, nshards);
        if (tf_files_read(files, rel, &b->shards[i], &b->shard_len[i], err) < 0)
            return -1;
    }
    return 0;
}

tf_bundle *tf_bundle_open(const tf_files *files, const char *prefix,
                          ms_error *err) {
    tf_bundle *b = calloc(1, sizeof *b);
    char rel[4096];
    if (!b) {
        ms_error_set(err, "out of memory reading the bundle");
        return NULL;
    }
    snprintf(rel, sizeof rel, "%s.index", prefix);
    if (tf_files_read(files, rel, &b->index, &b->index_len, err) < 0 ||
        read_table(b, err) < 0 || read_shards(b, files, prefix, err) < 0) {
        ms_error_prefix(err, "checkpoint '%s'", prefix);
        tf_bundle_free(b);
        return NULL;
    }
    return b;
}

int tf_bundle_get(const tf_bundle *b, const char *name, tf_value *v,
                  void **data, ms_error *err) {
    *data = NULL;
    const entry *e = name[0] ? find(b, name) : NULL;
    if (!e) return ms_error_set(err, "the checkpoint has no variable '%s'", name);
    Tensorflow__BundleEntryProto *ep =
        tensorflow__bundle_entry_proto__unpack(NULL, e->len, e->value);
    if (!ep) return ms_error_set(err, "variable '%s': its entry is corrupt", name);
    int64_t dims[TF_MAX_RANK];
    int rank, rc = 0;
    if (ep->n_slices) {
        rc = ms_error_set(err, "variable '%s' is partitioned, which is not "
                               "supported", name);
    } else if (tf_dtype_check(ep->dtype, &v->dtype, err) < 0 ||
               tf_shape_proto(ep->shape, dims, &rank, err) < 0 ||
               tf_set_shape(v, dims, rank, err) < 0) {
        rc = ms_error_prefix(err, "variable '%s'", name);
    } else if (ep->shard_id < 0 || ep->shard_id >= b->nshards ||
               ep->offset < 0 || ep->size < 0 ||
               (uint64_t)ep->offset > b->shard_len[ep->shard_id] ||
               (uint64_t)ep->size > b->shard_len[ep->shard_id] - (uint64_t)ep->offset) {
        rc = ms_error_set(err, "variable '%s' lies outside its shard", name);
    } else if ((uint64_t)ep->size != (uint64_t)v->count * tf_dtype_size(v->dtype)) {
        rc = ms_error_set(err, "variable '%s' has %lld bytes, its shape needs "
                               "%lld", name, (long long)ep->size,
                          (long long)(v->count * (int64_t)tf_dtype_size(v->dtype)));
    } else {
        const uint8_t *src = b->shards[ep->shard_id] + ep->offset;
        if (tf_crc32c_masked(src, (size_t)ep->size) != ep->crc32c) {
            rc = ms_error_set(err, "variable '%s' fails its CRC check (the "
                                   "checkpoint is damaged)", name);
        } else if (!(*data = malloc((size_t)ep->size + 1))) {
            rc = ms_error_set(err, "out of memory reading variable '%s'", name);
        } else {
            memcpy(*data, src, (size_t)ep->size);
        }
    }
    tensorflow__bundle_entry_proto__free_unpacked(ep, NULL);
    return rc;
}

void tf_bundle_free(tf_bundle *b) {
    if (!b) return;
    for (size_t i = 0; i < b->n; i++) free(b->entries[i].key);
    free(b->entries);
    for (int i = 0; i < b->nshards; i++) free(b->shards[i]);
    free(b->shards);
    free(b->shard_len);
    free(b->index);
    free(b);
}
