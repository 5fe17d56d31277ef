/*
 * offsets.c - per-partition windows of in-flight records (see offsets.h).
 *
 * Each partition keeps a ring of the offsets it has begun, in order, with a
 * finished flag. Finishing looks the offset up by binary search (offsets in
 * a ring increase, though not always by one: compaction and transaction
 * markers leave holes); collecting pops finished records off the head.
 */
#include "stream/offsets.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
    int64_t offset;
    int done;
} slot;

typedef struct window {
    slot *ring;
    size_t cap, head, len;     /* entries ring[head .. head+len) mod cap */
    int64_t committable;       /* next offset to commit; -1 = none yet */
    int64_t reported;          /* last committable handed out */
} window;

struct offset_tracker {
    pthread_mutex_t lock;
    window *windows;           /* indexed by partition */
    int32_t nwindows;
    uint64_t in_flight;
};

offset_tracker *offsets_new(void) {
    offset_tracker *t = calloc(1, sizeof *t);
    if (t) pthread_mutex_init(&t->lock, NULL);
    return t;
}

static void clear_windows(offset_tracker *t) {
    for (int32_t i = 0; i < t->nwindows; i++) free(t->windows[i].ring);
    free(t->windows);
    t->windows = NULL;
    t->nwindows = 0;
    t->in_flight = 0;
}

void offsets_free(offset_tracker *t) {
    if (!t) return;
    clear_windows(t);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

void offsets_reset(offset_tracker *t) {
    pthread_mutex_lock(&t->lock);
    clear_windows(t);
    pthread_mutex_unlock(&t->lock);
}

static window *window_of(offset_tracker *t, int32_t partition, int create) {
    if (partition < 0) return NULL;
    if (partition >= t->nwindows) {
        if (!create) return NULL;
        window *grown = realloc(t->windows, (size_t)(partition + 1) * sizeof *grown);
        if (!grown) return NULL;
        for (int32_t i = t->nwindows; i <= partition; i++)
            grown[i] = (window){.committable = -1, .reported = -1};
        t->windows = grown;
        t->nwindows = partition + 1;
    }
    return &t->windows[partition];
}

int offsets_begin(offset_tracker *t, int32_t partition, int64_t offset) {
    pthread_mutex_lock(&t->lock);
    window *w = window_of(t, partition, 1);
    if (w && w->len == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 256;
        slot *ring = malloc(cap * sizeof *ring);
        if (ring) {
            for (size_t i = 0; i < w->len; i++)
                ring[i] = w->ring[(w->head + i) % w->cap];
            free(w->ring);
            w->ring = ring;
            w->cap = cap;
            w->head = 0;
        }
    }
    int rc = -1;
    if (w && w->len < w->cap) {
        w->ring[(w->head + w->len) % w->cap] = (slot){offset, 0};
        w->len++;
        t->in_flight++;
        rc = 0;
    }
    pthread_mutex_unlock(&t->lock);
    return rc;
}

void offsets_done(offset_tracker *t, int32_t partition, int64_t offset) {
    pthread_mutex_lock(&t->lock);
    window *w = window_of(t, partition, 0);
    if (w && w->len) {
        size_t lo = 0, hi = w->len; /* binary search on the ring's order */
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (w->ring[(w->head + mid) % w->cap].offset < offset) lo = mid + 1;
            else hi = mid;
        }
        slot *s = lo < w->len ? &w->ring[(w->head + lo) % w->cap] : NULL;
        if (s && s->offset == offset && !s->done) {
            s->done = 1;
            t->in_flight--;
            /* Pop the finished prefix: the commit point moves past it. */
            while (w->len && w->ring[w->head].done) {
                w->committable = w->ring[w->head].offset + 1;
                w->head = (w->head + 1) % w->cap;
                w->len--;
            }
        }
    }
    pthread_mutex_unlock(&t->lock);
}

int offsets_collect(offset_tracker *t, const char *topic,
                    rd_kafka_topic_partition_list_t *list) {
    int added = 0;
    pthread_mutex_lock(&t->lock);
    for (int32_t p = 0; p < t->nwindows; p++) {
        window *w = &t->windows[p];
        if (w->committable >= 0 && w->committable != w->reported) {
            rd_kafka_topic_partition_list_add(list, topic, p)->offset =
                w->committable;
            w->reported = w->committable;
            added++;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return added;
}

uint64_t offsets_in_flight(offset_tracker *t) {
    pthread_mutex_lock(&t->lock);
    uint64_t n = t->in_flight;
    pthread_mutex_unlock(&t->lock);
    return n;
}

/* The opaque pointer of a message is the packed number itself, never
 * dereferenced: the casts are the point. */
void *offsets_pack(int32_t partition, int64_t offset) {
    uintptr_t packed = ((uintptr_t)(uint16_t)partition << 48) |
                       ((uintptr_t)offset & ((UINT64_C(1) << 48) - 1));
    return (void *)packed;  // NOLINT(performance-no-int-to-ptr)
}

void *offsets_none(void) { return (void *)UINTPTR_MAX; }  // NOLINT(performance-no-int-to-ptr)

void offsets_unpack(void *opaque, int32_t *partition, int64_t *offset) {
    uintptr_t v = (uintptr_t)opaque;
    if (v == UINTPTR_MAX) {
        *partition = -1;
        *offset = -1;
        return;
    }
    *partition = (int32_t)(v >> 48);
    *offset = (int64_t)(v & ((UINT64_C(1) << 48) - 1));
}
