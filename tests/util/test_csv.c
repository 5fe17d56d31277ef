/* test_csv.c - splitting, separator detection, numbers and line reading, on
 * rows like the wine data's and on the ways real files go wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/csv.h"

#define WINE_ROW "7.4;0.7;0;1.9;0.076;11;34;0.9978;3.51;0.56;9.4;5"

static void test_split_wine_row(void **state) {
    (void)state;
    char line[] = WINE_ROW "\n";
    char *f[16];
    assert_int_equal(csv_split(line, ';', f, 16), 12);
    assert_string_equal(f[0], "7.4");
    assert_string_equal(f[7], "0.9978");
    assert_string_equal(f[11], "5");
}

static void test_split_quotes(void **state) {
    (void)state;
    char line[] = "a,\"b,c\",\"say \"\"hi\"\"\",,\"\",x\"y\r\n";
    char *f[8];
    assert_int_equal(csv_split(line, ',', f, 8), 6);
    assert_string_equal(f[0], "a");
    assert_string_equal(f[1], "b,c");
    assert_string_equal(f[2], "say \"hi\"");
    assert_string_equal(f[3], "");
    assert_string_equal(f[4], "");
    assert_string_equal(f[5], "x\"y"); /* a quote mid-field is text */
}

static void test_split_line_endings_and_edges(void **state) {
    (void)state;
    char *f[4];
    char crlf[] = "1;2\r\n";
    assert_int_equal(csv_split(crlf, ';', f, 4), 2);
    assert_string_equal(f[1], "2");

    char empty[] = "\n";
    assert_int_equal(csv_split(empty, ';', f, 4), 1);
    assert_string_equal(f[0], "");

    char trailing[] = "1;";
    assert_int_equal(csv_split(trailing, ';', f, 4), 2);
    assert_string_equal(f[1], "");

    char unclosed[] = "\"a;b";
    assert_int_equal(csv_split(unclosed, ';', f, 4), 1);
    assert_string_equal(f[0], "a;b");
}

static void test_split_too_many_fields(void **state) {
    (void)state;
    char *f[3];
    char three[] = "a;b;c";
    assert_int_equal(csv_split(three, ';', f, 3), 3);
    char four[] = "a;b;c;d";
    assert_int_equal(csv_split(four, ';', f, 3), -1);
}

static void test_detect_separator(void **state) {
    (void)state;
    assert_int_equal(csv_detect_separator(WINE_ROW), ';');
    assert_int_equal(csv_detect_separator("1.5,2,3"), ',');
    assert_int_equal(csv_detect_separator("1\t2\t3"), '\t');
    assert_int_equal(csv_detect_separator("\"a;b;c\",d"), ',');
    assert_int_equal(csv_detect_separator("\"1,5\";\"2,5\""), ';');
    assert_int_equal(csv_detect_separator("a;b,c"), ';'); /* tie */
    assert_int_equal(csv_detect_separator("single"), ',');
    assert_int_equal(csv_detect_separator(""), ',');
}

static void test_parse_wine_row(void **state) {
    (void)state;
    char line[] = WINE_ROW "\r\n";
    double v[12];
    int n = 0;
    ms_error err;
    assert_int_equal(csv_parse_doubles(line, ';', v, 12, &n, &err), 0);
    assert_int_equal(n, 12);
    assert_true(v[0] == 7.4);
    assert_true(v[2] == 0.0);
    assert_true(v[7] == 0.9978);
    assert_true(v[11] == 5.0);
}

static void test_parse_missing_values(void **state) {
    (void)state;
    char line[] = "1.5,NA,, 2 ,\"3.25\",-1e-3";
    double v[8];
    int n = 0;
    ms_error err;
    assert_int_equal(csv_parse_doubles(line, ',', v, 8, &n, &err), 0);
    assert_int_equal(n, 6);
    assert_true(v[0] == 1.5);
    assert_true(isnan(v[1]));
    assert_true(isnan(v[2]));
    assert_true(v[3] == 2.0);
    assert_true(v[4] == 3.25);
    assert_true(v[5] == -0.001);
}

/* Parses line expecting failure; returns the message. */
static const char *parse_fails(const char *text, int max, ms_error *err) {
    char line[256];
    double v[16];
    int n = -7;
    snprintf(line, sizeof line, "%s", text);
    if (csv_parse_doubles(line, ';', v, max, &n, err) != -1)
        fail_msg("'%s' was accepted", text);
    assert_int_equal(n, -7); /* count untouched on failure */
    return err->msg;
}

static void test_parse_garbage_names_column(void **state) {
    (void)state;
    ms_error err;
    assert_string_equal(parse_fails("7.4;abc;1", 16, &err),
                        "column 2: 'abc' is not a number");
    assert_string_equal(parse_fails("1;2;3x", 16, &err),
                        "column 3: '3x' is not a number");
    assert_string_equal(parse_fails("1;2 3", 16, &err),
                        "column 2: '2 3' is not a number");
    assert_string_equal(parse_fails("nan;1", 16, &err),
                        "column 1: 'nan' is not a finite number");
    assert_string_equal(parse_fails("1;-inf", 16, &err),
                        "column 2: '-inf' is not a finite number");
    assert_string_equal(parse_fails("1e999", 16, &err),
                        "column 1: '1e999' is not a finite number");
    assert_string_equal(parse_fails("na", 16, &err),
                        "column 1: 'na' is not a number");
    assert_string_equal(parse_fails("1;2;3;4", 3, &err),
                        "more than 3 columns");
}

