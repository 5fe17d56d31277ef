/*
 * health.c - GET /health/live (the HTTP threads answer),
 * GET /health/ready: 200 when the engine has applied the models already
 * published, consumes the data topic and reaches Kafka, and every data
 * type the store knows has a model or has had none published; 503 with the
 * reason otherwise (starting, stopping, no broker reachable, or a type
 * whose every model failed to load); and GET /health: the dependencies one
 * by one (Kafka reachability, checkpoint saves), for a person or a monitor
 * to see what is degraded while scoring goes on.
 */
#include <stdio.h>
#include <stdlib.h>

#include "http/http_internal.h"

int http_ready(http_server *h, char *why, size_t why_len) {
    if (!h->src.engine || !engine_running(h->src.engine)) {
        snprintf(why, why_len, "the engine is starting (reading the models "
                               "already published) or stopping");
        return 0;
    }
    engine_health eh;
    engine_health_get(h->src.engine, &eh);
    if (!eh.kafka.connected) {
        snprintf(why, why_len, "no Kafka broker reachable for %.0f s: records "
                               "wait in Kafka, none is lost",
                 eh.kafka.outage_ms / 1000.0);
        return 0;
    }
    size_t n;
    store_snapshot *snaps = http_snapshots(h, &n);
    if (!snaps) {
        snprintf(why, why_len, "out of memory");
        return 0;
    }
    int ready = 1;
    for (size_t i = 0; ready && i < n; i++)
        if (!snaps[i].has_model && snaps[i].loads > 0) {
            snprintf(why, why_len, "data type '%s' has had %zu model(s) "
                                   "published and none loaded",
                     snaps[i].data_type, snaps[i].loads);
            ready = 0;
        }
    free(snaps);
    return ready;
}

void http_handle_live(http_server *h, const http_request *rq, http_reply *out) {
    (void)h, (void)rq;
    reply_json(out, 200, json_pack("{s:s}", "status", "live"));
}

void http_handle_ready(http_server *h, const http_request *rq, http_reply *out) {
    (void)rq;
    char why[256];
    if (http_ready(h, why, sizeof why))
        reply_json(out, 200, json_pack("{s:s}", "status", "ready"));
    else
        reply_json(out, 503, json_pack("{s:s, s:s}", "status", "not ready",
                                       "reason", why));
}

void http_handle_health(http_server *h, const http_request *rq, http_reply *out) {
    (void)rq;
    char why[256] = "";
    int ready = http_ready(h, why, sizeof why);
    if (!h->src.engine) {
        reply_json(out, 200, json_pack("{s:s, s:b, s:s}", "status", "degraded",
                                       "ready", 0, "reason", why));
        return;
    }
    engine_health eh;
    engine_health_get(h->src.engine, &eh);
    const checkpoint_health *ck = &eh.checkpoint;
    json_t *doc = json_pack(
        "{s:s, s:b, s:{s:b, s:i, s:i, s:I, s:f}, "
        "s:{s:b, s:b, s:I, s:I, s:I, s:s}}",
        "status", eh.kafka.connected && !ck->failing ? "ok" : "degraded",
        "ready", ready,
        "kafka", "reachable", eh.kafka.connected, "brokersUp", eh.kafka.brokers_up,
        "brokersKnown", eh.kafka.brokers_known, "outages",
        (json_int_t)eh.kafka.outages, "outageSeconds", eh.kafka.outage_ms / 1000.0,
        "checkpoint", "enabled", ck->enabled, "ok", !ck->failing, "written",
        (json_int_t)ck->written, "failed", (json_int_t)ck->failed,
        "consecutiveFailures", (json_int_t)ck->failing, "lastError", ck->last_error);
    if (!ready) json_object_set_new(doc, "reason", json_string(why));
    reply_json(out, 200, doc);
}
