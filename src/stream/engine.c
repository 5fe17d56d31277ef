/*
 * engine.c - the `stage` engine (see engine.h).
 *
 * One thread owns both inputs. librdkafka signals "queue became non-empty"
 * on a pipe per consumer queue, so the thread sleeps in poll(2) on both pipes
 * and wakes for whichever input has work. Pending model updates are applied
 * before every batch of records, so a new model takes effect between two
 * records, and a model is swapped in only once fully built.
 */
#include "stream/engine.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/record.h"
#include "core/stats.h"
#include "stream/kafka.h"
#include "stream/model_update.h"
#include "telemetry/log.h"
#include "telemetry/ratelimit.h"
#include "wire/wire.h"

/* Records handled between two looks at the models queue. */
#define RECORDS_PER_BATCH 64
/* Largest encoded ServingResult. */
#define RESULT_MAX_BYTES 65536

struct engine {
    engine_config cfg;
    store *store;
    counters *counters;
    rd_kafka_t *data_rk;
    rd_kafka_t *models_rk;
    rd_kafka_t *producer;
    int models_partitions;
    rd_kafka_queue_t *data_q;
    rd_kafka_queue_t *models_q;
    int data_pipe[2];
    int models_pipe[2];
    /* Scoring space, grown when a model needs more; never per record. */
    void *scratch;
    size_t scratch_cap;
    double *probs;
    size_t probs_cap;
    uint8_t result_buf[RESULT_MAX_BYTES];
    ratelimit reject_log;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg,
                        void *opaque) {
    (void)rk;
    engine *e = opaque;
    if (msg->err) {
        counter_inc(&e->counters->results_failed);
        log_error("engine", "result not delivered to '%s': %s; check the "
                            "results topic and the brokers",
                  rd_kafka_topic_name(msg->rkt), rd_kafka_err2str(msg->err));
    } else {
        counter_inc(&e->counters->results_delivered);
    }
}

static int make_producer(engine *e, ms_error *err) {
    rd_kafka_conf_t *conf = kafka_conf_new(e->cfg.brokers, e->cfg.client_id);
    if (kafka_conf_set(conf, "linger.ms", "5", err) ||
        kafka_conf_set(conf, "enable.idempotence", "true", err)) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, e);
    e->producer = kafka_new(RD_KAFKA_PRODUCER, conf, err);
    return e->producer ? 0 : -1;
}

