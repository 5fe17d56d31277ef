/* grafana.c - data source and dashboard set-up through Grafana's HTTP API,
 * on a background thread (see grafana.h). */
#include "telemetry/grafana.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "telemetry/http_client.h"
#include "telemetry/log.h"

/* deploy/grafana/dashboards/modelserver.json, by cmake/embed.cmake. */
extern const unsigned char grafana_dashboard_json[];
extern const size_t grafana_dashboard_json_len;

struct grafana_client {
    http_client *http;
    json_t *datasource;   /* the body we POST */
    json_t *dashboard;    /* the compiled-in dashboard */
    counters *counters;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
};

/* One request with a JSON body (or none); *answer receives the parsed
 * answer of a 2xx (NULL otherwise or when not JSON; caller frees). -1 with
 * err when Grafana did not answer. */
static int call(grafana_client *g, const char *method, const char *path,
                json_t *body, long *status, json_t **answer, ms_error *err) {
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (body && !text) return ms_error_set(err, "out of memory");
    int rc = http_client_send(g->http, method, path, "application/json", text,
                              text ? strlen(text) : 0, status, err);
    free(text);
    *answer = NULL;
    if (rc) {
        counter_inc(&g->counters->grafana_requests_failed);
        return -1;
    }
    if (*status >= 200 && *status < 300)
        *answer = json_loads(http_client_body(g->http), 0, NULL);
    else if (*status != 404)
        counter_inc(&g->counters->grafana_requests_failed);
    return 0;
}

/* A sentence for an answer we did not expect. */
static int unexpected(grafana_client *g, const char *method, const char *path,
                      long status, ms_error *err) {
    const char *hint = status == 401 || status == 403
                           ? "; check grafana.user and grafana.password"
                           : "";
    return ms_error_set(err, "%s %s%s answered HTTP %ld: %.200s%s", method,
                        http_client_url(g->http), path, status,
                        http_client_body(g->http), hint);
}

static bool same_string(json_t *a, json_t *b, const char *key) {
    const char *x = json_string_value(json_object_get(a, key));
    const char *y = json_string_value(json_object_get(b, key));
    return x && y && strcmp(x, y) == 0;
}

/* Whether the data source Grafana has is the one we want. */
static bool datasource_matches(json_t *have, json_t *want) {
    static const char *const keys[] = {"name", "type", "url", "access",
                                       "database", "user"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (json_object_get(want, keys[i]) &&
            !same_string(have, want, keys[i]))
            return false;
    return same_string(json_object_get(have, "jsonData"),
                       json_object_get(want, "jsonData"), "dbName");
}

static int ensure_datasource(grafana_client *g, ms_error *err) {
    const char *path = "/api/datasources/uid/" GRAFANA_DATASOURCE;
    long status;
    json_t *have;
    if (call(g, "GET", path, NULL, &status, &have, err)) return -1;
    if (status == 404) {
        json_t *answer;
        if (call(g, "POST", "/api/datasources", g->datasource, &status,
                 &answer, err))
            return -1;
        json_decref(answer);
        if (status != 200)
            return unexpected(g, "POST", "/api/datasources", status, err);
        log_info("grafana", "created data source '" GRAFANA_DATASOURCE
                            "' (InfluxDB at %s)",
                 json_string_value(json_object_get(g->datasource, "url")));
        return 0;
    }
    if (status != 200 || !have) {
        json_decref(have);
        return unexpected(g, "GET", path, status, err);
    }
    bool same = datasource_matches(have, g->datasource);
    json_int_t id = json_integer_value(json_object_get(have, "id"));
    json_decref(have);
    if (same) {
        log_info("grafana", "data source '" GRAFANA_DATASOURCE
                            "' is up to date");
        return 0;
    }
    char put[96];
    snprintf(put, sizeof put, "/api/datasources/%lld", (long long)id);
    json_t *answer;
    if (call(g, "PUT", put, g->datasource, &status, &answer, err)) return -1;
    json_decref(answer);
    if (status != 200) return unexpected(g, "PUT", put, status, err);
    log_info("grafana", "updated data source '" GRAFANA_DATASOURCE
                        "' (InfluxDB at %s)",
             json_string_value(json_object_get(g->datasource, "url")));
    return 0;
}

/* Whether Grafana's copy is ours, ignoring what Grafana assigns. */
static bool dashboard_matches(json_t *have, json_t *want) {
    json_t *a = json_deep_copy(have), *b = json_deep_copy(want);
    bool same = false;
    if (a && b) {
        json_object_del(a, "id");
        json_object_del(a, "version");
        json_object_del(b, "id");
        json_object_del(b, "version");
        same = json_equal(a, b);
    }
    json_decref(a);
    json_decref(b);
    return same;
}

static int ensure_dashboard(grafana_client *g, ms_error *err) {
    const char *path = "/api/dashboards/uid/" GRAFANA_DASHBOARD_UID;
    long status;
    json_t *have;
    if (call(g, "GET", path, NULL, &status, &have, err)) return -1;
    if (status != 200 && status != 404) {
        json_decref(have);
        return unexpected(g, "GET", path, status, err);
    }
    bool exists = status == 200;
    bool same = exists && dashboard_matches(json_object_get(have, "dashboard"),
                                            g->dashboard);
    json_decref(have);
    if (same) {
        log_info("grafana", "dashboard '" GRAFANA_DASHBOARD_UID
                            "' is up to date");
        return 0;
    }
    json_t *body = json_pack("{s:O, s:b, s:s}", "dashboard", g->dashboard,
                             "overwrite", 1, "message",
                             "posted by modelserver at start");
    if (!body) return ms_error_set(err, "out of memory");
    /* A new dashboard has no id; Grafana matches ours by uid. */
    json_object_set_new(json_object_get(body, "dashboard"), "id", json_null());
    json_t *answer;
    int rc = call(g, "POST", "/api/dashboards/db", body, &status, &answer, err);
    json_decref(body);
    if (rc) return -1;
    if (status != 200) {
        json_decref(answer);
        return unexpected(g, "POST", "/api/dashboards/db", status, err);
    }
    const char *url = json_string_value(json_object_get(answer, "url"));
    log_info("grafana", "%s dashboard '" GRAFANA_DASHBOARD_UID "' at %s%s",
             exists ? "updated" : "created", http_client_url(g->http),
             url ? url : "");
    json_decref(answer);
    return 0;
}

/* Waits up to ns or until stopping; returns true when stopping. */
static bool wait_or_stop(grafana_client *g, long long ns) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ns / 1000000000;
    until.tv_nsec += ns % 1000000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&g->lock);
    int rc = 0;
    while (!g->stopping && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&g->wake, &g->lock, &until);
    bool stopping = g->stopping;
    pthread_mutex_unlock(&g->lock);
    return stopping;
}

