/*
 * test_wire.c - the protobuf codecs: the seed's field numbers on the wire
 * (checked against bytes written by hand), round trips, and rejects.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "modelserving.pb-c.h"
#include "core/schema.h"
#include "wire/wire.h"

static const double wine_row[11] = {7.4, 0.7, 0, 1.9, 0.076, 11, 34, 0.9978,
                                    3.51, 0.56, 9.4};

/* The seed's WineRecord bytes, written by hand: field n (1..11) is a
 * double (wire type 1, key n<<3|1), field 12 a string (key 0x62). */
static size_t hand_encoded_wine(uint8_t *out) {
    size_t n = 0;
    for (int f = 1; f <= 11; f++) {
        if (wine_row[f - 1] == 0) continue; /* proto3 omits zeros */
        out[n++] = (uint8_t)(f << 3 | 1);
        memcpy(out + n, &wine_row[f - 1], 8); /* little-endian host */
        n += 8;
    }
    out[n++] = 0x62;
    out[n++] = 4;
    memcpy(out + n, "wine", 4);
    return n + 4;
}

static void wine_decodes_seed_bytes(void **state) {
    (void)state;
    uint8_t buf[256];
    size_t len = hand_encoded_wine(buf);
    record rec;
    ms_error err;
    assert_int_equal(wire_decode_wine(buf, len, &rec, &err), 0);
    assert_string_equal(rec.data_type, "wine");
    assert_int_equal(rec.nfeatures, 11);
    assert_memory_equal(rec.features, wine_row, sizeof wine_row);
}

static void wine_encodes_seed_bytes(void **state) {
    (void)state;
    uint8_t expected[256], got[256];
    size_t elen = hand_encoded_wine(expected);
    size_t glen = wire_encode_wine(wine_row, "wine", got, sizeof got);
    assert_int_equal(glen, elen);
    assert_memory_equal(got, expected, elen);
    assert_int_equal(wire_encode_wine(wine_row, "wine", got, 10), 0);
}

static void wine_rejects_garbage(void **state) {
    (void)state;
    record rec;
    ms_error err;
    const uint8_t garbage[] = {0xff, 0xfe, 0x20, 0x67};
    assert_int_equal(wire_decode_wine(garbage, sizeof garbage, &rec, &err), -1);
    assert_non_null(strstr(err.msg, "not a valid WineRecord"));
    /* Valid protobuf, but no dataType: not a record anyone meant to send. */
    const uint8_t no_type[] = {0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f};
    assert_int_equal(wire_decode_wine(no_type, sizeof no_type, &rec, &err), -1);
    assert_non_null(strstr(err.msg, "no dataType"));
    assert_int_equal(wire_decode_wine(NULL, 0, &rec, &err), -1);
    /* Truncated in the middle of a double. */
    uint8_t buf[256];
    size_t len = hand_encoded_wine(buf);
    assert_int_equal(wire_decode_wine(buf, 5, &rec, &err), -1);
    (void)len;
}

/* The hand-written decoder against protobuf-c's, on messages protobuf-c
 * accepts and on every prefix of them: same verdict, same values. */
static void check_against_protobuf_c(const uint8_t *buf, size_t len) {
    record rec;
    ms_error err;
    int ours = wire_decode_wine(buf, len, &rec, &err);
    Modelserving__WineRecord *msg = modelserving__wine_record__unpack(NULL, len, buf);
    size_t type_len = msg ? strlen(msg->datatype) : 0;
    int theirs = msg && type_len > 0 && type_len < RECORD_MAX_DATA_TYPE ? 0 : -1;
    assert_int_equal(ours, theirs);
    if (ours == 0) {
        assert_string_equal(rec.data_type, msg->datatype);
        const double want[11] = {msg->fixed_acidity, msg->volatile_acidity,
                                 msg->citric_acid, msg->residual_sugar,
                                 msg->chlorides, msg->free_sulfur_dioxide,
                                 msg->total_sulfur_dioxide, msg->density,
                                 msg->ph, msg->sulphates, msg->alcohol};
        assert_memory_equal(rec.features, want, sizeof want);
    }
    if (msg) modelserving__wine_record__free_unpacked(msg, NULL);
}

