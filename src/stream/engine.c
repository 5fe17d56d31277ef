/*
 * engine.c - what both engines share (see engine.h and engine_internal.h):
 * the Kafka clients, model updates, the at-least-once bookkeeping around
 * deliveries and rebalances, restore before scoring, and a clean stop.
 */
#include "stream/engine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "stream/kafka.h"
#include "stream/model_update.h"
#include "telemetry/log.h"

/* How often finished offsets are committed: what a crash replays at most. */
#define COMMIT_INTERVAL_MS 500
/* How often statistics are checkpointed to the state directory. */
#define CHECKPOINT_INTERVAL_MS 5000

const char *engine_kind_name(engine_kind kind) {
    return kind == ENGINE_STORE ? "store" : "stage";
}

int engine_kind_parse(const char *name, engine_kind *kind) {
    if (strcmp(name, "stage") == 0) *kind = ENGINE_STAGE;
    else if (strcmp(name, "store") == 0) *kind = ENGINE_STORE;
    else return -1;
    return 0;
}

static int exactly_once(const engine *e) {
    return e->cfg.transactional_id && e->cfg.transactional_id[0];
}

/* Errors a retry cannot fix: the result would never be delivered. */
static int permanent_delivery_error(rd_kafka_resp_err_t err) {
    switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
        return 1;
    default:
        return 0;
    }
}

/* A result was delivered, or not. Not delivered for a reason that may pass
 * (broker down, timeout): produce it again, and the record stays unfinished
 * so its offset is not committed meanwhile. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg,
                        void *opaque) {
    engine *e = opaque;
    int32_t partition;
    int64_t offset;
    offsets_unpack(msg->_private, &partition, &offset);
    if (partition < 0) { /* a changelog write, not a result */
        if (msg->err)
            log_error("engine", "changelog write to '%s' failed: %s; a new "
                                "instance would restore an older model",
                      rd_kafka_topic_name(msg->rkt), rd_kafka_err2str(msg->err));
        return;
    }
    int dead_letter = e->cfg.dead_letter_topic &&
                      strcmp(rd_kafka_topic_name(msg->rkt),
                             e->cfg.dead_letter_topic) == 0;
    if (!msg->err) {
        if (!dead_letter) counter_inc(&e->counters->results_delivered);
        offsets_done(e->offsets, partition, offset);
        return;
    }
    counter_inc(&e->counters->results_failed);
    if (permanent_delivery_error(msg->err)) {
        log_error("engine", "result of %s[%d]@%lld dropped: %s; fix the "
                            "results topic",
                  e->cfg.data_topic, partition, (long long)offset,
                  rd_kafka_err2str(msg->err));
        offsets_done(e->offsets, partition, offset);
        return;
    }
    if (exactly_once(e)) /* the transaction aborts and rewinds instead */
        return;
    log_warn("engine", "result of %s[%d]@%lld not delivered (%s); retrying",
             e->cfg.data_topic, partition, (long long)offset,
             rd_kafka_err2str(msg->err));
    /* Same topic, key, value, headers (a dead letter's reason) and
     * opaque: the retry finishes the same record. */
    rd_kafka_headers_t *hdrs = NULL, *copy = NULL;
    if (rd_kafka_message_headers(msg, &hdrs) == 0)
        copy = rd_kafka_headers_copy(hdrs);
    rd_kafka_resp_err_t perr = rd_kafka_producev(
        rk, RD_KAFKA_V_RKT(msg->rkt), RD_KAFKA_V_KEY(msg->key, msg->key_len),
        RD_KAFKA_V_VALUE(msg->payload, msg->len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(copy),
        RD_KAFKA_V_OPAQUE(msg->_private), RD_KAFKA_V_END);
    if (perr && copy) rd_kafka_headers_destroy(copy);
    if (perr)
        log_error("engine", "cannot retry the result of %s[%d]@%lld: %s; "
                            "the record will be scored again after a restart",
                  e->cfg.data_topic, partition, (long long)offset,
                  rd_kafka_err2str(perr));
}

/* The producer's statistics, once a second: which brokers it reaches. */
static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque) {
    (void)rk;
    engine *e = opaque;
    broker_watch_stats(e->watch, json, len, clock_mono_ns() / 1000000);
    return 0; /* librdkafka frees json */
}

