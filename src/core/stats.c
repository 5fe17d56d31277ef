/* stats.c - serving statistics and the clocks they are measured with. */
#include "core/stats.h"

#include <string.h>
#include <time.h>

void stats_start(serving_stats *s, int64_t since_ms) {
    memset(s, 0, sizeof *s);
    s->since_ms = since_ms;
}

void stats_add(serving_stats *s, int64_t duration_ns) {
    if (s->usage == 0 || duration_ns < s->min_ns) s->min_ns = duration_ns;
    if (duration_ns > s->max_ns) s->max_ns = duration_ns;
    s->usage++;
    s->total_ns += duration_ns;
}

int64_t clock_epoch_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
