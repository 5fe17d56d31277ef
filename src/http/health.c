/*
 * health.c - GET /health/live (the HTTP threads answer) and
 * GET /health/ready: 200 when the engine has applied the models already
 * published and consumes the data topic, and every data type the store
 * knows has a model or has had none published; 503 with the reason
 * otherwise (starting, stopping, or a type whose every model failed to
 * load).
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
