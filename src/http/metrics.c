/*
 * metrics.c - GET /metrics in the Prometheus text exposition format
 * (version 0.0.4). Counters are read from atomics and store snapshots;
 * consumer lag from librdkafka's local view of positions and high
 * watermarks (no broker round trip, nothing on the scoring path).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"

/* A growing text buffer; on out-of-memory it stops growing and the reply
 * is cut short rather than lost. */
typedef struct text {
    char *buf;
    size_t len, cap;
} text;

__attribute__((format(printf, 2, 3))) static void out(text *t, const char *fmt,
                                                      ...) {
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap + (size_t)n + 1) * 2;
        char *p = realloc(t->buf, cap);
        if (!p) return;
        t->buf = p;
        t->cap = cap;
    }
}

static void family(text *t, const char *name, const char *type, const char *help) {
    out(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \, " and newlines escaped as the format wants. */
static const char *esc(const char *s, char *buf, size_t cap) {
    size_t j = 0;
    for (; *s && j + 3 < cap; s++) {
        if (*s == '\\' || *s == '"') buf[j++] = '\\', buf[j++] = *s;
        else if (*s == '\n') buf[j++] = '\\', buf[j++] = 'n';
        else buf[j++] = *s;
    }
    buf[j] = 0;
    return buf;
}

typedef struct outcome {
    const char *name;
    const atomic_uint_fast64_t *value;
} outcome;

/* A counter family with one sample per outcome of a global counter. */
static void outcomes(text *t, const char *name, const char *help,
                     const outcome *rows, size_t nrows) {
    family(t, name, "counter", help);
    for (size_t i = 0; i < nrows; i++)
        out(t, "%s{outcome=\"%s\"} %llu\n", name, rows[i].name,
            (unsigned long long)counter_get(rows[i].value));
}

static void records(text *t, const counters *c, const store_snapshot *s, size_t n) {
    const outcome records_rows[] = {{"scored", &c->records_scored},
                                    {"malformed", &c->records_malformed},
                                    {"unserved", &c->records_unserved},
                                    {"failed", &c->records_failed}};
    outcomes(t, "modelserver_records_total",
             "Records read from the data topic, by outcome.", records_rows, 4);
    family(t, "modelserver_data_type_records_total", "counter",
           "Records of each data type scored or rejected, by outcome (malformed "
           "records have no data type: see modelserver_records_total).");
    char dt[2 * STORE_NAME_MAX];
    for (size_t i = 0; i < n; i++) {
        esc(s[i].data_type, dt, sizeof dt);
        out(t,
            "modelserver_data_type_records_total{data_type=\"%s\",outcome=\"scored\"} %llu\n"
            "modelserver_data_type_records_total{data_type=\"%s\",outcome=\"unserved\"} %llu\n"
            "modelserver_data_type_records_total{data_type=\"%s\",outcome=\"failed\"} %llu\n",
            dt, (unsigned long long)s[i].scored, dt,
            (unsigned long long)s[i].unserved, dt, (unsigned long long)s[i].failed);
    }
    family(t, "modelserver_unserved_records_total", "counter",
           "Records that arrived while their data type had no model.");
    for (size_t i = 0; i < n; i++)
        out(t, "modelserver_unserved_records_total{data_type=\"%s\"} %llu\n",
            esc(s[i].data_type, dt, sizeof dt), (unsigned long long)s[i].unserved);
    const outcome results_rows[] = {{"delivered", &c->results_delivered},
                                    {"failed", &c->results_failed}};
    outcomes(t, "modelserver_results_total",
             "Results published to the results topic, by outcome.", results_rows, 2);
    family(t, "modelserver_dead_letters_total", "counter",
           "Rejected records forwarded to the dead-letter topic.");
    out(t, "modelserver_dead_letters_total %llu\n",
        (unsigned long long)counter_get(&c->dead_letters));
}

static void models(text *t, const counters *c, const store_snapshot *s, size_t n) {
    char dt[2 * STORE_NAME_MAX], name[2 * STORE_NAME_MAX];
    const outcome update_rows[] = {{"loaded", &c->models_loaded},
                                   {"failed", &c->models_failed}};
    outcomes(t, "modelserver_model_updates_total",
             "Model messages read from the models topic, by outcome.", update_rows, 2);
    family(t, "modelserver_model_loads_total", "counter",
           "Model messages of each data type, by outcome.");
    for (size_t i = 0; i < n; i++) {
        esc(s[i].data_type, dt, sizeof dt);
        out(t, "modelserver_model_loads_total{data_type=\"%s\",outcome=\"loaded\"} %zu\n"
               "modelserver_model_loads_total{data_type=\"%s\",outcome=\"failed\"} %zu\n",
            dt, s[i].loads - s[i].loads_failed, dt, s[i].loads_failed);
    }
    family(t, "modelserver_model_records_scored_total", "counter",
           "Records scored by the current model of each data type.");
    for (size_t i = 0; i < n; i++)
        if (s[i].has_model)
            out(t, "modelserver_model_records_scored_total{data_type=\"%s\",model=\"%s\"} %llu\n",
                esc(s[i].data_type, dt, sizeof dt),
                esc(s[i].info.name, name, sizeof name),
                (unsigned long long)s[i].stats.usage);
    family(t, "modelserver_scoring_duration_seconds", "histogram",
           "Time to score one record, per current model.");
    for (size_t i = 0; i < n; i++) {
        if (!s[i].has_model) continue;
        esc(s[i].data_type, dt, sizeof dt);
        esc(s[i].info.name, name, sizeof name);
        uint64_t cum = 0;
        for (size_t b = 0; b < LATENCY_BUCKETS; b++) {
            cum += s[i].latency[b];
            if (b < LATENCY_BOUNDS)
                out(t, "modelserver_scoring_duration_seconds_bucket{data_type=\"%s\","
                       "model=\"%s\",le=\"%g\"} %llu\n",
                    dt, name, latency_bound_ns[b] / 1e9, (unsigned long long)cum);
            else
                out(t, "modelserver_scoring_duration_seconds_bucket{data_type=\"%s\","
                       "model=\"%s\",le=\"+Inf\"} %llu\n",
                    dt, name, (unsigned long long)cum);
        }
        /* The statistics restart with each model, like the buckets. */
        out(t, "modelserver_scoring_duration_seconds_sum{data_type=\"%s\",model=\"%s\"} %.9f\n"
               "modelserver_scoring_duration_seconds_count{data_type=\"%s\",model=\"%s\"} %llu\n",
            dt, name, s[i].stats.total_ns / 1e9, dt, name, (unsigned long long)cum);
    }
}

static void lag(text *t, http_server *h) {
    family(t, "modelserver_consumer_lag", "gauge",
           "Records of each assigned data-topic partition not consumed yet "
           "(high watermark minus position).");
    if (!h->src.engine) return;
    engine_lag lags[256];
    int n = engine_partition_lag(h->src.engine, lags, 256);
    for (int i = 0; i < n; i++)
        if (lags[i].lag >= 0)
            out(t, "modelserver_consumer_lag{partition=\"%d\"} %lld\n",
                (int)lags[i].partition, (long long)lags[i].lag);
    family(t, "modelserver_assigned_partitions", "gauge",
           "Data-topic partitions assigned to this instance.");
    out(t, "modelserver_assigned_partitions %d\n", n);
}

static void http_and_cluster(text *t, http_server *h) {
    family(t, "modelserver_http_requests_total", "counter",
           "HTTP requests answered, by route and status (status 0: any other).");
    for (size_t r = 0; r <= http_route_count(); r++)
        for (size_t s = 0; s < HTTP_STATUSES; s++) {
            uint64_t v = atomic_load_explicit(&h->requests[r][s], memory_order_relaxed);
            if (v)
                out(t, "modelserver_http_requests_total{route=\"%s\",status=\"%u\"} %llu\n",
                    http_route_name(r), http_statuses[s], (unsigned long long)v);
        }
    json_t *inst = http_instances(h, NULL);
    family(t, "modelserver_instances", "gauge",
           "Live instances of this application, this one included.");
    out(t, "modelserver_instances %zu\n", json_array_size(inst));
    json_decref(inst);
    char why[256];
    family(t, "modelserver_ready", "gauge", "1 when /health/ready answers 200.");
    out(t, "modelserver_ready %d\n", http_ready(h, why, sizeof why));
}

/* Kafka reachability and checkpoint saves (what /health shows). */
static void dependencies(text *t, http_server *h) {
    if (!h->src.engine) return;
    engine_health eh;
    engine_health_get(h->src.engine, &eh);
    family(t, "modelserver_kafka_reachable", "gauge",
           "1 while at least one Kafka broker is reachable.");
    out(t, "modelserver_kafka_reachable %d\n", eh.kafka.connected);
    family(t, "modelserver_kafka_brokers_up", "gauge",
           "Brokers the server is connected to, as of the last second.");
    out(t, "modelserver_kafka_brokers_up %d\n", eh.kafka.brokers_up);
    family(t, "modelserver_kafka_outages_total", "counter",
           "Times no Kafka broker at all was reachable.");
    out(t, "modelserver_kafka_outages_total %llu\n",
        (unsigned long long)eh.kafka.outages);
    family(t, "modelserver_checkpoint_saves_total", "counter",
           "Checkpoint saves to the state directory, by outcome (failed: "
           "disk full, file size limit or I/O error; retried).");
    out(t, "modelserver_checkpoint_saves_total{outcome=\"written\"} %llu\n"
           "modelserver_checkpoint_saves_total{outcome=\"failed\"} %llu\n",
        (unsigned long long)eh.checkpoint.written,
        (unsigned long long)eh.checkpoint.failed);
    family(t, "modelserver_checkpoint_failing", "gauge",
           "1 while the last checkpoint save failed.");
    out(t, "modelserver_checkpoint_failing %d\n", eh.checkpoint.failing > 0);
}

/* What the InfluxDB writer and the Grafana client did (telemetry/influx.h,
 * grafana.h): every point ends written or in one of the dropped counts. */
static void exporters(text *t, const counters *c) {
    const outcome point_rows[] = {{"written", &c->influx_points_written},
                                  {"overflow", &c->influx_points_overflow},
                                  {"failed", &c->influx_points_failed}};
    outcomes(t, "modelserver_influx_points_total",
             "Points for InfluxDB, by outcome (overflow: dropped because the "
             "queue was full; failed: dropped because the write failed).",
             point_rows, 3);
    family(t, "modelserver_influx_write_failures_total", "counter",
           "Write requests to InfluxDB that failed.");
    out(t, "modelserver_influx_write_failures_total %llu\n",
        (unsigned long long)counter_get(&c->influx_writes_failed));
    family(t, "modelserver_grafana_request_failures_total", "counter",
           "Requests to Grafana's API that failed.");
    out(t, "modelserver_grafana_request_failures_total %llu\n",
        (unsigned long long)counter_get(&c->grafana_requests_failed));
}

void http_handle_metrics(http_server *h, const http_request *rq, http_reply *rp) {
    (void)rq;
    text t = {.buf = malloc(16384), .cap = 16384};
    size_t n;
    store_snapshot *snaps = http_snapshots(h, &n);
    if (!t.buf || !snaps) {
        free(t.buf);
        free(snaps);
        reply_error(rp, 500, "out of memory");
        return;
    }
    t.buf[0] = 0;
    records(&t, h->src.counters, snaps, n);
    models(&t, h->src.counters, snaps, n);
    lag(&t, h);
    exporters(&t, h->src.counters);
    dependencies(&t, h);
    http_and_cluster(&t, h);
    free(snaps);
    reply_text(rp, 200, "text/plain; version=0.0.4; charset=utf-8", t.buf);
}