static void wine_decoder_agrees_with_protobuf_c(void **state) {
    (void)state;
    uint8_t buf[512];
    size_t n = 0;
    /* dataType first, features in reverse order, pH twice (the last one
     * counts), and unknown fields of every wire type in between. */
    buf[n++] = 0x62; buf[n++] = 3; memcpy(buf + n, "red", 3); n += 3;
    const uint8_t unknown[] = {
        0x68, 0x96, 0x01,                         /* field 13, varint 150 */
        0x71, 1, 2, 3, 4, 5, 6, 7, 8,             /* field 14, fixed64 */
        0x7a, 2, 'h', 'i',                        /* field 15, bytes */
        0x85, 0x01, 9, 9, 9, 9,                   /* field 16, fixed32 */
    };
    for (int f = 11; f >= 1; f--) {
        buf[n++] = (uint8_t)(f << 3 | 1);
        memcpy(buf + n, &wine_row[f - 1], 8);
        n += 8;
        if (f == 6) {
            memcpy(buf + n, unknown, sizeof unknown);
            n += sizeof unknown;
        }
    }
    const double ph = 3.25;
    buf[n++] = 9 << 3 | 1;
    memcpy(buf + n, &ph, 8);
    n += 8;
    for (size_t len = 0; len <= n; len++) check_against_protobuf_c(buf, len);
    record rec;
    ms_error err;
    assert_int_equal(wire_decode_wine(buf, n, &rec, &err), 0);
    assert_true(rec.features[8] == 3.25);

    /* A known field of the wrong wire type; a group; field number 0
     * (skipped as unknown, as protobuf-c does). */
    const uint8_t wrong_type[] = {0x08, 0x01, 0x62, 1, 'w'};
    const uint8_t group[] = {0x62, 1, 'w', 0x6b, 0x6c};
    const uint8_t field_zero[] = {0x62, 1, 'w', 0x00, 0x00};
    check_against_protobuf_c(wrong_type, sizeof wrong_type);
    check_against_protobuf_c(group, sizeof group);
    check_against_protobuf_c(field_zero, sizeof field_zero);
    assert_int_equal(wire_decode_wine(wrong_type, sizeof wrong_type, &rec, &err), -1);

    /* A dataType of 63 bytes fits; 64 does not. */
    uint8_t longer[80] = {0x62, 63};
    memset(longer + 2, 'x', 64);
    check_against_protobuf_c(longer, 65);
    longer[1] = 64;
    check_against_protobuf_c(longer, 66);
}

static void model_round_trip_by_value_and_reference(void **state) {
    (void)state;
    uint8_t *msg;
    size_t len;
    const char doc[] = "<PMML/>";
    assert_int_equal(wire_encode_model("tree", "generated from SparkML", "wine",
                                       MODEL_TYPE_PMML, doc, sizeof doc - 1,
                                       NULL, &msg, &len), 0);
    wire_model m;
    ms_error err;
    assert_int_equal(wire_decode_model(msg, len, &m, &err), 0);
    assert_string_equal(m.name, "tree");
    assert_string_equal(m.description, "generated from SparkML");
    assert_string_equal(m.data_type, "wine");
    assert_int_equal(m.type, MODEL_TYPE_PMML);
    assert_int_equal(m.data_len, sizeof doc - 1);
    assert_memory_equal(m.data, doc, m.data_len);
    assert_null(m.location);
    /* Seed numbers: field 4 = 1 for PMML. */
    const uint8_t pmml_type[] = {0x20, 0x01};
    assert_non_null(memmem(msg, len, pmml_type, 2));
    wire_model_release(&m);
    free(msg);

    assert_int_equal(wire_encode_model("graph", "", "wine",
                                       MODEL_TYPE_TENSORFLOW, NULL, 0,
                                       "/models/g.pb", &msg, &len), 0);
    assert_int_equal(wire_decode_model(msg, len, &m, &err), 0);
    assert_int_equal(m.type, MODEL_TYPE_TENSORFLOW);
    assert_string_equal(m.location, "/models/g.pb");
    assert_null(m.data);
    wire_model_release(&m);
    free(msg);
}

static void model_rejects_incomplete(void **state) {
    (void)state;
    wire_model m;
    ms_error err;
    /* name only: no dataType */
    const uint8_t name_only[] = {0x0a, 0x01, 'x'};
    assert_int_equal(wire_decode_model(name_only, sizeof name_only, &m, &err), -1);
    assert_non_null(strstr(err.msg, "dataType"));
    /* name + dataType but neither data nor location */
    const uint8_t no_content[] = {0x0a, 0x01, 'x', 0x1a, 0x01, 'w'};
    assert_int_equal(wire_decode_model(no_content, sizeof no_content, &m, &err), -1);
    assert_non_null(strstr(err.msg, "neither data nor location"));
    /* unknown model type 7 */
    const uint8_t bad_type[] = {0x0a, 0x01, 'x', 0x1a, 0x01, 'w', 0x20, 0x07,
                                0x2a, 0x01, 'z'};
    assert_int_equal(wire_decode_model(bad_type, sizeof bad_type, &m, &err), -1);
    assert_non_null(strstr(err.msg, "unknown model type 7"));
    const uint8_t garbage[] = {0xff, 0xff, 0xff};
    assert_int_equal(wire_decode_model(garbage, sizeof garbage, &m, &err), -1);
    /* data present on the wire but 0 bytes long: no model */
    const uint8_t empty_data[] = {0x0a, 0x01, 'x', 0x1a, 0x01, 'w', 0x20, 0x01,
                                  0x2a, 0x00};
    assert_int_equal(wire_decode_model(empty_data, sizeof empty_data, &m, &err), -1);
    assert_string_equal(err.msg, "model message carries an empty model (0 bytes "
                                 "of data)");
}

