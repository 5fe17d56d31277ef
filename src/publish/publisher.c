/*
 * publisher.c - the publishing loop (see publisher.h).
 *
 * Records are scheduled against a start time (record i is due at
 * start + i * interval), so the rate holds however long each send takes and
 * high rates are sent in bursts rather than with one sleep per record.
 */
#include "publish/publisher.h"

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/stats.h"
#include "stream/kafka.h"
#include "telemetry/log.h"
#include "util/file.h"
#include "wire/wire.h"

/* Largest model file the publisher sends by value. */
#define PUBLISHER_MAX_MODEL_BYTES ((size_t)256 << 20)

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg,
                        void *opaque) {
    (void)rk;
    publisher_totals *totals = opaque;
    if (msg->err) {
        totals->delivery_failures++;
        log_error("publisher", "message to '%s' not delivered: %s",
                  rd_kafka_topic_name(msg->rkt), rd_kafka_err2str(msg->err));
    }
}

static int produce(rd_kafka_t *rk, const char *topic, const void *bytes,
                   size_t len, const char *key, ms_error *err) {
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE((void *)bytes, len),
            RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (!e) return 0;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return ms_error_set(err, "cannot send to '%s': %s", topic,
                                rd_kafka_err2str(e));
        rd_kafka_poll(rk, 50); /* the local queue is full: let it drain */
    }
}

static int send_model(rd_kafka_t *rk, const publisher_config *cfg,
                      const model_file *mf, ms_error *err) {
    const char *description = mf->type == MODEL_TYPE_PMML
                                  ? "generated from SparkML"
                                  : "generated from TensorFlow";
    uint8_t *bytes = NULL, *msg = NULL;
    size_t nbytes = 0, msg_len = 0;
    char *location = NULL;
    if (cfg->by_reference) {
        location = realpath(mf->path, NULL);
        if (!location)
            return ms_error_set(err, "model file '%s' does not exist",
                                mf->path);
    } else if (file_read_all(mf->path, PUBLISHER_MAX_MODEL_BYTES, &bytes,
                             &nbytes, err) != 0) {
        return -1;
    }
    int rc = wire_encode_model(mf->name, description, cfg->data_type, mf->type,
                               bytes, nbytes, location, &msg, &msg_len);
    if (rc == 0)
        rc = produce(rk, cfg->models_topic, msg, msg_len, cfg->data_type, err);
    else
        ms_error_set(err, "out of memory encoding model '%s'", mf->name);
    if (rc == 0)
        log_info("publisher", "published model '%s' (%s, %s)", mf->name,
                 model_type_name(mf->type),
                 location ? location : "by value");
    free(bytes);
    free(msg);
    free(location);
    return rc;
}

static void sleep_until(int64_t mono_ns) {
    int64_t wait = mono_ns - clock_mono_ns();
    if (wait <= 0) return;
    if (wait > 100000000) wait = 100000000; /* wake to check for a stop */
    struct timespec ts = {.tv_sec = wait / 1000000000,
                          .tv_nsec = wait % 1000000000};
    nanosleep(&ts, NULL);
}

int publisher_run(const publisher_config *cfg, const record_set *records,
                  const model_file_list *models, const volatile sig_atomic_t *stop,
                  publisher_totals *totals, ms_error *err) {
    memset(totals, 0, sizeof *totals);
    rd_kafka_conf_t *conf = kafka_conf_new(cfg->brokers, "publisher");
    if (kafka_conf_set(conf, "linger.ms", "5", err) ||
        kafka_conf_set(conf, "enable.idempotence", "true", err)) {
        rd_kafka_conf_destroy(conf);
        return -1;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, totals);
    rd_kafka_t *rk = kafka_new(RD_KAFKA_PRODUCER, conf, err);
    if (!rk) return -1;

    /* Fail fast, and clearly, when Kafka cannot be reached. */
    const char *check_topic =
        records->count ? cfg->data_topic : cfg->models_topic;
    if (kafka_topic_partitions(rk, check_topic, 10000, err) < 0) {
        ms_error_prefix(err, "cannot reach Kafka at %s", cfg->brokers);
        rd_kafka_destroy(rk);
        return -1;
    }

    int rc = 0;
    int64_t start = clock_mono_ns();
    int64_t next_model = start, next_progress = start + cfg->progress_interval_ns;
    uint64_t last_progress_records = 0;
    size_t model_index = 0;
    int records_done = records->count == 0 || cfg->max_records == 0;
    int models_done = models->count == 0 || cfg->max_models == 0;

    /* The run ends when the records are done and so are the models, or
     * when the models are unlimited and only records bound the run. */
    int bounded_by_records = records->count > 0 && cfg->max_models < 0;
    while (!*stop && rc == 0 &&
           !(records_done && (models_done || bounded_by_records))) {
        /* Records done, a few models left: no reason to wait for them. */
        if (records_done && records->count) next_model = clock_mono_ns();
        int64_t now = clock_mono_ns();
        if (!models_done && now >= next_model) {
            rc = send_model(rk, cfg, &models->files[model_index], err);
            model_index = (model_index + 1) % models->count;
            totals->models_sent++;
            next_model += cfg->model_interval_ns;
            if (cfg->max_models >= 0 &&
                totals->models_sent >= (uint64_t)cfg->max_models)
                models_done = 1;
        }
        /* Every record due by now (in bursts, so that models and progress
         * still get their turn at full speed), then back to the clock. */
        for (int burst = 0; burst < 10000 && !records_done && rc == 0 && !*stop;
             burst++) {
            int64_t due = cfg->data_interval_ns *
                          (int64_t)totals->records_sent;
            if (start + due > clock_mono_ns()) break;
            const encoded_record *r =
                &records->records[totals->records_sent % records->count];
            rc = produce(rk, cfg->data_topic, r->bytes, r->len, NULL, err);
            totals->records_sent++;
            if (cfg->max_records >= 0 &&
                totals->records_sent >= (uint64_t)cfg->max_records)
                records_done = 1;
            if ((totals->records_sent & 1023) == 0) rd_kafka_poll(rk, 0);
        }
        rd_kafka_poll(rk, 0);
        now = clock_mono_ns();
        if (now >= next_progress) {
            double secs = (double)cfg->progress_interval_ns / 1e9;
            log_info("publisher", "%llu record(s) sent (%.0f/s), %llu "
                                  "model(s)",
                     (unsigned long long)totals->records_sent,
                     (double)(totals->records_sent - last_progress_records) /
                         secs,
                     (unsigned long long)totals->models_sent);
            last_progress_records = totals->records_sent;
            next_progress = now + cfg->progress_interval_ns;
        }
        int64_t wake = next_progress;
        if (!models_done && next_model < wake) wake = next_model;
        if (!records_done) {
            int64_t next_record =
                start + cfg->data_interval_ns * (int64_t)totals->records_sent;
            if (next_record < wake) wake = next_record;
        }
        if (!records_done || !models_done) sleep_until(wake);
    }

    log_info("publisher", "flushing %d queued message(s)", rd_kafka_outq_len(rk));
    rd_kafka_resp_err_t ferr = rd_kafka_flush(rk, 30000);
    if (rc == 0 && ferr)
        rc = ms_error_set(err, "%d message(s) not delivered within 30s: %s",
                          rd_kafka_outq_len(rk), rd_kafka_err2str(ferr));
    if (rc == 0 && totals->delivery_failures)
        rc = ms_error_set(err, "%llu message(s) were not delivered",
                          (unsigned long long)totals->delivery_failures);
    rd_kafka_destroy(rk);
    return rc;
}
