/*
 * wine_decode.c - the seed's WineRecord, decoded by hand: it is every record
 * of the seed's stream, so it is decoded without allocating, straight from
 * the message bytes into the record (protobuf-c's unpack mallocs a message
 * and its string per record, then frees them).
 *
 * The wire format is proto3's: a sequence of (tag varint, value), the tag
 * being field number << 3 | wire type. Fields 1..11 are doubles (wire type
 * 1, eight little-endian bytes), field 12 the dataType string (wire type 2,
 * a length varint then the bytes). As protobuf requires, a field given
 * twice keeps its last value, fields may come in any order, and unknown
 * fields are skipped whatever their type; a known field of the wrong wire
 * type, a truncated value, a group or field number 0 is an error. Tags are
 * read as protobuf-c reads them (at most 5 bytes, bits past 32 dropped).
 * fuzz_wire_decode checks that whatever both decoders accept decodes to the
 * same record, and that this one refuses nothing protobuf-c accepts but a
 * field number 0 (which protobuf-c lets through in some encodings) and a
 * NUL inside dataType (where protobuf-c cuts the string short), and that
 * it refuses infinite features (NaN is a missing value).
 * tests/wire/test_wire.c checks this decoder against protobuf-c's.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/schema.h"
#include "wire/wire.h"

enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_BYTES = 2, WIRE_FIXED32 = 5 };

/* Reads a varint of at most max_bytes at *p, inside end; -1 when truncated
 * or longer. Values take up to 10 bytes, tags up to 5 (as protobuf-c). */
static int read_varint(const uint8_t **p, const uint8_t *end, int max_bytes,
                       uint64_t *v) {
    uint64_t x = 0;
    for (int shift = 0; shift < 7 * max_bytes && *p < end; shift += 7) {
        uint8_t byte = *(*p)++;
        x |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* Eight little-endian bytes. On a little-endian host that is one load: gcc
 * does not merge the portable byte loop into one (callgrind: 57
 * instructions per double, half of decoding a WineRecord). */
static double read_double(const uint8_t *p) {
    double d;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(&d, p, sizeof d);
#else
    uint64_t bits = 0;
    for (int i = 7; i >= 0; i--) bits = bits << 8 | p[i];
    memcpy(&d, &bits, sizeof d);
#endif
    return d;
}

/* Skips the value of an unknown field; -1 when it cannot be skipped. */
static int skip_value(const uint8_t **p, const uint8_t *end, unsigned type) {
    uint64_t n;
    switch (type) {
    case WIRE_VARINT:
        return read_varint(p, end, 10, &n);
    case WIRE_FIXED64:
        n = 8;
        break;
    case WIRE_FIXED32:
        n = 4;
        break;
    case WIRE_BYTES:
        if (read_varint(p, end, 10, &n)) return -1;
        break;
    default: /* groups (3, 4) are not proto3; 6 and 7 do not exist */
        return -1;
    }
    if (n > (uint64_t)(end - *p)) return -1;
    *p += n;
    return 0;
}

static int malformed(size_t len, ms_error *err) {
    return ms_error_set(err, "data message of %zu bytes is not a valid "
                             "WineRecord protobuf", len);
}

int wire_decode_wine(const void *buf, size_t len, record *out, ms_error *err) {
    if (!buf) return malformed(len, err);
    const uint8_t *p = buf, *end = p + len;
    double features[11] = {0};  /* proto3: an absent double is 0 */
    const uint8_t *type = NULL;
    uint64_t type_len = 0;
    while (p < end) {
        uint64_t tag;
        if (*p < 0x80) /* every WineRecord tag is one byte */
            tag = *p++;
        else if (read_varint(&p, end, 5, &tag))
            return malformed(len, err);
        /* Tags are 32-bit: higher bits of an overlong varint are dropped,
         * as protobuf-c (the decoder of every other message) drops them. */
        uint64_t field = (uint32_t)tag >> 3;
        unsigned wire_type = (unsigned)(tag & 7);
        if (field == 0)
            return ms_error_set(err, "data message of %zu bytes has a field "
                                     "number 0: not a WineRecord", len);
        if (field <= 11) {   /* 1..11: field 0 was refused above */
            if (wire_type != WIRE_FIXED64 || end - p < 8) return malformed(len, err);
            features[field - 1] = read_double(p);
            p += 8;
        } else if (field == 12) {
            if (wire_type != WIRE_BYTES || read_varint(&p, end, 10, &type_len) ||
                type_len > (uint64_t)(end - p))
                return malformed(len, err);
            type = p;
            p += type_len;
        } else if (skip_value(&p, end, wire_type)) {
            return malformed(len, err);
        }
    }
    /* proto3 cannot tell a 0.0 feature from an absent one, but the seed's
     * publisher always sets dataType: without it the bytes are not a record
     * anyone meant to send. */
    if (type_len == 0) return ms_error_set(err, "data message has no dataType");
    if (memchr(type, 0, type_len))
        return ms_error_set(err, "data message dataType holds a NUL byte");
    if (type_len >= sizeof out->data_type)
        return ms_error_set(err, "data message dataType is longer than %d "
                                 "bytes", RECORD_MAX_DATA_TYPE - 1);
    for (size_t i = 0; i < 11; i++)
        if (isinf(features[i]))
            return wire_infinite_feature(ms_schema_wine()->fields[i], err);
    memcpy(out->data_type, type, type_len);
    out->data_type[type_len] = 0;
    memcpy(out->features, features, sizeof features);
    out->nfeatures = 11;
    return 0;
}
