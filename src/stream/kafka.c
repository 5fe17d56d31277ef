/* kafka.c - librdkafka configuration and metadata helpers (see kafka.h). */
#include "stream/kafka.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/stats.h"
#include "telemetry/log.h"

/* Whether connection failures are logged as they happen (see kafka.h). */
static atomic_int transport_quiet;

void kafka_quiet_transport_errors(void) { atomic_store(&transport_quiet, 1); }

static void on_log(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf) {
    (void)rk;
    /* syslog levels: 0..3 errors, 4 warning, 5..6 info, 7 debug. FAIL lines
     * are connection failures, which the error callback reports too. */
    log_level ours = level <= 3 ? LOG_ERROR
                   : level == 4 ? LOG_WARN
                   : level <= 6 ? LOG_INFO
                                : LOG_DEBUG;
    if (strcmp(fac, "FAIL") == 0 && atomic_load(&transport_quiet))
        ours = LOG_DEBUG;
    log_write(ours, "kafka", "%s: %s", fac, buf);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
    (void)opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char fatal[512];
        rd_kafka_fatal_error(rk, fatal, sizeof fatal);
        log_error("kafka", "fatal client error: %s; restart the process", fatal);
        return;
    }
    /* Transport errors are retried by librdkafka; say so, once per event
     * (or leave it to the broker watch, which says it once per outage). */
    int transport = err == RD_KAFKA_RESP_ERR__TRANSPORT ||
                    err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN;
    log_write(transport && atomic_load(&transport_quiet) ? LOG_DEBUG : LOG_WARN,
              "kafka", "%s: %s (librdkafka retries by itself; check the "
                      "brokers if this repeats)",
             rd_kafka_err2name(err), reason);
}

/* The extra properties, as parsed pairs; set once before clients exist. */
#define MAX_PROPERTIES 64
static char *property_names[MAX_PROPERTIES], *property_values[MAX_PROPERTIES];
static int nproperties;

int kafka_set_properties(const char *list, ms_error *err) {
    if (!list || !list[0]) return 0;
    char *copy = strdup(list), *save = NULL;
    if (!copy) return ms_error_set(err, "out of memory");
    rd_kafka_conf_t *probe = rd_kafka_conf_new();
    int rc = 0;
    for (char *item = strtok_r(copy, ",", &save); item && rc == 0;
         item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        if (!eq || eq == item) {
            rc = ms_error_set(err, "kafka property '%s' is not name=value",
                              item);
        } else if (nproperties == MAX_PROPERTIES) {
            rc = ms_error_set(err, "more than %d kafka properties",
                              MAX_PROPERTIES);
        } else {
            *eq = 0;
            rc = kafka_conf_set(probe, item, eq + 1, err);
            if (rc == 0) {
                property_names[nproperties] = strdup(item);
                property_values[nproperties++] = strdup(eq + 1);
            }
        }
    }
    rd_kafka_conf_destroy(probe);
    free(copy);
    return rc;
}

rd_kafka_conf_t *kafka_conf_new(const char *brokers, const char *client_id) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers, NULL, 0);
    rd_kafka_conf_set(conf, "client.id", client_id, NULL, 0);
    /* Producer-only or consumer-only properties warn on the other kind of
     * client; they were validated once in kafka_set_properties(). */
    for (int i = 0; i < nproperties; i++)
        rd_kafka_conf_set(conf, property_names[i], property_values[i], NULL, 0);
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_error_cb(conf, on_error);
    return conf;
}

/* Whether a property's value must never be shown: passwords, keys and
 * tokens (librdkafka redacts the same ones in its own dumps). */
static bool is_secret(const char *name) {
    static const char *const marks[] = {"password", "secret", "key",
                                        "jaas", "oauthbearer", "token"};
    for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
        if (strstr(name, marks[i])) return true;
    return false;
}

int kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value,
                   ms_error *err) {
    char errstr[512];
    rd_kafka_conf_res_t res =
        rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr);
    if (res == RD_KAFKA_CONF_OK) return 0;
    /* The value of a misspelt name may be a secret ("sasl.pasword"): it
     * is shown only for a known property that is not one. */
    if (res == RD_KAFKA_CONF_UNKNOWN)
        return ms_error_set(err, "kafka property '%s' does not exist (value "
                                 "not shown); check its spelling against "
                                 "librdkafka's CONFIGURATION.md", name);
    if (is_secret(name))
        return ms_error_set(err, "kafka property %s=(not shown): %s", name,
                            errstr);
    return ms_error_set(err, "kafka property %s=%s: %s", name, value, errstr);
}