static int make_data_consumer(engine *e, ms_error *err) {
    rd_kafka_conf_t *conf = kafka_conf_new(e->cfg.brokers, e->cfg.client_id);
    if (kafka_conf_set(conf, "group.id", e->cfg.group_id, err) ||
        kafka_conf_set(conf, "auto.offset.reset", e->cfg.offset_reset, err) ||
        kafka_conf_set(conf, "enable.partition.eof", "false", err)) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
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

/* Every instance reads every partition of the models topic from the start:
 * it is the source of truth for which model serves which data type. */
static int make_models_consumer(engine *e, ms_error *err) {
    rd_kafka_conf_t *conf = kafka_conf_new(e->cfg.brokers, e->cfg.client_id);
    /* librdkafka wants a group.id even for a consumer that only assigns; a
     * private one never joins or commits, so it shares nothing. */
    char group[128];
    snprintf(group, sizeof group, "%s-models-%d-%lld", e->cfg.client_id,
             (int)getpid(), (long long)clock_mono_ns());
    if (kafka_conf_set(conf, "group.id", group, err) ||
        kafka_conf_set(conf, "enable.auto.commit", "false", err) ||
        kafka_conf_set(conf, "enable.partition.eof", "false", err) ||
        /* Model updates are rare and urgent: do not let the broker sit on
         * an empty fetch for long. */
        kafka_conf_set(conf, "fetch.wait.max.ms", "50", err)) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    if (!(e->models_rk = kafka_new(RD_KAFKA_CONSUMER, conf, err))) return -1;
    rd_kafka_poll_set_consumer(e->models_rk);
    int partitions =
        kafka_topic_partitions(e->models_rk, e->cfg.models_topic, 30000, err);
    if (partitions < 0) return -1;
    e->models_partitions = partitions;
    rd_kafka_topic_partition_list_t *list =
        rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; p++)
        rd_kafka_topic_partition_list_add(list, e->cfg.models_topic, p)
            ->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t rerr = rd_kafka_assign(e->models_rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (rerr)
        return ms_error_set(err, "cannot read '%s': %s", e->cfg.models_topic,
                            rd_kafka_err2str(rerr));
    log_info("engine", "reading all %d partition(s) of '%s' from the start",
             partitions, e->cfg.models_topic);
    return 0;
}

/* Asks librdkafka to write a byte to a pipe when a queue turns non-empty. */
static int watch_queue(rd_kafka_queue_t *q, int fds[2], ms_error *err) {
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
        return ms_error_set(err, "cannot create a pipe for queue events");
    rd_kafka_queue_io_event_enable(q, fds[1], "1", 1);
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
    e->data_pipe[0] = e->data_pipe[1] = -1;
    e->models_pipe[0] = e->models_pipe[1] = -1;
    e->reject_log = (ratelimit)RATELIMIT_INIT(10);
    if (make_producer(e, err) || make_models_consumer(e, err) ||
        make_data_consumer(e, err)) {
        engine_free(e);
        return NULL;
    }
    e->data_q = rd_kafka_queue_get_consumer(e->data_rk);
    e->models_q = rd_kafka_queue_get_consumer(e->models_rk);
    if (watch_queue(e->data_q, e->data_pipe, err) ||
        watch_queue(e->models_q, e->models_pipe, err)) {
        engine_free(e);
        return NULL;
    }
    return e;
}

/* Logs a rejected input within the log budget; the counters count it all. */
static void log_reject(engine *e, const rd_kafka_message_t *msg,
                       const char *what, const ms_error *err) {
    uint64_t suppressed;
    int allowed = ratelimit_allow(&e->reject_log, &suppressed);
    if (suppressed)
        log_warn("engine", "%llu more rejected input(s) not logged in the "
                           "last second; see /metrics for the counts",
                 (unsigned long long)suppressed);
    if (allowed)
        log_warn("engine", "%s at %s[%d]@%lld: %s", what,
                 rd_kafka_topic_name(msg->rkt), (int)msg->partition,
                 (long long)msg->offset, err->msg);
}

static void handle_model_message(engine *e, const rd_kafka_message_t *msg) {
    if (msg->err) {
        log_warn("engine", "models topic: %s", rd_kafka_message_errstr(msg));
        return;
    }
    counter_inc(&e->counters->models_received);
    ms_error err;
    model_update_result res;
    if (model_update_apply(e->store, msg->payload, msg->len, e->cfg.locations,
                           &res, &err) != 0) {
        counter_inc(&e->counters->models_failed);
        log_error("engine", "model update at %s[%d]@%lld rejected: %s; the "
                            "current model keeps serving",
                  rd_kafka_topic_name(msg->rkt), (int)msg->partition,
                  (long long)msg->offset, err.msg);
        return;
    }
    counter_inc(&e->counters->models_loaded);
    log_info("engine", "now serving model '%s' (%s) for data type '%s'",
             res.name, model_type_name(res.type), res.data_type);
}

/* Makes sure the scoring buffers fit m; grows them only for a new, larger
 * model, so steady-state scoring never allocates. */
static int fit_buffers(engine *e, const model *m) {
    if (m->scratch_size > e->scratch_cap) {
        void *p = realloc(e->scratch, m->scratch_size);
        if (!p) return -1;
        e->scratch = p;
        e->scratch_cap = m->scratch_size;
    }
    if (m->nclasses > e->probs_cap) {
        double *p = realloc(e->probs, m->nclasses * sizeof *p);
        if (!p) return -1;
        e->probs = p;
        e->probs_cap = m->nclasses;
    }
    return 0;
}

static void publish_result(engine *e, const rd_kafka_message_t *msg,
                           const record *rec, const model *m,
                           const model_info *info, const model_output *out,
                           int64_t duration_ns) {
    if (!e->cfg.results_topic || !e->cfg.results_topic[0]) return;
    int classifier = out->label_index >= 0;
    wire_result r = {
        .data_type = rec->data_type,
        .model_name = info->name,
        .model_type = info->type,
        .result = out->value,
        .label = classifier ? m->class_labels[out->label_index] : NULL,
        .nprobabilities = classifier && out->probabilities ? m->nclasses : 0,
        .class_labels = m->class_labels,
        .probabilities = out->probabilities,
        .duration_ns = duration_ns,
        .source_topic = rd_kafka_topic_name(msg->rkt),
        .source_partition = msg->partition,
        .source_offset = msg->offset,
        .timestamp_ms = clock_epoch_ms(),
    };
    size_t len = wire_encode_result(&r, e->result_buf, sizeof e->result_buf);
    if (len == 0) {
        counter_inc(&e->counters->results_failed);
        return;
    }
    for (;;) {
        rd_kafka_resp_err_t perr = rd_kafka_producev(
            e->producer, RD_KAFKA_V_TOPIC(e->cfg.results_topic),
            RD_KAFKA_V_KEY(msg->key, msg->key_len),
            RD_KAFKA_V_VALUE(e->result_buf, len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (perr != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            if (perr) {
                counter_inc(&e->counters->results_failed);
                log_error("engine", "cannot queue result: %s",
                          rd_kafka_err2str(perr));
            }
            return;
        }
        /* Back-pressure: wait for deliveries rather than drop the result. */
        rd_kafka_poll(e->producer, 50);
    }
}

static void handle_record(engine *e, const rd_kafka_message_t *msg) {
    if (msg->err) {
        if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            log_warn("engine", "data topic: %s", rd_kafka_message_errstr(msg));
        return;
    }
    counter_inc(&e->counters->records_received);
    record rec;
    ms_error err;
    if (wire_decode_wine(msg->payload, msg->len, &rec, &err) != 0) {
        counter_inc(&e->counters->records_malformed);
        log_reject(e, msg, "malformed record", &err);
        return;
    }
    store_entry *entry = store_lookup(e->store, rec.data_type);
    if (!entry) {
        counter_inc(&e->counters->records_unserved);
        ms_error_set(&err, "no model serves data type '%s' yet; record "
                           "skipped", rec.data_type);
        log_reject(e, msg, "unserved record", &err);
        return;
    }
    const model *m = store_entry_model(entry);
    if (fit_buffers(e, m) != 0) {
        counter_inc(&e->counters->records_failed);
        ms_error_set(&err, "out of memory for scoring buffers");
        log_reject(e, msg, "record not scored", &err);
        return;
    }
    model_output out = {.probabilities = e->probs};
    int64_t t0 = clock_mono_ns();
    int rc = model_score(m, rec.features, e->scratch, &out, &err);
    int64_t duration = clock_mono_ns() - t0;
    if (rc != 0) {
        counter_inc(&e->counters->records_failed);
        log_reject(e, msg, "record not scored", &err);
        return;
    }
    store_entry_scored(e->store, entry, duration);
    counter_inc(&e->counters->records_scored);
    publish_result(e, msg, &rec, m, store_entry_info(entry), &out, duration);
}

static void drain_pipe(int fd) {
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) {
    }
}

/* Before the first record is scored, applies every model update already on
 * the models topic (up to each partition's high watermark at start), so a
 * starting instance serves with the models it would have had all along
 * rather than counting records as unserved while it catches up. */
static void catch_up_models(engine *e, volatile sig_atomic_t *stop) {
    int64_t *target = calloc((size_t)e->models_partitions, sizeof *target);
    int64_t *next = calloc((size_t)e->models_partitions, sizeof *next);
    if (!target || !next) {
        free(target);
        free(next);
        return;
    }
    int pending = 0;
    for (int p = 0; p < e->models_partitions; p++) {
        int64_t low = 0, high = 0;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
            e->models_rk, e->cfg.models_topic, p, &low, &high, 10000);
        if (err)
            log_warn("engine", "cannot read the end offset of %s[%d]: %s; "
                               "not waiting for its models before scoring",
                     e->cfg.models_topic, p, rd_kafka_err2str(err));
        target[p] = err ? 0 : high;
        next[p] = low;
        if (next[p] < target[p]) pending++;
    }
    uint64_t applied = counter_get(&e->counters->models_received);
    int64_t deadline = clock_mono_ns() + 60 * (int64_t)1000000000;
    while (pending > 0 && !*stop && clock_mono_ns() < deadline) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(e->models_rk, 100);
        if (!msg) continue;
        int p = msg->partition;
        handle_model_message(e, msg);
        if (!msg->err && p >= 0 && p < e->models_partitions &&
            next[p] < target[p]) {
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
                                  applied),
             e->cfg.models_topic);
    free(target);
    free(next);
}

