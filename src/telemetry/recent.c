/* recent.c - the ring of recent predictions (see recent.h). */
#include "telemetry/recent.h"

#include <string.h>

void recent_add(recent_ring *r, const recent_prediction *p) {
    uint64_t i = atomic_fetch_add_explicit(&r->next, 1, memory_order_relaxed);
    __typeof__(r->slot[0]) *s = &r->slot[i % RECENT_SLOTS];
    uint_fast64_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
    if ((seq & 1) || !atomic_compare_exchange_strong_explicit(
                         &s->seq, &seq, seq + 1, memory_order_acquire,
                         memory_order_relaxed))
        return;
    atomic_thread_fence(memory_order_release);
    memcpy(&s->p, p, sizeof *p);
    atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
}

size_t recent_read(const recent_ring *r, recent_prediction *out, size_t max) {
    uint64_t next = atomic_load_explicit(&r->next, memory_order_acquire);
    size_t n = 0;
    for (uint64_t k = 0; k < RECENT_SLOTS && k < next && n < max; k++) {
        const __typeof__(r->slot[0]) *s = &r->slot[(next - 1 - k) % RECENT_SLOTS];
        uint_fast64_t before = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (before & 1 || before == 0) continue;
        memcpy(&out[n], &s->p, sizeof out[n]);
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&s->seq, memory_order_relaxed) == before) n++;
    }
    return n;
}
