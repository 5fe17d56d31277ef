/*
 * histogram.h - a latency histogram that scoring threads fill without a
 * lock: relaxed atomic increments of fixed buckets (per record, or per
 * batch of counts a thread gathered). Buckets
 * are spaced for scoring times (a quarter microsecond to a tenth of a
 * second); readers copy the counts and compute Prometheus buckets or
 * percentiles from the copy.
 */
#ifndef MS_CORE_HISTOGRAM_H
#define MS_CORE_HISTOGRAM_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Finite upper bounds, then one bucket for everything slower. */
#define LATENCY_BOUNDS 13
#define LATENCY_BUCKETS (LATENCY_BOUNDS + 1)

/* Upper bound of each finite bucket, in nanoseconds, rising. */
extern const int64_t latency_bound_ns[LATENCY_BOUNDS];

typedef struct latency_histogram {
    atomic_uint_fast64_t counts[LATENCY_BUCKETS];
} latency_histogram;

/* The first bucket whose bound is >= ns. */
size_t latency_bucket(int64_t ns);

/* Counts one duration in its bucket. */
void latency_histogram_add(latency_histogram *h, int64_t ns);

/* Adds per-bucket counts gathered elsewhere (one atomic per non-empty
 * bucket). */
void latency_histogram_add_counts(latency_histogram *h,
                                  const uint64_t counts[LATENCY_BUCKETS]);

/* Copies the per-bucket (not cumulative) counts. */
void latency_histogram_read(const latency_histogram *h,
                            uint64_t out[LATENCY_BUCKETS]);

/* Estimates quantile q (0..1) in nanoseconds from per-bucket counts, by
 * linear interpolation inside the bucket that holds it (as Prometheus'
 * histogram_quantile does); the open last bucket answers its lower bound.
 * 0 when there are no counts. */
double latency_quantile_ns(const uint64_t counts[LATENCY_BUCKETS], double q);

#endif