static void result_round_trip(void **state) {
    (void)state;
    const char *labels[] = {"5", "6"};
    const double probs[] = {0.25, 0.75};
    wire_result r = {
        .data_type = "wine", .model_name = "tree",
        .model_type = MODEL_TYPE_PMML, .result = 6, .label = "6",
        .nprobabilities = 2, .class_labels = labels, .probabilities = probs,
        .duration_ns = 1234, .source_topic = "models_data",
        .source_partition = 3, .source_offset = 99, .timestamp_ms = 1700000000000,
    };
    uint8_t buf[1024];
    size_t len = wire_encode_result(&r, NULL, buf, sizeof buf);
    assert_true(len > 0);
    assert_int_equal(wire_encode_result(&r, NULL, buf, 8), 0);
    Modelserving__ServingResult *msg = wire_decode_result(buf, len);
    assert_non_null(msg);
    assert_string_equal(msg->datatype, "wine");
    assert_string_equal(msg->modelname, "tree");
    assert_int_equal(msg->modeltype, 1);
    assert_true(msg->result == 6.0);
    assert_string_equal(msg->label, "6");
    assert_int_equal(msg->n_probabilities, 2);
    assert_string_equal(msg->probabilities[1]->label, "6");
    assert_true(msg->probabilities[1]->probability == 0.75);
    assert_int_equal(msg->durationns, 1234);
    assert_string_equal(msg->sourcetopic, "models_data");
    assert_int_equal(msg->sourcepartition, 3);
    assert_int_equal(msg->sourceoffset, 99);
    assert_int_equal(msg->timestampms, 1700000000000);
    wire_result_message_free(msg);
}

/* protobuf-c's packing of r, the reference the hand-written encoder must
 * match byte for byte. */
static size_t protobuf_c_result(const wire_result *r, uint8_t *buf) {
    Modelserving__ServingResult msg = MODELSERVING__SERVING_RESULT__INIT;
    msg.datatype = (char *)r->data_type;
    msg.modelname = (char *)r->model_name;
    msg.modeltype = (Modelserving__ModelDescriptor__ModelType)r->model_type;
    msg.result = r->result;
    msg.label = (char *)(r->label ? r->label : "");
    msg.durationns = r->duration_ns;
    msg.sourcetopic = (char *)r->source_topic;
    msg.sourcepartition = r->source_partition;
    msg.sourceoffset = r->source_offset;
    msg.timestampms = r->timestamp_ms;
    Modelserving__ClassProbability probs[8], *ptrs[8];
    for (size_t i = 0; i < r->nprobabilities; i++) {
        modelserving__class_probability__init(&probs[i]);
        probs[i].label = (char *)r->class_labels[i];
        probs[i].probability = r->probabilities[i];
        ptrs[i] = &probs[i];
    }
    msg.n_probabilities = r->nprobabilities;
    msg.probabilities = ptrs;
    return modelserving__serving_result__pack(&msg, buf);
}

/* Encodes r with and without its parts; both must be protobuf-c's bytes,
 * and every shorter buffer refused, never overrun. */
static void assert_result_encodes_as_protobuf_c(const wire_result *r, size_t nlabels) {
    static wire_result_parts parts;
    assert_int_equal(wire_result_parts_init(&parts, r, nlabels), 0);
    const wire_result_parts *with[] = {NULL, &parts};
    for (size_t j = 0; j < 2; j++) {
        uint8_t ours[512], theirs[512];
        size_t len = wire_encode_result(r, with[j], ours, sizeof ours);
        size_t want = protobuf_c_result(r, theirs);
        assert_int_equal(len, want);
        assert_memory_equal(ours, theirs, want);
        for (size_t cap = 0; cap < want; cap++) {
            uint8_t small[512];
            memset(small, 0xa5, sizeof small);
            assert_int_equal(wire_encode_result(r, with[j], small, cap), 0);
            for (size_t i = cap; i < sizeof small; i++)
                assert_int_equal(small[i], 0xa5);
        }
    }
}

