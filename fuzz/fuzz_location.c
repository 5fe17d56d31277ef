/*
 * fuzz_location.c - libFuzzer target for where models by reference may
 * come from (stream/location.c), parsing only: the first line of the input
 * is an allow-list (model.locations), the second a location to check
 * against it. Checking parses URLs and resolves local paths; it never
 * connects anywhere. Any input must be accepted or refused with a reason.
 *
 * One invariant is checked on top: an http(s) URL is never allowed by a
 * list that has no http(s) entry.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "stream/location.h"

/* An http(s) URL: the only kind of location that reaches the network. */
static bool remote(const char *text) {
    return strncasecmp(text, "http://", 7) == 0 ||
           strncasecmp(text, "https://", 8) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *location = strchr(text, '\n');
    if (location) *location++ = '\0';

    const char **entries = NULL;
    size_t n = 0;
    ms_error err = {{0}};
    if (location_parse_list(text, &entries, &n, &err) != 0) {
        if (!err.msg[0] || entries || n) __builtin_trap();
    } else if (location) {
        location_policy policy = {.allowed = entries, .nallowed = n,
                                  .max_bytes = 1 << 20};
        bool any_remote = false;
        for (size_t i = 0; i < n; i++) any_remote |= remote(entries[i]);
        err.msg[0] = '\0';
        if (location_check(location, &policy, &err) == 0) {
            if (remote(location) && !any_remote) __builtin_trap();
        } else if (!err.msg[0]) {
            __builtin_trap();
        }
    }
    free(entries);
    free(text);
    return 0;
}
