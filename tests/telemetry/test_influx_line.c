/* test_influx_line.c - line protocol of one point: the seed's schema, tag
 * escaping, left-out tags and fields, number formatting and buffer limits.
 * Every expected line is written out by hand from the line protocol rules
 * (backslash before space, ',' and '=' in tag values; floats without a
 * suffix; nanosecond timestamps); the 17-digit texts of the scores are
 * Python's '%.17g' of the same doubles. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "telemetry/influx_line.h"

static influx_point point(const char *data_type, const char *model_name,
                          double calculated, int64_t duration_ns,
                          int64_t time_ns) {
    influx_point p = {.calculated = calculated, .duration_ns = duration_ns,
                      .time_ns = time_ns};
    strcpy(p.data_type, data_type);
    strcpy(p.model, model_name);
    return p;
}

static void expect_line(const influx_point *p, const char *engine,
                        const char *want) {
    char buf[INFLUX_LINE_MAX];
    size_t n = influx_line_encode(p, engine, buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
}

static void test_plain_point(void **state) {
    (void)state;
    influx_point p = point("wine", "tree", 6.0, 42000, INT64_C(1764612345123456789));
    expect_line(&p, "stage",
                "serving,data_type=wine,engine=stage,model=tree "
                "calculated=6,duration=0.042 1764612345123456789\n");
}

static void test_tag_escaping(void **state) {
    (void)state;
    influx_point p = point("red wine", "my model,v=2", 1.5, 2000000, 1);
    expect_line(&p, "Kafka Streams",
                "serving,data_type=red\\ wine,engine=Kafka\\ Streams,"
                "model=my\\ model\\,v\\=2 calculated=1.5,duration=2 1\n");
}

static void test_backslashes_and_line_breaks(void **state) {
    (void)state;
    /* A backslash inside stays; before an escaped character it stays too
     * (InfluxDB unescapes only the second one); at the end, and a line
     * break anywhere, cannot be written and become '_'. */
    influx_point p = point("a\\b", "b\\,c", 1, 1000000, 2);
    expect_line(&p, "end\\",
                "serving,data_type=a\\b,engine=end_,model=b\\\\,c "
                "calculated=1,duration=1 2\n");
    p = point("x\ny", "r\rs", 1, 1000000, 3);
    expect_line(&p, "e", "serving,data_type=x_y,engine=e,model=r_s "
                         "calculated=1,duration=1 3\n");
}

static void test_empty_tags_left_out(void **state) {
    (void)state;
    influx_point p = point("", "m", 1, 2000000, 5);
    expect_line(&p, "", "serving,model=m calculated=1,duration=2 5\n");
    p = point("", "", 1, 2000000, 5);
    expect_line(&p, "", "serving calculated=1,duration=2 5\n");
}

static void test_non_finite_score_left_out(void **state) {
    (void)state;
    influx_point p = point("wine", "m", NAN, 500000, 7);
    expect_line(&p, "stage",
                "serving,data_type=wine,engine=stage,model=m duration=0.5 7\n");
    p.calculated = -INFINITY;
    expect_line(&p, "stage",
                "serving,data_type=wine,engine=stage,model=m duration=0.5 7\n");
}

/* Scores in 17 digits; durations as exact millisecond decimals. */
static void test_number_formatting(void **state) {
    (void)state;
    static const struct {
        double score;
        const char *score_text;
        int64_t ns;
        const char *duration_text;
    } cases[] = {
        {6.0, "6", 42000, "0.042"},
        {-0.5, "-0.5", 1785, "0.001785"},
        {0.1, "0.10000000000000001", 1, "0.000001"},
        {2.0 / 3.0, "0.66666666666666663", 2000000, "2"},
        {0.1 + 0.2, "0.30000000000000004", 10000000, "10"},
        {1e-7, "9.9999999999999995e-08", 1234567891, "1234.567891"},
        {123456789012345680000.0, "1.2345678901234568e+20", 0, "0"},
        {0.0, "0", -1500000, "-1.5"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        influx_point p = point("t", "m", cases[i].score, cases[i].ns, 9);
        char want[256];
        snprintf(want, sizeof want,
                 "serving,data_type=t,engine=e,model=m calculated=%s,"
                 "duration=%s 9\n",
                 cases[i].score_text, cases[i].duration_text);
        expect_line(&p, "e", want);
    }
}

static void test_negative_and_zero_timestamps(void **state) {
    (void)state;
    influx_point p = point("t", "m", 1, 1000000, -1);
    expect_line(&p, "e", "serving,data_type=t,engine=e,model=m "
                         "calculated=1,duration=1 -1\n");
}

static void test_buffer_limits(void **state) {
    (void)state;
    influx_point p = point("wine", "tree", 6.0, 42000, 1);
    const char *want = "serving,data_type=wine,engine=stage,model=tree "
                       "calculated=6,duration=0.042 1\n";
    size_t len = strlen(want);
    char buf[256];
    memset(buf, 'x', sizeof buf);
    assert_int_equal(influx_line_encode(&p, "stage", buf, len + 1), len);
    assert_string_equal(buf, want);
    assert_int_equal(influx_line_encode(&p, "stage", buf, len), 0);
    assert_int_equal(influx_line_encode(&p, "stage", buf, 3), 0);
}

static void test_worst_case_fits_line_max(void **state) {
    (void)state;
    influx_point p = {.calculated = -1.2345678901234567e-300,
                      .duration_ns = INT64_MIN,
                      .time_ns = INT64_MIN};
    memset(p.data_type, ',', sizeof p.data_type - 1);
    memset(p.model, '=', sizeof p.model - 1);
    char engine[INFLUX_ENGINE_MAX];
    memset(engine, ' ', sizeof engine - 1);
    engine[sizeof engine - 1] = '\0';
    char buf[INFLUX_LINE_MAX];
    size_t n = influx_line_encode(&p, engine, buf, sizeof buf);
    /* serving ,data_type= 2*63 ,engine= 2*63 ,model= 2*127 ' '
     * calculated= -1.2345678901234568e-300 , duration=
     * -9223372036854.775808 ' ' -9223372036854775808 '\n':
     * 7 + 11 + 126 + 8 + 126 + 7 + 254 + 1 + 11 + 24 + 1 + 9 + 21 + 1
     * + 20 + 1 */
    assert_int_equal(n, 628);
    assert_true(n < INFLUX_LINE_MAX);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_point),
        cmocka_unit_test(test_tag_escaping),
        cmocka_unit_test(test_backslashes_and_line_breaks),
        cmocka_unit_test(test_empty_tags_left_out),
        cmocka_unit_test(test_non_finite_score_left_out),
        cmocka_unit_test(test_number_formatting),
        cmocka_unit_test(test_negative_and_zero_timestamps),
        cmocka_unit_test(test_buffer_limits),
        cmocka_unit_test(test_worst_case_fits_line_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
