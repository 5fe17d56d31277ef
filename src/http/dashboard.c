/*
 * dashboard.c - the built-in dashboard: GET / (index.html), GET
 * /dashboard/{file} (its script and style, looked up by exact name among
 * the embedded files: see assets.h), and GET /api/overview, the one JSON
 * document the page polls every second.
 */
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "http/assets.h"
#include "http/http_internal.h"

static const char *content_type(const char *name) {
    const char *dot = strrchr(name, '.');
    if (dot && strcmp(dot, ".html") == 0) return "text/html; charset=utf-8";
    if (dot && strcmp(dot, ".js") == 0) return "text/javascript; charset=utf-8";
    if (dot && strcmp(dot, ".css") == 0) return "text/css; charset=utf-8";
    if (dot && strcmp(dot, ".svg") == 0) return "image/svg+xml";
    return "application/octet-stream";
}

static int serve(const char *name, http_reply *out) {
    for (size_t i = 0; i < http_nassets; i++)
        if (strcmp(http_assets[i].name, name) == 0) {
            reply_fixed(out, content_type(name), http_assets[i].data, http_assets[i].len);
            return 1;
        }
    return 0;
}

void http_handle_dashboard(http_server *h, const http_request *rq, http_reply *out) {
    (void)h, (void)rq;
    if (!serve("index.html", out)) reply_error(out, 404, "no dashboard in this build");
}

void http_handle_dashboard_file(http_server *h, const http_request *rq,
                                http_reply *out) {
    (void)h;
    /* index.html is served at / only. */
    if (strcmp(rq->capture[0], "index.html") == 0 || !serve(rq->capture[0], out))
        reply_error(out, 404, "no dashboard file '%s'", rq->capture[0]);
}

static json_t *recent_json(const counters *c) {
    recent_prediction p[RECENT_SLOTS];
    size_t n = recent_read(&c->recent, p, RECENT_SLOTS);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            arr, json_pack("{s:I, s:s, s:s, s:s, s:o, s:f, s:i, s:I}", "at",
                           (json_int_t)p[i].at_ms, "dataType", p[i].data_type,
                           "model", p[i].model, "label", p[i].label, "value",
                           p[i].value == p[i].value ? json_real(p[i].value) : json_null(),
                           "durationMs", p[i].duration_ns / 1e6, "partition",
                           (int)p[i].partition, "offset", (json_int_t)p[i].offset));
    return arr;
}

/* Percentiles over every current model's histogram together. */
static json_t *latency_json(http_server *h) {
    uint64_t sum[LATENCY_BUCKETS] = {0};
    size_t n;
    store_snapshot *snaps = http_snapshots(h, &n);
    for (size_t i = 0; snaps && i < n; i++)
        for (size_t b = 0; b < LATENCY_BUCKETS; b++) sum[b] += snaps[i].latency[b];
    free(snaps);
    return json_pack("{s:f, s:f, s:f}", "p50", latency_quantile_ns(sum, 0.5) / 1e6,
                     "p90", latency_quantile_ns(sum, 0.9) / 1e6, "p99",
                     latency_quantile_ns(sum, 0.99) / 1e6);
}

void http_handle_overview(http_server *h, const http_request *rq, http_reply *out) {
    (void)rq;
    const counters *c = h->src.counters;
    char why[256] = "";
    int ready = http_ready(h, why, sizeof why);
    json_t *doc = json_pack(
        "{s:I, s:s, s:i, s:b, s:s, s:{s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I},"
        " s:o, s:o, s:o, s:o}",
        "time", (json_int_t)clock_epoch_ms(), "engine", h->cfg.engine_name, "port",
        h->port, "ready", ready, "notReadyReason", why, "records", "received",
        (json_int_t)counter_get(&c->records_received), "scored",
        (json_int_t)counter_get(&c->records_scored), "resultsDelivered",
        (json_int_t)counter_get(&c->results_delivered), "modelsLoaded",
        (json_int_t)counter_get(&c->models_loaded), "modelsFailed",
        (json_int_t)counter_get(&c->models_failed), "rejects", "malformed",
        (json_int_t)counter_get(&c->records_malformed), "unserved",
        (json_int_t)counter_get(&c->records_unserved), "failed",
        (json_int_t)counter_get(&c->records_failed), "latencyMs", latency_json(h),
        "models", http_models_json(h), "recent", recent_json(c), "instances",
        http_instances(h, NULL));
    reply_json(out, 200, doc);
}
