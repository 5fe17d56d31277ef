/*
 * broker.h - the embedded Kafka-protocol broker: librdkafka's mock cluster,
 * in process, listening on loopback.
 *
 * It speaks the real wire protocol (produce, fetch, consumer groups, offset
 * commits), so the server, the publisher, kcat and python clients all talk
 * to it as to Kafka. Ports are random; broker_bootstraps() says where it is.
 * It does not support CreateTopics, so the topics the system uses are
 * created here, at start.
 */
#ifndef MS_STREAM_BROKER_H
#define MS_STREAM_BROKER_H

#include "core/error.h"

typedef struct broker broker;

typedef struct broker_topic {
    const char *name;
    int partitions;
} broker_topic;

/* Starts a cluster of nbrokers (1..9) and creates the topics. Returns NULL
 * with err filled on failure. */
broker *broker_start(int nbrokers, const broker_topic *topics, int ntopics,
                     ms_error *err);

/* "127.0.0.1:port,..." - valid until broker_stop(). */
const char *broker_bootstraps(const broker *b);

/* The librdkafka mock cluster handle, for fault injection in tests. */
struct rd_kafka_mock_cluster_s *broker_mock_cluster(broker *b);

void broker_stop(broker *b);

#endif
