/*
 * result_encode.c - the ServingResult, encoded by hand: one is written for
 * every scored record, and protobuf-c's generic packer walks the message's
 * field descriptors twice per result (once to size it, once to write it),
 * which cost more than scoring a decision tree. This writes the bytes in
 * one pass, straight into the caller's buffer.
 *
 * The output is protobuf-c's byte for byte (tests/wire/test_wire.c checks
 * it against protobuf-c's packer): fields in number order, proto3 defaults
 * (0, 0.0, "", an empty list) left out, doubles as eight little-endian
 * bytes, negative int32/int64 as ten-byte varints, each class probability
 * a nested message (label = 1, probability = 2).
 */
#include <string.h>

#include "wire/wire.h"

/* Largest class count a result carries; more would not fit a sane message. */
#define WIRE_MAX_CLASSES 256

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_BYTES = 2 };

/* A bounded writer: once something did not fit, nothing more is written
 * and the result is 0. */
typedef struct writer {
    uint8_t *p, *end;
    int overflow;
} writer;

static size_t varint_size(uint64_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static inline void put_varint(writer *w, uint64_t v) {
    if (v < 0x80 && w->p < w->end) { /* tags, lengths: nearly always */
        *w->p++ = (uint8_t)v;
        return;
    }
    if ((size_t)(w->end - w->p) < varint_size(v)) {
        w->overflow = 1;
        return;
    }
    while (v >= 0x80) {
        *w->p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *w->p++ = (uint8_t)v;
}

static inline void put_tag(writer *w, unsigned field, unsigned wire_type) {
    put_varint(w, (uint64_t)field << 3 | wire_type);
}

/* proto3 leaves out a double that is zero (either sign), as protobuf-c. */
static void put_double(writer *w, unsigned field, double v) {
    if (v == 0) return;
    put_tag(w, field, WIRE_FIXED64);
    if (w->end - w->p < 8) {
        w->overflow = 1;
        return;
    }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(w->p, &v, 8);
    w->p += 8;
#else
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; i++) *w->p++ = (uint8_t)(bits >> (8 * i));
#endif
}

/* int32 and int64 alike: a negative value is sign-extended to 64 bits. */
static void put_int(writer *w, unsigned field, int64_t v) {
    if (v == 0) return;
    put_tag(w, field, WIRE_VARINT);
    put_varint(w, (uint64_t)v);
}

static void put_bytes(writer *w, const char *s, size_t len) {
    put_varint(w, len);
    if ((size_t)(w->end - w->p) < len) {
        w->overflow = 1;
        return;
    }
    memcpy(w->p, s, len);
    w->p += len;
}

static void put_string(writer *w, unsigned field, const char *s) {
    size_t len = s ? strlen(s) : 0;
    if (len == 0) return;
    put_tag(w, field, WIRE_BYTES);
    put_bytes(w, s, len);
}

/* One ClassProbability, as the nested message of field 6. */
static void put_probability(writer *w, const char *label, double p) {
    size_t len = label ? strlen(label) : 0;
    size_t body = (len ? 1 + varint_size(len) + len : 0) + (p != 0 ? 9 : 0);
    put_tag(w, 6, WIRE_BYTES);
    put_varint(w, body);
    if (len) {
        put_tag(w, 1, WIRE_BYTES);
        put_bytes(w, label, len);
    }
    put_double(w, 2, p);
}

size_t wire_encode_result(const wire_result *r, uint8_t *buf, size_t cap) {
    writer w = {buf, buf + cap, 0};
    put_string(&w, 1, r->data_type);
    put_string(&w, 2, r->model_name);
    put_int(&w, 3, (int64_t)r->model_type);
    put_double(&w, 4, r->result);
    put_string(&w, 5, r->label);
    size_t n = r->nprobabilities;
    if (n > WIRE_MAX_CLASSES) n = WIRE_MAX_CLASSES;
    for (size_t i = 0; i < n && !w.overflow; i++)
        put_probability(&w, r->class_labels[i], r->probabilities[i]);
    put_int(&w, 7, r->duration_ns);
    put_string(&w, 8, r->source_topic);
    put_int(&w, 9, r->source_partition);
    put_int(&w, 10, r->source_offset);
    put_int(&w, 11, r->timestamp_ms);
    return w.overflow ? 0 : (size_t)(w.p - buf);
}
