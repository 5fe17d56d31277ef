/*
 * scorer.c - the path of one record: decode it, find the current model of
 * its data type, score, publish the result, and track its offset so that it
 * is committed only once finished. Runs on the stage thread or on any store
 * worker; everything it touches is either its own or thread-safe.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/record.h"
#include "core/stats.h"
#include "stream/engine_internal.h"
#include "telemetry/log.h"
#include "wire/wire.h"

void scorer_init(scorer *s, engine *e) {
    memset(s, 0, sizeof *s);
    s->engine = e;
    s->reject_log = (ratelimit)RATELIMIT_INIT(10);
}

void scorer_free(scorer *s) {
    free(s->scratch);
    free(s->probs);
}

/* Why a record was not scored; each has its counter. */
typedef enum reject_kind { REJECT_MALFORMED, REJECT_UNSERVED, REJECT_FAILED } reject_kind;

static const char *const reject_names[] = {"malformed", "unserved", "failed"};

/* Counts a rejected record, logs it within the log budget (the counters
 * count every one), and forwards it to the dead-letter topic when there is
 * one, with the reason in headers. Returns 1 when a dead letter was queued:
 * the record then finishes when the dead letter is delivered. */
static int reject(scorer *s, const rd_kafka_message_t *msg, reject_kind kind,
                  const ms_error *err) {
    engine *e = s->engine;
    counters *c = e->counters;
    counter_inc(kind == REJECT_MALFORMED ? &c->records_malformed
                : kind == REJECT_UNSERVED ? &c->records_unserved
                                          : &c->records_failed);
    uint64_t suppressed;
    int allowed = ratelimit_allow(&s->reject_log, &suppressed);
    if (suppressed)
        log_warn("engine", "%llu more rejected input(s) not logged in the "
                           "last second; see /metrics for the counts",
                 (unsigned long long)suppressed);
    if (allowed)
        log_warn("engine", "%s record at %s[%d]@%lld: %s", reject_names[kind],
                 rd_kafka_topic_name(msg->rkt), (int)msg->partition,
                 (long long)msg->offset, err->msg);
    const char *dlq = e->cfg.dead_letter_topic;
    if (!dlq || !dlq[0]) return 0;
    rd_kafka_headers_t *hdrs = rd_kafka_headers_new(4);
    char where[64];
    snprintf(where, sizeof where, "%d@%lld", (int)msg->partition,
             (long long)msg->offset);
    rd_kafka_header_add(hdrs, "reject.kind", -1, reject_names[kind], -1);
    rd_kafka_header_add(hdrs, "reject.reason", -1, err->msg, -1);
    rd_kafka_header_add(hdrs, "source.topic", -1, rd_kafka_topic_name(msg->rkt), -1);
    rd_kafka_header_add(hdrs, "source.position", -1, where, -1);
    rd_kafka_resp_err_t perr = rd_kafka_producev(
        e->producer, RD_KAFKA_V_TOPIC(dlq),
        RD_KAFKA_V_KEY(msg->key, msg->key_len),
        RD_KAFKA_V_VALUE(msg->payload, msg->len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs),
        RD_KAFKA_V_OPAQUE(offsets_pack(msg->partition, msg->offset)),
        RD_KAFKA_V_END);
    if (perr) {
        rd_kafka_headers_destroy(hdrs);
        log_error("engine", "cannot send a dead letter to '%s': %s", dlq,
                  rd_kafka_err2str(perr));
        return 0;
    }
    counter_inc(&c->dead_letters);
    return 1;
}

/* Makes sure the scoring buffers fit m; grows them only for a new, larger
 * model, so steady-state scoring never allocates. */
static int fit_buffers(scorer *s, const model *m) {
    if (m->scratch_size > s->scratch_cap) {
        void *p = realloc(s->scratch, m->scratch_size);
        if (!p) return -1;
        s->scratch = p;
        s->scratch_cap = m->scratch_size;
    }
    if (m->nclasses > s->probs_cap) {
        double *p = realloc(s->probs, m->nclasses * sizeof *p);
        if (!p) return -1;
        s->probs = p;
        s->probs_cap = m->nclasses;
    }
    return 0;
}

static void queue_pending(scorer *s);

/* Encodes the result into the arena and adds it to the pending batch; the
 * record is finished when the broker acknowledges it (see the delivery
 * report in engine.c). Returns 0 when it will be queued. */
