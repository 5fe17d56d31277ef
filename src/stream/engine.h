/*
 * engine.h - the streaming engines: consume records and model updates from
 * Kafka, score each record with the current model of its data type, and
 * publish a ServingResult per scored record, at least once.
 *
 * `stage` (the seed's Akka Streams design): one thread owns both inputs and
 * applies a model update between two records.
 *
 * `store` (the seed's Kafka Streams design): a model thread and scoring
 * workers run independently and meet only in the model store. Each worker
 * owns a queue to which librdkafka forwards the records of the partitions
 * given to it, so records of one partition stay in order and partitions are
 * scored in parallel (as Kafka Streams runs a task per partition).
 *
 * In both, the models topic is read in full by every instance (assigned, all
 * partitions, no group offsets), and the data topic by one consumer group.
 * An offset of the data topic is committed only after the record's result
 * was delivered or the record was counted as rejected; on a rebalance the
 * engine finishes and commits what it has before giving partitions up.
 */
#ifndef MS_STREAM_ENGINE_H
#define MS_STREAM_ENGINE_H

#include <signal.h>

#include "core/error.h"
#include "core/store.h"
#include "stream/broker_watch.h"
#include "stream/checkpoint.h"
#include "stream/location.h"
#include "telemetry/counters.h"
#include "telemetry/influx.h"

typedef enum engine_kind { ENGINE_STAGE, ENGINE_STORE } engine_kind;

/* "stage" or "store" */
const char *engine_kind_name(engine_kind kind);
int engine_kind_parse(const char *name, engine_kind *kind);

typedef struct engine_config {
    engine_kind kind;
    int threads;                 /* store engine: scoring workers */
    const char *brokers;
    const char *data_topic;      /* models_data */
    const char *models_topic;    /* models_models */
    const char *results_topic;   /* models_results; NULL or "" = no results */
    const char *group_id;        /* consumer group of the data topic */
    const char *client_id;
    const char *offset_reset;    /* "earliest" or "latest", data topic */
    const char *state_dir;       /* checkpoints; NULL or "" = none */
    const char *changelog_topic; /* the store's changelog; NULL or "" = none */
    const char *dead_letter_topic; /* rejected records; NULL or "" = none */
    const char *transactional_id;  /* exactly-once when set: results and
                                      offsets commit in Kafka transactions */
    const location_policy *locations; /* models by reference; borrowed */
    influx_writer *influx;       /* a point per scored record; NULL = none;
                                    borrowed */
} engine_config;

typedef struct engine engine;

/* Connects consumers and the producer and restores the model store from the
 * checkpoint (state directory, else changelog topic). NULL with err filled
 * on failure. The store and counters are borrowed and must outlive it. */
engine *engine_new(const engine_config *cfg, store *s, counters *c,
                   ms_error *err);

/* Applies the models already on the models topic, then runs until *stop
 * becomes non-zero; then finishes in-flight records, delivers their results,
 * commits, checkpoints. Returns 0 on a clean stop. */
int engine_run(engine *e, const volatile sig_atomic_t *stop);

void engine_free(engine *e);

/* 1 once the engine has applied the models already on the models topic
 * and consumes the data topic; 0 before and while it stops. Any thread. */
int engine_running(const engine *e);

/* The data-topic partitions assigned to this instance now, rising, at
 * most max; returns how many. Any thread. */
int engine_partitions(engine *e, int32_t *out, int max);

/* What /health and /metrics say about the engine's dependencies: Kafka
 * reachability and the state directory's saves. Any thread. */
typedef struct engine_health {
    broker_watch_status kafka;
    checkpoint_health checkpoint;
} engine_health;
void engine_health_get(engine *e, engine_health *out);

/* Consumer lag of one assigned partition: the high watermark librdkafka
 * last saw from the broker minus this consumer's position (both local,
 * no broker round trip); -1 when one of them is not known yet. */
typedef struct engine_lag {
    int32_t partition;
    int64_t position;
    int64_t high_watermark;
    int64_t lag;
} engine_lag;

/* Lag of every assigned partition, at most max; how many. Any thread,
 * off the scoring path. */
int engine_partition_lag(engine *e, engine_lag *out, int max);

#endif