static void result_bytes_match_protobuf_c(void **state) {
    (void)state;
    const char *labels[] = {"3", "", "quality \xc3\xa9", "8"};
    const double probs[] = {0.0, 1e-300, -0.0, 1.0};
    /* defaults left out, negative varints, zero and signed-zero doubles,
     * NaN, empty labels, a regression without label or probabilities, a
     * label that is one of the class labels (its piece is used) */
    const wire_result cases[] = {
        {.data_type = "wine", .model_name = "tree", .model_type = MODEL_TYPE_PMML,
         .result = 8, .label = "8", .nprobabilities = 4, .class_labels = labels,
         .probabilities = probs, .duration_ns = 187, .source_topic = "models_data",
         .source_partition = 5, .source_offset = 1LL << 40,
         .timestamp_ms = 1764633600123},
        {.data_type = "wine", .model_name = "", .model_type = MODEL_TYPE_TENSORFLOW,
         .result = -0.0, .duration_ns = -1, .source_topic = "",
         .source_partition = -1, .source_offset = -2, .timestamp_ms = 0},
        {.data_type = "beer", .model_name = "glm", .model_type = 2, .result = NAN,
         .source_topic = "t", .source_partition = INT32_MAX,
         .source_offset = INT64_MAX, .timestamp_ms = INT64_MIN},
        {.data_type = "", .model_name = "m", .result = -1.5e308, .label = "",
         .nprobabilities = 1, .class_labels = labels + 1, .probabilities = probs + 3,
         .source_topic = "x", .source_partition = INT32_MIN},
        {.data_type = "wine", .model_name = "forest", .result = 2, .label = labels[2],
         .nprobabilities = 4, .class_labels = labels, .probabilities = probs,
         .source_topic = "models_data", .source_offset = 7},
        {.data_type = "wine", .model_name = "forest", .label = labels[1],
         .nprobabilities = 4, .class_labels = labels, .probabilities = probs,
         .source_topic = "models_data"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++)
        assert_result_encodes_as_protobuf_c(&cases[k], cases[k].nprobabilities);
    /* parts of more labels than a result carries, and labels the parts
     * cannot hold: refused, so the caller encodes without them */
    assert_result_encodes_as_protobuf_c(&cases[3], 3);
    static wire_result_parts parts;
    static const char *many[WIRE_MAX_CLASSES + 1];
    for (size_t i = 0; i < WIRE_MAX_CLASSES + 1; i++) many[i] = "label";
    wire_result big = cases[0];
    big.class_labels = many;
    assert_int_equal(wire_result_parts_init(&parts, &big, WIRE_MAX_CLASSES + 1), -1);
    static char long_label[WIRE_PARTS_BYTES];
    memset(long_label, 'x', sizeof long_label - 1);
    many[0] = long_label;
    assert_int_equal(wire_result_parts_init(&parts, &big, 1), -1);
}

static void record_formats_fill_the_schema_by_name(void **state) {
    (void)state;
    /* An open schema for a new data type, as a model load would make it. */
    const ms_schema *beer = ms_schema_for("beer");
    assert_non_null(beer);
    assert_int_equal(ms_schema_slot(beer, "hops"), 0);
    assert_int_equal(ms_schema_slot(beer, "malt"), 1);
    assert_int_equal(ms_schema_slot(beer, "pH"), 2);
    record rec;
    ms_error err;

    const char *json = " {\"dataType\":\"beer\", \"malt\": 2.5, \"hops\": \"7\", "
                       "\"unknown\": 1, \"pH\": null}";
    assert_int_equal(wire_decode_record(json, strlen(json), &rec, &err), 0);
    assert_string_equal(rec.data_type, "beer");
    assert_true(rec.features[0] == 7.0);
    assert_true(rec.features[1] == 2.5);
    assert_true(isnan(rec.features[2]));

    const char *names[] = {"malt", "Hops"};
    const double values[] = {1.25, 3};
    uint8_t *buf;
    size_t len;
    assert_int_equal(wire_encode_generic("beer", names, values, 2, &buf, &len), 0);
    assert_int_equal(buf[0], 0x0a); /* what tells it from a WineRecord */
    assert_int_equal(wire_decode_record(buf, len, &rec, &err), 0);
    assert_true(rec.features[0] == 3.0); /* names match leniently */
    assert_true(rec.features[1] == 1.25);
    assert_true(isnan(rec.features[2]));
    free(buf);

    /* A WineRecord for another data type lands by name: "pH" is slot 2. */
    uint8_t wine[256];
    len = wire_encode_wine(wine_row, "beer", wine, sizeof wine);
    assert_int_equal(wire_decode_record(wine, len, &rec, &err), 0);
    assert_true(rec.features[2] == 3.51);
    assert_true(isnan(rec.features[0]));
    /* ... and for wine, in the wine order. */
    len = wire_encode_wine(wine_row, "wine", wine, sizeof wine);
    assert_int_equal(wire_decode_record(wine, len, &rec, &err), 0);
    assert_memory_equal(rec.features, wine_row, sizeof wine_row);
}

static void record_formats_reject_with_reasons(void **state) {
    (void)state;
    record rec;
    ms_error err;
    const struct {
        const char *text;
        const char *reason;
    } bad[] = {
        {"{\"dataType\": \"beer\", \"malt\": \"lots\"}", "'lots', not a number"},
        {"{\"malt\": 1}", "no dataType"},
        {"{\"dataType\": \"beer\", \"malt\": [1]}", "not a number"},
        {"{\"dataType\": \"beer\",", "JSON record"},
        {"{\"dataType\": \"a\", \"dataType\": \"b\"}", "JSON record"},
        {"[1, 2]", "not a valid"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(wire_decode_record(bad[i].text, strlen(bad[i].text), &rec, &err), -1);
        if (!strstr(err.msg, bad[i].reason)) fail_msg("'%s': %s", bad[i].text, err.msg);
    }
    const uint8_t truncated_generic[] = {0x0a, 0x10, 'b'};
    assert_int_equal(wire_decode_record(truncated_generic, 3, &rec, &err), -1);
    assert_non_null(strstr(err.msg, "Record protobuf"));
}

/* Infinite features are refused, NaN ones are missing values; bytes
 * written by hand: WineRecord alcohol (field 11, fixed64) and dataType
 * (field 12), and a generic Record's Feature {name = 1, number = 2}. */
static void infinite_refused_nan_missing(void **state) {
    (void)state;
    record rec;
    ms_error err;
    const uint8_t wine_inf[] = {0x59, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f,
                                0x62, 4, 'w', 'i', 'n', 'e'};
    assert_int_equal(wire_decode_record(wine_inf, sizeof wine_inf, &rec, &err), -1);
    assert_string_equal(err.msg, "feature 'alcohol' is infinite; send a finite "
                                 "number, or NaN for a missing value");
    const uint8_t wine_minus_inf[] = {0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0xff,
                                      0x62, 4, 'w', 'i', 'n', 'e'};
    assert_int_equal(wire_decode_wine(wine_minus_inf, sizeof wine_minus_inf,
                                      &rec, &err), -1);
    assert_non_null(strstr(err.msg, "'fixed acidity' is infinite"));
    const uint8_t wine_nan[] = {0x59, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f,
                                0x62, 4, 'w', 'i', 'n', 'e'};
    assert_int_equal(wire_decode_record(wine_nan, sizeof wine_nan, &rec, &err), 0);
    assert_true(isnan(rec.features[10]));
    assert_true(rec.features[0] == 0.0);

    const uint8_t generic_inf[] = {0x0a, 4, 'b', 'e', 'e', 'r', 0x12, 12,
                                   0x0a, 1, 'x', 0x11, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f};
    assert_int_equal(wire_decode_record(generic_inf, sizeof generic_inf, &rec, &err), -1);
    assert_non_null(strstr(err.msg, "feature 'x' is infinite"));
    const char json_inf[] = "{\"dataType\": \"beer\", \"x\": 1e999}";
    assert_int_equal(wire_decode_record(json_inf, strlen(json_inf), &rec, &err), -1);
    assert_non_null(strstr(err.msg, "JSON record"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wine_decodes_seed_bytes),
        cmocka_unit_test(wine_encodes_seed_bytes),
        cmocka_unit_test(wine_rejects_garbage),
        cmocka_unit_test(wine_decoder_agrees_with_protobuf_c),
        cmocka_unit_test(model_round_trip_by_value_and_reference),
        cmocka_unit_test(model_rejects_incomplete),
        cmocka_unit_test(result_round_trip),
        cmocka_unit_test(result_bytes_match_protobuf_c),
        cmocka_unit_test(record_formats_fill_the_schema_by_name),
        cmocka_unit_test(record_formats_reject_with_reasons),
        cmocka_unit_test(infinite_refused_nan_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
