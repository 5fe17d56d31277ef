/*
 * fuzz_hocon.c - libFuzzer target for the HOCON configuration reader
 * (util/hocon.c): any text must be read or rejected with a "name:line:"
 * reason, never crash. Every visited key must be a non-empty dotted name
 * and every value a string; a visitor that refuses the key "refuse" drives
 * the visitor-error path. Two environment variables exist for ${VAR} and
 * ${?VAR}: FUZZ_SET (set) and FUZZ_EMPTY (empty, which counts as unset).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hocon.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    setenv("FUZZ_SET", "value from the environment", 1);
    setenv("FUZZ_EMPTY", "", 1);
    return 0;
}

static int visit(void *ctx, const char *key, const char *value, int line,
                 ms_error *err) {
    size_t *count = ctx;
    if (!key[0] || line < 1) __builtin_trap();
    if (value) (void)strlen(value);  /* ASan checks it is a string */
    (*count)++;
    if (strcmp(key, "refuse") == 0) return ms_error_set(err, "refused");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    size_t count = 0;
    ms_error err = {{0}};
    if (hocon_parse_text("fuzz.conf", text, size, visit, &count, &err) != 0 &&
        strncmp(err.msg, "fuzz.conf", 9) != 0)
        __builtin_trap();   /* every reject names the file (and line) */
    free(text);
    return 0;
}
