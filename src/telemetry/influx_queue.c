/* influx_queue.c - lock-free bounded multi-producer queue of points (see
 * influx_queue.h). */
#include "telemetry/influx_queue.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct cell {
    /* == position: free for the producer of that position;
     * == position + 1: holds the point of that position for the consumer. */
    atomic_size_t seq;
    influx_point point;
} cell;

struct influx_queue {
    cell *cells;
    size_t mask;
    /* Apart, so that producers and the consumer do not share a line. */
    _Alignas(64) atomic_size_t head;   /* next position to push */
    _Alignas(64) size_t tail;          /* next position to pop */
};

influx_queue *influx_queue_new(size_t capacity) {
    size_t n = 2;
    while (n < capacity && n < (SIZE_MAX >> 2)) n <<= 1;
    influx_queue *q = aligned_alloc(64, sizeof *q);
    cell *cells = calloc(n, sizeof *cells);
    if (!q || !cells) {
        free(q);
        free(cells);
        return NULL;
    }
    q->cells = cells;
    q->mask = n - 1;
    for (size_t i = 0; i < n; i++) atomic_init(&cells[i].seq, i);
    atomic_init(&q->head, 0);
    q->tail = 0;
    return q;
}

void influx_queue_free(influx_queue *q) {
    if (!q) return;
    free(q->cells);
    free(q);
}

size_t influx_queue_capacity(const influx_queue *q) { return q->mask + 1; }

int influx_queue_push(influx_queue *q, const influx_point *p) {
    size_t pos = atomic_load_explicit(&q->head, memory_order_relaxed);
    for (;;) {
        cell *c = &q->cells[pos & q->mask];
        size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        intptr_t diff = (intptr_t)seq - (intptr_t)pos;
        if (diff == 0) {
            /* On failure pos is reloaded with the current head. */
            if (atomic_compare_exchange_weak_explicit(
                    &q->head, &pos, pos + 1, memory_order_relaxed,
                    memory_order_relaxed)) {
                c->point = *p;
                atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
                return 0;
            }
        } else if (diff < 0) {
            return -1; /* the cell still holds a point a lap behind: full */
        } else {
            pos = atomic_load_explicit(&q->head, memory_order_relaxed);
        }
    }
}

int influx_queue_pop(influx_queue *q, influx_point *out) {
    cell *c = &q->cells[q->tail & q->mask];
    size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
    if (seq != q->tail + 1) return -1; /* not yet published: empty */
    *out = c->point;
    /* Free for the producer one lap ahead. */
    atomic_store_explicit(&c->seq, q->tail + q->mask + 1, memory_order_release);
    q->tail++;
    return 0;
}
