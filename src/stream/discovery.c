/*
 * discovery.c - instance heartbeats over a compacted Kafka topic (see
 * discovery.h). One thread produces this instance's heartbeat and reads
 * everyone's; the table of live instances is behind a mutex that only this
 * thread and HTTP handlers take, never a scorer.
 */
#include "stream/discovery.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "stream/kafka.h"
#include "telemetry/log.h"

#define MAX_INSTANCES 256
#define MAX_PARTITIONS 1024
/* Heartbeats missed before an instance counts as gone. */
#define MISSED_BEATS 3

typedef struct instance {
    char id[160];
    json_t *doc;
    int64_t last_seen_ns;   /* monotonic */
    int64_t interval_ms;    /* its own heartbeat interval */
} instance;

struct discovery {
    discovery_config cfg;
    char *topic, *host, *engine_name, *store_name;
    char id[160];
    engine *engine;
    int64_t started_ms;
    rd_kafka_t *producer;
    rd_kafka_t *consumer;
    int assigned;               /* the topic's partitions are being read */
    pthread_t thread;
    atomic_int stop;
    pthread_mutex_t lock;       /* instances */
    instance instances[MAX_INSTANCES];
    int ninstances;
    int32_t sent_parts[MAX_PARTITIONS];
    int nsent_parts;            /* -1 before the first heartbeat */
};

static instance *find(discovery *d, const char *id) {
    for (int i = 0; i < d->ninstances; i++)
        if (strcmp(d->instances[i].id, id) == 0) return &d->instances[i];
    return NULL;
}

static void drop(discovery *d, instance *in, const char *why) {
    log_info("discovery", "instance %s left (%s)", in->id, why);
    json_decref(in->doc);
    *in = d->instances[--d->ninstances];
}

/* Takes ownership of doc. */
static void upsert(discovery *d, const char *id, json_t *doc, int64_t interval_ms) {
    pthread_mutex_lock(&d->lock);
    instance *in = find(d, id);
    if (!in && d->ninstances < MAX_INSTANCES) {
        in = &d->instances[d->ninstances++];
        memset(in, 0, sizeof *in);
        snprintf(in->id, sizeof in->id, "%s", id);
        if (strcmp(id, d->id) != 0) log_info("discovery", "instance %s joined", id);
    }
    if (in) {
        json_decref(in->doc);
        in->doc = doc;
        in->last_seen_ns = clock_mono_ns();
        in->interval_ms = interval_ms;
    } else {
        json_decref(doc);
    }
    pthread_mutex_unlock(&d->lock);
}

static void expire(discovery *d) {
    int64_t now = clock_mono_ns();
    pthread_mutex_lock(&d->lock);
    for (int i = d->ninstances - 1; i >= 0; i--) {
        instance *in = &d->instances[i];
        if (strcmp(in->id, d->id) != 0 &&
            now - in->last_seen_ns > MISSED_BEATS * in->interval_ms * 1000000)
            drop(d, in, "no heartbeat");
    }
    pthread_mutex_unlock(&d->lock);
}

static void beat(discovery *d, const int32_t *parts, int nparts) {
    json_t *plist = json_array();
    for (int i = 0; i < nparts; i++) json_array_append_new(plist, json_integer(parts[i]));
    json_t *doc = json_pack(
        "{s:s, s:s, s:i, s:[s], s:o, s:s, s:I, s:I, s:I}", "id", d->id, "host",
        d->host, "port", d->cfg.port, "storeNames", d->store_name, "partitions",
        plist, "engine", d->engine_name, "startedAt", (json_int_t)d->started_ms,
        "heartbeatAt", (json_int_t)clock_epoch_ms(), "intervalMs",
        (json_int_t)d->cfg.interval_ms);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (!text) {
        json_decref(doc);
        return;
    }
    rd_kafka_resp_err_t err = rd_kafka_producev(
        d->producer, RD_KAFKA_V_TOPIC(d->topic),
        RD_KAFKA_V_KEY(d->id, strlen(d->id)), RD_KAFKA_V_VALUE(text, strlen(text)),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err)
        log_warn("discovery", "cannot send a heartbeat to '%s': %s", d->topic,
                 rd_kafka_err2str(err));
    free(text);
    /* This instance knows itself without the round trip. */
    upsert(d, d->id, doc, d->cfg.interval_ms);
}

