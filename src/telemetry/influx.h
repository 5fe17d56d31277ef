/*
 * influx.h - the InfluxDB 1.x writer: one point per scored record, as the
 * seed wrote them (measurement `serving`, see influx_line.h), in batches.
 *
 * Scoring threads call influx_record(), which copies the point into a
 * bounded lock-free queue (influx_queue.h) and returns: it never waits.
 * A background thread owns everything else. On start it makes sure the
 * database `serving` and its retention policy `default` exist (1 day,
 * shard groups of 30 minutes, the default policy), creating what is
 * missing with /query; then it takes points off the queue and POSTs them
 * to /write?db=serving&rp=default when a batch is full or its oldest point
 * has waited the batch interval.
 *
 * When InfluxDB is slow or down, points are dropped, never waited for:
 * pushes to a full queue count in influx_points_overflow, points of batches
 * InfluxDB did not take (or that were due while it was down) in
 * influx_points_failed. The writer logs one line when InfluxDB goes down
 * and one when it is back, retries with a doubling back-off (250 ms up to
 * 10 s), and logs drops at most every 10 seconds.
 */
#ifndef MS_TELEMETRY_INFLUX_H
#define MS_TELEMETRY_INFLUX_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "telemetry/counters.h"

typedef struct influx_config {
    const char *url;            /* "http://host:8086" */
    const char *user;           /* basic auth when set */
    const char *password;
    const char *engine;         /* value of the engine tag */
    size_t batch_size;          /* points per write, at most */
    int64_t batch_interval_ns;  /* longest a point waits for its batch */
    size_t queue_capacity;      /* points waiting, at most */
    long timeout_ms;            /* of each request */
} influx_config;

typedef struct influx_writer influx_writer;

/* Starts the background thread (which creates the database); returns at
 * once, whether InfluxDB is up or not. NULL with err filled when the
 * configuration is unusable or memory is short. counters is borrowed. */
influx_writer *influx_start(const influx_config *cfg, counters *c,
                            ms_error *err);

/* Queues the point of one scored record (timestamped now); never blocks.
 * Any thread. */
void influx_record(influx_writer *w, const char *data_type,
                   const char *model_name, double calculated,
                   int64_t duration_ns);

/* Writes what is queued (one attempt), stops the thread and frees the
 * writer; logs what was written and dropped. NULL is a no-op. */
void influx_stop(influx_writer *w);

#endif
