/*
 * fuzz_csv.c - libFuzzer target for the CSV reader (util/csv.c): the input
 * is read as a stream line by line (csv_reader over fmemopen), and every
 * line goes through separator detection, splitting and number parsing.
 * Fields must lie inside their line, counts within their limits, and every
 * parsed value be finite or NaN (missing); never crash.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"

enum { MAX_FIELDS = 16 };

static void check_line(const char *line) {
    size_t len = strlen(line);
    char sep = csv_detect_separator(line);
    if (sep != ';' && sep != ',' && sep != '\t') __builtin_trap();

    char *copy = strdup(line);
    if (!copy) return;
    char *fields[MAX_FIELDS];
    int n = csv_split(copy, sep, fields, MAX_FIELDS);
    if (n > MAX_FIELDS || n == 0) __builtin_trap();
    for (int i = 0; i < n; i++)
        if (fields[i] < copy || fields[i] + strlen(fields[i]) > copy + len)
            __builtin_trap();

    memcpy(copy, line, len + 1);
    double values[MAX_FIELDS];
    int count = -1;
    ms_error err = {{0}};
    if (csv_parse_doubles(copy, sep, values, MAX_FIELDS, &count, &err) == 0) {
        if (count < 1 || count > MAX_FIELDS) __builtin_trap();
        for (int i = 0; i < count; i++)
            if (isinf(values[i])) __builtin_trap();
    } else if (!err.msg[0]) {
        __builtin_trap();
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;   /* fmemopen refuses an empty buffer */
    FILE *in = fmemopen((void *)data, size, "r");
    if (!in) return 0;
    csv_reader r;
    csv_reader_init(&r, in);
    char *line;
    long line_no, last = 0;
    ms_error err = {{0}};
    int rc;
    while ((rc = csv_reader_next(&r, &line, &line_no, &err)) == 1) {
        if (line_no <= last) __builtin_trap();   /* numbers only grow */
        last = line_no;
        check_line(line);
    }
    if (rc < 0 && !err.msg[0]) __builtin_trap();
    csv_reader_free(&r);
    fclose(in);
    return 0;
}
