/*
 * stats.h - serving statistics of one model: how long it has served, how many
 * records it scored and how long that took (the seed's ModelToServeStats).
 */
#ifndef MS_CORE_STATS_H
#define MS_CORE_STATS_H

#include <stdint.h>

typedef struct serving_stats {
    int64_t since_ms;   /* epoch ms when the model started serving */
    uint64_t usage;     /* records scored */
    int64_t total_ns;   /* time spent scoring them */
    int64_t min_ns;     /* fastest record; 0 until the first one */
    int64_t max_ns;     /* slowest record */
} serving_stats;

void stats_start(serving_stats *s, int64_t since_ms);
void stats_add(serving_stats *s, int64_t duration_ns);

/* Wall-clock epoch milliseconds and a monotonic nanosecond clock. */
int64_t clock_epoch_ms(void);
int64_t clock_mono_ns(void);

#endif
