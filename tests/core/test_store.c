/*
 * test_store.c - the model store and serving statistics: swaps free the old
 * model, statistics restart with each model, unserved records are counted
 * per data type, schemas bind field names leniently.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/schema.h"
#include "core/stats.h"
#include "core/store.h"

/* A model that returns a constant and counts its destruction, so the test
 * can see exactly when the store frees it. */
typedef struct constant_model {
    model base;
    double value;
    int *destroyed;
} constant_model;

static int constant_score(const model *m, const double *x, void *scratch,
                          model_output *out, ms_error *err) {
    (void)x, (void)scratch, (void)err;
    out->value = ((const constant_model *)m)->value;
    out->label_index = -1;
    return 0;
}

static void constant_destroy(model *m) {
    (*((constant_model *)m)->destroyed)++;
    free(m);
}

static const model_ops constant_ops = {.score = constant_score,
                                       .destroy = constant_destroy};

static model *constant_new(double value, int *destroyed) {
    constant_model *m = calloc(1, sizeof *m);
    m->base.ops = &constant_ops;
    m->base.type = MODEL_TYPE_PMML;
    m->value = value;
    m->destroyed = destroyed;
    return &m->base;
}

static served_model *current(store *s, const char *type) {
    store_read_lock();
    served_model *sm = store_current(s, type);
    store_read_unlock();
    return sm;
}

static int swap(store *s, const char *type, model *m, const char *name,
                ms_error *err) {
    model_info info = {.type = MODEL_TYPE_PMML};
    snprintf(info.name, sizeof info.name, "%s", name);
    return store_swap(s, type, m, &info, name, strlen(name), NULL, err);
}

static void swap_replaces_and_frees(void **state) {
    (void)state;
    int destroyed_a = 0, destroyed_b = 0;
    store *s = store_new();
    ms_error err;

    assert_null(current(s, "wine")); /* no model yet: unserved */
    assert_int_equal(swap(s, "wine", constant_new(1, &destroyed_a), "a", &err), 0);
    store_read_lock();
    served_model *sm = store_current(s, "wine");
    assert_non_null(sm);
    model_output out;
    assert_int_equal(model_score(sm->model, NULL, NULL, &out, &err), 0);
    assert_true(out.value == 1.0);
    assert_memory_equal(sm->message, "a", 1); /* the message is kept */
    served_model_scored(sm, 300);
    served_model_scored(sm, 100);
    served_model_scored(sm, 200);
    store_read_unlock();

    store_snapshot snap;
    assert_int_equal(store_snapshot_of(s, "wine", &snap), 0);
    assert_true(snap.has_model);
    assert_string_equal(snap.info.name, "a");
    assert_int_equal(snap.stats.usage, 3);
    assert_int_equal(snap.stats.total_ns, 600);
    assert_int_equal(snap.stats.min_ns, 100);
    assert_int_equal(snap.stats.max_ns, 300);
    assert_int_equal(snap.unserved, 1);
    assert_true(snap.stats.since_ms > 0);

    assert_int_equal(swap(s, "wine", constant_new(2, &destroyed_b), "b", &err), 0);
    assert_int_equal(destroyed_a, 1);
    assert_int_equal(store_snapshot_of(s, "wine", &snap), 0);
    assert_string_equal(snap.info.name, "b");
    assert_int_equal(snap.stats.usage, 0); /* statistics restart per model */
    assert_int_equal(snap.stats.min_ns, 0);

    store_free(s);
    assert_int_equal(destroyed_b, 1);
}

static void restored_statistics_continue(void **state) {
    (void)state;
    int destroyed = 0;
    store *s = store_new();
    ms_error err;
    model_info info = {.name = "restored"};
    serving_stats st = {.since_ms = 1000, .usage = 7, .total_ns = 700,
                        .min_ns = 50, .max_ns = 150};
    assert_int_equal(store_swap(s, "wine", constant_new(1, &destroyed), &info,
                                NULL, 0, &st, &err), 0);
    store_read_lock();
    served_model_scored(store_current(s, "wine"), 10);
    store_read_unlock();
    store_snapshot snap;
    assert_int_equal(store_snapshot_of(s, "wine", &snap), 0);
    assert_int_equal(snap.stats.since_ms, 1000);
    assert_int_equal(snap.stats.usage, 8);
    assert_int_equal(snap.stats.total_ns, 710);
    assert_int_equal(snap.stats.min_ns, 10);
    assert_int_equal(snap.stats.max_ns, 150);
    assert_int_equal(snap.scored, 1); /* this process scored one of the 8 */
    store_free(s);
}

