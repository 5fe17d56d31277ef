/*
 * recent.h - the last few predictions, for the dashboard: a small ring that
 * scoring threads write without waiting and HTTP reads at any time.
 *
 * Each slot is a seqlock: a writer claims it by moving its sequence from
 * even to odd with one compare-and-swap (and simply drops the sample when
 * another writer holds the slot: nobody ever waits), copies the fields, and
 * makes the sequence even again. A reader copies a slot and keeps the copy
 * only when the sequence was the same even number before and after.
 * Scorers sample (see scorer.c), so the ring costs nothing per record.
 */
#ifndef MS_TELEMETRY_RECENT_H
#define MS_TELEMETRY_RECENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define RECENT_SLOTS 32
#define RECENT_TEXT 128   /* as long as a store name */

typedef struct recent_prediction {
    int64_t at_ms;                     /* epoch ms */
    char data_type[RECENT_TEXT];
    char model[RECENT_TEXT];
    char label[RECENT_TEXT];           /* "" for a regression */
    double value;
    int64_t duration_ns;
    int32_t partition;
    int64_t offset;
} recent_prediction;

typedef struct recent_ring {
    atomic_uint_fast64_t next;
    struct {
        atomic_uint_fast64_t seq;
        recent_prediction p;
    } slot[RECENT_SLOTS];
} recent_ring;

/* Adds a prediction, or drops it when its slot is being written. */
void recent_add(recent_ring *r, const recent_prediction *p);

/* Copies up to max predictions, newest first; returns how many. */
size_t recent_read(const recent_ring *r, recent_prediction *out, size_t max);

#endif