static int publish(scorer *s, const rd_kafka_message_t *msg, const record *rec,
                   const served_model *sm, const model_output *out,
                   int64_t duration_ns) {
    const model *m = sm->model;
    int classifier = out->label_index >= 0;
    int32_t partition = s->engine->results_partitions > 0
                            ? msg->partition % s->engine->results_partitions
                            : RD_KAFKA_PARTITION_UA;
    if (s->npending && partition != s->pending_partition) queue_pending(s);
    s->pending_partition = partition;
    /* The results of a batch are scored within well under a millisecond:
     * one clock reading stamps them all. */
    if (!s->npending) s->batch_epoch_ms = clock_epoch_ms();
    wire_result r = {
        .data_type = rec->data_type,
        .model_name = sm->info.name,
        .model_type = sm->info.type,
        .result = out->value,
        .label = classifier ? m->class_labels[out->label_index] : NULL,
        .nprobabilities = classifier && out->probabilities ? m->nclasses : 0,
        .class_labels = m->class_labels,
        .probabilities = out->probabilities,
        .duration_ns = duration_ns,
        .source_topic = rd_kafka_topic_name(msg->rkt),
        .source_partition = msg->partition,
        .source_offset = msg->offset,
        .timestamp_ms = s->batch_epoch_ms,
    };
    if (s->parts_of != sm || s->parts_topic != msg->rkt) {
        s->parts_of = sm;
        s->parts_topic = msg->rkt;
        s->parts_ok = wire_result_parts_init(&s->parts, &r, m->nclasses) == 0;
    }
    const wire_result_parts *parts = s->parts_ok ? &s->parts : NULL;
    size_t len = wire_encode_result(&r, parts, s->arena + s->arena_used,
                                    sizeof s->arena - s->arena_used);
    if (len == 0 && s->npending) { /* the arena is full: make room */
        queue_pending(s);
        len = wire_encode_result(&r, parts, s->arena, sizeof s->arena);
    }
    if (len == 0) return -1;
    s->pending[s->npending++] = (rd_kafka_message_t){
        .payload = s->arena + s->arena_used,
        .len = len,
        .key = msg->key,
        .key_len = msg->key_len,
        ._private = offsets_pack(msg->partition, msg->offset),
    };
    s->arena_used += len;
    if (s->npending == SCORER_BATCH) queue_pending(s);
    return 0;
}

/* Back-pressure: waits (serving delivery reports) while the producer's
 * queue lacks room for a batch from every scorer, so that a batch is not
 * refused half-way and results of one partition stay in order. */
static void wait_for_room(engine *e) {
    while (rd_kafka_outq_len(e->producer) >= (int)e->producer_queue_room)
        rd_kafka_poll(e->producer, 10);
}

/* A result the producer would not take: finished as failed, so that its
 * record does not hold its partition's offsets back forever. */
static void result_not_queued(engine *e, const rd_kafka_message_t *m) {
    int32_t partition;
    int64_t offset;
    offsets_unpack(m->_private, &partition, &offset);
    log_error("engine", "cannot queue the result of %s[%d]@%lld: %s",
              e->cfg.data_topic, partition, (long long)offset,
              rd_kafka_err2str(m->err));
    counter_inc(&e->counters->results_failed);
    offsets_done(e->offsets, partition, offset);
}

/* Ends the batch's read-side section, after adding its counts to the
 * models and counters (a model found in it may be freed once it ends). */
static void end_reading(scorer *s) {
    counters *c = s->engine->counters;
    served_tally_flush(&s->tally);
    atomic_fetch_add_explicit(&c->records_received, s->received,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&c->records_scored, s->scored,
                              memory_order_relaxed);
    s->received = s->scored = 0;
    s->parts_of = NULL;
    if (s->reading) store_read_unlock();
    s->reading = 0;
}

/* Hands the pending results to the producer in one call. Mid-batch (the
 * arena or the batch is full) it runs inside the read-side section: the
 * model the record in hand was scored with stays valid. */
