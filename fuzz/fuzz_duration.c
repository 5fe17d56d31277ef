/*
 * fuzz_duration.c - libFuzzer target for durations (util/duration.c): any
 * text must parse to a non-negative number of nanoseconds or be rejected
 * with a reason; whatever parses must format to text that parses back to
 * the same value. The first 8 bytes, read as an int64, are also formatted
 * (any value, negative ones too) and, when non-negative, parsed back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/duration.h"

static void round_trip(int64_t ns) {
    char text[64];
    duration_format(ns, text, sizeof text);
    if (ns < 0) return;
    int64_t back;
    ms_error err;
    if (duration_parse(text, &back, &err) != 0 || back != ns)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size >= 8) {
        int64_t ns;
        memcpy(&ns, data, sizeof ns);
        round_trip(ns);
    }
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    int64_t ns;
    ms_error err = {{0}};
    if (duration_parse(text, &ns, &err) == 0) {
        if (ns < 0) __builtin_trap();
        round_trip(ns);
    } else if (!err.msg[0]) {
        __builtin_trap();
    }
    free(text);
    return 0;
}
