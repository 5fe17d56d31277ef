/*
 * influx_queue.h - the bounded queue between scoring threads and the
 * InfluxDB writer: many producers, one consumer, no locks.
 *
 * A ring of cells, each with a sequence number (D. Vyukov's bounded queue):
 * a producer claims the next position with one compare-and-swap, copies its
 * point into the cell and publishes it by storing the sequence; the
 * consumer takes cells in order once published. A full queue is never
 * waited on: the push fails and the caller counts the point as dropped, so
 * a slow or dead InfluxDB costs scoring nothing but that failed push.
 */
#ifndef MS_TELEMETRY_INFLUX_QUEUE_H
#define MS_TELEMETRY_INFLUX_QUEUE_H

#include <stddef.h>

#include "telemetry/influx_line.h"

typedef struct influx_queue influx_queue;

/* A queue of at least capacity points (rounded up to a power of two).
 * NULL when out of memory. */
influx_queue *influx_queue_new(size_t capacity);
void influx_queue_free(influx_queue *q);

/* The capacity after rounding. */
size_t influx_queue_capacity(const influx_queue *q);

/* Copies p in; -1 (and nothing copied) when the queue is full. Any thread,
 * never blocks. */
int influx_queue_push(influx_queue *q, const influx_point *p);

/* Copies the oldest point out; -1 when the queue is empty. One consumer
 * thread only. */
int influx_queue_pop(influx_queue *q, influx_point *out);

#endif
