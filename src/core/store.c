/*
 * store.c - per-data-type current model and statistics (see store.h).
 *
 * The table is a fixed array of entries that are only ever added (under the
 * mutex), never removed, and published by an atomic count: a scorer scans
 * entries [0, count) without a lock. Each entry's model pointer is an RCU
 * pointer.
 */
#include "core/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

typedef struct store_entry {
    char data_type[STORE_NAME_MAX];
    served_model *current;          /* RCU-protected */
    store_type_counters counters;
    uint64_t retired_scored;        /* by models swapped out (table mutex) */
    /* Load history, a ring under the table mutex (model updates are rare
     * and never on the scoring path). */
    store_load_event history[STORE_HISTORY];
    size_t loads, loads_failed;     /* ever; history holds the newest */
} store_entry;

struct store {
    pthread_mutex_t lock;           /* adding entries, swaps, snapshots */
    atomic_size_t count;
    store_entry entries[STORE_MAX_DATA_TYPES];
};

void store_thread_online(void) { urcu_memb_register_thread(); }
void store_thread_offline(void) { urcu_memb_unregister_thread(); }
void store_read_lock(void) { urcu_memb_read_lock(); }
void store_read_unlock(void) { urcu_memb_read_unlock(); }

static void served_free(served_model *sm) {
    if (!sm) return;
    model_free(sm->model);
    free(sm->message);
    free(sm);
}

store *store_new(void) {
    store *s = calloc(1, sizeof *s);
    if (s) pthread_mutex_init(&s->lock, NULL);
    return s;
}