static void data_types_are_separate(void **state) {
    (void)state;
    int destroyed = 0;
    store *s = store_new();
    ms_error err;
    assert_int_equal(swap(s, "wine", constant_new(1, &destroyed), "w", &err), 0);
    assert_null(current(s, "beer"));
    assert_null(current(s, "beer"));
    assert_non_null(current(s, "wine"));
    store_snapshot snaps[4];
    size_t n = store_snapshot_all(s, snaps, 4);
    assert_int_equal(n, 2);
    assert_string_equal(snaps[1].data_type, "beer");
    assert_false(snaps[1].has_model);
    assert_int_equal(snaps[1].unserved, 2);
    store_snapshot snap;
    assert_int_equal(store_snapshot_of(s, "cider", &snap), -1);
    store_free(s);
    assert_int_equal(destroyed, 1);
}

static void table_full_is_an_error(void **state) {
    (void)state;
    int destroyed = 0;
    store *s = store_new();
    ms_error err;
    char type[32];
    for (int i = 0; i < STORE_MAX_DATA_TYPES; i++) {
        snprintf(type, sizeof type, "type%d", i);
        assert_int_equal(swap(s, type, constant_new(i, &destroyed), "m", &err), 0);
    }
    assert_int_equal(swap(s, "one-too-many", constant_new(0, &destroyed), "m", &err), -1);
    assert_non_null(strstr(err.msg, "one-too-many"));
    assert_int_equal(destroyed, 1); /* the rejected model was freed */
    store_free(s);
    assert_int_equal(destroyed, STORE_MAX_DATA_TYPES + 1);
}

/* Scorers read the current model in a tight loop while models are swapped
 * underneath them: every read sees a whole model (its value matches its
 * name), no model is freed while held (ASan would report it), and every
 * replaced model is freed exactly once. */
typedef struct race {
    store *s;
    atomic_int stop;
    atomic_long reads;
} race;

static void *reader(void *arg) {
    race *r = arg;
    store_thread_online();
    while (!atomic_load(&r->stop)) {
        store_read_lock();
        served_model *sm = store_current(r->s, "wine");
        if (sm) {
            model_output out;
            ms_error err;
            model_score(sm->model, NULL, NULL, &out, &err);
            if (out.value != atof(sm->info.name)) abort();
            served_model_scored(sm, 1);
            atomic_fetch_add(&r->reads, 1);
        }
        store_read_unlock();
    }
    store_thread_offline();
    return NULL;
}

static void swaps_under_concurrent_scoring(void **state) {
    (void)state;
    enum { READERS = 4, SWAPS = 2000 };
    int destroyed = 0;
    race r = {.s = store_new()};
    ms_error err;
    pthread_t threads[READERS];
    for (int i = 0; i < READERS; i++) pthread_create(&threads[i], NULL, reader, &r);
    store_thread_online();
    for (int i = 0; i < SWAPS; i++) {
        char name[16];
        snprintf(name, sizeof name, "%d", i);
        assert_int_equal(swap(r.s, "wine", constant_new(i, &destroyed), name, &err), 0);
        /* On a loaded machine the readers may not run at all during the
         * swaps: wait (up to 10 s) until they score with the first model,
         * so the other swaps race real readers. */
        for (int waited = 0; i == 0 && atomic_load(&r.reads) == 0 && waited < 10000;
             waited++)
            usleep(1000);
    }
    store_thread_offline();
    atomic_store(&r.stop, 1);
    for (int i = 0; i < READERS; i++) pthread_join(threads[i], NULL);
    assert_int_equal(destroyed, SWAPS - 1);
    assert_true(atomic_load(&r.reads) > 0);
    store_free(r.s);
    assert_int_equal(destroyed, SWAPS);
}

/* Counts that outlive models, the histogram that does not, and the load
 * history ring (newest first, the oldest dropped past STORE_HISTORY). */
