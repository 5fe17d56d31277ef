/*
 * counters.h - the server's event counters: every record and model message
 * ends up in exactly one outcome counter, so that "nothing lost" can be
 * checked by adding them up. Counters are atomics: written by engines, read
 * by HTTP at any time.
 */
#ifndef MS_TELEMETRY_COUNTERS_H
#define MS_TELEMETRY_COUNTERS_H

#include <stdatomic.h>
#include <stdint.h>

#include "telemetry/recent.h"

typedef struct counters {
    atomic_uint_fast64_t records_received;
    atomic_uint_fast64_t records_scored;
    atomic_uint_fast64_t records_malformed;   /* did not decode */
    atomic_uint_fast64_t records_unserved;    /* no model for the data type */
    atomic_uint_fast64_t records_failed;      /* the model could not score it */
    atomic_uint_fast64_t results_delivered;
    atomic_uint_fast64_t results_failed;      /* broker refused the result */
    atomic_uint_fast64_t dead_letters;        /* rejected records forwarded */
    atomic_uint_fast64_t models_received;
    atomic_uint_fast64_t models_loaded;
    atomic_uint_fast64_t models_failed;       /* malformed or did not load */
    /* InfluxDB points (telemetry/influx.h): one per scored record when a
     * writer runs; each ends written or in one of the two dropped counts. */
    atomic_uint_fast64_t influx_points_written;   /* InfluxDB accepted them */
    atomic_uint_fast64_t influx_points_overflow;  /* dropped: queue was full */
    atomic_uint_fast64_t influx_points_failed;    /* dropped: write failed or
                                                     InfluxDB was down */
    atomic_uint_fast64_t influx_writes_failed;    /* write requests failed */
    /* Grafana set-up requests (telemetry/grafana.h) that failed. */
    atomic_uint_fast64_t grafana_requests_failed;
    recent_ring recent;                       /* sampled recent predictions */
} counters;

static inline void counter_inc(atomic_uint_fast64_t *c) {
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static inline uint64_t counter_get(const atomic_uint_fast64_t *c) {
    return atomic_load_explicit(c, memory_order_relaxed);
}

#endif
