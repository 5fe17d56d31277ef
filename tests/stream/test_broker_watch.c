/*
 * test_broker_watch.c - Kafka reachability from librdkafka statistics
 * documents (written here by hand in librdkafka's documented shape): the
 * state and counts /health shows, through a broker lost, the whole cluster
 * lost and back, and documents that are not statistics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "stream/broker_watch.h"

/* A report of three node brokers and one bootstrap entry, with the given
 * states of brokers 1, 2, 3 and of the bootstrap connection. */
static void report(broker_watch *w, int64_t now_ms, const char *s1,
                   const char *s2, const char *s3, const char *boot) {
    char json[1024];
    snprintf(json, sizeof json,
             "{\"name\":\"modelserver#producer-1\",\"brokers\":{"
             "\"127.0.0.1:9001/1\":{\"nodeid\":1,\"nodename\":\"127.0.0.1:9001\",\"state\":\"%s\"},"
             "\"127.0.0.1:9002/2\":{\"nodeid\":2,\"nodename\":\"127.0.0.1:9002\",\"state\":\"%s\"},"
             "\"127.0.0.1:9003/3\":{\"nodeid\":3,\"nodename\":\"127.0.0.1:9003\",\"state\":\"%s\"},"
             "\"127.0.0.1:9001/bootstrap\":{\"nodeid\":-1,\"nodename\":\"127.0.0.1:9001\",\"state\":\"%s\"}}}",
             s1, s2, s3, boot);
    broker_watch_stats(w, json, strlen(json), now_ms);
}

static broker_watch_status status(broker_watch *w, int64_t now_ms) {
    broker_watch_status st;
    broker_watch_status_get(w, now_ms, &st);
    return st;
}

static void reachable_before_any_report(void **state) {
    (void)state;
    broker_watch *w = broker_watch_new("127.0.0.1:9001");
    broker_watch_status st = status(w, 1000);
    assert_int_equal(st.connected, 1);
    assert_int_equal(st.outages, 0);
    assert_int_equal(st.outage_ms, 0);
    broker_watch_free(w);
}

static void one_broker_lost_is_no_outage(void **state) {
    (void)state;
    broker_watch *w = broker_watch_new("127.0.0.1:9001");
    report(w, 1000, "UP", "UP", "UP", "UP");
    broker_watch_status st = status(w, 1000);
    assert_int_equal(st.brokers_up, 4);   /* the bootstrap entry counts */
    assert_int_equal(st.brokers_known, 3); /* it is not a broker of its own */
    report(w, 2000, "UP", "TRY_CONNECT", "UPDATE", "DOWN");
    st = status(w, 2000);
    assert_int_equal(st.connected, 1);
    assert_int_equal(st.brokers_up, 2); /* UP and UPDATE */
    assert_int_equal(st.outages, 0);
    broker_watch_free(w);
}

static void whole_cluster_lost_and_back(void **state) {
    (void)state;
    broker_watch *w = broker_watch_new("127.0.0.1:9001");
    report(w, 1000, "UP", "UP", "UP", "INIT");
    report(w, 2000, "DOWN", "CONNECT", "APIVERSION_QUERY", "DOWN");
    broker_watch_status st = status(w, 2500);
    assert_int_equal(st.connected, 0);
    assert_int_equal(st.brokers_up, 0);
    assert_int_equal(st.outages, 1);
    assert_int_equal(st.outage_ms, 500);
    /* Still down: the same outage, longer. */
    report(w, 3000, "DOWN", "DOWN", "DOWN", "DOWN");
    st = status(w, 32000);
    assert_int_equal(st.outages, 1);
    assert_int_equal(st.outage_ms, 30000);
    /* One broker back ends it. */
    report(w, 33000, "DOWN", "UP", "DOWN", "DOWN");
    st = status(w, 33000);
    assert_int_equal(st.connected, 1);
    assert_int_equal(st.brokers_up, 1);
    assert_int_equal(st.outage_ms, 0);
    assert_int_equal(st.outages, 1);
    /* A second outage is counted as such. */
    report(w, 40000, "DOWN", "DOWN", "DOWN", "DOWN");
    assert_int_equal(status(w, 40000).outages, 2);
    broker_watch_free(w);
}

static void not_statistics_change_nothing(void **state) {
    (void)state;
    broker_watch *w = broker_watch_new(NULL);
    const char *bad[] = {"", "not json", "[]", "{\"brokers\":[]}", "{\"brokers\":7}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        broker_watch_stats(w, bad[i], strlen(bad[i]), 1000);
    broker_watch_status st = status(w, 1000);
    assert_int_equal(st.connected, 1);
    assert_int_equal(st.outages, 0);
    /* An empty broker list is a client that knows no broker at all. */
    const char *none = "{\"brokers\":{}}";
    broker_watch_stats(w, none, strlen(none), 2000);
    assert_int_equal(status(w, 2000).connected, 0);
    broker_watch_free(w);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reachable_before_any_report),
        cmocka_unit_test(one_broker_lost_is_no_outage),
        cmocka_unit_test(whole_cluster_lost_and_back),
        cmocka_unit_test(not_statistics_change_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