static void type_counts_and_load_history(void **state) {
    (void)state;
    int destroyed = 0;
    store *s = store_new();
    ms_error err;
    store_note_load(s, "wine", "broken", MODEL_TYPE_PMML, "PMML line 1: bad");
    store_snapshot snap;
    assert_int_equal(store_snapshot_of(s, "wine", &snap), 0);
    assert_false(snap.has_model);
    assert_int_equal(snap.loads, 1);
    assert_int_equal(snap.loads_failed, 1);
    assert_int_equal(swap(s, "wine", constant_new(1, &destroyed), "a", &err), 0);
    store_note_load(s, "wine", "a", MODEL_TYPE_PMML, NULL);
    store_read_lock();
    served_model *sm = store_current(s, "wine");
    served_model_scored(sm, 100);    /* bucket 0: <= 250 ns */
    served_model_scored(sm, 3000);   /* bucket 4: (2500, 5000] */
    served_model_failed(sm);
    store_read_unlock();
    assert_int_equal(swap(s, "wine", constant_new(2, &destroyed), "b", &err), 0);
    store_read_lock();
    served_model_scored(store_current(s, "wine"), 200000000); /* +Inf */
    store_read_unlock();
    assert_int_equal(store_snapshot_of(s, "wine", &snap), 0);
    assert_int_equal(snap.scored, 3);   /* both models */
    assert_int_equal(snap.failed, 1);
    assert_int_equal(snap.stats.usage, 1);
    for (size_t b = 0; b < LATENCY_BUCKETS; b++)
        assert_int_equal(snap.latency[b], b == LATENCY_BUCKETS - 1 ? 1 : 0);

    store_load_event ev[STORE_HISTORY];
    assert_int_equal(store_history_of(s, "wine", ev, STORE_HISTORY), 2);
    assert_string_equal(ev[0].name, "a");
    assert_true(ev[0].loaded);
    assert_string_equal(ev[0].reason, "");
    assert_string_equal(ev[1].name, "broken");
    assert_false(ev[1].loaded);
    assert_string_equal(ev[1].reason, "PMML line 1: bad");
    for (int i = 0; i < STORE_HISTORY + 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "m%d", i);
        store_note_load(s, "wine", name, MODEL_TYPE_PMML, NULL);
    }
    assert_int_equal(store_history_of(s, "wine", ev, STORE_HISTORY), STORE_HISTORY);
    char newest[16], oldest[16];
    snprintf(newest, sizeof newest, "m%d", STORE_HISTORY + 2);
    snprintf(oldest, sizeof oldest, "m%d", 3);
    assert_string_equal(ev[0].name, newest);
    assert_string_equal(ev[STORE_HISTORY - 1].name, oldest);
    assert_int_equal(store_snapshot_of(s, "wine", &snap), 0);
    assert_int_equal(snap.loads, STORE_HISTORY + 5);
    assert_int_equal(snap.loads_failed, 1);
    assert_int_equal(store_history_of(s, "beer", ev, STORE_HISTORY), 0);
    store_free(s);
}

static void schema_binds_names_leniently(void **state) {
    (void)state;
    const ms_schema *wine = ms_schema_find("wine");
    assert_non_null(wine);
    assert_int_equal(wine->nfields, 11);
    assert_int_equal(ms_schema_slot(wine, "fixed acidity"), 0);
    assert_int_equal(ms_schema_slot(wine, "fixed_acidity"), 0);
    assert_int_equal(ms_schema_slot(wine, "pH"), 8);
    assert_int_equal(ms_schema_slot(wine, "PH"), 8);
    assert_int_equal(ms_schema_slot(wine, "Total Sulfur Dioxide"), 6);
    assert_int_equal(ms_schema_slot(wine, "alcohol"), 10);
    assert_int_equal(ms_schema_slot(wine, "alcoholic"), -1);
    assert_int_equal(ms_schema_slot(wine, "pH2"), -1);
    assert_null(ms_schema_find("beer"));
}

/* An open schema appends names of up to 255 bytes, never a longer one
 * (they are kept for the life of the process), and never past 128 slots. */
static void open_schema_limits(void **state) {
    (void)state;
    const ms_schema *s = ms_schema_for("limits");
    assert_non_null(s);
    char name[300];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    name[256] = '\0';                       /* 256 bytes: too long */
    assert_int_equal(ms_schema_slot(s, name), -1);
    assert_int_equal(s->nfields, 0);
    name[255] = '\0';                       /* 255 bytes: fine */
    assert_int_equal(ms_schema_slot(s, name), 0);
    for (int i = 1; i < 128; i++) {
        char f[16];
        snprintf(f, sizeof f, "f%d", i);
        assert_int_equal(ms_schema_slot(s, f), i);
    }
    assert_int_equal(ms_schema_slot(s, "one too many"), -1);
    assert_int_equal(ms_schema_lookup(s, "F_7"), 7);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(swap_replaces_and_frees),
        cmocka_unit_test(restored_statistics_continue),
        cmocka_unit_test(swaps_under_concurrent_scoring),
        cmocka_unit_test(data_types_are_separate),
        cmocka_unit_test(table_full_is_an_error),
        cmocka_unit_test(schema_binds_names_leniently),
        cmocka_unit_test(open_schema_limits),
        cmocka_unit_test(type_counts_and_load_history),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
