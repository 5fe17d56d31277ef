/*
 * store.h - the model store: for each data type, the model currently serving
 * it, what it is (name, description, type), its serving statistics, and the
 * count of records that arrived while the type had no model.
 *
 * Scoring never takes a lock. A scoring thread brackets its use of a model
 * with store_read_lock()/store_read_unlock() (an RCU read-side critical
 * section: a few instructions, no shared writes); a swap publishes the new
 * model with one pointer store and frees the old one only after a grace
 * period, when no scorer can still hold it (liburcu, memb flavour).
 * Statistics are atomics inside the served model, so they restart with each
 * model and never need the table lock.
 *
 * Every thread that takes the read lock must call store_thread_online()
 * first and store_thread_offline() before it exits. Threads that only take
 * snapshots (HTTP) need not: snapshots take the table mutex, which swaps
 * also hold while they replace a pointer.
 */
#ifndef MS_CORE_STORE_H
#define MS_CORE_STORE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/histogram.h"
#include "core/model.h"
#include "core/stats.h"

#define STORE_MAX_DATA_TYPES 64
#define STORE_NAME_MAX 128
#define STORE_DESCRIPTION_MAX 256
#define STORE_HISTORY 16          /* load events kept per data type */
#define STORE_REASON_MAX 256

typedef struct model_info {
    char name[STORE_NAME_MAX];
    char description[STORE_DESCRIPTION_MAX];
    model_type type;
} model_info;

/* Counts of a data type that outlive its models (every model it ever
 * had): written by scorers with relaxed atomics. (Records scored are the
 * models' own usage counts, added up as models retire: one atomic less per
 * record.) */
typedef struct store_type_counters {
    atomic_uint_fast64_t failed;     /* the model could not score it */
    atomic_uint_fast64_t unserved;   /* arrived with no model */
} store_type_counters;

/* One model message applied to a data type, loaded or not. */
typedef struct store_load_event {
    int64_t at_ms;                   /* epoch ms */
    int loaded;                      /* 1: it became the current model */
    char name[STORE_NAME_MAX];
    model_type type;
    char reason[STORE_REASON_MAX];   /* why it did not load; "" if it did */
} store_load_event;

/* One model as it serves: the compiled model, what it is, the message it
 * came in (kept for checkpoints), its statistics and latency histogram. */
typedef struct served_model {
    model *model;
    model_info info;
    uint8_t *message;        /* the ModelDescriptor bytes, owned */
    size_t message_len;
    int64_t since_ms;
    atomic_uint_fast64_t usage;
    atomic_int_fast64_t total_ns;
    atomic_int_fast64_t min_ns;   /* INT64_MAX until the first record */
    atomic_int_fast64_t max_ns;
    latency_histogram latency;
    uint64_t restored_usage;    /* usage it started with (a checkpoint) */
    store_type_counters *type;  /* its data type's counters (never freed) */
} served_model;

/* A copy of one data type's state, safe to read without any lock. */
typedef struct store_snapshot {
    char data_type[STORE_NAME_MAX];
    int has_model;
    model_info info;
    serving_stats stats;
    uint64_t unserved;   /* records that arrived with no model to score them */
    uint64_t scored;     /* by every model the type had */
    uint64_t failed;     /* records its models could not score */
    uint64_t latency[LATENCY_BUCKETS]; /* the current model's histogram */
    size_t loads;        /* model messages applied (loaded or not) */
    size_t loads_failed;
} store_snapshot;

typedef struct store store;

store *store_new(void);
void store_free(store *s);   /* frees every model still held; no readers left */

void store_thread_online(void);
void store_thread_offline(void);
void store_read_lock(void);
void store_read_unlock(void);

/* The model serving data_type, or NULL when the type has no model (the
 * record is then counted as unserved). Valid until store_read_unlock(). */
served_model *store_current(store *s, const char *data_type);

/* Adds one scored record to a model's statistics and histogram (lock-free). */
void served_model_scored(served_model *sm, int64_t duration_ns);

/* Statistics of the records one thread scored with one model, kept in the
 * thread and added to the model's atomics once per batch: scoring threads
 * that each incremented the same counters for every record would pass
 * their cache lines back and forth between cores on every record. */
typedef struct served_tally {
    served_model *sm;        /* whose counts these are; NULL when empty */
    uint64_t scored;
    int64_t total_ns, min_ns, max_ns;
    uint64_t buckets[LATENCY_BUCKETS];
} served_tally;

/* Counts a record sm scored in duration_ns; first flushes counts that
 * belong to another model. */
void served_tally_add(served_tally *t, served_model *sm, int64_t duration_ns);

/* Adds the counts to their model and empties t. Call it before leaving the
 * read-side section that found the model. */
void served_tally_flush(served_tally *t);

/* Counts a record the model could not score (lock-free). */
void served_model_failed(served_model *sm);

/* Records that a model message for data_type was applied: loaded, or not
 * with the reason. Kept for the last STORE_HISTORY per type. */
void store_note_load(store *s, const char *data_type, const char *name,
                     model_type type, const char *reason_or_null);

/* The load events of data_type, newest first, at most max; how many. */
size_t store_history_of(store *s, const char *data_type,
                        store_load_event *out, size_t max);

/* Makes m the current model of data_type, with a copy of the message it
 * came in, and frees the model it replaces once no scorer can hold it.
 * stats, when not NULL, continues restored statistics instead of starting
 * afresh. m is owned by the store from the call on, also on failure.
 * Must not be called inside a read-side critical section. */
int store_swap(store *s, const char *data_type, model *m,
               const model_info *info, const void *message,
               size_t message_len, const serving_stats *stats, ms_error *err);

/* Snapshot of one data type; -1 when the store has never seen the type. */
int store_snapshot_of(store *s, const char *data_type, store_snapshot *out);

/* Snapshots of every data type seen, at most max; returns how many. */
size_t store_snapshot_all(store *s, store_snapshot *out, size_t max);

/* Calls fn for every data type that has a model, with its message and
 * statistics, under the table lock (for checkpoints): fn must be quick and
 * must not call back into the store. */
void store_for_each_model(store *s,
                          void (*fn)(void *ctx, const char *data_type,
                                     const uint8_t *message, size_t len,
                                     const serving_stats *stats),
                          void *ctx);

#endif
