/* histogram.c - lock-free latency buckets and quantiles (see histogram.h). */
#include "core/histogram.h"

const int64_t latency_bound_ns[LATENCY_BOUNDS] = {
    250,     500,     1000,     2500,     5000,      10000,    25000,
    50000,   100000,  250000,   1000000,  10000000,  100000000,
};

size_t latency_bucket(int64_t ns) {
    size_t i = 0;
    while (i < LATENCY_BOUNDS && ns > latency_bound_ns[i]) i++;
    return i;
}

void latency_histogram_add(latency_histogram *h, int64_t ns) {
    atomic_fetch_add_explicit(&h->counts[latency_bucket(ns)], 1,
                              memory_order_relaxed);
}

void latency_histogram_add_counts(latency_histogram *h,
                                  const uint64_t counts[LATENCY_BUCKETS]) {
    for (size_t i = 0; i < LATENCY_BUCKETS; i++)
        if (counts[i])
            atomic_fetch_add_explicit(&h->counts[i], counts[i],
                                      memory_order_relaxed);
}

void latency_histogram_read(const latency_histogram *h,
                            uint64_t out[LATENCY_BUCKETS]) {
    for (size_t i = 0; i < LATENCY_BUCKETS; i++)
        out[i] = atomic_load_explicit(&h->counts[i], memory_order_relaxed);
}

double latency_quantile_ns(const uint64_t counts[LATENCY_BUCKETS], double q) {
    uint64_t total = 0;
    for (size_t i = 0; i < LATENCY_BUCKETS; i++) total += counts[i];
    if (total == 0) return 0;
    double rank = q * (double)total, below = 0;
    for (size_t i = 0; i < LATENCY_BUCKETS; i++) {
        double lo = i ? (double)latency_bound_ns[i - 1] : 0;
        if (i == LATENCY_BOUNDS) return lo;
        if (below + (double)counts[i] >= rank && counts[i] > 0)
            return lo + ((double)latency_bound_ns[i] - lo) *
                            ((rank - below) / (double)counts[i]);
        below += (double)counts[i];
    }
    return (double)latency_bound_ns[LATENCY_BOUNDS - 1];
}
