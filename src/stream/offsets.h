/*
 * offsets.h - at-least-once bookkeeping for the data topic: which consumed
 * records are finished (their result delivered, or the record counted as
 * rejected), and so which offset of each partition may be committed.
 *
 * Records of a partition can finish out of order (results are delivered
 * asynchronously); the committable offset only moves past a record once it
 * and every record before it in the partition have finished, so a crash
 * replays unfinished records instead of losing them.
 *
 * Thread-safe: workers begin records, the producer's delivery callbacks
 * finish them, the engine's main thread collects committable offsets.
 */
#ifndef MS_STREAM_OFFSETS_H
#define MS_STREAM_OFFSETS_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

typedef struct offset_tracker offset_tracker;

offset_tracker *offsets_new(void);
void offsets_free(offset_tracker *t);

/* A record at (partition, offset) was consumed; call before its result is
 * produced. Offsets of one partition must begin in increasing order.
 * Returns -1 when out of memory (the record is then not tracked). */
int offsets_begin(offset_tracker *t, int32_t partition, int64_t offset);

/* The record is finished. Unknown records (already forgotten after a
 * rebalance) are ignored. */
void offsets_done(offset_tracker *t, int32_t partition, int64_t offset);

/* Appends to list, for every partition whose committable offset moved since
 * the last call, (topic, partition, next offset to read). Returns how many
 * were added. */
int offsets_collect(offset_tracker *t, const char *topic,
                    rd_kafka_topic_partition_list_t *list);

/* Records begun but not finished, across partitions. */
uint64_t offsets_in_flight(offset_tracker *t);

/* Forgets every partition (after its offsets were committed on a revoke). */
void offsets_reset(offset_tracker *t);

/* Packs (partition, offset) into a pointer-sized opaque for a delivery
 * report, and back: partitions < 65535, offsets < 2^48 (all ones is
 * offsets_none()). */
void *offsets_pack(int32_t partition, int64_t offset);
/* The opaque of a message that finishes no record (partition -1). */
void *offsets_none(void);
void offsets_unpack(void *opaque, int32_t *partition, int64_t *offset);

#endif
