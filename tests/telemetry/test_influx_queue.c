/* test_influx_queue.c - the lock-free point queue: capacity, order, a full
 * queue refusing instead of waiting, and many producers against one
 * consumer with every point arriving once and in each producer's order. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "telemetry/influx_queue.h"

static influx_point numbered(int64_t n) {
    influx_point p = {.time_ns = n, .calculated = (double)n};
    strcpy(p.model, "m");
    return p;
}

static void test_capacity_rounds_up(void **state) {
    (void)state;
    influx_queue *q = influx_queue_new(5);
    assert_int_equal(influx_queue_capacity(q), 8);
    influx_queue_free(q);
    q = influx_queue_new(8);
    assert_int_equal(influx_queue_capacity(q), 8);
    influx_queue_free(q);
}

static void test_fifo_full_and_empty(void **state) {
    (void)state;
    influx_queue *q = influx_queue_new(4);
    influx_point out;
    assert_int_equal(influx_queue_pop(q, &out), -1);
    for (int lap = 0; lap < 3; lap++) { /* wraps around the ring */
        for (int i = 0; i < 4; i++) {
            influx_point p = numbered(lap * 10 + i);
            assert_int_equal(influx_queue_push(q, &p), 0);
        }
        influx_point extra = numbered(99);
        assert_int_equal(influx_queue_push(q, &extra), -1);
        for (int i = 0; i < 4; i++) {
            assert_int_equal(influx_queue_pop(q, &out), 0);
            assert_int_equal(out.time_ns, lap * 10 + i);
            assert_string_equal(out.model, "m");
        }
        assert_int_equal(influx_queue_pop(q, &out), -1);
    }
    influx_queue_free(q);
}

#define PRODUCERS 4
#define PER_PRODUCER 200000

typedef struct producer {
    influx_queue *q;
    int id;
    long refused;
} producer;

static void *produce(void *arg) {
    producer *p = arg;
    for (int64_t i = 0; i < PER_PRODUCER; i++) {
        influx_point pt = numbered((int64_t)p->id * PER_PRODUCER + i);
        if (influx_queue_push(p->q, &pt) != 0) p->refused++;
    }
    return NULL;
}

static void test_many_producers_one_consumer(void **state) {
    (void)state;
    influx_queue *q = influx_queue_new(1024);
    producer ps[PRODUCERS];
    pthread_t threads[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) {
        ps[i] = (producer){.q = q, .id = i};
        pthread_create(&threads[i], NULL, produce, &ps[i]);
    }
    int64_t last[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++) last[i] = -1;
    long received = 0, refused = 0;
    int done = 0;
    influx_point out;
    while (!done) {
        /* Producers are finished when every attempt is accounted for. */
        refused = 0;
        for (int i = 0; i < PRODUCERS; i++)
            refused += __atomic_load_n(&ps[i].refused, __ATOMIC_RELAXED);
        while (influx_queue_pop(q, &out) == 0) {
            int id = (int)(out.time_ns / PER_PRODUCER);
            int64_t seq = out.time_ns % PER_PRODUCER;
            assert_true(id >= 0 && id < PRODUCERS);
            assert_true(seq > last[id]); /* each producer's order kept */
            assert_true(out.calculated == (double)out.time_ns);
            last[id] = seq;
            received++;
        }
        done = received + refused == (long)PRODUCERS * PER_PRODUCER;
    }
    for (int i = 0; i < PRODUCERS; i++) pthread_join(threads[i], NULL);
    assert_int_equal(influx_queue_pop(q, &out), -1);
    assert_true(received > 0);
    influx_queue_free(q);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capacity_rounds_up),
        cmocka_unit_test(test_fifo_full_and_empty),
        cmocka_unit_test(test_many_producers_one_consumer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
