/*
 * store.h - the model store: for each data type, the model currently serving
 * it, what it is (name, description, type) and its serving statistics, plus
 * the count of records that arrived while the type had no model.
 *
 * Threading: one engine thread swaps models in and scores with them; any
 * thread may take snapshots (HTTP). A mutex guards the table and statistics;
 * the model pointer itself is used only by the engine thread, which is why
 * store_swap() may free the old model at once. (The multi-threaded engine
 * replaces this with a grace period.)
 */
#ifndef MS_CORE_STORE_H
#define MS_CORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/model.h"
#include "core/stats.h"

#define STORE_MAX_DATA_TYPES 64
#define STORE_NAME_MAX 128
#define STORE_DESCRIPTION_MAX 256

typedef struct model_info {
    char name[STORE_NAME_MAX];
    char description[STORE_DESCRIPTION_MAX];
    model_type type;
} model_info;

/* A copy of one data type's state, safe to read without the store's lock. */
typedef struct store_snapshot {
    char data_type[STORE_NAME_MAX];
    int has_model;
    model_info info;
    serving_stats stats;
    uint64_t unserved;   /* records that arrived with no model to score them */
} store_snapshot;

typedef struct store store;
typedef struct store_entry store_entry;

store *store_new(void);
void store_free(store *s);   /* frees every model still held */

/* Makes m (owned by the store from now on) the current model of its data
 * type, resets the statistics, and frees the model it replaces. Returns -1
 * with err filled when the table of data types is full (m is then freed). */
int store_swap(store *s, const char *data_type, model *m,
               const model_info *info, ms_error *err);

/* The entry serving data_type, or NULL when the type has no model (the
 * record is then counted as unserved). Engine thread only. */
store_entry *store_lookup(store *s, const char *data_type);
const model *store_entry_model(const store_entry *e);
const model_info *store_entry_info(const store_entry *e);
void store_entry_scored(store *s, store_entry *e, int64_t duration_ns);

/* Snapshot of one data type; returns 0, or -1 when the store has never seen
 * the type. */
int store_snapshot_of(store *s, const char *data_type, store_snapshot *out);

/* Snapshots of every data type seen, at most max; returns how many. */
size_t store_snapshot_all(store *s, store_snapshot *out, size_t max);

#endif
