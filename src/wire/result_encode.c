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

static void put_raw(writer *w, const uint8_t *bytes, size_t len) {
    if ((size_t)(w->end - w->p) < len) {
        w->overflow = 1;
        return;
    }
    memcpy(w->p, bytes, len);
    w->p += len;
}

/* A string field from its encoded piece (length varint and bytes); an
 * empty string is left out, as proto3 does. */
static void put_piece(writer *w, unsigned field, const uint8_t *piece,
                      size_t len) {
    if (len <= 1) return; /* a piece of one byte is the length 0 */
    put_tag(w, field, WIRE_BYTES);
    put_raw(w, piece, len);
}

/* One ClassProbability, as the nested message of field 6; its label from
 * its piece when there is one (piece_len 0: none). */
static void put_probability(writer *w, const char *label,
                            const uint8_t *piece, size_t piece_len, double p) {
    size_t len = piece || !label ? 0 : strlen(label);
    size_t label_bytes = piece ? (piece_len > 1 ? 1 + piece_len : 0)
                               : (len ? 1 + varint_size(len) + len : 0);
    put_tag(w, 6, WIRE_BYTES);
    put_varint(w, label_bytes + (p != 0 ? 9 : 0));
    if (piece) {
        put_piece(w, 1, piece, piece_len);
    } else if (len) {
        put_tag(w, 1, WIRE_BYTES);
        put_bytes(w, label, len);
    }
    put_double(w, 2, p);
}

int wire_result_parts_init(wire_result_parts *parts, const wire_result *r,
                           size_t nlabels) {
    if (nlabels > WIRE_MAX_CLASSES) return -1;
    writer w = {parts->bytes, parts->bytes + sizeof parts->bytes, 0};
    put_string(&w, 1, r->data_type);
    put_string(&w, 2, r->model_name);
    put_int(&w, 3, (int64_t)r->model_type);
    parts->head_len = (size_t)(w.p - parts->bytes);
    parts->topic_off = parts->head_len;
    put_string(&w, 8, r->source_topic);
    parts->topic_len = (size_t)(w.p - parts->bytes) - parts->topic_off;
    for (size_t i = 0; i < nlabels && !w.overflow; i++) {
        const char *label = r->class_labels[i] ? r->class_labels[i] : "";
        parts->label_off[i] = (uint16_t)(w.p - parts->bytes);
        put_bytes(&w, label, strlen(label));
        parts->label_len[i] = (uint16_t)(w.p - parts->bytes - parts->label_off[i]);
    }
    parts->class_labels = r->class_labels;
    parts->nlabels = nlabels;
    return w.overflow ? -1 : 0;
}

/* Which of the parts' labels r's label is (it points into the same
 * array); -1 when none. */
static long label_piece(const wire_result_parts *parts, const char *label) {
    for (size_t i = 0; i < parts->nlabels; i++)
        if (parts->class_labels[i] == label) return (long)i;
    return -1;
}

size_t wire_encode_result(const wire_result *r, const wire_result_parts *parts,
                          uint8_t *buf, size_t cap) {
    writer w = {buf, buf + cap, 0};
    if (parts) {
        put_raw(&w, parts->bytes, parts->head_len);
    } else {
        put_string(&w, 1, r->data_type);
        put_string(&w, 2, r->model_name);
        put_int(&w, 3, (int64_t)r->model_type);
    }
    put_double(&w, 4, r->result);
    long label = parts && r->label ? label_piece(parts, r->label) : -1;
    if (label >= 0)
        put_piece(&w, 5, parts->bytes + parts->label_off[label], parts->label_len[label]);
    else
        put_string(&w, 5, r->label);
    size_t n = r->nprobabilities;
    if (n > WIRE_MAX_CLASSES) n = WIRE_MAX_CLASSES;
    int pieces = parts && parts->class_labels == r->class_labels && n <= parts->nlabels;
    for (size_t i = 0; i < n && !w.overflow; i++)
        put_probability(&w, r->class_labels[i],
                        pieces ? parts->bytes + parts->label_off[i] : NULL,
                        pieces ? parts->label_len[i] : 0, r->probabilities[i]);
    put_int(&w, 7, r->duration_ns);
    if (parts)
        put_raw(&w, parts->bytes + parts->topic_off, parts->topic_len);
    else
        put_string(&w, 8, r->source_topic);
    put_int(&w, 9, r->source_partition);
    put_int(&w, 10, r->source_offset);
    put_int(&w, 11, r->timestamp_ms);
    return w.overflow ? 0 : (size_t)(w.p - buf);
}
