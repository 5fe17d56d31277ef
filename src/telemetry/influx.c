/* influx.c - the InfluxDB writer's thread: database set-up, batching,
 * down/up tracking and back-off (see influx.h). */
#include "telemetry/influx.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "core/stats.h"
#include "telemetry/http_client.h"
#include "telemetry/influx_line.h"
#include "telemetry/influx_queue.h"
#include "telemetry/log.h"
#include "telemetry/ratelimit.h"

#define MS_NS INT64_C(1000000)
#define BACKOFF_MIN_NS (250 * MS_NS)
#define BACKOFF_MAX_NS (10000 * MS_NS)
#define DROP_LOG_EVERY_NS (10000 * MS_NS)
/* Longest idle sleep: how late a point may be noticed. */
#define POLL_NS (5 * MS_NS)

/* The seed's names and policy. */
#define DATABASE "serving"
#define POLICY "default"
#define POLICY_DURATION "24h0m0s"   /* as SHOW RETENTION POLICIES says 1d */

struct influx_writer {
    influx_config cfg;
    char engine[INFLUX_ENGINE_MAX];
    counters *counters;
    influx_queue *queue;
    http_client *http;
    pthread_t thread;
    atomic_bool stopping;

    /* writer thread only */
    influx_point *batch;
    size_t nbatch;
    int64_t batch_start_ns;    /* when the batch's first point was taken */
    int64_t last_time_ns;      /* timestamp of the last point taken */
    char *body;                /* batch_size lines */
    bool ready;                /* database and policy exist */
    bool down;
    int64_t down_since_ns;
    uint64_t dropped_at_down;  /* drops counted when it went down */
    int64_t backoff_ns;
    int64_t next_try_ns;       /* while down: no request before this */
    uint64_t overflow_logged;  /* overflow count at the last drop line */
    int64_t overflow_log_ns;
    ratelimit refused_log;     /* 4xx answers: our points, not InfluxDB */
};

static uint64_t dropped(const influx_writer *w) {
    return counter_get(&w->counters->influx_points_overflow) +
           counter_get(&w->counters->influx_points_failed);
}

