/*
 * fuzz_tf.c - libFuzzer target for the TensorFlow loaders: the first byte
 * picks what the rest is, a frozen GraphDef (0), a SavedModel as a tar
 * archive (1), or a checkpoint's variables.index table (2, read against a
 * fixed data shard). Any bytes must load or be rejected with a reason;
 * whatever loads must score ordinary, missing and extreme records without
 * crashing, reading past its scratch or leaking. The seeds in
 * fuzz/corpus/tf/ are made by tools/tfcorpus.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_score.h"
#include "tf/tf.h"
#include "tf/tf_bundle.h"

static const char *const fields[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
static const ms_schema schema = {.data_type = "fuzz", .nfields = 8,
                                 .fields = fields};

static void score(const model *m) {
    static const double records[][8] = {
        {1, 2, 3, 4, 5, 6, 7, 8},
        {0, 0, 0, 0, 0, 0, 0, 0},
        {NAN, 1, NAN, 1, NAN, 1, NAN, 1},
        {-1e300, 1e-300, 1e300, -0.0, 3e38, -3e38, 1e-45, 88}};
    fuzz_score(m, &records[0][0], sizeof records / sizeof *records, 8);
}

static void bundle(const uint8_t *data, size_t size) {
    static uint8_t shard[256];
    tf_file files[2] = {
        {.path = "v.index", .data = (uint8_t *)data, .len = size},
        {.path = "v.data-00000-of-00001", .data = shard, .len = sizeof shard}};
    tf_files f = {.entries = files, .n = 2};
    ms_error err = {{0}};
    tf_bundle *b = tf_bundle_open(&f, "v", &err);
    if (!b) {
        if (!err.msg[0]) __builtin_trap();
        return;
    }
    static const char *const names[] = {"w", "b", "kernel", "x"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        tf_value v;
        void *d = NULL;
        if (tf_bundle_get(b, names[i], &v, &d, &err) == 0) free(d);
    }
    tf_bundle_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    ms_error err = {{0}};
    model_source src = {.bytes = data + 1, .len = size - 1};
    model *m = NULL;
    switch (data[0]) {
    case 0: m = tf_load_graph(&src, &schema, &err); break;
    case 1: m = tf_load_saved(&src, &schema, &err); break;
    case 2: bundle(data + 1, size - 1); return 0;
    default: return 0;
    }
    if (!m) {
        if (!err.msg[0]) __builtin_trap();   /* every reject has a reason */
        return 0;
    }
    score(m);
    model_free(m);
    return 0;
}
