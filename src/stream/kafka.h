/*
 * kafka.h - librdkafka set-up shared by every program: configuration with
 * our logging wired in, and waiting for a topic's metadata.
 */
#ifndef MS_STREAM_KAFKA_H
#define MS_STREAM_KAFKA_H

#include <librdkafka/rdkafka.h>

#include "core/error.h"

/* Extra librdkafka properties for every client this process makes, as
 * "name=value,name=value" (security.protocol, sasl.*, session.timeout.ms,
 * ...). Checked against librdkafka at once: -1 with err naming the bad one.
 * Call once at start, before any client is made. */
int kafka_set_properties(const char *list, ms_error *err);

/* From now on, connection failures (a broker unreachable, every broker
 * down) are logged at debug level only: for a process whose broker watch
 * (stream/broker_watch.h) says each such event once, instead of every
 * client saying it at every retry. */
void kafka_quiet_transport_errors(void);

/* A configuration with bootstrap.servers, client.id, the extra properties,
 * and librdkafka's log and error callbacks routed to our log. The caller
 * owns it (it is consumed by rd_kafka_new). */
rd_kafka_conf_t *kafka_conf_new(const char *brokers, const char *client_id);

/* Sets one property; -1 with err naming the property on failure. */
int kafka_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value,
                   ms_error *err);

/* Sets a tuning default (batching, prefetch, waits): unlike
 * kafka_conf_set(), a value given by the user (kafka_set_properties) wins. */
int kafka_conf_tune(rd_kafka_conf_t *conf, const char *name, const char *value,
                    ms_error *err);

/* Creates a handle (conf is consumed on success and on failure). */
rd_kafka_t *kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf,
                      ms_error *err);

/* A consumer that reads partitions it assigns itself: it never joins a
 * group or commits (librdkafka wants a group.id all the same: a private
 * one, "CLIENT-PURPOSE-PID-TIME", shares nothing), reads no partition EOF
 * events, and waits at most fetch_wait_ms on an empty fetch. Its messages
 * come from rd_kafka_consumer_poll(). NULL with err filled on failure. */
rd_kafka_t *kafka_assign_consumer(const char *brokers, const char *client_id,
                                  const char *purpose, int fetch_wait_ms,
                                  ms_error *err);

/* Asks the cluster for a topic's partition count, waiting up to timeout_ms.
 * Returns the count, or -1 with err filled (unknown topic, broker down). */
int kafka_topic_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms,
                           ms_error *err);

/* Leaves the consumer group within timeout_ms, giving up its partitions
 * without committing (commit first: rd_kafka_commit); a dead broker cannot
 * hold a shutdown hostage. Returns 0 when closed cleanly, -1 when the time
 * ran out. Destroy the handle afterwards with kafka_consumer_destroy(). */
int kafka_consumer_close(rd_kafka_t *rk, int timeout_ms);

/* Destroys a consumer without closing it again. */
void kafka_consumer_destroy(rd_kafka_t *rk);

#endif
