/*
 * state.c - the seed's queryable state: GET /stats (its Akka server) and
 * GET /state/instances, /state/instances/{storeName},
 * /state/{storeName}/value (its Kafka Streams server). The one store is
 * modelStore; any other name is 404. Instances come from discovery
 * (stream/discovery.h); this instance alone until it is attached.
 */
#include <string.h>

#include "http/http_internal.h"

json_t *http_stats_json(const store_snapshot *snap) {
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

/* The snapshot of ?dataType=T, or of the default data type; an unknown
 * type reads as no model (the seed's "None"). */
static void snapshot_asked(http_server *h, const http_request *rq,
                           store_snapshot *snap) {
    const char *type = http_query(rq, "dataType");
    if (!type) type = h->cfg.default_data_type;
    if (store_snapshot_of(h->src.store, type, snap) != 0) memset(snap, 0, sizeof *snap);
}

void http_handle_stats(http_server *h, const http_request *rq, http_reply *out) {
    store_snapshot snap;
    snapshot_asked(h, rq, &snap);
    reply_json(out, 200, http_stats_json(&snap));
}

json_t *http_instances(http_server *h, const char *store_name) {
    discovery *d = atomic_load(&h->discovery);
    if (d) return discovery_instances(d, store_name);
    return json_pack("[{s:s, s:i, s:[s]}]", "host", "localhost", "port",
                     h->port, "storeNames", HTTP_STORE_NAME);
}

void http_handle_instances(http_server *h, const http_request *rq, http_reply *out) {
    (void)rq;
    reply_json(out, 200, http_instances(h, NULL));
}

static int known_store(const http_request *rq, http_reply *out) {
    if (strcmp(rq->capture[0], HTTP_STORE_NAME) == 0) return 1;
    reply_error(out, 404, "no store '%s' (this server has one: '%s')",
                rq->capture[0], HTTP_STORE_NAME);
    return 0;
}

void http_handle_store_instances(http_server *h, const http_request *rq,
                                 http_reply *out) {
    if (known_store(rq, out)) reply_json(out, 200, http_instances(h, rq->capture[0]));
}

/* The seed's Kafka Streams store value: usage is called invocations. */
void http_handle_store_value(http_server *h, const http_request *rq,
                             http_reply *out) {
    if (!known_store(rq, out)) return;
    store_snapshot snap;
    snapshot_asked(h, rq, &snap);
    json_t *doc = http_stats_json(&snap);
    json_object_set(doc, "invocations", json_object_get(doc, "usage"));
    json_object_del(doc, "usage");
    json_object_del(doc, "modelType");
    reply_json(out, 200, doc);
}
