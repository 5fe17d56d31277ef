/*
 * test_histogram.c - the lock-free latency histogram: which bucket a
 * duration lands in (bounds inclusive), quantiles interpolated inside a
 * bucket as Prometheus' histogram_quantile does (values worked out by
 * hand below), and no count lost under concurrent writers.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/histogram.h"

static void durations_land_in_their_bucket(void **state) {
    (void)state;
    latency_histogram h;
    memset(&h, 0, sizeof h);
    latency_histogram_add(&h, 0);
    latency_histogram_add(&h, 250);        /* bound itself: bucket 0 */
    latency_histogram_add(&h, 251);        /* bucket 1: (250, 500] */
    latency_histogram_add(&h, 100000000);  /* last finite bound: bucket 12 */
    latency_histogram_add(&h, 100000001);  /* +Inf */
    uint64_t c[LATENCY_BUCKETS];
    latency_histogram_read(&h, c);
    uint64_t want[LATENCY_BUCKETS] = {2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1};
    assert_memory_equal(c, want, sizeof want);
}

static void quantiles_interpolate(void **state) {
    (void)state;
    uint64_t none[LATENCY_BUCKETS] = {0};
    assert_true(latency_quantile_ns(none, 0.5) == 0);
    /* Ten in (500, 1000]: the median is half way, 750. */
    uint64_t one[LATENCY_BUCKETS] = {0, 0, 10};
    assert_true(latency_quantile_ns(one, 0.5) == 750);
    assert_true(latency_quantile_ns(one, 1.0) == 1000);
    /* Two in [0, 250], two in (250, 500]: rank 2 ends bucket 0 (250);
     * rank 3 is half of bucket 1 (375). */
    uint64_t two[LATENCY_BUCKETS] = {2, 2};
    assert_true(latency_quantile_ns(two, 0.5) == 250);
    assert_true(latency_quantile_ns(two, 0.75) == 375);
    /* Everything slower than the last bound: that bound is all we know. */
    uint64_t slow[LATENCY_BUCKETS] = {[LATENCY_BUCKETS - 1] = 5};
    assert_true(latency_quantile_ns(slow, 0.99) == 100000000);
}

static latency_histogram shared;

static void *writer(void *arg) {
    (void)arg;
    for (int i = 0; i < 100000; i++) latency_histogram_add(&shared, i % 2 ? 300 : 7000);
    return NULL;
}

static void concurrent_writers_lose_nothing(void **state) {
    (void)state;
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, writer, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
    uint64_t c[LATENCY_BUCKETS];
    latency_histogram_read(&shared, c);
    assert_int_equal(c[1], 200000); /* 300 ns */
    assert_int_equal(c[5], 200000); /* 7000 ns: (5000, 10000] */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(durations_land_in_their_bucket),
        cmocka_unit_test(quantiles_interpolate),
        cmocka_unit_test(concurrent_writers_lose_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