void store_free(store *s) {
    if (!s) return;
    size_t n = atomic_load(&s->count);
    for (size_t i = 0; i < n; i++) served_free(s->entries[i].current);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static store_entry *find(store *s, const char *data_type) {
    size_t n = atomic_load_explicit(&s->count, memory_order_acquire);
    for (size_t i = 0; i < n; i++)
        if (strcmp(s->entries[i].data_type, data_type) == 0)
            return &s->entries[i];
    return NULL;
}

/* Finds or adds the entry of a data type; NULL when the table is full or
 * the name too long. */
static store_entry *find_or_add(store *s, const char *data_type) {
    store_entry *e = find(s, data_type);
    if (e) return e;
    pthread_mutex_lock(&s->lock);
    e = find(s, data_type);
    size_t n = atomic_load(&s->count);
    if (!e && n < STORE_MAX_DATA_TYPES && strlen(data_type) < STORE_NAME_MAX) {
        e = &s->entries[n];
        memset(e, 0, sizeof *e);
        snprintf(e->data_type, sizeof e->data_type, "%s", data_type);
        atomic_store_explicit(&s->count, n + 1, memory_order_release);
    }
    pthread_mutex_unlock(&s->lock);
    return e;
}

served_model *store_current(store *s, const char *data_type) {
    store_entry *e = find_or_add(s, data_type);
    if (!e) return NULL; /* table full: the engine counts it as unserved */
    served_model *sm = rcu_dereference(e->current);
    if (!sm)
        atomic_fetch_add_explicit(&e->counters.unserved, 1, memory_order_relaxed);
    return sm;
}

void served_model_failed(served_model *sm) {
    atomic_fetch_add_explicit(&sm->type->failed, 1, memory_order_relaxed);
}

void served_tally_add(served_tally *t, served_model *sm, int64_t ns) {
    if (t->sm != sm) {
        served_tally_flush(t);
        t->sm = sm;
        t->min_ns = INT64_MAX;
        t->max_ns = INT64_MIN;
    }
    t->scored++;
    t->total_ns += ns;
    if (ns < t->min_ns) t->min_ns = ns;
    if (ns > t->max_ns) t->max_ns = ns;
    t->buckets[latency_bucket(ns)]++;
}

void served_tally_flush(served_tally *t) {
    served_model *sm = t->sm;
    if (!sm) return;
    atomic_fetch_add_explicit(&sm->usage, t->scored, memory_order_relaxed);
    atomic_fetch_add_explicit(&sm->total_ns, t->total_ns, memory_order_relaxed);
    latency_histogram_add_counts(&sm->latency, t->buckets);
    int_fast64_t seen = atomic_load_explicit(&sm->min_ns, memory_order_relaxed);
    while (t->min_ns < seen && !atomic_compare_exchange_weak_explicit(
                                   &sm->min_ns, &seen, t->min_ns,
                                   memory_order_relaxed, memory_order_relaxed)) {
    }
    seen = atomic_load_explicit(&sm->max_ns, memory_order_relaxed);
    while (t->max_ns > seen && !atomic_compare_exchange_weak_explicit(
                                   &sm->max_ns, &seen, t->max_ns,
                                   memory_order_relaxed, memory_order_relaxed)) {
    }
    memset(t, 0, sizeof *t);
}

void served_model_scored(served_model *sm, int64_t ns) {
    served_tally t = {0};
    served_tally_add(&t, sm, ns);
    served_tally_flush(&t);
}

int store_swap(store *s, const char *data_type, model *m,
               const model_info *info, const void *message,
               size_t message_len, const serving_stats *stats, ms_error *err) {
    served_model *sm = calloc(1, sizeof *sm);
    uint8_t *copy = message_len ? malloc(message_len) : NULL;
    store_entry *e = sm && (copy || !message_len) ? find_or_add(s, data_type)
                                                  : NULL;
    if (!e) {
        free(copy);
        free(sm);
        model_free(m);
        if (!sm || (message_len && !copy))
            return ms_error_set(err, "out of memory swapping in a model");
        return ms_error_set(err, "cannot serve data type '%s': the store "
                                 "holds %d data types already",
                            data_type, STORE_MAX_DATA_TYPES);
    }
    if (message_len) memcpy(copy, message, message_len);
    sm->model = m;
    sm->info = *info;
    sm->message = copy;
    sm->message_len = message_len;
    sm->type = &e->counters;
    if (stats) {
        sm->since_ms = stats->since_ms;
        atomic_init(&sm->usage, stats->usage);
        atomic_init(&sm->total_ns, stats->total_ns);
        atomic_init(&sm->min_ns, stats->usage ? stats->min_ns : INT64_MAX);
        atomic_init(&sm->max_ns, stats->max_ns);
        sm->restored_usage = stats->usage;
    } else {
        sm->since_ms = clock_epoch_ms();
        atomic_init(&sm->min_ns, INT64_MAX);
    }

    pthread_mutex_lock(&s->lock);
    served_model *old = e->current;
    uint64_t at_swap = old ? atomic_load(&old->usage) : 0;
    if (old) e->retired_scored += at_swap - old->restored_usage;
    rcu_assign_pointer(e->current, sm);
    pthread_mutex_unlock(&s->lock);
    if (old) {
        /* Wait until every scorer that could have read the old pointer has
         * left its read-side critical section; then count what they added
         * meanwhile (the type's count lags by those, never goes back). */
        urcu_memb_synchronize_rcu();
        pthread_mutex_lock(&s->lock);
        e->retired_scored += atomic_load(&old->usage) - at_swap;
        pthread_mutex_unlock(&s->lock);
        served_free(old);
    }
    return 0;
}

static void read_stats(const served_model *sm, serving_stats *out) {
    out->since_ms = sm->since_ms;
    out->usage = atomic_load(&sm->usage);
    out->total_ns = atomic_load(&sm->total_ns);
    out->min_ns = out->usage ? atomic_load(&sm->min_ns) : 0;
    out->max_ns = atomic_load(&sm->max_ns);
}

/* Called with the lock held: e->current cannot be freed meanwhile, because
 * a swap must take the lock to replace it before freeing. */
static void fill_snapshot(const store_entry *e, store_snapshot *out) {
    memset(out, 0, sizeof *out);
    snprintf(out->data_type, sizeof out->data_type, "%s", e->data_type);
    out->unserved = atomic_load(&e->counters.unserved);
    out->scored = e->retired_scored;
    out->failed = atomic_load(&e->counters.failed);
    out->loads = e->loads;
    out->loads_failed = e->loads_failed;
    const served_model *sm = e->current;
    if (!sm) return;
    out->has_model = 1;
    out->info = sm->info;
    read_stats(sm, &out->stats);
    out->scored += out->stats.usage - sm->restored_usage;
    latency_histogram_read(&sm->latency, out->latency);
}

void store_note_load(store *s, const char *data_type, const char *name,
                     model_type type, const char *reason) {
    store_entry *e = find_or_add(s, data_type);
    if (!e) return;
    pthread_mutex_lock(&s->lock);
    store_load_event *ev = &e->history[e->loads % STORE_HISTORY];
    ev->at_ms = clock_epoch_ms();
    ev->loaded = reason == NULL;
    ev->type = type;
    snprintf(ev->name, sizeof ev->name, "%s", name);
    snprintf(ev->reason, sizeof ev->reason, "%s", reason ? reason : "");
    e->loads++;
    if (reason) e->loads_failed++;
    pthread_mutex_unlock(&s->lock);
}

size_t store_history_of(store *s, const char *data_type,
                        store_load_event *out, size_t max) {
    pthread_mutex_lock(&s->lock);
    store_entry *e = find(s, data_type);
    size_t n = !e ? 0 : e->loads < STORE_HISTORY ? e->loads : STORE_HISTORY;
    if (n > max) n = max;
    for (size_t i = 0; i < n; i++)   /* newest first */
        out[i] = e->history[(e->loads - 1 - i) % STORE_HISTORY];
    pthread_mutex_unlock(&s->lock);
    return n;
}

int store_snapshot_of(store *s, const char *data_type, store_snapshot *out) {
    pthread_mutex_lock(&s->lock);
    store_entry *e = find(s, data_type);
    if (e) fill_snapshot(e, out);
    pthread_mutex_unlock(&s->lock);
    return e ? 0 : -1;
}

size_t store_snapshot_all(store *s, store_snapshot *out, size_t max) {
    pthread_mutex_lock(&s->lock);
    size_t n = atomic_load(&s->count);
    if (n > max) n = max;
    for (size_t i = 0; i < n; i++) fill_snapshot(&s->entries[i], &out[i]);
    pthread_mutex_unlock(&s->lock);
    return n;
}

void store_for_each_model(store *s,
                          void (*fn)(void *ctx, const char *data_type,
                                     const uint8_t *message, size_t len,
                                     const serving_stats *stats),
                          void *ctx) {
    pthread_mutex_lock(&s->lock);
    size_t n = atomic_load(&s->count);
    for (size_t i = 0; i < n; i++) {
        const served_model *sm = s->entries[i].current;
        if (!sm) continue;
        serving_stats st;
        read_stats(sm, &st);
        fn(ctx, s->entries[i].data_type, sm->message, sm->message_len, &st);
    }
    pthread_mutex_unlock(&s->lock);
}
