/*
 * broker_watch.c - Kafka reachability from librdkafka's statistics (see
 * broker_watch.h).
 *
 * A report lists every broker the client knows ("brokers": {name: {"nodeid",
 * "nodename", "state"}}); a broker counts as reachable in state UP or UPDATE.
 * Bootstrap entries (nodeid -1) stand for the configured addresses: they
 * count for "is anything reachable" but get no line of their own, since the
 * same broker also appears under its node id. A broker is said lost only
 * once it has been seen up: a client connects only to the brokers it needs,
 * so one it never connected to is not lost. Per-broker lines are left out
 * when every broker goes at once: that is one event, the outage, and it gets
 * one line.
 */
#include "stream/broker_watch.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "telemetry/log.h"

/* Brokers followed one by one; more are still counted. */
#define WATCHED_MAX 64

typedef struct watched {
    int32_t nodeid;
    int up;       /* connected at the last report */
    int seen_up;  /* connected at some report */
} watched;

struct broker_watch {
    char *bootstrap;
    pthread_mutex_t lock;    /* the report thread writes, HTTP reads */
    watched brokers[WATCHED_MAX];
    int nbrokers;
    int connected;
    int brokers_up, brokers_known;
    uint64_t outages;
    int64_t down_since_ms;
};

broker_watch *broker_watch_new(const char *bootstrap) {
    broker_watch *w = calloc(1, sizeof *w);
    if (!w || !(w->bootstrap = strdup(bootstrap ? bootstrap : ""))) {
        free(w);
        return NULL;
    }
    pthread_mutex_init(&w->lock, NULL);
    w->connected = 1; /* the engine connected before the first report */
    return w;
}

void broker_watch_free(broker_watch *w) {
    if (!w) return;
    pthread_mutex_destroy(&w->lock);
    free(w->bootstrap);
    free(w);
}

static int state_is_up(const char *state) {
    return state && (strcmp(state, "UP") == 0 || strcmp(state, "UPDATE") == 0);
}

static watched *find(broker_watch *w, int32_t nodeid) {
    for (int i = 0; i < w->nbrokers; i++)
        if (w->brokers[i].nodeid == nodeid) return &w->brokers[i];
    if (w->nbrokers == WATCHED_MAX) return NULL;
    /* First seen: not up yet. A client connects only to the brokers it
     * needs (librdkafka's sparse connections), so a broker it never
     * connected to is not one it lost. */
    w->brokers[w->nbrokers] = (watched){.nodeid = nodeid, .up = 0};
    return &w->brokers[w->nbrokers++];
}

void broker_watch_stats(broker_watch *w, const char *json, size_t len,
                        int64_t now_ms) {
    json_t *doc = json_loadb(json, len, 0, NULL);
    json_t *brokers = json_object_get(doc, "brokers");
    if (!json_is_object(brokers)) {
        json_decref(doc);
        return;
    }
    /* Reachable brokers and changes of node brokers in this report. */
    int up = 0, known = 0, nchanged = 0;
    struct { int32_t nodeid; int up; const char *name; } changed[WATCHED_MAX];
    pthread_mutex_lock(&w->lock);
    const char *key;
    json_t *b;
    json_object_foreach(brokers, key, b) {
        int is_up = state_is_up(json_string_value(json_object_get(b, "state")));
        up += is_up;
        json_int_t nodeid = json_integer_value(json_object_get(b, "nodeid"));
        if (nodeid < 0) continue;
        known++;
        watched *wb = find(w, (int32_t)nodeid);
        /* Changes of a broker seen up before: lost, or back after that. */
        if (wb && wb->up != is_up && (wb->up || wb->seen_up) &&
            nchanged < WATCHED_MAX) {
            const char *name = json_string_value(json_object_get(b, "nodename"));
            changed[nchanged].nodeid = (int32_t)nodeid;
            changed[nchanged].up = is_up;
            changed[nchanged++].name = name ? name : key;
        }
        if (wb) {
            wb->up = is_up;
            wb->seen_up |= is_up;
        }
    }
    int was_connected = w->connected;
    w->connected = up > 0;
    w->brokers_up = up;
    w->brokers_known = known;
    if (was_connected && !w->connected) {
        w->outages++;
        w->down_since_ms = now_ms;
    }
    int64_t outage_ms = now_ms - w->down_since_ms;
    pthread_mutex_unlock(&w->lock);

    if (was_connected && !up) {
        log_error("kafka", "no Kafka broker is reachable (%d known, bootstrap "
                           "%s): scoring waits and records stay in Kafka, "
                           "none is lost; check that the brokers are running "
                           "and reachable from here",
                  known, w->bootstrap);
    } else if (!was_connected && up) {
        log_info("kafka", "Kafka reachable again after %.1f s without any "
                          "broker (%d of %d up): catching up on the records "
                          "that waited",
                 outage_ms / 1000.0, up, known);
    } else if (up) {
        for (int i = 0; i < nchanged; i++) {
            if (changed[i].up)
                log_info("kafka", "broker %d (%s) is reachable again",
                         (int)changed[i].nodeid, changed[i].name);
            else
                log_warn("kafka", "broker %d (%s) is unreachable: the "
                                  "partitions it leads wait until it is back "
                                  "or another broker leads them; check that "
                                  "broker",
                         (int)changed[i].nodeid, changed[i].name);
        }
    }
    json_decref(doc);
}

void broker_watch_status_get(broker_watch *w, int64_t now_ms,
                             broker_watch_status *out) {
    pthread_mutex_lock(&w->lock);
    out->connected = w->connected;
    out->brokers_up = w->brokers_up;
    out->brokers_known = w->brokers_known;
    out->outages = w->outages;
    out->outage_ms = w->connected ? 0 : now_ms - w->down_since_ms;
    pthread_mutex_unlock(&w->lock);
}