static int make_producer(engine *e, ms_error *err) {
    rd_kafka_conf_t *conf = kafka_conf_new(e->cfg.brokers, e->cfg.client_id);
    char queue_max[16];
    snprintf(queue_max, sizeof queue_max, "%d", PRODUCER_QUEUE_MAX);
    if (kafka_conf_tune(conf, "linger.ms", "5", err) ||
        kafka_conf_tune(conf, "queue.buffering.max.messages", queue_max, err) ||
        kafka_conf_set(conf, "statistics.interval.ms", "1000", err) ||
        kafka_conf_set(conf, "enable.idempotence", "true", err) ||
        (exactly_once(e) &&
         kafka_conf_set(conf, "transactional.id", e->cfg.transactional_id, err))) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    /* The queue's size as it is (the user may have set it): scorers wait
     * below it, keeping room for a batch from each. */
    char value[32];
    size_t value_len = sizeof value;
    long queue_len = PRODUCER_QUEUE_MAX;
    if (rd_kafka_conf_get(conf, "queue.buffering.max.messages", value,
                          &value_len) == RD_KAFKA_CONF_OK) {
        char *end;
        long parsed = strtol(value, &end, 10);
        if (end != value && parsed > 0) queue_len = parsed; /* librdkafka checked it */
    }
    size_t reserve = (size_t)SCORER_BATCH * (size_t)(e->cfg.threads + 2);
    e->producer_queue_room = (size_t)queue_len > 2 * reserve
                                 ? (size_t)queue_len - reserve
                                 : (size_t)queue_len / 2;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_stats_cb(conf, on_stats);
    rd_kafka_conf_set_opaque(conf, e);
    if (!(e->producer = kafka_new(RD_KAFKA_PRODUCER, conf, err))) return -1;
    /* Learn the results topic's leaders now: left to the first result,
     * the lookup holds every result back for about a second, while the
     * local queue fills and scoring stalls behind it. */
    const char *results = e->cfg.results_topic;
    if (!results || !results[0]) return 0;
    ms_error why;
    e->results_partitions = kafka_topic_partitions(e->producer, results, 5000, &why);
    if (e->results_partitions < 0) {
        e->results_partitions = 0;
        log_warn("engine", "%s; results wait until it is, and are "
                           "partitioned by key", why.msg);
    }
    /* One handle for every result: producing by name would look the topic
     * up for each. */
    if (!(e->results_rkt = rd_kafka_topic_new(e->producer, results, NULL)))
        return ms_error_set(err, "cannot use results topic '%s': %s", results,
                            rd_kafka_err2str(rd_kafka_last_error()));
    return 0;
}

/* Gives partitions up only after their records are finished and committed,
 * so the instance that takes them over starts exactly where this one
 * stopped (no loss, and no commit of unfinished work). */
static int cmp_partition(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Keeps the assignment where other threads can read it (parts NULL: none). */
static void set_assigned(engine *e, const rd_kafka_topic_partition_list_t *parts) {
    int n = parts ? parts->cnt : 0;
    int32_t *list = n ? malloc((size_t)n * sizeof *list) : NULL;
    if (n && !list) n = 0;
    for (int i = 0; i < n; i++) list[i] = parts->elems[i].partition;
    if (n) qsort(list, (size_t)n, sizeof *list, cmp_partition);
    pthread_mutex_lock(&e->assigned_lock);
    free(e->assigned);
    e->assigned = list;
    e->nassigned = n;
    pthread_mutex_unlock(&e->assigned_lock);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
    engine *e = opaque;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        offsets_reset(e->offsets);
        engine_workers_take(e, parts);
        rd_kafka_assign(rk, parts);
        set_assigned(e, parts);
        log_info("engine", "assigned %d partition(s) of '%s'", parts->cnt,
                 e->cfg.data_topic);
        return;
    }
    engine_workers_pause(e);
    uint64_t left = offsets_in_flight(e->offsets);
    if (exactly_once(e)) {
        engine_txn_commit(e); /* pauses again: the pause nests by count */
    } else {
        if (left) rd_kafka_flush(e->producer, 10000);
        engine_store_offsets(e);
        rd_kafka_resp_err_t cerr = rd_kafka_commit(rk, NULL, 0);
        if (cerr && cerr != RD_KAFKA_RESP_ERR__NO_OFFSET)
            log_warn("engine", "commit before giving partitions up: %s",
                     rd_kafka_err2str(cerr));
    }
    rd_kafka_assign(rk, NULL);
    set_assigned(e, NULL);
    log_info("engine", "revoked %d partition(s) of '%s' after finishing %llu "
                       "in-flight record(s)",
             parts->cnt, e->cfg.data_topic, (unsigned long long)left);
    offsets_reset(e->offsets);
    engine_workers_resume(e);
}