static void *grafana_main(void *arg) {
    grafana_client *g = arg;
    ms_error err;
    long long backoff_ns = 1000000000LL;
    for (int attempt = 1; attempt <= GRAFANA_ATTEMPTS; attempt++) {
        if (ensure_datasource(g, &err) == 0 && ensure_dashboard(g, &err) == 0) {
            log_info("grafana", "Grafana at %s is set up: data source '"
                                GRAFANA_DATASOURCE "', dashboard '"
                                GRAFANA_DASHBOARD_UID "'",
                     http_client_url(g->http));
            return NULL;
        }
        if (attempt == GRAFANA_ATTEMPTS) break;
        log_warn("grafana", "set-up attempt %d of %d failed: %s; trying again "
                            "in %lld s",
                 attempt, GRAFANA_ATTEMPTS, err.msg, backoff_ns / 1000000000);
        if (wait_or_stop(g, backoff_ns)) return NULL;
        backoff_ns *= 2;
    }
    log_error("grafana", "gave up setting up Grafana after %d attempts: %s. "
                         "Scoring is not affected; check grafana.host/port "
                         "and the credentials, or provision Grafana from "
                         "deploy/grafana/",
              GRAFANA_ATTEMPTS, err.msg);
    return NULL;
}

static json_t *datasource_body(const grafana_config *cfg) {
    json_t *ds = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:{s:s, s:s}}",
                           "name", GRAFANA_DATASOURCE, "uid",
                           GRAFANA_DATASOURCE, "type", "influxdb", "access",
                           "proxy", "url", cfg->influx_url, "database",
                           "serving", "isDefault", 0, "jsonData", "dbName",
                           "serving", "httpMode", "GET");
    if (ds && cfg->influx_user && cfg->influx_user[0]) {
        json_object_set_new(ds, "user", json_string(cfg->influx_user));
        json_object_set_new(
            ds, "secureJsonData",
            json_pack("{s:s}", "password",
                      cfg->influx_password ? cfg->influx_password : ""));
    }
    return ds;
}

static void client_free(grafana_client *g) {
    http_client_free(g->http);
    json_decref(g->datasource);
    json_decref(g->dashboard);
    free(g);
}

grafana_client *grafana_start(const grafana_config *cfg, counters *c,
                              ms_error *err) {
    grafana_client *g = calloc(1, sizeof *g);
    if (!g) {
        ms_error_set(err, "out of memory");
        return NULL;
    }
    g->counters = c;
    json_error_t jerr;
    g->dashboard = json_loadb((const char *)grafana_dashboard_json,
                              grafana_dashboard_json_len, 0, &jerr);
    if (!g->dashboard) {
        ms_error_set(err, "the compiled-in Grafana dashboard is not JSON "
                          "(line %d: %s); fix "
                          "deploy/grafana/dashboards/modelserver.json",
                     jerr.line, jerr.text);
        client_free(g);
        return NULL;
    }
    g->datasource = datasource_body(cfg);
    g->http = http_client_new(&(http_client_config){.base_url = cfg->url,
                                                    .user = cfg->user,
                                                    .password = cfg->password,
                                                    .timeout_ms =
                                                        cfg->timeout_ms},
                              err);
    if (!g->datasource || !g->http) {
        if (!g->datasource) ms_error_set(err, "out of memory");
        client_free(g);
        return NULL;
    }
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->wake, NULL);
    if (pthread_create(&g->thread, NULL, grafana_main, g) != 0) {
        ms_error_set(err, "cannot start the Grafana set-up thread");
        client_free(g);
        return NULL;
    }
    log_info("grafana", "setting up Grafana at %s in the background",
             cfg->url);
    return g;
}

void grafana_stop(grafana_client *g) {
    if (!g) return;
    pthread_mutex_lock(&g->lock);
    g->stopping = true;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->lock);
    pthread_join(g->thread, NULL);
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->wake);
    client_free(g);
}
