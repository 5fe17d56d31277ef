/*
 * bench_influx.c - what InfluxDB reporting costs a scoring thread, and what
 * the writer thread spends encoding.
 *
 *   bench_influx [N]
 *
 * influx_record: the call on the scoring path (timestamp, copy, queue
 * push), with a live writer draining the queue (pointed at a closed port,
 * so it drops what it takes). queue_push_full: the same push when the queue
 * is full, the cost of a dropped point. line_encode: one point as line
 * protocol. Each is the median of 5 runs of N calls, in ns per call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "telemetry/influx.h"
#include "telemetry/influx_line.h"
#include "telemetry/influx_queue.h"
#include "telemetry/log.h"

#define RUNS 5

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v) {
    qsort(v, RUNS, sizeof *v, compare);
    return v[RUNS / 2];
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    if (n < 1) {
        fprintf(stderr, "usage: bench_influx [N]\n");
        return 2;
    }
    log_set_level(LOG_ERROR);
    static counters c;
    ms_error err;
    influx_writer *w = influx_start(
        &(influx_config){.url = "http://127.0.0.1:1", .engine = "stage",
                         .batch_size = 2000, .batch_interval_ns = 100000000,
                         .queue_capacity = 32768, .timeout_ms = 1000},
        &c, &err);
    if (!w) {
        fprintf(stderr, "bench_influx: %s\n", err.msg);
        return 1;
    }
    double t[RUNS];
    for (int r = 0; r < RUNS; r++) {
        int64_t t0 = clock_mono_ns();
        for (long i = 0; i < n; i++)
            influx_record(w, "wine", "demoDecisionTreeClassification",
                          (double)i, 1234);
        t[r] = (double)(clock_mono_ns() - t0) / (double)n;
    }
    printf("bench influx_record %.1f ns/call\n", median(t));
    influx_stop(w);

    influx_queue *q = influx_queue_new(1024);
    influx_point p = {.data_type = "wine",
                      .model = "demoDecisionTreeClassification",
                      .calculated = 6, .duration_ns = 42000,
                      .time_ns = 1764612345123456789};
    while (influx_queue_push(q, &p) == 0) continue;
    for (int r = 0; r < RUNS; r++) {
        int64_t t0 = clock_mono_ns();
        for (long i = 0; i < n; i++) influx_queue_push(q, &p);
        t[r] = (double)(clock_mono_ns() - t0) / (double)n;
    }
    printf("bench queue_push_full %.1f ns/call\n", median(t));
    influx_queue_free(q);

    char line[INFLUX_LINE_MAX];
    size_t bytes = 0;
    for (int r = 0; r < RUNS; r++) {
        int64_t t0 = clock_mono_ns();
        for (long i = 0; i < n; i++) {
            p.calculated = (double)i / 7.0;
            bytes += influx_line_encode(&p, "stage", line, sizeof line);
        }
        t[r] = (double)(clock_mono_ns() - t0) / (double)n;
    }
    printf("bench line_encode %.1f ns/point\n", median(t));
    return bytes ? 0 : 1;
}