/* Writes text to a fresh temporary file opened for reading. */
static FILE *temp_input(const char *text, size_t len) {
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    rewind(f);
    return f;
}

static void test_reader_lines_and_numbers(void **state) {
    (void)state;
    const char text[] = "a;b\r\n\n   \r\n1;2\n\t\nlast";
    FILE *f = temp_input(text, sizeof text - 1);
    csv_reader r;
    csv_reader_init(&r, f);
    char *line;
    long no;
    ms_error err;
    assert_int_equal(csv_reader_next(&r, &line, &no, &err), 1);
    assert_string_equal(line, "a;b");
    assert_int_equal(no, 1);
    assert_int_equal(csv_reader_next(&r, &line, &no, &err), 1);
    assert_string_equal(line, "1;2");
    assert_int_equal(no, 4);
    assert_int_equal(csv_reader_next(&r, &line, &no, &err), 1);
    assert_string_equal(line, "last"); /* no final newline */
    assert_int_equal(no, 6);
    assert_int_equal(csv_reader_next(&r, &line, &no, &err), 0);
    assert_int_equal(csv_reader_next(&r, &line, &no, &err), 0);
    csv_reader_free(&r);
    fclose(f);
}

static void test_reader_long_line(void **state) {
    (void)state;
    /* 20,000 fields of "0.5;": far beyond any fixed buffer. */
    enum { FIELDS = 20000 };
    size_t len = FIELDS * 4;
    char *text = malloc(len + 3);
    assert_non_null(text);
    for (size_t i = 0; i < FIELDS; i++) memcpy(text + 4 * i, "0.5;", 4);
    memcpy(text + len - 1, "\n7\n", 3);
    FILE *f = temp_input(text, len + 2);
    free(text);

    csv_reader r;
    csv_reader_init(&r, f);
    char *line;
    long no;
    ms_error err;
    assert_int_equal(csv_reader_next(&r, &line, &no, &err), 1);
    assert_int_equal(strlen(line), len - 1);
    double *v = malloc(FIELDS * sizeof *v);
    int n = 0;
    assert_int_equal(csv_parse_doubles(line, ';', v, FIELDS, &n, &err), 0);
    assert_int_equal(n, FIELDS);
    assert_true(v[FIELDS - 1] == 0.5);
    free(v);
    assert_int_equal(csv_reader_next(&r, &line, &no, &err), 1);
    assert_string_equal(line, "7");
    assert_int_equal(no, 2);
    csv_reader_free(&r);
    fclose(f);
}

static void test_reader_read_error(void **state) {
    (void)state;
    FILE *f = fopen("/dev/null", "w"); /* reading a write-only stream fails */
    assert_non_null(f);
    csv_reader r;
    csv_reader_init(&r, f);
    char *line;
    long no;
    ms_error err;
    assert_int_equal(csv_reader_next(&r, &line, &no, &err), -1);
    assert_non_null(strstr(err.msg, "line 1: cannot read"));
    csv_reader_free(&r);
    fclose(f);
}

/* The real data: 1,599 rows of 11 features and a quality of 3..8. */
static void test_wine_file(void **state) {
    (void)state;
    const char *dir = getenv("MS_SHARED_DATA");
    char path[4096];
    snprintf(path, sizeof path, "%s/winequality_red.csv", dir ? dir : "");
    FILE *f = dir ? fopen(path, "r") : NULL;
    if (!f) skip();

    csv_reader r;
    csv_reader_init(&r, f);
    char *line;
    long no = 0;
    int rows = 0;
    ms_error err;
    while (csv_reader_next(&r, &line, &no, &err) == 1) {
        assert_int_equal(csv_detect_separator(line), ';');
        double v[16];
        int n = 0;
        if (csv_parse_doubles(line, ';', v, 16, &n, &err) < 0)
            fail_msg("%s:%ld: %s", path, no, err.msg);
        assert_int_equal(n, 12);
        assert_true(v[11] >= 3 && v[11] <= 8);
        rows++;
    }
    assert_int_equal(rows, 1599);
    assert_int_equal(no, 1599);
    csv_reader_free(&r);
    fclose(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_wine_row),
        cmocka_unit_test(test_split_quotes),
        cmocka_unit_test(test_split_line_endings_and_edges),
        cmocka_unit_test(test_split_too_many_fields),
        cmocka_unit_test(test_detect_separator),
        cmocka_unit_test(test_parse_wine_row),
        cmocka_unit_test(test_parse_missing_values),
        cmocka_unit_test(test_parse_garbage_names_column),
        cmocka_unit_test(test_reader_lines_and_numbers),
        cmocka_unit_test(test_reader_long_line),
        cmocka_unit_test(test_reader_read_error),
        cmocka_unit_test(test_wine_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