static void add(atomic_uint_fast64_t *c, uint64_t n) {
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* ---- scoring side ---- */

static void copy_tag(char *dst, size_t cap, const char *src) {
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void influx_record(influx_writer *w, const char *data_type,
                   const char *model_name, double calculated,
                   int64_t duration_ns) {
    influx_point p;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    copy_tag(p.data_type, sizeof p.data_type, data_type);
    copy_tag(p.model, sizeof p.model, model_name);
    p.calculated = calculated;
    p.duration_ns = duration_ns;
    p.time_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    if (influx_queue_push(w->queue, &p) != 0)
        counter_inc(&w->counters->influx_points_overflow);
}

/* ---- state changes ---- */

static void went_down(influx_writer *w, const char *why) {
    int64_t now = clock_mono_ns();
    w->next_try_ns = now + w->backoff_ns;
    w->backoff_ns = w->backoff_ns * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS
                                                       : w->backoff_ns * 2;
    if (w->down) return;
    w->down = true;
    w->down_since_ns = now;
    w->dropped_at_down = dropped(w);
    log_error("influx", "InfluxDB at %s is down: %s; points are dropped "
                        "(and counted) until it answers; retrying with "
                        "back-off up to 10 s. Check that InfluxDB runs and "
                        "that influxdb.host/port are right",
              w->cfg.url, why);
}

static void came_up(influx_writer *w) {
    w->backoff_ns = BACKOFF_MIN_NS;
    w->next_try_ns = 0;
    if (!w->down) return;
    w->down = false;
    log_info("influx", "InfluxDB at %s is back after %.1f s; %llu point(s) "
                       "dropped meanwhile",
             w->cfg.url, (double)(clock_mono_ns() - w->down_since_ns) / 1e9,
             (unsigned long long)(dropped(w) - w->dropped_at_down));
}

/* ---- /query ---- */

/* Runs one InfluxQL statement; on success *answer is the parsed JSON of
 * its result (caller frees). -1 with err when InfluxDB did not answer
 * (*no_answer set), or answered with an error. */
static int query(influx_writer *w, const char *q, json_t **answer,
                 bool *no_answer, ms_error *err) {
    *no_answer = false;
    char *escaped = curl_easy_escape(NULL, q, 0);
    if (!escaped) return ms_error_set(err, "out of memory");
    size_t n = strlen(escaped) + 3;
    char *form = malloc(n);
    if (!form) {
        curl_free(escaped);
        return ms_error_set(err, "out of memory");
    }
    snprintf(form, n, "q=%s", escaped);
    curl_free(escaped);
    long status;
    int rc = http_client_send(w->http, "POST", "/query",
                              "application/x-www-form-urlencoded", form,
                              strlen(form), &status, err);
    free(form);
    if (rc) {
        *no_answer = true;
        return -1;
    }
    json_error_t jerr;
    json_t *doc = json_loads(http_client_body(w->http), 0, &jerr);
    json_t *result = json_array_get(json_object_get(doc, "results"), 0);
    const char *error = json_string_value(json_object_get(doc, "error"));
    if (!error) error = json_string_value(json_object_get(result, "error"));
    if (status != 200 || !result || error) {
        ms_error_set(err, "'%s' failed (HTTP %ld): %s", q, status,
                     error ? error : "no result in the answer");
        if (status >= 500) *no_answer = true;
        json_decref(doc);
        return -1;
    }
    *answer = json_incref(result);
    json_decref(doc);
    return 0;
}

/* The row of SHOW RETENTION POLICIES naming POLICY, as (duration, default);
 * returns 0 when found. */
static int find_policy(json_t *result, const char **duration,
                       bool *is_default) {
    json_t *series = json_array_get(json_object_get(result, "series"), 0);
    json_t *columns = json_object_get(series, "columns");
    int name_col = -1, dur_col = -1, def_col = -1;
    for (size_t i = 0; i < json_array_size(columns); i++) {
        const char *c = json_string_value(json_array_get(columns, i));
        if (!c) continue;
        if (!strcmp(c, "name")) name_col = (int)i;
        if (!strcmp(c, "duration")) dur_col = (int)i;
        if (!strcmp(c, "default")) def_col = (int)i;
    }
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(series, "values"), i, row) {
        const char *name = json_string_value(json_array_get(row, name_col));
        if (name && !strcmp(name, POLICY)) {
            *duration = json_string_value(json_array_get(row, dur_col));
            *is_default = json_is_true(json_array_get(row, def_col));
            if (!*duration) *duration = "?";
            return 0;
        }
    }
    return -1;
}

/* Creates the database and the policy when missing. A policy of that name
 * that differs is left as the operator made it, with a warning. */
static int ensure_schema(influx_writer *w, bool *no_answer, ms_error *err) {
    json_t *r = NULL;
    /* CREATE DATABASE does nothing when it exists. */
    if (query(w, "CREATE DATABASE \"" DATABASE "\"", &r, no_answer, err))
        return -1;
    json_decref(r);
    if (query(w, "SHOW RETENTION POLICIES ON \"" DATABASE "\"", &r,
              no_answer, err))
        return -1;
    const char *duration;
    bool is_default;
    if (find_policy(r, &duration, &is_default) == 0) {
        if (strcmp(duration, POLICY_DURATION) != 0 || !is_default)
            log_warn("influx", "retention policy '" POLICY "' on '" DATABASE
                               "' exists with duration %s%s; left as it is "
                               "(drop it to have the seed's 1 day, default)",
                     duration, is_default ? "" : ", not the default");
        json_decref(r);
        return 0;
    }
    json_decref(r);
    /* "default" is an InfluxQL keyword: quoted. */
    if (query(w, "CREATE RETENTION POLICY \"" POLICY "\" ON \"" DATABASE
                 "\" DURATION 1d REPLICATION 1 SHARD DURATION 30m DEFAULT",
              &r, no_answer, err))
        return -1;
    json_decref(r);
    log_info("influx", "created retention policy '" POLICY "' on '" DATABASE
                       "' at %s (1 day, shard groups of 30 minutes, default)",
             w->cfg.url);
    return 0;
}

/* ---- /write ---- */

/* Sends the batch; counts its points as written or failed. */
static void send_batch(influx_writer *w) {
    size_t len = 0;
    for (size_t i = 0; i < w->nbatch; i++)
        len += influx_line_encode(&w->batch[i], w->engine, w->body + len,
                                  INFLUX_LINE_MAX);
    long status;
    ms_error err;
    int rc = http_client_send(w->http, "POST",
                              "/write?db=" DATABASE "&rp=" POLICY,
                              "text/plain; charset=utf-8", w->body, len,
                              &status, &err);
    if (rc == 0 && status == 204) {
        add(&w->counters->influx_points_written, w->nbatch);
        came_up(w);
        return;
    }
    add(&w->counters->influx_points_failed, w->nbatch);
    counter_inc(&w->counters->influx_writes_failed);
    if (rc != 0 || status >= 500) {
        if (rc == 0)
            snprintf(err.msg, sizeof err.msg, "/write answered HTTP %ld: %.200s",
                     status, http_client_body(w->http));
        went_down(w, err.msg);
        return;
    }
    came_up(w); /* it answered: up, but refused these points */
    if (status == 404) w->ready = false; /* database dropped: create again */
    uint64_t suppressed;
    if (ratelimit_allow(&w->refused_log, &suppressed))
        log_error("influx", "InfluxDB at %s refused %zu point(s) (HTTP %ld): "
                            "%.300s",
                  w->cfg.url, w->nbatch, status, http_client_body(w->http));
}

/* Writes the batch, or drops it while InfluxDB is down and the next try is
 * not due. */
static void flush(influx_writer *w) {
    if (w->nbatch == 0) return;
    if (w->ready && (!w->down || clock_mono_ns() >= w->next_try_ns))
        send_batch(w);
    else
        add(&w->counters->influx_points_failed, w->nbatch);
    w->nbatch = 0;
}

static void try_setup(influx_writer *w) {
    if (w->ready || (w->down && clock_mono_ns() < w->next_try_ns)) return;
    ms_error err;
    bool no_answer;
    if (ensure_schema(w, &no_answer, &err) == 0) {
        w->ready = true;
        log_info("influx", "writing points to %s/write?db=" DATABASE
                           "&rp=" POLICY " (batches of %zu, every %lld ms "
                           "at most)",
                 w->cfg.url, w->cfg.batch_size,
                 (long long)(w->cfg.batch_interval_ns / MS_NS));
        came_up(w);
    } else {
        went_down(w, err.msg);
    }
}

static void log_overflow(influx_writer *w) {
    uint64_t n = counter_get(&w->counters->influx_points_overflow);
    int64_t now = clock_mono_ns();
    if (n == w->overflow_logged || now - w->overflow_log_ns < DROP_LOG_EVERY_NS)
        return;
    log_warn("influx", "%llu point(s) dropped since the last report: the "
                       "queue of %zu was full (InfluxDB at %s is %s); raise "
                       "influxdb.queue_size or influxdb.batch_size if "
                       "InfluxDB keeps up on average",
             (unsigned long long)(n - w->overflow_logged),
             influx_queue_capacity(w->queue), w->cfg.url,
             w->down ? "down" : "slower than scoring");
    w->overflow_logged = n;
    w->overflow_log_ns = now;
}

static void sleep_ns(int64_t ns) {
    struct timespec ts = {.tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000};
    nanosleep(&ts, NULL);
}

/* Takes a queued point into the batch. InfluxDB keeps one point per series
 * and timestamp, and the points of one model are one series: two scoring
 * threads that read the same nanosecond would lose one (seen with the
 * store engine's workers). Each point is given a time after the last one
 * taken, a nanosecond later at most. */
static bool take_point(influx_writer *w) {
    influx_point *p = &w->batch[w->nbatch];
    if (influx_queue_pop(w->queue, p) != 0) return false;
    if (p->time_ns <= w->last_time_ns) p->time_ns = w->last_time_ns + 1;
    w->last_time_ns = p->time_ns;
    return true;
}

static void *writer_main(void *arg) {
    influx_writer *w = arg;
    while (!atomic_load(&w->stopping)) {
        try_setup(w);
        log_overflow(w);
        while (w->nbatch < w->cfg.batch_size && take_point(w))
            if (w->nbatch++ == 0) w->batch_start_ns = clock_mono_ns();
        int64_t waited = clock_mono_ns() - w->batch_start_ns;
        if (w->nbatch == w->cfg.batch_size ||
            (w->nbatch > 0 && waited >= w->cfg.batch_interval_ns)) {
            flush(w);
            continue;
        }
        int64_t left = w->nbatch ? w->cfg.batch_interval_ns - waited : POLL_NS;
        sleep_ns(left < POLL_NS ? left : POLL_NS);
    }
    /* Stopping: what is queued gets one chance. */
    for (;;) {
        while (w->nbatch < w->cfg.batch_size && take_point(w)) w->nbatch++;
        if (w->nbatch == 0) break;
        flush(w);
        if (w->down) w->next_try_ns = INT64_MAX; /* drop the rest */
    }
    return NULL;
}

/* ---- start and stop ---- */

static void writer_free(influx_writer *w) {
    influx_queue_free(w->queue);
    http_client_free(w->http);
    free(w->batch);
    free(w->body);
    free(w);
}

influx_writer *influx_start(const influx_config *cfg, counters *c,
                            ms_error *err) {
    if (cfg->batch_size < 1 || cfg->batch_size > 1000000 ||
        cfg->queue_capacity < cfg->batch_size) {
        ms_error_set(err, "InfluxDB batches must hold 1..1000000 points and "
                          "the queue at least one batch (batch %zu, queue "
                          "%zu)", cfg->batch_size, cfg->queue_capacity);
        return NULL;
    }
    influx_writer *w = calloc(1, sizeof *w);
    if (!w) {
        ms_error_set(err, "out of memory");
        return NULL;
    }
    w->cfg = *cfg;
    copy_tag(w->engine, sizeof w->engine, cfg->engine ? cfg->engine : "");
    w->counters = c;
    w->backoff_ns = BACKOFF_MIN_NS;
    w->refused_log = (ratelimit)RATELIMIT_INIT(1);
    w->queue = influx_queue_new(cfg->queue_capacity);
    w->batch = calloc(cfg->batch_size, sizeof *w->batch);
    w->body = malloc(cfg->batch_size * INFLUX_LINE_MAX);
    if (!w->queue || !w->batch || !w->body) {
        writer_free(w);
        ms_error_set(err, "out of memory for the InfluxDB queue (%zu points)",
                     cfg->queue_capacity);
        return NULL;
    }
    w->http = http_client_new(&(http_client_config){.base_url = cfg->url,
                                                    .user = cfg->user,
                                                    .password = cfg->password,
                                                    .timeout_ms =
                                                        cfg->timeout_ms},
                              err);
    if (!w->http) {
        writer_free(w);
        return NULL;
    }
    w->cfg.url = http_client_url(w->http); /* our copy */
    w->cfg.engine = w->engine;
    w->cfg.user = w->cfg.password = NULL;  /* not ours to keep */
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        writer_free(w);
        ms_error_set(err, "cannot start the InfluxDB writer thread");
        return NULL;
    }
    log_info("influx", "reporting to InfluxDB at %s (engine tag '%s', queue "
                       "of %zu points)",
             w->cfg.url, w->engine, influx_queue_capacity(w->queue));
    return w;
}

void influx_stop(influx_writer *w) {
    if (!w) return;
    atomic_store(&w->stopping, true);
    pthread_join(w->thread, NULL);
    counters *c = w->counters;
    log_info("influx", "stopped: %llu point(s) written, %llu dropped (queue "
                       "full), %llu dropped (write failed or InfluxDB down)",
             (unsigned long long)counter_get(&c->influx_points_written),
             (unsigned long long)counter_get(&c->influx_points_overflow),
             (unsigned long long)counter_get(&c->influx_points_failed));
    writer_free(w);
}
