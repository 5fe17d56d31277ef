/*
 * tf_wire.h - protobuf wire-format encoding for the writers (tf_writer.c,
 * tf_bundle_writer.c): growable buffers, varints, tags, length-delimited
 * fields and nested messages. A buffer that fails to grow remembers it
 * (oom) and ignores further writes.
 */
#ifndef MS_TF_WIRE_H
#define MS_TF_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct tf_buf {
    uint8_t *d;
    size_t n, cap;
    int oom;
} tf_buf;

static inline void tf_put_raw(tf_buf *b, const void *p, size_t n) {
    if (b->oom) return;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n) cap *= 2;
        uint8_t *d = realloc(b->d, cap);
        if (!d) {
            b->oom = 1;
            return;
        }
        b->d = d;
        b->cap = cap;
    }
    if (n) memcpy(b->d + b->n, p, n);
    b->n += n;
}

static inline void tf_put_varint(tf_buf *b, uint64_t v) {
    uint8_t tmp[10];
    int n = 0;
    do {
        tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    tf_put_raw(b, tmp, (size_t)n);
}

static inline void tf_put_tag(tf_buf *b, int field, int wire) {
    tf_put_varint(b, (uint64_t)field << 3 | (uint64_t)wire);
}

static inline void tf_put_bytes(tf_buf *b, int field, const void *p, size_t n) {
    tf_put_tag(b, field, 2);
    tf_put_varint(b, n);
    tf_put_raw(b, p, n);
}

/* Appends sub as field of b, then frees sub. */
static inline void tf_put_msg(tf_buf *b, int field, tf_buf *sub) {
    if (sub->oom) b->oom = 1;
    tf_put_bytes(b, field, sub->d, sub->n);
    free(sub->d);
    *sub = (tf_buf){0};
}

static inline void tf_put_str(tf_buf *b, int field, const char *s) {
    tf_put_bytes(b, field, s, strlen(s));
}

/* TensorShapeProto: dim (2) { size (1) }. */
static inline void tf_put_shape(tf_buf *b, int field, const int64_t *dims, int rank) {
    tf_buf s = {0};
    for (int i = 0; i < rank; i++) {
        tf_buf d = {0};
        tf_put_tag(&d, 1, 0);
        tf_put_varint(&d, (uint64_t)dims[i]);
        tf_put_msg(&s, 2, &d);
    }
    tf_put_msg(b, field, &s);
}

#endif