static void handle(discovery *d, rd_kafka_message_t *msg) {
    if (msg->err) {
        if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            log_warn("discovery", "'%s': %s", d->topic, rd_kafka_message_errstr(msg));
        return;
    }
    char id[160];
    if (!msg->key || msg->key_len == 0 || msg->key_len >= sizeof id) return;
    memcpy(id, msg->key, msg->key_len);
    id[msg->key_len] = 0;
    if (strcmp(id, d->id) == 0) return; /* our own, known already */
    if (!msg->payload) { /* tombstone: a clean stop */
        pthread_mutex_lock(&d->lock);
        instance *in = find(d, id);
        if (in) drop(d, in, "stopped");
        pthread_mutex_unlock(&d->lock);
        return;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(msg->payload, msg->len, 0, &jerr);
    json_int_t interval = json_integer_value(json_object_get(doc, "intervalMs"));
    if (!json_is_object(doc) || interval <= 0) {
        log_warn("discovery", "ignoring a heartbeat at %s[%d]@%lld that is not "
                              "ours: %s",
                 d->topic, (int)msg->partition, (long long)msg->offset,
                 doc ? "no intervalMs" : jerr.text);
        json_decref(doc);
        return;
    }
    /* Reading the topic's backlog: a heartbeat that old comes from an
     * instance that is gone (or whose clock is far off). */
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(msg, &tstype);
    if (ts > 0 && clock_epoch_ms() - ts > MISSED_BEATS * interval) {
        json_decref(doc);
        return;
    }
    upsert(d, id, doc, interval);
}

/* Reads every partition of the topic from the beginning once it exists. */
static void assign(discovery *d) {
    ms_error err;
    int n = kafka_topic_partitions(d->consumer, d->topic, 1000, &err);
    if (n < 0) {
        log_warn("discovery", "%s; other instances stay unknown until it "
                              "exists (create it compacted)", err.msg);
        return;
    }
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(n);
    for (int p = 0; p < n; p++)
        rd_kafka_topic_partition_list_add(list, d->topic, p)->offset =
            RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t aerr = rd_kafka_assign(d->consumer, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (aerr)
        log_warn("discovery", "cannot read '%s': %s", d->topic, rd_kafka_err2str(aerr));
    else
        d->assigned = 1;
}

static void *run(void *arg) {
    discovery *d = arg;
    int64_t next_beat = 0, next_assign = 0;
    while (!atomic_load(&d->stop)) {
        int64_t now = clock_mono_ns();
        int32_t parts[MAX_PARTITIONS];
        int nparts = d->engine ? engine_partitions(d->engine, parts, MAX_PARTITIONS) : 0;
        int changed = nparts != d->nsent_parts ||
                      memcmp(parts, d->sent_parts, (size_t)nparts * sizeof *parts) != 0;
        if (now >= next_beat || changed) {
            beat(d, parts, nparts);
            memcpy(d->sent_parts, parts, (size_t)nparts * sizeof *parts);
            d->nsent_parts = nparts;
            next_beat = now + d->cfg.interval_ms * 1000000;
        }
        if (!d->assigned && now >= next_assign) {
            assign(d);
            next_assign = now + d->cfg.interval_ms * 1000000;
        }
        rd_kafka_poll(d->producer, 0);
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(d->consumer, 100);
        if (msg) {
            handle(d, msg);
            rd_kafka_message_destroy(msg);
        }
        expire(d);
    }
    return NULL;
}

static int make_clients(discovery *d, ms_error *err) {
    rd_kafka_conf_t *pconf = kafka_conf_new(d->cfg.brokers, d->cfg.client_id);
    if (kafka_conf_set(pconf, "linger.ms", "0", err)) {
        rd_kafka_conf_destroy(pconf);
        return -1;
    }
    if (!(d->producer = kafka_new(RD_KAFKA_PRODUCER, pconf, err))) return -1;
    d->consumer = kafka_assign_consumer(d->cfg.brokers, d->cfg.client_id,
                                        "instances", 100, err);
    return d->consumer ? 0 : -1;
}

static void free_all(discovery *d) {
    if (d->consumer) kafka_consumer_destroy(d->consumer);
    if (d->producer) rd_kafka_destroy(d->producer);
    for (int i = 0; i < d->ninstances; i++) json_decref(d->instances[i].doc);
    pthread_mutex_destroy(&d->lock);
    free(d->topic);
    free(d->host);
    free(d->engine_name);
    free(d->store_name);
    free(d);
}

discovery *discovery_start(const discovery_config *cfg, engine *e, ms_error *err) {
    if (cfg->interval_ms < 10) {
        ms_error_set(err, "the heartbeat interval must be at least 10 ms");
        return NULL;
    }
    discovery *d = calloc(1, sizeof *d);
    if (!d) {
        ms_error_set(err, "out of memory");
        return NULL;
    }
    d->cfg = *cfg;
    d->topic = strdup(cfg->topic);
    d->host = strdup(cfg->host);
    d->engine_name = strdup(cfg->engine_name);
    d->store_name = strdup(cfg->store_name);
    d->engine = e;
    d->started_ms = clock_epoch_ms();
    d->nsent_parts = -1;
    snprintf(d->id, sizeof d->id, "%s:%d", cfg->host, cfg->port);
    pthread_mutex_init(&d->lock, NULL);
    if (!d->topic || !d->host || !d->engine_name || !d->store_name) {
        ms_error_set(err, "out of memory");
        free_all(d);
        return NULL;
    }
    if (make_clients(d, err) != 0) {
        free_all(d);
        return NULL;
    }
    if (pthread_create(&d->thread, NULL, run, d) != 0) {
        ms_error_set(err, "cannot start the discovery thread");
        free_all(d);
        return NULL;
    }
    log_info("discovery", "instance %s announces itself on '%s' every %lld ms",
             d->id, d->topic, (long long)cfg->interval_ms);
    return d;
}

static int holds_store(json_t *doc, const char *store_name) {
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(doc, "storeNames"), i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), store_name) == 0)
            return 1;
    }
    return 0;
}

