/*
 * record_decode.c - every record format of the data topic into one record
 * (see wire_decode_record in wire.h): the seed's WineRecord, the generic
 * Record protobuf and JSON objects.
 */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/schema.h"
#include "modelserving.pb-c.h"
#include "wire/wire.h"

/* Largest JSON record accepted: far above any real one. */
#define JSON_RECORD_MAX_BYTES ((size_t)1 << 20)

static int set_data_type(record *out, const char *type, ms_error *err) {
    size_t n = type ? strlen(type) : 0;
    if (n == 0) return ms_error_set(err, "record has no dataType");
    if (n >= sizeof out->data_type)
        return ms_error_set(err, "record dataType is longer than %d bytes",
                            RECORD_MAX_DATA_TYPE - 1);
    memcpy(out->data_type, type, n + 1);
    return 0;
}

/* Every slot starts missing: a feature the record lacks is NaN. */
static void clear_features(record *out) {
    for (size_t i = 0; i < RECORD_MAX_FEATURES; i++) out->features[i] = NAN;
    out->nfeatures = RECORD_MAX_FEATURES;
}

/* Reads a feature given as text: a number in full, or an error. */
static int text_number(const char *name, const char *text, double *v,
                       ms_error *err) {
    char *end;
    while (isspace((unsigned char)*text)) text++;
    *v = strtod(text, &end);
    while (isspace((unsigned char)*end)) end++;
    if (end == text || *end || !isfinite(*v))
        return ms_error_set(err, "feature '%s' is '%.40s', not a number", name,
                            text);
    return 0;
}

static void put(const ms_schema *schema, record *out, const char *name,
                double v) {
    int slot = schema ? ms_schema_lookup(schema, name) : -1;
    if (slot >= 0) out->features[slot] = v;
}

/* The wine layout for a data type whose schema is not the wine schema:
 * place the WineRecord's features by name. */
static void rebind_wine(record *out) {
    const ms_schema *schema = ms_schema_find(out->data_type);
    if (!schema || schema == ms_schema_wine()) return;
    const ms_schema *wine = ms_schema_wine();
    double wine_values[11];
    memcpy(wine_values, out->features, sizeof wine_values);
    clear_features(out);
    for (size_t i = 0; i < 11; i++)
        put(schema, out, wine->fields[i], wine_values[i]);
}

static int decode_generic(const void *buf, size_t len, record *out,
                          ms_error *err) {
    Modelserving__Record *msg = modelserving__record__unpack(NULL, len, buf);
    if (!msg)
        return ms_error_set(err, "data message of %zu bytes is not a valid "
                                 "Record protobuf", len);
    int rc = set_data_type(out, msg->datatype, err);
    if (rc == 0) {
        clear_features(out);
        const ms_schema *schema = ms_schema_find(out->data_type);
        for (size_t i = 0; i < msg->n_features && rc == 0; i++) {
            const Modelserving__Feature *f = msg->features[i];
            double v = NAN;
            if (f->value_case == MODELSERVING__FEATURE__VALUE_NUMBER) {
                v = f->number;
                if (isinf(v)) rc = wire_infinite_feature(f->name, err);
            } else if (f->value_case == MODELSERVING__FEATURE__VALUE_TEXT)
                rc = text_number(f->name, f->text, &v, err);
            if (rc == 0) put(schema, out, f->name, v);
        }
    }
    modelserving__record__free_unpacked(msg, NULL);
    return rc;
}

static int decode_json(const void *buf, size_t len, record *out,
                       ms_error *err) {
    if (len > JSON_RECORD_MAX_BYTES)
        return ms_error_set(err, "JSON record of %zu bytes is over the %zu "
                                 "byte limit", len, JSON_RECORD_MAX_BYTES);
    json_error_t jerr;
    json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return ms_error_set(err, "JSON record, column %d: %s", jerr.column,
                            jerr.text);
    int rc = 0;
    if (!json_is_object(doc)) {
        rc = ms_error_set(err, "JSON record is not an object");
    } else {
        rc = set_data_type(out, json_string_value(json_object_get(doc, "dataType")),
                           err);
    }
    if (rc == 0) {
        clear_features(out);
        const ms_schema *schema = ms_schema_find(out->data_type);
        const char *name;
        json_t *value;
        json_object_foreach(doc, name, value) {
            if (strcmp(name, "dataType") == 0) continue;
            double v = NAN;
            if (json_is_number(value)) v = json_number_value(value);
            else if (json_is_string(value))
                rc = text_number(name, json_string_value(value), &v, err);
            else if (!json_is_null(value))
                rc = ms_error_set(err, "feature '%s' is not a number", name);
            if (rc != 0) break;
            put(schema, out, name, v);
        }
    }
    json_decref(doc);
    return rc;
}

int wire_decode_record(const void *buf, size_t len, record *out,
                       ms_error *err) {
    const uint8_t *p = buf;
    size_t i = 0;
    while (i < len && isspace(p[i])) i++;
    if (i < len && p[i] == '{') return decode_json(buf, len, out, err);
    /* Field 1 or 2 length-delimited: a generic Record (WineRecord's fields
     * 1 and 2 are doubles, wire type 1). */
    if (len > 0 && (p[0] == 0x0a || p[0] == 0x12))
        return decode_generic(buf, len, out, err);
    if (wire_decode_wine(buf, len, out, err) != 0) return -1;
    rebind_wine(out);
    return 0;
}

int wire_encode_generic(const char *data_type, const char *const *names,
                        const double *values, size_t n, uint8_t **out,
                        size_t *out_len) {
    Modelserving__Record msg = MODELSERVING__RECORD__INIT;
    Modelserving__Feature *features = calloc(n ? n : 1, sizeof *features);
    /* An array of pointers, as protobuf-c wants repeated messages. */
    Modelserving__Feature **ptrs = calloc(n ? n : 1, sizeof *ptrs);  // NOLINT(bugprone-sizeof-expression)
    if (!features || !ptrs) {
        free(features);
        free(ptrs);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        modelserving__feature__init(&features[i]);
        features[i].name = (char *)names[i];
        features[i].value_case = MODELSERVING__FEATURE__VALUE_NUMBER;
        features[i].number = values[i];
        ptrs[i] = &features[i];
    }
    msg.datatype = (char *)data_type;
    msg.n_features = n;
    msg.features = ptrs;
    size_t len = modelserving__record__get_packed_size(&msg);
    uint8_t *buf = malloc(len ? len : 1);
    if (buf) modelserving__record__pack(&msg, buf);
    free(features);
    free(ptrs);
    if (!buf) return -1;
    *out = buf;
    *out_len = len;
    return 0;
}
