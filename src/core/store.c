/* store.c - per-data-type current model and statistics (see store.h). */
#include "core/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct store_entry {
    char data_type[STORE_NAME_MAX];
    model *current;
    model_info info;
    serving_stats stats;
    uint64_t unserved;
};

struct store {
    pthread_mutex_t lock;
    size_t count;
    store_entry entries[STORE_MAX_DATA_TYPES];
};

store *store_new(void) {
    store *s = calloc(1, sizeof *s);
    if (s) pthread_mutex_init(&s->lock, NULL);
    return s;
}

void store_free(store *s) {
    if (!s) return;
    for (size_t i = 0; i < s->count; i++) model_free(s->entries[i].current);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* Finds the entry of a data type, creating it when create is set and there
 * is room. Called with the lock held. */
static store_entry *find_entry(store *s, const char *data_type, int create) {
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->entries[i].data_type, data_type) == 0)
            return &s->entries[i];
    if (!create || s->count == STORE_MAX_DATA_TYPES ||
        strlen(data_type) >= STORE_NAME_MAX)
        return NULL;
    store_entry *e = &s->entries[s->count++];
    memset(e, 0, sizeof *e);
    strcpy(e->data_type, data_type);
    return e;
}

int store_swap(store *s, const char *data_type, model *m,
               const model_info *info, ms_error *err) {
    pthread_mutex_lock(&s->lock);
    store_entry *e = find_entry(s, data_type, 1);
    if (!e) {
        pthread_mutex_unlock(&s->lock);
        model_free(m);
        return ms_error_set(err, "cannot serve data type '%s': the store "
                                 "holds %d data types already",
                            data_type, STORE_MAX_DATA_TYPES);
    }
    model *old = e->current;
    e->current = m;
    e->info = *info;
    stats_start(&e->stats, clock_epoch_ms());
    pthread_mutex_unlock(&s->lock);
    model_free(old);
    return 0;
}

store_entry *store_lookup(store *s, const char *data_type) {
    pthread_mutex_lock(&s->lock);
    store_entry *e = find_entry(s, data_type, 1);
    if (e && !e->current) {
        e->unserved++;
        e = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    return e;
}

const model *store_entry_model(const store_entry *e) { return e->current; }
const model_info *store_entry_info(const store_entry *e) { return &e->info; }

void store_entry_scored(store *s, store_entry *e, int64_t duration_ns) {
    pthread_mutex_lock(&s->lock);
    stats_add(&e->stats, duration_ns);
    pthread_mutex_unlock(&s->lock);
}

static void fill_snapshot(const store_entry *e, store_snapshot *out) {
    memset(out, 0, sizeof *out);
    strcpy(out->data_type, e->data_type);
    out->has_model = e->current != NULL;
    out->info = e->info;
    out->stats = e->stats;
    out->unserved = e->unserved;
}

int store_snapshot_of(store *s, const char *data_type, store_snapshot *out) {
    pthread_mutex_lock(&s->lock);
    store_entry *e = find_entry(s, data_type, 0);
    if (e) fill_snapshot(e, out);
    pthread_mutex_unlock(&s->lock);
    return e ? 0 : -1;
}

size_t store_snapshot_all(store *s, store_snapshot *out, size_t max) {
    pthread_mutex_lock(&s->lock);
    size_t n = s->count < max ? s->count : max;
    for (size_t i = 0; i < n; i++) fill_snapshot(&s->entries[i], &out[i]);
    pthread_mutex_unlock(&s->lock);
    return n;
}