static void on_commit(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                      rd_kafka_topic_partition_list_t *offsets, void *opaque) {
    (void)rk, (void)offsets;
    engine *e = opaque;
    /* Nothing new to commit is not a failure; anything else is retried
     * (engine_tick), even if no record finishes meanwhile. */
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
        atomic_store(&e->commit_failed, 1);
        log_warn("engine", "offset commit failed: %s; retrying",
                 rd_kafka_err2str(err));
    }
}

static int make_data_consumer(engine *e, ms_error *err) {
    rd_kafka_conf_t *conf = kafka_conf_new(e->cfg.brokers, e->cfg.client_id);
    /* Offsets are handed to librdkafka (offsets_store) only once a record
     * is finished, and committed by engine_tick(). */
    if (kafka_conf_set(conf, "group.id", e->cfg.group_id, err) ||
        kafka_conf_set(conf, "auto.offset.reset", e->cfg.offset_reset, err) ||
        kafka_conf_set(conf, "enable.auto.offset.store", "false", err) ||
        kafka_conf_set(conf, "enable.auto.commit", "false", err) ||
        kafka_conf_set(conf, "enable.partition.eof", "false", err) ||
        /* librdkafka 2.0 stops fetching when the prefetch queue holds
         * queued.min.messages and looks again only long after the queue
         * ran dry: under a backlog, the default 100,000 records stalled
         * scoring for about half a second every 100,000 records (seen in
         * bench_e2e). Bound the queue by size (queued.max.messages.kbytes,
         * 64 MB) instead. */
        kafka_conf_tune(conf, "queued.min.messages", "1000000", err) ||
        /* A broker may hold a fetch at the end of a partition this long
         * even when records arrive meanwhile (the embedded one does): the
         * default 500 ms put up to half a second on every record's
         * latency. Kafka answers as soon as data comes, so a lower value
         * only costs it a few more empty fetches when idle. */
        kafka_conf_tune(conf, "fetch.wait.max.ms", "20", err) ||
        /* Exactly-once chains: read only committed records upstream. */
        (exactly_once(e) &&
         kafka_conf_set(conf, "isolation.level", "read_committed", err))) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_offset_commit_cb(conf, on_commit);
    rd_kafka_conf_set_opaque(conf, e);
    if (!(e->data_rk = kafka_new(RD_KAFKA_CONSUMER, conf, err))) return -1;
    rd_kafka_poll_set_consumer(e->data_rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, e->cfg.data_topic,
                                      RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t rerr = rd_kafka_subscribe(e->data_rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (rerr)
        return ms_error_set(err, "cannot subscribe to '%s': %s",
                            e->cfg.data_topic, rd_kafka_err2str(rerr));
    return 0;
}

/* Every instance reads every partition of the models topic: it is the
 * source of truth for which model serves which data type. */
static int make_models_consumer(engine *e, ms_error *err) {
    /* Model updates are rare and urgent: do not let the broker sit on an
     * empty fetch for long. */
    if (!(e->models_rk = kafka_assign_consumer(e->cfg.brokers, e->cfg.client_id,
                                               "models", 50, err)))
        return -1;
    int partitions =
        kafka_topic_partitions(e->models_rk, e->cfg.models_topic, 30000, err);
    if (partitions < 0) return -1;
    e->models_partitions = partitions;
    return 0;
}

/* Restores the store, then starts reading the models topic where the
 * checkpoint left it (or from the beginning). */
static int restore_and_assign_models(engine *e, ms_error *err) {
    int n = e->models_partitions;
    int64_t *next = malloc((size_t)n * sizeof *next);
    if (!next) return ms_error_set(err, "out of memory");
    for (int p = 0; p < n; p++) next[p] = -1;
    ms_error rerr;
    int restored = checkpoint_restore(e->checkpoint, e->store, e->cfg.brokers,
                                      e->cfg.locations, next, n, &rerr);
    if (restored < 0)
        log_error("engine", "restore failed: %s; starting with no model and "
                            "reading '%s' from the beginning",
                  rerr.msg, e->cfg.models_topic);
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(n);
    for (int p = 0; p < n; p++) {
        /* Keep where each partition starts: the catch-up reads from there. */
        if (restored <= 0) next[p] = -1;
        rd_kafka_topic_partition_list_add(list, e->cfg.models_topic, p)->offset =
            next[p] >= 0 ? next[p] : RD_KAFKA_OFFSET_BEGINNING;
    }
    free(e->models_start);
    e->models_start = next;
    rd_kafka_resp_err_t aerr = rd_kafka_assign(e->models_rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (aerr)
        return ms_error_set(err, "cannot read '%s': %s", e->cfg.models_topic,
                            rd_kafka_err2str(aerr));
    log_info("engine", "%d model(s) restored; reading %d partition(s) of '%s' "
                       "from %s",
             restored > 0 ? restored : 0, n, e->cfg.models_topic,
             restored > 0 ? "the checkpoint" : "the beginning");
    return 0;
}

engine *engine_new(const engine_config *cfg, store *s, counters *c,
                   ms_error *err) {
    engine *e = calloc(1, sizeof *e);
    if (!e) {
        ms_error_set(err, "out of memory");
        return NULL;
    }
    e->cfg = *cfg;
    e->store = s;
    e->counters = c;
    pthread_mutex_init(&e->pause_lock, NULL);
    pthread_cond_init(&e->pause_cond, NULL);
    pthread_mutex_init(&e->assigned_lock, NULL);
    if (!(e->offsets = offsets_new()) ||
        !(e->watch = broker_watch_new(cfg->brokers))) {
        ms_error_set(err, "out of memory");
        engine_free(e);
        return NULL;
    }
    kafka_quiet_transport_errors(); /* e->watch reports them */
    if (make_producer(e, err) ||
        !(e->checkpoint = checkpoint_open(cfg->state_dir, cfg->changelog_topic,
                                          e->producer, err)) ||
        (exactly_once(e) && engine_txn_init(e, err)) ||
        make_models_consumer(e, err) || restore_and_assign_models(e, err) ||
        make_data_consumer(e, err)) {
        engine_free(e);
        return NULL;
    }
    return e;
}

void engine_handle_model_message(engine *e, const rd_kafka_message_t *msg) {
    if (msg->err) {
        log_warn("engine", "models topic: %s", rd_kafka_message_errstr(msg));
        return;
    }
    counter_inc(&e->counters->models_received);
    /* A big model takes seconds to fetch and compile: say when it starts,
     * so that the gap before "now serving" reads as work, not a hang. */
    log_info("engine", "loading the model update at %s[%d]@%lld (%zu bytes)",
             rd_kafka_topic_name(msg->rkt), (int)msg->partition,
             (long long)msg->offset, msg->len);
    int64_t started = clock_mono_ns();
    ms_error err;
    model_update_result res;
    int rc = model_update_apply(e->store, msg->payload, msg->len,
                                e->cfg.locations, NULL, &res, &err);
    checkpoint_models_read(e->checkpoint, msg->partition, msg->offset + 1);
    /* A message without a data type belongs to no type's history. */
    if (res.data_type[0])
        store_note_load(e->store, res.data_type, res.name, res.type,
                        rc == 0 ? NULL : err.msg);
    if (rc != 0) {
        counter_inc(&e->counters->models_failed);
        log_error("engine", "model update at %s[%d]@%lld rejected: %s; the "
                            "current model keeps serving",
                  rd_kafka_topic_name(msg->rkt), (int)msg->partition,
                  (long long)msg->offset, err.msg);
        return;
    }
    counter_inc(&e->counters->models_loaded);
    log_info("engine", "now serving model '%s' (%s) for data type '%s', "
                       "loaded in %.3f s",
             res.name, model_type_name(res.type), res.data_type,
             (double)(clock_mono_ns() - started) / 1e9);
    checkpoint_model_swapped(e->checkpoint, e->store, res.data_type,
                             msg->payload, msg->len);
}

int engine_store_offsets(engine *e) {
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(8);
    int n = offsets_collect(e->offsets, e->cfg.data_topic, list);
    if (n > 0) {
        rd_kafka_resp_err_t err = rd_kafka_offsets_store(e->data_rk, list);
        /* A partition revoked meanwhile refuses its offset: its records will
         * be scored again by their new owner, which at-least-once allows. */
        if (err && err != RD_KAFKA_RESP_ERR__STATE)
            log_warn("engine", "storing offsets: %s", rd_kafka_err2str(err));
    }
    rd_kafka_topic_partition_list_destroy(list);
    return n;
}

void engine_tick(engine *e) {
    rd_kafka_poll(e->producer, 0);
    int64_t now = clock_mono_ns() / 1000000;
    if (exactly_once(e)) {
        engine_txn_tick(e);
    } else if (((e->uncommitted += engine_store_offsets(e)) ||
                atomic_load(&e->commit_failed)) &&
               now - e->last_commit_ms >= COMMIT_INTERVAL_MS) {
        atomic_store(&e->commit_failed, 0);
        rd_kafka_commit(e->data_rk, NULL, 1 /* async */);
        e->uncommitted = 0;
        e->last_commit_ms = now;
    }
    if (now - e->last_checkpoint_ms >= CHECKPOINT_INTERVAL_MS) {
        e->last_checkpoint_ms = now;
        ms_error err; /* a failure is logged and counted by the checkpoint */
        checkpoint_save(e->checkpoint, e->store, &err);
    }
}

/* Before the first record is scored, applies every model update already on
 * the models topic (up to each partition's high watermark at start), so a
 * starting instance serves with the models it would have had all along
 * rather than counting records as unserved while it catches up. */
static void catch_up_models(engine *e, const volatile sig_atomic_t *stop) {
    int n = e->models_partitions;
    int64_t *target = calloc((size_t)n, sizeof *target);
    int64_t *next = calloc((size_t)n, sizeof *next);
    if (!target || !next) {
        free(target);
        free(next);
        return;
    }
    int pending = 0;
    for (int p = 0; p < n; p++) {
        int64_t low = 0, high = 0;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
            e->models_rk, e->cfg.models_topic, p, &low, &high, 10000);
        if (err)
            log_warn("engine", "cannot read the end offset of %s[%d]: %s; "
                               "not waiting for its models before scoring",
                     e->cfg.models_topic, p, rd_kafka_err2str(err));
        target[p] = err ? 0 : high;
        next[p] = e->models_start[p] >= 0 ? e->models_start[p] : low;
        if (next[p] < target[p]) pending++;
    }
    uint64_t before = counter_get(&e->counters->models_received);
    int64_t deadline = clock_mono_ns() + 60 * (int64_t)1000000000;
    while (pending > 0 && !*stop && clock_mono_ns() < deadline) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(e->models_rk, 100);
        if (!msg) continue;
        int p = msg->partition;
        engine_handle_model_message(e, msg);
        if (!msg->err && p >= 0 && p < n && next[p] < target[p]) {
            next[p] = msg->offset + 1;
            if (next[p] >= target[p]) pending--;
        }
        rd_kafka_message_destroy(msg);
    }
    if (pending > 0 && !*stop)
        log_warn("engine", "%d partition(s) of '%s' not read to the end within "
                           "60s; scoring starts anyway",
                 pending, e->cfg.models_topic);
    log_info("engine", "applied %llu model update(s) already on '%s' before "
                       "scoring",
             (unsigned long long)(counter_get(&e->counters->models_received) -
                                  before),
             e->cfg.models_topic);
    free(target);
    free(next);
}

int engine_run(engine *e, const volatile sig_atomic_t *stop) {
    store_thread_online();
    catch_up_models(e, stop);
    log_info("engine", "%s engine consuming '%s' (group '%s') and '%s'",
             engine_kind_name(e->cfg.kind), e->cfg.data_topic,
             e->cfg.group_id, e->cfg.models_topic);
    atomic_store(&e->running, 1);
    int rc = e->cfg.kind == ENGINE_STORE ? engine_run_store(e, stop)
                                         : engine_run_stage(e, stop);
    atomic_store(&e->running, 0);
    if (e->fatal) rc = -1;

    /* Every record handed to a scorer has been handled by now. */
    log_info("engine", "stopping: delivering %llu in-flight result(s), then "
                       "committing",
             (unsigned long long)offsets_in_flight(e->offsets));
    rd_kafka_resp_err_t ferr = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (exactly_once(e)) {
        if (!e->fatal && engine_txn_commit(e) != 0) ferr = RD_KAFKA_RESP_ERR__FAIL;
        log_info("engine", "%llu transaction(s) committed, %llu aborted",
                 (unsigned long long)e->txn_committed,
                 (unsigned long long)e->txn_aborted);
    } else {
        ferr = rd_kafka_flush(e->producer, 10000);
        if (ferr)
            log_error("engine", "%d message(s) not delivered at shutdown: %s; "
                                "their records will be scored again",
                      rd_kafka_outq_len(e->producer), rd_kafka_err2str(ferr));
        engine_store_offsets(e);
        rd_kafka_resp_err_t cerr = rd_kafka_commit(e->data_rk, NULL, 0);
        if (cerr && cerr != RD_KAFKA_RESP_ERR__NO_OFFSET)
            log_warn("engine", "final commit: %s; the last records may be "
                               "scored again after a restart",
                     rd_kafka_err2str(cerr));
    }
    int closed = kafka_consumer_close(e->data_rk, 10000);
    kafka_consumer_close(e->models_rk, 2000);
    ms_error err;
    int saved = checkpoint_save(e->checkpoint, e->store, &err);
    if (saved != 0) log_error("engine", "final checkpoint: %s", err.msg);
    store_thread_offline();
    return rc || ferr || closed != 0 || saved != 0 ? -1 : 0;
}

void engine_free(engine *e) {
    if (!e) return;
    /* Consumers were closed (with a time limit) by engine_run, or never
     * joined anything when it did not run. */
    if (e->data_rk) kafka_consumer_destroy(e->data_rk);
    if (e->models_rk) kafka_consumer_destroy(e->models_rk);
    checkpoint_free(e->checkpoint);
    if (e->results_rkt) rd_kafka_topic_destroy(e->results_rkt);
    if (e->producer) rd_kafka_destroy(e->producer);
    broker_watch_free(e->watch);
    offsets_free(e->offsets);
    free(e->models_start);
    pthread_mutex_destroy(&e->pause_lock);
    pthread_cond_destroy(&e->pause_cond);
    pthread_mutex_destroy(&e->assigned_lock);
    free(e->assigned);
    free(e);
}

int engine_running(const engine *e) { return atomic_load(&e->running); }

void engine_health_get(engine *e, engine_health *out) {
    broker_watch_status_get(e->watch, clock_mono_ns() / 1000000, &out->kafka);
    checkpoint_status(e->checkpoint, &out->checkpoint);
}

int engine_partitions(engine *e, int32_t *out, int max) {
    pthread_mutex_lock(&e->assigned_lock);
    int n = e->nassigned < max ? e->nassigned : max;
    if (n > 0) memcpy(out, e->assigned, (size_t)n * sizeof *out);
    pthread_mutex_unlock(&e->assigned_lock);
    return n;
}

int engine_partition_lag(engine *e, engine_lag *out, int max) {
    int32_t parts[1024];
    int n = engine_partitions(e, parts, max < 1024 ? max : 1024);
    if (n <= 0) return 0;
    rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(n);
    for (int i = 0; i < n; i++)
        rd_kafka_topic_partition_list_add(list, e->cfg.data_topic, parts[i]);
    rd_kafka_position(e->data_rk, list);
    for (int i = 0; i < n; i++) {
        int64_t low = -1, high = -1;
        rd_kafka_get_watermark_offsets(e->data_rk, e->cfg.data_topic, parts[i],
                                       &low, &high);
        int64_t pos = list->elems[i].offset;
        out[i] = (engine_lag){
            .partition = parts[i],
            .position = pos >= 0 ? pos : -1,
            .high_watermark = high >= 0 ? high : -1,
            .lag = pos >= 0 && high >= 0 ? (high > pos ? high - pos : 0) : -1,
        };
    }
    rd_kafka_topic_partition_list_destroy(list);
    return n;
}
