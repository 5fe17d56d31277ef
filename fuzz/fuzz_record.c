/*
 * fuzz_record.c - libFuzzer target for the data topic's record decoder
 * (wire_decode_record: JSON objects, generic Record protobufs and
 * WineRecords, told apart by the first byte), with the schemas a server
 * has once models are loaded: the closed wine schema and an open schema
 * "fuzz" of four fields, so named features are bound to slots.
 *
 * Any input must decode into a valid record or be rejected with a reason:
 * a record has a NUL-terminated, non-empty data type; a "fuzz" record has
 * 128 slots of which only the four named ones may be set; no feature is
 * infinite (NaN marks a missing one).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/schema.h"
#include "wire/wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static const char *const fuzz_fields[] = {"alcohol", "pH", "fixed acidity",
                                          "x"};
enum { NFUZZ = sizeof fuzz_fields / sizeof *fuzz_fields };

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    const ms_schema *s = ms_schema_for("fuzz");
    for (int i = 0; s && i < NFUZZ; i++)
        if (ms_schema_slot(s, fuzz_fields[i]) != i) __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    record rec;
    ms_error err = {{0}};
    if (wire_decode_record(data, size, &rec, &err) != 0) {
        if (!err.msg[0]) __builtin_trap();   /* every reject has a reason */
        return 0;
    }
    size_t type_len = strnlen(rec.data_type, sizeof rec.data_type);
    if (type_len == 0 || type_len == sizeof rec.data_type) __builtin_trap();
    if (rec.nfeatures != 11 && rec.nfeatures != RECORD_MAX_FEATURES)
        __builtin_trap();
    for (size_t i = 0; i < rec.nfeatures; i++)
        if (isinf(rec.features[i])) __builtin_trap();
    if (strcmp(rec.data_type, "fuzz") == 0) {
        if (rec.nfeatures != RECORD_MAX_FEATURES) __builtin_trap();
        for (size_t i = NFUZZ; i < RECORD_MAX_FEATURES; i++)
            if (!isnan(rec.features[i])) __builtin_trap();
    }
    return 0;
}
