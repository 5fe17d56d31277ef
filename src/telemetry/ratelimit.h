/*
 * ratelimit.h - keeps a flood of bad input from flooding the log: at most
 * `burst` lines per second for one kind of event, then one line saying how
 * many were suppressed. The counters still count every event. Not
 * thread-safe: each thread that logs rejects keeps its own.
 */
#ifndef MS_TELEMETRY_RATELIMIT_H
#define MS_TELEMETRY_RATELIMIT_H

#include <stdint.h>

typedef struct ratelimit {
    int burst;            /* lines allowed per second */
    int64_t window_ms;    /* start of the current one-second window */
    int used;             /* lines logged in the window */
    uint64_t suppressed;  /* events not logged since the last report */
} ratelimit;

#define RATELIMIT_INIT(b) {.burst = (b)}

/* Returns 1 when this event may be logged. When a new window opens after
 * suppression, *suppressed_out receives the count to report (else 0). */
int ratelimit_allow(ratelimit *rl, uint64_t *suppressed_out);

#endif
