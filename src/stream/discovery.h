/*
 * discovery.h - how instances of one application learn of each other over
 * Kafka, for /state/instances (the seed's Kafka Streams metadata).
 *
 * Every instance produces a small JSON heartbeat, keyed by its instance id
 * ("host:port"), to a compacted topic (models_instances) every interval
 * (2 s by default) and at once when its data partitions change:
 *
 *   {"id":"10.0.0.5:8888","host":"10.0.0.5","port":8888,
 *    "storeNames":["modelStore"],"partitions":[0,3],"engine":"store",
 *    "startedAt":1795589931807,"heartbeatAt":1795589933807,
 *    "intervalMs":2000}
 *
 * Every instance reads every partition of that topic from the beginning,
 * without a consumer group, and keeps the newest heartbeat of each id. A
 * heartbeat older than three of its intervals when read (a backlog of dead
 * instances) is ignored; an instance not heard from for three of its
 * intervals is dropped; a clean stop writes a tombstone (null value) for
 * its id, so the others drop it at once. Compaction keeps the topic at one
 * record per id.
 */
#ifndef MS_STREAM_DISCOVERY_H
#define MS_STREAM_DISCOVERY_H

#include <jansson.h>
#include <stdint.h>

#include "core/error.h"
#include "stream/engine.h"

typedef struct discovery_config {
    const char *brokers;
    const char *topic;          /* models_instances */
    int64_t interval_ms;        /* between heartbeats */
    const char *host;           /* advertised to the others */
    int port;
    const char *engine_name;
    const char *store_name;     /* modelStore */
    const char *client_id;
} discovery_config;

typedef struct discovery discovery;

/* Starts the heartbeat thread. The engine (borrowed, may be NULL) tells
 * the partitions this instance holds. NULL with err filled on failure. */
discovery *discovery_start(const discovery_config *cfg, engine *e,
                           ms_error *err);

/* The live instances, this one included, as a new JSON array of heartbeat
 * objects sorted by id (the caller owns it); only those holding store_name
 * when it is not NULL. */
json_t *discovery_instances(discovery *d, const char *store_name);

/* Writes the tombstone, stops the thread and frees everything. */
void discovery_stop(discovery *d);

#endif