static void queue_pending(scorer *s) {
    engine *e = s->engine;
    size_t n = s->npending;
    int32_t partition = s->pending_partition;
    s->npending = s->arena_used = 0;
    if (!n) return;
    wait_for_room(e);
    for (size_t i = 0; i < n; i++) s->pending[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
    int queued = rd_kafka_produce_batch(e->results_rkt, partition,
                                        RD_KAFKA_MSG_F_COPY, s->pending, (int)n);
    if (queued == (int)n) return;
    for (size_t i = 0; i < n; i++) {
        rd_kafka_message_t *m = &s->pending[i];
        /* Only another client of the queue (dead letters, the changelog)
         * can have filled it since the wait: wait again, in order. */
        while (m->err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rd_kafka_poll(e->producer, 10);
            m->err = rd_kafka_produce(e->results_rkt, partition,
                                      RD_KAFKA_MSG_F_COPY, m->payload, m->len,
                                      m->key, m->key_len, m->_private)
                         ? rd_kafka_last_error()
                         : RD_KAFKA_RESP_ERR_NO_ERROR;
        }
        if (m->err) result_not_queued(e, m);
    }
}

void scorer_flush(scorer *s) {
    end_reading(s);
    queue_pending(s);
}

/* A scorer puts at most one prediction per interval in the recent ring:
 * the dashboard shows a sample, and scoring stays free of shared writes. */
#define RECENT_SAMPLE_NS 20000000

static void sample(recent_ring *ring, const rd_kafka_message_t *msg,
                   const record *rec, const served_model *sm,
                   const model_output *out, int64_t duration_ns) {
    recent_prediction p = {.at_ms = clock_epoch_ms(),
                           .value = out->value,
                           .duration_ns = duration_ns,
                           .partition = msg->partition,
                           .offset = msg->offset};
    snprintf(p.data_type, sizeof p.data_type, "%s", rec->data_type);
    snprintf(p.model, sizeof p.model, "%s", sm->info.name);
    if (out->label_index >= 0)
        snprintf(p.label, sizeof p.label, "%.127s",
                 sm->model->class_labels[out->label_index]);
    recent_add(ring, &p);
}

/* Scores rec; returns 1 when a result or a dead letter was queued (the
 * record finishes on its delivery), 0 when the record is finished here. */
static int score_record(scorer *s, const rd_kafka_message_t *msg,
                        const record *rec) {
    engine *e = s->engine;
    ms_error err;
    int queued = 0;
    if (!s->reading) {
        store_read_lock();
        s->reading = 1;
    }
    served_model *sm = store_current(e->store, rec->data_type);
    if (!sm) {
        ms_error_set(&err, "no model serves data type '%s' yet", rec->data_type);
        queued = reject(s, msg, REJECT_UNSERVED, &err);
    } else if (fit_buffers(s, sm->model) != 0) {
        ms_error_set(&err, "out of memory for scoring buffers");
        queued = reject(s, msg, REJECT_FAILED, &err);
    } else {
        model_output out = {.probabilities = s->probs};
        int64_t t0 = clock_mono_ns();
        int rc = model_score(sm->model, rec->features, s->scratch, &out, &err);
        int64_t duration = clock_mono_ns() - t0;
        if (rc != 0) {
            served_model_failed(sm);
            queued = reject(s, msg, REJECT_FAILED, &err);
        } else {
            served_tally_add(&s->tally, sm, duration);
            if (t0 - s->last_sample_ns >= RECENT_SAMPLE_NS) {
                s->last_sample_ns = t0;
                sample(&e->counters->recent, msg, rec, sm, &out, duration);
            }
            s->scored++;
            if (e->cfg.influx)
                influx_record(e->cfg.influx, rec->data_type, sm->info.name,
                              out.value, duration);
            if (e->results_rkt) {
                queued = publish(s, msg, rec, sm, &out, duration) == 0;
                if (!queued) counter_inc(&e->counters->results_failed);
            }
        }
    }
    return queued;
}

void scorer_handle(scorer *s, const rd_kafka_message_t *msg) {
    engine *e = s->engine;
    if (msg->err) {
        if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
            log_warn("engine", "data topic: %s", rd_kafka_message_errstr(msg));
        return;
    }
    s->received++;
    int tracked = offsets_begin(e->offsets, msg->partition, msg->offset) == 0;
    record rec;
    ms_error err;
    int queued = wire_decode_record(msg->payload, msg->len, &rec, &err) != 0
                     ? reject(s, msg, REJECT_MALFORMED, &err)
                     : score_record(s, msg, &rec);
    if (tracked && !queued) offsets_done(e->offsets, msg->partition, msg->offset);
}