int kafka_conf_tune(rd_kafka_conf_t *conf, const char *name, const char *value,
                    ms_error *err) {
    for (int i = 0; i < nproperties; i++)
        if (strcmp(property_names[i], name) == 0) return 0;
    return kafka_conf_set(conf, name, value, err);
}

rd_kafka_t *kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf,
                      ms_error *err) {
    char errstr[512];
    rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        ms_error_set(err, "cannot create Kafka client: %s", errstr);
    }
    return rk;
}

rd_kafka_t *kafka_assign_consumer(const char *brokers, const char *client_id,
                                  const char *purpose, int fetch_wait_ms,
                                  ms_error *err) {
    rd_kafka_conf_t *conf = kafka_conf_new(brokers, client_id);
    char group[256], wait[16];
    snprintf(group, sizeof group, "%s-%s-%d-%lld", client_id, purpose,
             (int)getpid(), (long long)clock_mono_ns());
    snprintf(wait, sizeof wait, "%d", fetch_wait_ms);
    if (kafka_conf_set(conf, "group.id", group, err) ||
        kafka_conf_set(conf, "enable.auto.commit", "false", err) ||
        kafka_conf_set(conf, "enable.partition.eof", "false", err) ||
        /* When the position is gone (retention removed it while we were
         * down, or the broker dropped an oversized message), go back to
         * the oldest message still there, never past the ones that are:
         * the default "latest" skipped model updates (seen on the embedded
         * broker, which keeps about 5 MB per partition). */
        kafka_conf_set(conf, "auto.offset.reset", "earliest", err) ||
        kafka_conf_set(conf, "fetch.wait.max.ms", wait, err)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = kafka_new(RD_KAFKA_CONSUMER, conf, err);
    if (rk) rd_kafka_poll_set_consumer(rk);
    return rk;
}

int kafka_topic_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms,
                           ms_error *err) {
    int64_t deadline = clock_mono_ns() / 1000000 + timeout_ms;
    rd_kafka_resp_err_t last = RD_KAFKA_RESP_ERR_NO_ERROR;
    do {
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        const struct rd_kafka_metadata *md = NULL;
        last = rd_kafka_metadata(rk, 0, rkt, &md, 1000);
        rd_kafka_topic_destroy(rkt);
        if (!last && md->topic_cnt == 1) {
            last = md->topics[0].err;
            int partitions = md->topics[0].partition_cnt;
            rd_kafka_metadata_destroy(md);
            if (!last && partitions > 0) return partitions;
        } else if (md) {
            rd_kafka_metadata_destroy(md);
        }
        if (last != RD_KAFKA_RESP_ERR__TRANSPORT &&
            last != RD_KAFKA_RESP_ERR__TIMED_OUT &&
            last != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART &&
            last != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 200L * 1000000}, NULL);
    } while (clock_mono_ns() / 1000000 < deadline);
    return ms_error_set(err, "topic '%s' is not available: %s", topic,
                        rd_kafka_err2str(last));
}

int kafka_consumer_close(rd_kafka_t *rk, int timeout_ms) {
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_error_t *error = rd_kafka_consumer_close_queue(rk, q);
    if (error) {
        log_warn("kafka", "closing the consumer: %s",
                 rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
        rd_kafka_queue_destroy(q);
        return -1;
    }
    int64_t deadline = clock_mono_ns() / 1000000 + timeout_ms;
    while (!rd_kafka_consumer_closed(rk) &&
           clock_mono_ns() / 1000000 < deadline) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 100);
        if (!ev) continue;
        /* With a close queue, the application completes the final revoke
         * itself; offsets were committed before closing. */
        if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE &&
            rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS)
            rd_kafka_assign(rk, NULL);
        rd_kafka_event_destroy(ev);
    }
    int closed = rd_kafka_consumer_closed(rk);
    rd_kafka_queue_destroy(q);
    if (!closed)
        log_warn("kafka", "the consumer did not leave its group within %dms "
                          "(brokers unreachable?); its partitions move to "
                          "other instances after the session timeout",
                 timeout_ms);
    return closed ? 0 : -1;
}

void kafka_consumer_destroy(rd_kafka_t *rk) {
    rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}
