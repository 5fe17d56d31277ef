/*
 * test_offsets.c - the at-least-once bookkeeping: an offset becomes
 * committable only when it and everything before it in its partition are
 * finished, whatever order they finish in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "stream/offsets.h"

/* The committable offset collected for a partition, or -1 if none moved. */
static int64_t collect(offset_tracker *t, int32_t partition) {
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(4);
    offsets_collect(t, "models_data", list);
    int64_t out = -1;
    rd_kafka_topic_partition_t *tp =
        rd_kafka_topic_partition_list_find(list, "models_data", partition);
    if (tp) out = tp->offset;
    rd_kafka_topic_partition_list_destroy(list);
    return out;
}

static void out_of_order_completion(void **state) {
    (void)state;
    offset_tracker *t = offsets_new();
    for (int64_t o = 10; o < 15; o++) assert_int_equal(offsets_begin(t, 0, o), 0);
    assert_int_equal(offsets_in_flight(t), 5);
    offsets_done(t, 0, 12);
    offsets_done(t, 0, 11);
    assert_int_equal(collect(t, 0), -1); /* 10 is not finished */
    offsets_done(t, 0, 10);
    assert_int_equal(collect(t, 0), 13); /* 10, 11, 12 finished */
    assert_int_equal(collect(t, 0), -1); /* reported once */
    offsets_done(t, 0, 14);
    assert_int_equal(collect(t, 0), -1);
    offsets_done(t, 0, 13);
    assert_int_equal(collect(t, 0), 15);
    assert_int_equal(offsets_in_flight(t), 0);
    offsets_free(t);
}

static void partitions_are_independent_and_gaps_allowed(void **state) {
    (void)state;
    offset_tracker *t = offsets_new();
    /* Offsets with holes (compaction, transaction markers). */
    assert_int_equal(offsets_begin(t, 3, 100), 0);
    assert_int_equal(offsets_begin(t, 3, 105), 0);
    assert_int_equal(offsets_begin(t, 1, 7), 0);
    offsets_done(t, 3, 105);
    offsets_done(t, 1, 7);
    assert_int_equal(collect(t, 1), 8);
    assert_int_equal(collect(t, 3), -1);
    offsets_done(t, 3, 100);
    assert_int_equal(collect(t, 3), 106);
    /* Unknown and repeated completions are ignored. */
    offsets_done(t, 3, 100);
    offsets_done(t, 9, 1);
    offsets_done(t, 3, 999);
    assert_int_equal(offsets_in_flight(t), 0);
    offsets_free(t);
}

static void ring_grows_and_reset_forgets(void **state) {
    (void)state;
    offset_tracker *t = offsets_new();
    enum { N = 5000 };
    for (int64_t o = 0; o < N; o++) assert_int_equal(offsets_begin(t, 0, o), 0);
    for (int64_t o = N - 1; o >= 1; o--) offsets_done(t, 0, o);
    assert_int_equal(collect(t, 0), -1);
    offsets_done(t, 0, 0);
    assert_int_equal(collect(t, 0), N);
    /* Wrap around a partly consumed ring. */
    for (int64_t o = N; o < N + 300; o++) assert_int_equal(offsets_begin(t, 0, o), 0);
    for (int64_t o = N; o < N + 300; o++) offsets_done(t, 0, o);
    assert_int_equal(collect(t, 0), N + 300);
    assert_int_equal(offsets_begin(t, 0, N + 300), 0);
    offsets_reset(t);
    assert_int_equal(offsets_in_flight(t), 0);
    offsets_done(t, 0, N + 300); /* forgotten: ignored */
    assert_int_equal(collect(t, 0), -1);
    offsets_free(t);
}

static void opaque_round_trip(void **state) {
    (void)state;
    int32_t p;
    int64_t o;
    offsets_unpack(offsets_pack(65534, (INT64_C(1) << 48) - 1), &p, &o);
    assert_int_equal(p, 65534);
    assert_int_equal(o, (INT64_C(1) << 48) - 1);
    offsets_unpack(offsets_pack(0, 0), &p, &o);
    assert_int_equal(p, 0);
    assert_int_equal(o, 0);
    offsets_unpack(offsets_none(), &p, &o);
    assert_int_equal(p, -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(out_of_order_completion),
        cmocka_unit_test(partitions_are_independent_and_gaps_allowed),
        cmocka_unit_test(ring_grows_and_reset_forgets),
        cmocka_unit_test(opaque_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