static int cmp_id(const void *a, const void *b) {
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "id")),
                  json_string_value(json_object_get(*(json_t *const *)b, "id")));
}

json_t *discovery_instances(discovery *d, const char *store_name) {
    json_t *copies[MAX_INSTANCES] = {NULL};
    int n = 0;
    pthread_mutex_lock(&d->lock);
    for (int i = 0; i < d->ninstances; i++)
        if (!store_name || holds_store(d->instances[i].doc, store_name))
            if ((copies[n] = json_deep_copy(d->instances[i].doc))) n++;
    pthread_mutex_unlock(&d->lock);
    for (int i = 0; i < n; i++)
        if (!json_is_string(json_object_get(copies[i], "id")))
            json_object_set_new(copies[i], "id", json_string(""));
    qsort(copies, (size_t)n, sizeof(json_t *), cmp_id);
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(arr, copies[i]);
    return arr;
}

void discovery_stop(discovery *d) {
    if (!d) return;
    atomic_store(&d->stop, 1);
    pthread_join(d->thread, NULL);
    /* A tombstone: the others drop this instance now, not in 3 beats. */
    rd_kafka_resp_err_t err = rd_kafka_producev(
        d->producer, RD_KAFKA_V_TOPIC(d->topic),
        RD_KAFKA_V_KEY(d->id, strlen(d->id)), RD_KAFKA_V_VALUE(NULL, 0),
        RD_KAFKA_V_END);
    if (err || rd_kafka_flush(d->producer, 2000))
        log_warn("discovery", "could not announce the stop on '%s'; the others "
                              "drop this instance after %d missed heartbeats",
                 d->topic, MISSED_BEATS);
    kafka_consumer_close(d->consumer, 2000);
    free_all(d);
}
