/* test_duration.c - human durations: what users type, what is refused, and
 * the short text written back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/duration.h"

#define MS INT64_C(1000000)
#define S (1000 * MS)

static int64_t parse_ok(const char *text) {
    ms_error err = {{0}};
    int64_t ns = -1;
    if (duration_parse(text, &ns, &err) != 0)
        fail_msg("'%s' was refused: %s", text, err.msg);
    return ns;
}

/* Parses text expecting failure; returns the message. */
static const char *parse_fails(const char *text, ms_error *err) {
    int64_t ns = 12345;
    if (duration_parse(text, &ns, err) != -1)
        fail_msg("'%s' was accepted as %lld ns", text, (long long)ns);
    assert_int_equal(ns, 12345); /* untouched on failure */
    return err->msg;
}

static void test_units_and_spellings(void **state) {
    (void)state;
    static const struct {
        const char *text;
        int64_t ns;
    } cases[] = {
        {"1 second", S},          {"5 minutes", 300 * S},
        {"10ms", 10 * MS},        {"1.5s", 1500 * MS},
        {"250 milliseconds", 250 * MS},
        {"2h", 7200 * S},         {"1 hour", 3600 * S},
        {"30 s", 30 * S},         {"100us", 100000},
        {"100 microseconds", 100000},
        {"5000ns", 5000},         {"1m", 60 * S},
        {"1 day", 86400 * S},     {"2 days", 172800 * S},
        {"3 nanos", 3},           {"7 micros", 7000},
        {"20 millis", 20 * MS},   {"1 milli", MS},
        {"45 secs", 45 * S},      {"5 min", 300 * S},
        {"2 hours", 7200 * S},    {"1d", 86400 * S},
        {"1 Second", S},          {"10MS", 10 * MS},
        {"  1s  ", S},            {"1\ts", S},
        {"0s", 0},                {"0", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (parse_ok(cases[i].text) != cases[i].ns)
            fail_msg("'%s': got %lld, want %lld", cases[i].text,
                     (long long)parse_ok(cases[i].text),
                     (long long)cases[i].ns);
}

static void test_bare_number_is_milliseconds(void **state) {
    (void)state;
    assert_int_equal(parse_ok("1000"), S);
    assert_int_equal(parse_ok("1.5"), 1500000);
    assert_int_equal(parse_ok(" 250 "), 250 * MS);
}

static void test_fractions(void **state) {
    (void)state;
    assert_int_equal(parse_ok(".5s"), 500 * MS);
    assert_int_equal(parse_ok("0.001 s"), MS);
    assert_int_equal(parse_ok("1.25 minutes"), 75 * S);
    assert_int_equal(parse_ok("0.1h"), 360 * S);
    assert_int_equal(parse_ok("1.5ns"), 2); /* rounded to the nearest ns */
    assert_int_equal(parse_ok("1.4ns"), 1);
    /* Digits far below a nanosecond are read and ignored. */
    assert_int_equal(parse_ok("2.0000000000000000000000001s"), 2 * S);
}

static void test_limits(void **state) {
    (void)state;
    assert_int_equal(parse_ok("9223372036854775807ns"), INT64_MAX);
    ms_error err;
    assert_non_null(strstr(parse_fails("9223372036854775808ns", &err),
                           "too large"));
    assert_non_null(strstr(parse_fails("300000 days", &err), "too large"));
    assert_non_null(strstr(
        parse_fails("99999999999999999999999999999s", &err), "too large"));
    /* The fraction pushes it over. */
    assert_non_null(strstr(parse_fails("9223372036.9s", &err), "too large"));
}

static void test_refusals_say_why(void **state) {
    (void)state;
    ms_error err;
    assert_non_null(strstr(parse_fails("", &err), "empty duration"));
    assert_non_null(strstr(parse_fails("   ", &err), "empty duration"));
    assert_string_equal(parse_fails("-1s", &err),
                        "duration '-1s' is negative");
    assert_string_equal(parse_fails("5 fortnights", &err),
                        "duration '5 fortnights' has unknown unit "
                        "'fortnights' (use ns, us, ms, s, m, h or d)");
    assert_string_equal(parse_fails("10 s x", &err),
                        "duration '10 s x' has unexpected text 'x' after "
                        "the unit");
    assert_string_equal(parse_fails("1.2.3s", &err),
                        "duration '1.2.3s' has unexpected text '.3s' after "
                        "the number");
    assert_string_equal(parse_fails("nan", &err),
                        "duration 'nan' is not a finite number");
    assert_string_equal(parse_fails("inf s", &err),
                        "duration 'inf s' is not a finite number");
    assert_string_equal(parse_fails("s", &err),
                        "duration 's' does not start with a number");
    assert_string_equal(parse_fails(".s", &err),
                        "duration '.s' does not start with a number");
    assert_non_null(strstr(parse_fails("0x10s", &err), "unknown unit 'x'"));
    assert_non_null(strstr(parse_fails("1e3s", &err), "unknown unit 'e'"));
    assert_non_null(strstr(parse_fails("5 ms;", &err), "unexpected text ';'"));
    assert_non_null(strstr(parse_fails("1hs", &err), "unknown unit 'hs'"));
    assert_non_null(strstr(parse_fails("1 mss", &err), "unknown unit"));
}

static void test_format(void **state) {
    (void)state;
    static const struct {
        int64_t ns;
        const char *text;
    } cases[] = {
        {1500 * MS, "1.5s"},     {250 * MS, "250ms"},
        {300 * S, "5m"},         {7200 * S, "2h"},
        {0, "0s"},               {86400 * S, "1d"},
        {36 * 3600 * S, "1.5d"}, {3605 * S, "3605s"},
        {90 * 60 * S, "1.5h"},   {100 * 60 * S, "100m"},
        {1, "1ns"},              {999, "999ns"},
        {1000, "1us"},           {1234567, "1234567ns"},
        {1250 * S, "1250s"},     {S + 1, "1000000001ns"},
        {-1500 * MS, "-1.5s"},   {INT64_MAX, "9223372036854775807ns"},
        {123456, "123.456us"},   {999999 * MS, "999.999s"},
        {1000999 * MS, "1000999ms"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        duration_format(cases[i].ns, buf, sizeof buf);
        assert_string_equal(buf, cases[i].text);
    }
    duration_format(INT64_MIN, buf, sizeof buf);
    assert_string_equal(buf, "-9223372036854775808ns");
}

static void test_format_truncates_to_buffer(void **state) {
    (void)state;
    char buf[4] = "xyz";
    duration_format(1500 * MS, buf, 0); /* nothing written */
    assert_string_equal(buf, "xyz");
    duration_format(250 * MS, buf, sizeof buf);
    assert_string_equal(buf, "250");
}

static void test_format_parses_back(void **state) {
    (void)state;
    static const int64_t values[] = {
        1,           7,        1000,          1001,       MS,
        1500 * MS,   S,        59 * S,        61 * S,     3599 * S,
        3600 * S,    86399 * S, 86401 * S,    123456789,  INT64_MAX,
        INT64_MAX / 3,
    };
    char buf[64];
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        duration_format(values[i], buf, sizeof buf);
        assert_int_equal(parse_ok(buf), values[i]);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units_and_spellings),
        cmocka_unit_test(test_bare_number_is_milliseconds),
        cmocka_unit_test(test_fractions),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_refusals_say_why),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_truncates_to_buffer),
        cmocka_unit_test(test_format_parses_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
