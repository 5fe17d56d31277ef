/*
 * models.c - GET /models: for every data type the store knows, the model
 * serving it (name, description, type, since), its statistics, the type's
 * record counts, and its load history newest first, failures with their
 * reasons.
 */
#include <stdlib.h>

#include "http/http_internal.h"

static json_t *history_json(http_server *h, const char *data_type) {
    store_load_event ev[STORE_HISTORY];
    size_t n = store_history_of(h->src.store, data_type, ev, STORE_HISTORY);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_pack("{s:I, s:s, s:s, s:b}", "at", (json_int_t)ev[i].at_ms,
                              "name", ev[i].name, "modelType",
                              model_type_name(ev[i].type), "loaded", ev[i].loaded);
        if (!ev[i].loaded) json_object_set_new(o, "reason", json_string(ev[i].reason));
        json_array_append_new(arr, o);
    }
    return arr;
}

store_snapshot *http_snapshots(http_server *h, size_t *n) {
    /* Too big for an HTTP thread's stack. */
    store_snapshot *snaps = malloc(STORE_MAX_DATA_TYPES * sizeof *snaps);
    *n = snaps ? store_snapshot_all(h->src.store, snaps, STORE_MAX_DATA_TYPES) : 0;
    return snaps;
}

json_t *http_models_json(http_server *h) {
    size_t n;
    store_snapshot *mine = http_snapshots(h, &n);
    json_t *arr = json_array();
    if (!mine) return arr;
    for (size_t i = 0; i < n; i++) {
        const store_snapshot *s = &mine[i];
        json_t *current = json_null();
        if (s->has_model) {
            double p50 = latency_quantile_ns(s->latency, 0.5) / 1e6,
                   p99 = latency_quantile_ns(s->latency, 0.99) / 1e6;
            current = json_pack(
                "{s:s, s:s, s:s, s:I, s:I, s:f, s:f, s:f, s:f, s:f}", "name",
                s->info.name, "description", s->info.description, "modelType",
                model_type_name(s->info.type), "since",
                (json_int_t)s->stats.since_ms, "usage",
                (json_int_t)s->stats.usage, "duration", s->stats.total_ns / 1e6,
                "min", s->stats.min_ns / 1e6, "max", s->stats.max_ns / 1e6,
                "p50", p50, "p99", p99);
        }
        json_array_append_new(
            arr, json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:o}", "dataType",
                           s->data_type, "model", current, "scored",
                           (json_int_t)s->scored, "failed", (json_int_t)s->failed,
                           "unserved", (json_int_t)s->unserved, "loads",
                           (json_int_t)s->loads, "loadsFailed",
                           (json_int_t)s->loads_failed, "history",
                           history_json(h, s->data_type)));
    }
    free(mine);
    return arr;
}

void http_handle_models(http_server *h, const http_request *rq, http_reply *out) {
    (void)rq;
    reply_json(out, 200, http_models_json(h));
}
