/*
 * transaction.c - exactly-once processing (--exactly-once): results, dead
 * letters, changelog writes and the consumed offsets of the data topic are
 * committed in one Kafka transaction, so a crash or a rebalance can neither
 * lose a record nor leave a result visible (to read_committed readers)
 * whose record will be scored again.
 *
 * A transaction is committed every TXN_INTERVAL_MS from the engine's main
 * thread, on a revoke, and at shutdown. Scorers are paused meanwhile (a
 * produce during a commit would belong to no transaction), so the consumed
 * positions are exactly the records whose output is in the transaction.
 * An aborted transaction rewinds the consumer to the last committed offsets:
 * those records are scored again into the next transaction.
 */
#include <string.h>

#include "core/stats.h"
#include "stream/engine_internal.h"
#include "telemetry/log.h"

#define TXN_INTERVAL_MS 200
#define TXN_TIMEOUT_MS 30000

int engine_txn_init(engine *e, ms_error *err) {
    rd_kafka_error_t *error = rd_kafka_init_transactions(e->producer, TXN_TIMEOUT_MS);
    if (!error) error = rd_kafka_begin_transaction(e->producer);
    if (error) {
        ms_error_set(err, "cannot start a Kafka transaction: %s (does the "
                          "cluster support transactions?)",
                     rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        return -1;
    }
    e->last_txn_ms = clock_mono_ns() / 1000000;
    return 0;
}

/* The consumed position of every assigned partition (valid ones only). */
static rd_kafka_topic_partition_list_t *consumed_positions(engine *e) {
    rd_kafka_topic_partition_list_t *assigned = NULL;
    if (rd_kafka_assignment(e->data_rk, &assigned) || !assigned) return NULL;
    rd_kafka_position(e->data_rk, assigned);
    rd_kafka_topic_partition_list_t *valid =
        rd_kafka_topic_partition_list_new(assigned->cnt ? assigned->cnt : 1);
    for (int i = 0; i < assigned->cnt; i++)
        if (assigned->elems[i].offset >= 0)
            rd_kafka_topic_partition_list_add(valid, assigned->elems[i].topic,
                                              assigned->elems[i].partition)
                ->offset = assigned->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(assigned);
    return valid;
}

/* After an abort: read again from the last committed offsets. */
static void rewind_to_committed(engine *e) {
    rd_kafka_topic_partition_list_t *assigned = NULL;
    if (rd_kafka_assignment(e->data_rk, &assigned) || !assigned) return;
    if (assigned->cnt && rd_kafka_committed(e->data_rk, assigned, 10000) == 0) {
        for (int i = 0; i < assigned->cnt; i++)
            if (assigned->elems[i].offset < 0)
                assigned->elems[i].offset = RD_KAFKA_OFFSET_STORED;
        rd_kafka_error_t *error = rd_kafka_seek_partitions(e->data_rk, assigned, 10000);
        if (error) {
            log_error("engine", "rewinding after an aborted transaction: %s",
                      rd_kafka_error_string(error));
            rd_kafka_error_destroy(error);
        }
    }
    rd_kafka_topic_partition_list_destroy(assigned);
}

int engine_txn_commit(engine *e) {
    engine_workers_pause(e);
    rd_kafka_error_t *error = NULL;
    rd_kafka_topic_partition_list_t *pos = consumed_positions(e);
    if (pos && pos->cnt) {
        rd_kafka_consumer_group_metadata_t *cgmd =
            rd_kafka_consumer_group_metadata(e->data_rk);
        error = rd_kafka_send_offsets_to_transaction(e->producer, pos, cgmd,
                                                     TXN_TIMEOUT_MS);
        rd_kafka_consumer_group_metadata_destroy(cgmd);
    }
    if (pos) rd_kafka_topic_partition_list_destroy(pos);
    if (!error) error = rd_kafka_commit_transaction(e->producer, TXN_TIMEOUT_MS);
    int rc = 0;
    if (!error) e->txn_committed++;
    if (error) {
        e->txn_aborted++;
        rc = -1;
        if (rd_kafka_error_is_fatal(error)) {
            log_error("engine", "transaction failed for good: %s; restart the "
                                "instance (another one may have taken its "
                                "transactional id)",
                      rd_kafka_error_string(error));
            e->fatal = 1;
        } else {
            log_warn("engine", "transaction aborted: %s; its records will be "
                               "scored again", rd_kafka_error_string(error));
            rd_kafka_error_destroy(error);
            error = rd_kafka_abort_transaction(e->producer, TXN_TIMEOUT_MS);
            if (error)
                log_error("engine", "abort failed: %s",
                          rd_kafka_error_string(error));
            rewind_to_committed(e);
        }
        if (error) rd_kafka_error_destroy(error);
        error = NULL;
    }
    if (!e->fatal && (error = rd_kafka_begin_transaction(e->producer))) {
        log_error("engine", "cannot begin the next transaction: %s",
                  rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        e->fatal = 1;
    }
    e->last_txn_ms = clock_mono_ns() / 1000000;
    engine_workers_resume(e);
    return rc;
}

void engine_txn_tick(engine *e) {
    if (clock_mono_ns() / 1000000 - e->last_txn_ms >= TXN_INTERVAL_MS)
        engine_txn_commit(e);
}
