/*
 * engine.h - the streaming engines: consume records and model updates from
 * Kafka, score each record with the current model of its data type, and
 * publish a ServingResult per scored record.
 *
 * The `stage` engine (the seed's Akka Streams design) is one stage that owns
 * both inputs: a single thread waits on the data and the models queues at
 * once, so a model update takes effect between two records.
 *
 * Topics: the models topic is read in full by every instance (assigned, all
 * partitions, from the beginning, no group offsets), so every instance
 * serves every model; the data topic is read by one consumer group, so its
 * partitions spread across instances.
 */
#ifndef MS_STREAM_ENGINE_H
#define MS_STREAM_ENGINE_H

#include <signal.h>

#include "core/error.h"
#include "core/store.h"
#include "stream/location.h"
#include "telemetry/counters.h"

typedef struct engine_config {
    const char *brokers;
    const char *data_topic;      /* models_data */
    const char *models_topic;    /* models_models */
    const char *results_topic;   /* models_results; NULL or "" = no results */
    const char *group_id;        /* consumer group of the data topic */
    const char *client_id;
    const char *offset_reset;    /* "earliest" or "latest", data topic */
    const location_policy *locations; /* models by reference; borrowed */
} engine_config;

typedef struct engine engine;

/* Connects consumers and the producer. NULL with err filled on failure. The
 * store and counters are borrowed and must outlive the engine. */
engine *engine_new(const engine_config *cfg, store *s, counters *c,
                   ms_error *err);

/* Runs until *stop becomes non-zero, then finishes in-flight work: flushes
 * results and commits offsets. Returns 0 on a clean stop. */
int engine_run(engine *e, volatile sig_atomic_t *stop);

void engine_free(engine *e);

#endif
