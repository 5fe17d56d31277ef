/*
 * test_kafka_conf.c - the properties a user gives (--kafka-property) win
 * over the engine's tuning defaults, never over what correctness needs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stream/kafka.h"

static void assert_conf(rd_kafka_conf_t *conf, const char *name,
                        const char *want) {
    char v[64];
    size_t len = sizeof v;
    assert_int_equal(rd_kafka_conf_get(conf, name, v, &len), RD_KAFKA_CONF_OK);
    assert_string_equal(v, want);
}

static void user_properties_win_over_tuning(void **state) {
    (void)state;
    ms_error err;
    assert_int_equal(kafka_set_properties("fetch.wait.max.ms=7,linger.ms=0", &err), 0);
    rd_kafka_conf_t *conf = kafka_conf_new("127.0.0.1:1", "test");
    /* the user's values stay */
    assert_int_equal(kafka_conf_tune(conf, "fetch.wait.max.ms", "20", &err), 0);
    assert_conf(conf, "fetch.wait.max.ms", "7");
    assert_int_equal(kafka_conf_tune(conf, "linger.ms", "5", &err), 0);
    assert_conf(conf, "linger.ms", "0");
    /* a default the user left alone is set */
    assert_int_equal(kafka_conf_tune(conf, "queued.min.messages", "1000000", &err), 0);
    assert_conf(conf, "queued.min.messages", "1000000");
    /* kafka_conf_set is not a default: it always sets */
    assert_int_equal(kafka_conf_set(conf, "fetch.wait.max.ms", "30", &err), 0);
    assert_conf(conf, "fetch.wait.max.ms", "30");
    /* a bad tuning value is still an error */
    assert_int_equal(kafka_conf_tune(conf, "queued.min.messages", "many", &err), -1);
    assert_non_null(strstr(err.msg, "queued.min.messages"));
    rd_kafka_conf_destroy(conf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(user_properties_win_over_tuning),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
