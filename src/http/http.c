/*
 * http.c - routes and responses of the HTTP port (see http.h).
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telemetry/log.h"

struct http_server {
    struct MHD_Daemon *daemon;
    http_config cfg;
    store *store;
    const counters *counters;
    int port;
};

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned status,
                               const char *content_type, char *body) {
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        strlen(body), body, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", content_type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result respond_json(struct MHD_Connection *conn,
                                    unsigned status, json_t *doc) {
    char *body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!body) return MHD_NO;
    return respond(conn, status, "application/json", body);
}

static enum MHD_Result respond_error(struct MHD_Connection *conn,
                                     unsigned status, const char *message) {
    return respond_json(conn, status, json_pack("{s:s}", "error", message));
}

/* The seed's ModelToServeStats, durations in milliseconds. With no model
 * the seed answered name "None" and zeros. */
static json_t *stats_json(const store_snapshot *snap) {
    const serving_stats *st = &snap->stats;
    int served = snap->has_model;
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:f, s:f, s:f}",
                     "name", served ? snap->info.name : "None",
                     "description", served ? snap->info.description : "",
                     "modelType", served ? model_type_name(snap->info.type) : "",
                     "since", (json_int_t)(served ? st->since_ms : 0),
                     "usage", (json_int_t)(served ? st->usage : 0),
                     "duration", served ? st->total_ns / 1e6 : 0.0,
                     "min", served ? st->min_ns / 1e6 : 0.0,
                     "max", served ? st->max_ns / 1e6 : 0.0);
}

static enum MHD_Result handle_stats(http_server *h,
                                    struct MHD_Connection *conn) {
    const char *type = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
                                                   "dataType");
    if (!type) type = h->cfg.default_data_type;
    store_snapshot snap;
    if (store_snapshot_of(h->store, type, &snap) != 0) {
        memset(&snap, 0, sizeof snap);
    }
    return respond_json(conn, MHD_HTTP_OK, stats_json(&snap));
}

/* Appends printf-style text to a growing buffer. */
typedef struct text {
    char *buf;
    size_t len, cap;
} text;

__attribute__((format(printf, 2, 3))) static void text_printf(text *t,
                                                              const char *fmt,
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

static void metric(text *t, const char *name, const char *help,
                   const char *type) {
    text_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static enum MHD_Result handle_metrics(http_server *h,
                                      struct MHD_Connection *conn) {
    const counters *c = h->counters;
    text t = {.buf = malloc(4096), .cap = 4096};
    if (!t.buf) return MHD_NO;
    t.buf[0] = 0;
    metric(&t, "modelserver_records_total",
           "Records read from the data topic, by outcome.", "counter");
    const struct {
        const char *outcome;
        const atomic_uint_fast64_t *value;
    } records[] = {
        {"scored", &c->records_scored},
        {"malformed", &c->records_malformed},
        {"unserved", &c->records_unserved},
        {"failed", &c->records_failed},
    };
    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++)
        text_printf(&t, "modelserver_records_total{outcome=\"%s\"} %llu\n",
                    records[i].outcome,
                    (unsigned long long)counter_get(records[i].value));
    metric(&t, "modelserver_results_total",
           "Results published to the results topic, by outcome.", "counter");
    text_printf(&t, "modelserver_results_total{outcome=\"delivered\"} %llu\n",
                (unsigned long long)counter_get(&c->results_delivered));
    text_printf(&t, "modelserver_results_total{outcome=\"failed\"} %llu\n",
                (unsigned long long)counter_get(&c->results_failed));
    metric(&t, "modelserver_dead_letters_total",
           "Rejected records forwarded to the dead-letter topic.", "counter");
    text_printf(&t, "modelserver_dead_letters_total %llu\n",
                (unsigned long long)counter_get(&c->dead_letters));
    metric(&t, "modelserver_model_updates_total",
           "Model messages read from the models topic, by outcome.",
           "counter");
    text_printf(&t, "modelserver_model_updates_total{outcome=\"loaded\"} %llu\n",
                (unsigned long long)counter_get(&c->models_loaded));
    text_printf(&t, "modelserver_model_updates_total{outcome=\"failed\"} %llu\n",
                (unsigned long long)counter_get(&c->models_failed));

    store_snapshot snaps[STORE_MAX_DATA_TYPES];
    size_t n = store_snapshot_all(h->store, snaps, STORE_MAX_DATA_TYPES);
    metric(&t, "modelserver_model_records_scored_total",
           "Records scored by the current model of each data type.", "counter");
    for (size_t i = 0; i < n; i++)
        if (snaps[i].has_model)
            text_printf(&t,
                        "modelserver_model_records_scored_total{data_type=\"%s\","
                        "model=\"%s\"} %llu\n",
                        snaps[i].data_type, snaps[i].info.name,
                        (unsigned long long)snaps[i].stats.usage);
    metric(&t, "modelserver_unserved_records_total",
           "Records that arrived while their data type had no model.",
           "counter");
    for (size_t i = 0; i < n; i++)
        text_printf(&t,
                    "modelserver_unserved_records_total{data_type=\"%s\"} %llu\n",
                    snaps[i].data_type, (unsigned long long)snaps[i].unserved);
    return respond(conn, MHD_HTTP_OK, "text/plain; version=0.0.4", t.buf);
}

static enum MHD_Result route(void *cls, struct MHD_Connection *conn,
                             const char *url, const char *method,
                             const char *version, const char *upload_data,
                             size_t *upload_data_size, void **req_cls) {
    (void)version, (void)upload_data, (void)req_cls;
    http_server *h = cls;
    if (*upload_data_size) return respond_error(conn, 413, "no body expected");
    int is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (strcmp(url, "/stats") == 0 || strcmp(url, "/metrics") == 0) {
        if (!is_get) return respond_error(conn, 405, "method not allowed");
        return url[1] == 's' ? handle_stats(h, conn) : handle_metrics(h, conn);
    }
    return respond_error(conn, MHD_HTTP_NOT_FOUND, "no such resource");
}

http_server *http_start(const http_config *cfg, store *s, const counters *c,
                        ms_error *err) {
    http_server *h = calloc(1, sizeof *h);
    if (!h) {
        ms_error_set(err, "out of memory");
        return NULL;
    }
    h->cfg = *cfg;
    h->store = s;
    h->counters = c;
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)cfg->port)};
    if (cfg->bind_address && cfg->bind_address[0] &&
        inet_pton(AF_INET, cfg->bind_address, &addr.sin_addr) != 1) {
        free(h);
        ms_error_set(err, "HTTP bind address '%s' is not an IPv4 address",
                     cfg->bind_address);
        return NULL;
    }
    h->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY |
            MHD_USE_ERROR_LOG,
        (uint16_t)cfg->port, NULL, NULL, route, h,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_END);
    if (!h->daemon) {
        free(h);
        ms_error_set(err, "cannot listen for HTTP on port %d (is it in use? "
                          "choose another with --port)", cfg->port);
        return NULL;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : cfg->port;
    return h;
}

int http_port(const http_server *h) { return h->port; }

void http_stop(http_server *h) {
    if (!h) return;
    MHD_stop_daemon(h->daemon);
    free(h);
}
