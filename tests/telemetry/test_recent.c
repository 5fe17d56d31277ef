/*
 * test_recent.c - the ring of recent predictions: newest first, the ring's
 * size at most, and under concurrent writers a reader only ever sees whole
 * predictions (each writer writes a prediction whose fields agree with
 * each other; a torn copy would not).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "telemetry/recent.h"

static recent_prediction make(int64_t n) {
    recent_prediction p = {.offset = n, .value = (double)n, .duration_ns = n * 3};
    snprintf(p.model, sizeof p.model, "model-%lld", (long long)n);
    return p;
}

static int whole(const recent_prediction *p) {
    char want[RECENT_TEXT];
    snprintf(want, sizeof want, "model-%lld", (long long)p->offset);
    return p->value == (double)p->offset && p->duration_ns == p->offset * 3 &&
           strcmp(p->model, want) == 0;
}

static void newest_first_and_bounded(void **state) {
    (void)state;
    static recent_ring ring;
    recent_prediction out[RECENT_SLOTS];
    assert_int_equal(recent_read(&ring, out, RECENT_SLOTS), 0);
    for (int i = 0; i < 3; i++) {
        recent_prediction p = make(i);
        recent_add(&ring, &p);
    }
    assert_int_equal(recent_read(&ring, out, RECENT_SLOTS), 3);
    assert_int_equal(out[0].offset, 2);
    assert_int_equal(out[2].offset, 0);
    for (int i = 3; i < 40; i++) {
        recent_prediction p = make(i);
        recent_add(&ring, &p);
    }
    assert_int_equal(recent_read(&ring, out, RECENT_SLOTS), RECENT_SLOTS);
    for (int i = 0; i < RECENT_SLOTS; i++) {
        assert_int_equal(out[i].offset, 39 - i);
        assert_true(whole(&out[i]));
    }
    assert_int_equal(recent_read(&ring, out, 5), 5);
}

static recent_ring shared;
static atomic_int stop;

static void *writer(void *arg) {
    int64_t base = (int64_t)(intptr_t)arg * 1000000000;
    for (int64_t i = 0; !atomic_load(&stop); i++) {
        recent_prediction p = make(base + i);
        recent_add(&shared, &p);
        /* Scorers add one every 20 ms; 10 us apart is still a storm. */
        nanosleep(&(struct timespec){.tv_nsec = 10000}, NULL);
    }
    return NULL;
}

static void readers_never_see_torn_predictions(void **state) {
    (void)state;
    pthread_t t[3];
    for (intptr_t i = 0; i < 3; i++) pthread_create(&t[i], NULL, writer, (void *)i);
    long seen = 0;
    for (int round = 0; round < 20000 || (seen == 0 && round < 20000000); round++) {
        recent_prediction out[RECENT_SLOTS];
        size_t n = recent_read(&shared, out, RECENT_SLOTS);
        for (size_t i = 0; i < n; i++) {
            if (!whole(&out[i])) fail_msg("torn prediction at offset %lld",
                                          (long long)out[i].offset);
            seen++;
        }
    }
    atomic_store(&stop, 1);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    assert_true(seen > 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(newest_first_and_bounded),
        cmocka_unit_test(readers_never_see_torn_predictions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
