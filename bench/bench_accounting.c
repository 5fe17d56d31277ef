/*
 * bench_accounting.c - what the model store's per-record accounting costs
 * a scorer, on 1 and 2 threads scoring with the same model at once (the
 * shared cache lines are the worst case), done two ways:
 *
 *   atomic   served_model_scored() per record: the seed's statistics and
 *            the latency histogram bucket as relaxed atomics in the model;
 *   tally    what the engines do: served_tally_add() per record into the
 *            thread's own tally, served_tally_flush() every 64 records
 *            (a scorer's batch).
 *
 *   bench_accounting
 *
 * Median over 7 passes of 5,000,000 calls per thread; prints
 * `bench <name> <value> <unit>` lines (ns per record, wall time per call
 * on each thread).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/stats.h"
#include "core/store.h"

#define CALLS 5000000
#define PASSES 7

/* The accounting never looks at the model: a shell that frees itself. */
static void shell_destroy(model *m) { free(m); }
static const model_ops shell_ops = {.destroy = shell_destroy};

static served_model *current;

/* Durations spread over the buckets a fast model hits. */
static void *run_atomic(void *arg) {
    (void)arg;
    store_thread_online();
    store_read_lock();
    for (int64_t i = 0; i < CALLS; i++) served_model_scored(current, 100 + (i & 4095));
    store_read_unlock();
    store_thread_offline();
    return NULL;
}

static void *run_tally(void *arg) {
    (void)arg;
    store_thread_online();
    store_read_lock();
    served_tally t = {0};
    for (int64_t i = 0; i < CALLS; i++) {
        served_tally_add(&t, current, 100 + (i & 4095));
        if ((i & 63) == 63) served_tally_flush(&t);
    }
    served_tally_flush(&t);
    store_read_unlock();
    store_thread_offline();
    return NULL;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void) {
    store *s = store_new();
    model *m = calloc(1, sizeof *m);
    ms_error err;
    model_info info = {.name = "bench", .type = MODEL_TYPE_PMML};
    if (!s || !m) return 1;
    m->ops = &shell_ops;
    if (store_swap(s, "bench", m, &info, NULL, 0, NULL, &err) != 0) {
        fprintf(stderr, "bench_accounting: %s\n", err.msg);
        return 1;
    }
    store_thread_online();
    store_read_lock();
    current = store_current(s, "bench");
    store_read_unlock();
    store_thread_offline();
    struct { const char *name; void *(*run)(void *); } ways[] = {
        {"atomic", run_atomic}, {"tally", run_tally}};
    for (size_t w = 0; w < sizeof ways / sizeof *ways; w++)
        for (int threads = 1; threads <= 2; threads++) {
            double ns[PASSES];
            for (int p = 0; p < PASSES; p++) {
                pthread_t t[2];
                int64_t t0 = clock_mono_ns();
                for (int i = 0; i < threads; i++)
                    pthread_create(&t[i], NULL, ways[w].run, NULL);
                for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
                ns[p] = (double)(clock_mono_ns() - t0) / CALLS;
            }
            qsort(ns, PASSES, sizeof *ns, cmp);
            printf("bench accounting.%s.%dthread %.2f ns/record\n",
                   ways[w].name, threads, ns[PASSES / 2]);
        }
    store_free(s);
    return 0;
}
