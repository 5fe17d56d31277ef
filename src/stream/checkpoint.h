/*
 * checkpoint.h - the model store survives restarts.
 *
 * Two places keep it, as Kafka Streams keeps a state store:
 *  - a state directory on local disk: store.checkpoint, with the model
 *    message of every data type, its serving statistics and how far the
 *    models topic was read, and store.checkpoint.prev, the one before.
 *    Written atomically (temporary file, fsync, rotate, rename, fsync of the
 *    directory: checkpoint.c says why that is crash-safe) after every model
 *    swap and, when the statistics moved, every few seconds; a torn or
 *    foreign file is detected and never half-applied, and the previous
 *    generation is restored instead;
 *  - a changelog topic (compact it: key = data type), written at every model
 *    swap, from which an instance on another machine, with no state
 *    directory, restores the same models.
 * A restarted instance restores before it scores anything, then reads the
 * models topic from where the checkpoint left it.
 */
#ifndef MS_STREAM_CHECKPOINT_H
#define MS_STREAM_CHECKPOINT_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/store.h"
#include "stream/location.h"

typedef struct checkpoint checkpoint;

/* state_dir and changelog_topic may each be NULL or "" (that place is not
 * used). The producer is borrowed for changelog writes. */
checkpoint *checkpoint_open(const char *state_dir, const char *changelog_topic,
                            rd_kafka_t *producer, ms_error *err);
void checkpoint_free(checkpoint *c);

/* Restores the store from the state directory, or else from the changelog
 * topic (read to its end through a consumer on brokers); models by
 * reference are fetched again under policy. models_next[p]
 * receives the offset of the models topic's partition p to read from next
 * (-1 where unknown, meaning from the beginning). Returns how many models
 * were restored, or -1 with err filled (a restore that failed leaves the
 * store empty and is logged; the caller may go on without it). */
int checkpoint_restore(checkpoint *c, store *s, const char *brokers,
                       const location_policy *policy, int64_t *models_next,
                       int nparts, ms_error *err);

/* Notes that the models topic's partition was read up to next (exclusive). */
void checkpoint_models_read(checkpoint *c, int32_t partition, int64_t next);

/* A model was swapped in for data_type from this message: write the
 * changelog, and the state directory. */
void checkpoint_model_swapped(checkpoint *c, store *s, const char *data_type,
                              const void *message, size_t len);

/* Writes the state directory if anything changed since the last write
 * (statistics move with every record; call it every few seconds). A failed
 * save is counted and logged here (once until saves work again), and
 * retried at the next call. */
int checkpoint_save(checkpoint *c, store *s, ms_error *err);

/* What the saves did, for /metrics and /health. */
typedef struct checkpoint_health {
    int enabled;            /* a state directory is used */
    uint64_t written;       /* saves that reached the disk */
    uint64_t failed;        /* saves that did not (disk full, I/O error) */
    uint64_t failing;       /* consecutive failed saves until now; 0 = fine */
    char last_error[MS_ERROR_MAX];   /* the last failure's reason, "" if none */
} checkpoint_health;

/* Any thread; never waits for a save in progress. */
void checkpoint_status(checkpoint *c, checkpoint_health *out);

#endif
