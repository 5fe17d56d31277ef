/*
 * fuzz_checkpoint.c - libFuzzer target for the checkpoint file reader
 * (stream/checkpoint.c): the bytes become the state directory's
 * store.checkpoint, and a restore reads it into a new store, as a
 * restarting server does. Any file must restore some models or be
 * ignored with a reason (torn, foreign, not decoding); never crash.
 *
 * The first input byte chooses how the rest is used: odd, as the whole
 * file (so the header checks are fuzzed); even, as the payload, framed
 * here with a valid header (magic "MSCKPT01", 8-byte little-endian length,
 * FNV-1a 64 of the payload: the format described in checkpoint.c) so the
 * fuzzer reaches the StoreCheckpoint decoding and the models in it.
 * Models by reference are refused unless under a directory that does not
 * exist: no file outside the state directory is read, nothing connects.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/store.h"
#include "formats/formats.h"
#include "stream/checkpoint.h"
#include "telemetry/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static char state_dir[] = "/tmp/modelserver-fuzz-checkpoint-XXXXXX";
static char file_path[sizeof state_dir + 32];
static const char *const allowed[] = {"/nonexistent-modelserver-fuzz/"};
static const location_policy policy = {
    .allowed = allowed, .nallowed = 1, .max_bytes = 1 << 20};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    formats_register_all();
    log_set_level(LOG_ERROR + 1);   /* a restore logs every model */
    if (!mkdtemp(state_dir)) __builtin_trap();
    snprintf(file_path, sizeof file_path, "%s/store.checkpoint", state_dir);
    store_thread_online();
    return 0;
}

static uint64_t fnv1a(const uint8_t *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static void write_file(const uint8_t *data, size_t size) {
    FILE *f = fopen(file_path, "wb");
    if (!f) __builtin_trap();
    if (size > 0 && !(data[0] & 1)) {
        uint64_t len = size - 1, sum = fnv1a(data + 1, size - 1);
        uint8_t header[24];
        memcpy(header, "MSCKPT01", 8);
        for (int i = 0; i < 8; i++) {
            header[8 + i] = (uint8_t)(len >> (8 * i));
            header[16 + i] = (uint8_t)(sum >> (8 * i));
        }
        fwrite(header, 1, sizeof header, f);
    }
    if (size > 1) fwrite(data + 1, 1, size - 1, f);
    if (fclose(f) != 0) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    write_file(data, size);
    ms_error err = {{0}};
    checkpoint *c = checkpoint_open(state_dir, NULL, NULL, &err);
    store *s = store_new();
    if (!c || !s) __builtin_trap();
    int64_t next[4] = {-1, -1, -1, -1};
    int n = checkpoint_restore(c, s, NULL, &policy, next, 4, &err);
    if (n < 0 && !err.msg[0]) __builtin_trap();
    store_snapshot snaps[STORE_MAX_DATA_TYPES];
    size_t models = 0, seen = store_snapshot_all(s, snaps, STORE_MAX_DATA_TYPES);
    for (size_t i = 0; i < seen; i++) models += snaps[i].has_model != 0;
    if (n > 0 && models == 0) __builtin_trap();
    for (int p = 0; p < 4; p++)
        if (next[p] < -1) __builtin_trap();   /* offsets only move forward */
    store_free(s);
    checkpoint_free(c);
    return 0;
}