int engine_run(engine *e, volatile sig_atomic_t *stop) {
    catch_up_models(e, stop);
    log_info("engine", "stage engine consuming '%s' (group '%s') and '%s'",
             e->cfg.data_topic, e->cfg.group_id, e->cfg.models_topic);
    while (!*stop) {
        int busy = 0;
        rd_kafka_message_t *msg;
        while ((msg = rd_kafka_consumer_poll(e->models_rk, 0))) {
            handle_model_message(e, msg);
            rd_kafka_message_destroy(msg);
            busy = 1;
        }
        for (int i = 0; i < RECORDS_PER_BATCH &&
                        (msg = rd_kafka_consumer_poll(e->data_rk, 0));
             i++) {
            handle_record(e, msg);
            rd_kafka_message_destroy(msg);
            busy = 1;
        }
        rd_kafka_poll(e->producer, 0);
        if (!busy) {
            struct pollfd fds[2] = {{.fd = e->data_pipe[0], .events = POLLIN},
                                    {.fd = e->models_pipe[0], .events = POLLIN}};
            /* A bounded wait, so a stop request is seen promptly. */
            if (poll(fds, 2, 100) > 0) {
                drain_pipe(e->data_pipe[0]);
                drain_pipe(e->models_pipe[0]);
            }
        }
    }

    log_info("engine", "stopping: delivering queued results, then committing");
    rd_kafka_resp_err_t ferr = rd_kafka_flush(e->producer, 10000);
    if (ferr)
        log_error("engine", "%d result(s) not delivered at shutdown: %s",
                  rd_kafka_outq_len(e->producer), rd_kafka_err2str(ferr));
    int closed = kafka_consumer_close(e->data_rk, 10000);
    kafka_consumer_close(e->models_rk, 2000);
    return ferr || closed != 0 ? -1 : 0;
}

static void close_pipe(int fds[2]) {
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0) close(fds[i]);
}

void engine_free(engine *e) {
    if (!e) return;
    if (e->data_q) rd_kafka_queue_destroy(e->data_q);
    if (e->models_q) rd_kafka_queue_destroy(e->models_q);
    /* Consumers were closed (with a time limit) by engine_run, or never
     * joined anything when it did not run. */
    if (e->data_rk) kafka_consumer_destroy(e->data_rk);
    if (e->models_rk) kafka_consumer_destroy(e->models_rk);
    if (e->producer) rd_kafka_destroy(e->producer);
    close_pipe(e->data_pipe);
    close_pipe(e->models_pipe);
    free(e->scratch);
    free(e->probs);
    free(e);
}
