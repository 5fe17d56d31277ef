/*
 * engine_internal.h - what the engine's files share: the engine itself, the
 * per-thread scorer, and the hooks the store engine's workers plug into the
 * common rebalance handling. Not for use outside src/stream.
 *
 *   engine.c        set-up, model updates, rebalances, offsets, shutdown
 *   scorer.c        one record: decode, score, publish, track its offset
 *   engine_stage.c  the stage loop: one thread, both inputs
 *   engine_store.c  the store loop: model thread + scoring workers
 */
#ifndef MS_STREAM_ENGINE_INTERNAL_H
#define MS_STREAM_ENGINE_INTERNAL_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "stream/checkpoint.h"
#include "stream/engine.h"
#include "stream/offsets.h"
#include "telemetry/ratelimit.h"
#include "wire/wire.h"

/* Largest encoded ServingResult. */
#define RESULT_MAX_BYTES 65536

/* Results a scorer gathers before handing them to librdkafka in one call
 * (one lock of the producer's queue per batch instead of per result), and
 * the bytes they may take: room for two of the largest results. */
#define SCORER_BATCH 64
#define SCORER_ARENA_BYTES (2 * RESULT_MAX_BYTES)

/* The producer's local queue (queue.buffering.max.messages) unless the
 * user sets it. Scorers wait for room before queueing a batch, so a full
 * queue does not split one. */
#define PRODUCER_QUEUE_MAX 100000

typedef struct worker worker;

struct engine {
    engine_config cfg;
    store *store;
    counters *counters;
    rd_kafka_t *data_rk;
    rd_kafka_t *models_rk;
    rd_kafka_t *producer;
    rd_kafka_topic_t *results_rkt;  /* NULL when results are not published */
    /* A result goes to the results partition numbered as its record's
     * partition (modulo this count): a partition's results keep its order,
     * and a batch for one partition is queued under one lock. 0 while the
     * count is unknown: librdkafka's partitioner places them by key. */
    int results_partitions;
    size_t producer_queue_room;     /* scorers queue a batch below this */
    int models_partitions;
    int64_t *models_start;        /* per partition: first offset read; -1 = beginning */
    offset_tracker *offsets;
    checkpoint *checkpoint;
    broker_watch *watch;          /* reachability, from producer statistics */
    int64_t last_checkpoint_ms;   /* main thread only, like the next two */
    int64_t last_commit_ms;
    int uncommitted;              /* offsets stored since the last commit */
    atomic_int commit_failed;     /* the last commit must be sent again */
    int64_t last_txn_ms;          /* exactly-once: last transaction commit */
    uint64_t txn_committed;       /* exactly-once: main thread only */
    uint64_t txn_aborted;
    volatile int fatal;           /* the engine cannot go on: stop */
    atomic_int running;           /* caught up and consuming (readiness) */

    /* data partitions assigned now, for discovery, /metrics and health */
    pthread_mutex_t assigned_lock;
    int32_t *assigned;
    int nassigned;

    /* store engine: workers and the pause used around rebalances */
    worker *workers;
    int nworkers;
    pthread_mutex_t pause_lock;
    pthread_cond_t pause_cond;
    int paused;                   /* pause depth */
    int idle;
    int stopping;
};

/* One scoring thread's private state: buffers sized for the largest model
 * seen (grown only when a larger model arrives, never per record) and its
 * own log budget for rejects. */
typedef struct scorer {
    engine *engine;
    void *scratch;
    size_t scratch_cap;
    double *probs;
    size_t probs_cap;
    ratelimit reject_log;
    int64_t last_sample_ns;     /* last prediction put in the recent ring */
    /* A batch is one RCU read-side section, from its first record to
     * scorer_flush(), and its counts reach the shared counters then, once:
     * per record, two threads would pass those cache lines back and forth. */
    int reading;                /* inside store_read_lock() */
    served_tally tally;
    uint64_t received, scored;
    /* results encoded but not yet queued: pending[i].payload points into
     * arena, pending[i].key into the record's message */
    rd_kafka_message_t pending[SCORER_BATCH];
    size_t npending, arena_used;
    int32_t pending_partition;  /* the results partition they all go to */
    int64_t batch_epoch_ms;     /* the pending results' timestamp */
    /* the encoded parts of parts_of's results; valid within the batch's
     * read-side section only, where parts_of cannot be freed (and another
     * model at the same address cannot be mistaken for it) */
    const served_model *parts_of;
    const rd_kafka_topic_t *parts_topic;
    int parts_ok;
    wire_result_parts parts;
    uint8_t arena[SCORER_ARENA_BYTES];
} scorer;

void scorer_init(scorer *s, engine *e);
void scorer_free(scorer *s);
/* Handles one message of the data topic (or a consumer error). Its result
 * may wait in the scorer until scorer_flush(): msg must stay alive (not be
 * destroyed) until then. */
void scorer_handle(scorer *s, const rd_kafka_message_t *msg);
/* Queues the results gathered so far with the producer. Call after each
 * batch of records, before destroying their messages. */
void scorer_flush(scorer *s);

/* Applies one message of the models topic to the store. */
void engine_handle_model_message(engine *e, const rd_kafka_message_t *msg);

/* Hands librdkafka the offsets that became committable; returns how many
 * partitions moved. engine_tick() commits them. */
int engine_store_offsets(engine *e);

/* Periodic work of an engine's main thread: producer events (delivery
 * reports), committable offsets, checkpoint of statistics. */
void engine_tick(engine *e);

/* Exactly-once (transaction.c): start transactions; commit the current one
 * with the consumed offsets (workers paused) and begin the next; commit
 * when one is due. */
int engine_txn_init(engine *e, ms_error *err);
int engine_txn_commit(engine *e);
void engine_txn_tick(engine *e);

int engine_run_stage(engine *e, const volatile sig_atomic_t *stop);
int engine_run_store(engine *e, const volatile sig_atomic_t *stop);

/* Store engine hooks for rebalances (no-ops for the stage engine, whose
 * single thread is inside the consumer poll when a rebalance happens). */
void engine_workers_pause(engine *e);
void engine_workers_resume(engine *e);
void engine_workers_take(engine *e, rd_kafka_topic_partition_list_t *parts);

#endif
