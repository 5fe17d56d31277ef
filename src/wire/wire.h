/*
 * wire.h - the protobuf messages on the topics, as plain C values.
 *
 * The protobuf-c generated code (proto/modelserving.proto) stays behind this
 * header: decoders validate what they read and return our own structs, so
 * the engines never see a half-valid message. Every reject fills err with the
 * reason, which the caller counts and logs.
 */
#ifndef MS_WIRE_H
#define MS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/model.h"
#include "core/record.h"

/* A decoded ModelDescriptor. Pointers point into the decoded message owned by
 * the struct; release with wire_model_release(). */
typedef struct wire_model {
    const char *name;
    const char *description;
    const char *data_type;
    model_type type;
    const uint8_t *data;     /* model bytes when sent by value, else NULL */
    size_t data_len;
    const char *location;    /* path or URL when sent by reference, else NULL */
    model_param *params;     /* loader options, nparams of them */
    size_t nparams;
    void *message_;          /* the protobuf-c message behind the pointers */
} wire_model;

/* Decodes and validates a ModelDescriptor (non-empty name and dataType, a
 * known model type, exactly one of data/location, data not empty). Returns
 * 0 or -1. */
int wire_decode_model(const void *buf, size_t len, wire_model *out,
                      ms_error *err);
void wire_model_release(wire_model *m);

/* Encodes a ModelDescriptor; *out is malloc'd, the caller frees it. Exactly
 * one of data/location is used (data when location is NULL). */
int wire_encode_model(const char *name, const char *description,
                      const char *data_type, model_type type,
                      const void *data, size_t data_len, const char *location,
                      uint8_t **out, size_t *out_len);

/* Decodes a WineRecord into a record in wine-schema slot order. A record
 * without a dataType, with an infinite feature, or one that does not parse
 * is rejected. A NaN feature is a missing value. */
int wire_decode_wine(const void *buf, size_t len, record *out, ms_error *err);

/* Decodes any record the data topic carries, telling the formats apart by
 * their first byte: a JSON object ('{': "dataType" plus one member per
 * feature, numbers, numeric strings or null), a generic Record protobuf
 * (named features), or a WineRecord. Named features fill the slots of the
 * data type's schema (core/schema.h); features the schema does not know
 * are ignored, and slots no feature fills are missing (NaN), as are
 * features sent as NaN; infinite features are refused. Returns 0, or
 * -1 with err saying what is wrong. */
int wire_decode_record(const void *buf, size_t len, record *out,
                       ms_error *err);

/* Fills err with the reason an infinite feature is refused (no model can
 * score one meaningfully: a regression would publish an infinite result,
 * a tree would go wherever the comparison happens to send it). Returns -1. */
int wire_infinite_feature(const char *name, ms_error *err);

/* Encodes a generic Record (for tools and tests); *out is malloc'd. */
int wire_encode_generic(const char *data_type, const char *const *names,
                        const double *values, size_t n, uint8_t **out,
                        size_t *out_len);

/* Encodes 11 wine features (schema order) and a data type as a WineRecord
 * into buf; returns the encoded size, or 0 when buf is too small. */
size_t wire_encode_wine(const double features[11], const char *data_type,
                        uint8_t *buf, size_t cap);

/* What the server publishes for every scored record. Strings are borrowed
 * for the duration of the encode call. */
typedef struct wire_result {
    const char *data_type;
    const char *model_name;
    model_type model_type;
    double result;
    const char *label;                  /* NULL for regression */
    size_t nprobabilities;
    const char *const *class_labels;    /* nprobabilities labels */
    const double *probabilities;
    int64_t duration_ns;
    const char *source_topic;
    int32_t source_partition;
    int64_t source_offset;
    int64_t timestamp_ms;
} wire_result;

/* What the results of one served model have in common (fields 1 to 3,
 * each class label, the source topic), encoded once and then copied into
 * each result: per result, measuring and copying those strings was most of
 * encoding it (callgrind: 1,300 instructions for the seed's tree). */
/* Largest class count a result carries (and its parts hold); more would
 * not fit a sane message. */
#define WIRE_MAX_CLASSES 256
#define WIRE_PARTS_BYTES 4096
typedef struct wire_result_parts {
    const char *const *class_labels;  /* the labels the pieces are of */
    size_t nlabels;
    size_t head_len;                  /* bytes[0, head_len): fields 1-3 */
    size_t topic_off, topic_len;      /* field 8, tag included */
    uint16_t label_off[WIRE_MAX_CLASSES]; /* length varint + bytes */
    uint16_t label_len[WIRE_MAX_CLASSES];
    uint8_t bytes[WIRE_PARTS_BYTES];
} wire_result_parts;

/* Encodes r's data type, model name and type, source topic and its first
 * nlabels class labels; -1 when they do not fit (encode without parts). */
int wire_result_parts_init(wire_result_parts *parts, const wire_result *r,
                           size_t nlabels);

/* Encodes into buf; returns the size, or 0 when buf is too small. parts
 * (NULL: none) must be of a result with the same data type, model, class
 * labels and source topic as r; the bytes are the same either way. */
size_t wire_encode_result(const wire_result *r, const wire_result_parts *parts,
                          uint8_t *buf, size_t cap);

/* Decodes a ServingResult for tools and tests; release the returned message
 * with wire_result_message_free(). NULL when the bytes do not parse. */
struct Modelserving__ServingResult *wire_decode_result(const void *buf,
                                                       size_t len);
void wire_result_message_free(struct Modelserving__ServingResult *msg);

#endif
