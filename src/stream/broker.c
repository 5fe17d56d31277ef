/* broker.c - the in-process mock Kafka cluster (see broker.h). */
#include "stream/broker.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdlib.h>

struct broker {
    rd_kafka_t *owner;              /* the handle the mock cluster lives in */
    rd_kafka_mock_cluster_t *mcluster;
};

broker *broker_start(int nbrokers, const broker_topic *topics, int ntopics,
                     ms_error *err) {
    if (nbrokers < 1 || nbrokers > 9) {
        ms_error_set(err, "embedded broker: %d brokers asked for; use 1 to 9",
                     nbrokers);
        return NULL;
    }
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* The owner never talks to a broker itself; keep it quiet. */
    rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
    rd_kafka_t *owner =
        rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!owner) {
        rd_kafka_conf_destroy(conf);
        ms_error_set(err, "embedded broker: %s", errstr);
        return NULL;
    }
    rd_kafka_mock_cluster_t *mcluster = rd_kafka_mock_cluster_new(owner, nbrokers);
    if (!mcluster) {
        rd_kafka_destroy(owner);
        ms_error_set(err, "embedded broker: could not start the mock cluster "
                          "(are loopback sockets available?)");
        return NULL;
    }
    for (int i = 0; i < ntopics; i++) {
        int replication = nbrokers < 3 ? nbrokers : 3;
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(
            mcluster, topics[i].name, topics[i].partitions, replication);
        if (e) {
            rd_kafka_mock_cluster_destroy(mcluster);
            rd_kafka_destroy(owner);
            ms_error_set(err, "embedded broker: cannot create topic '%s': %s",
                         topics[i].name, rd_kafka_err2str(e));
            return NULL;
        }
    }
    broker *b = malloc(sizeof *b);
    if (!b) {
        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(owner);
        ms_error_set(err, "embedded broker: out of memory");
        return NULL;
    }
    b->owner = owner;
    b->mcluster = mcluster;
    return b;
}

const char *broker_bootstraps(const broker *b) {
    return rd_kafka_mock_cluster_bootstraps(b->mcluster);
}

struct rd_kafka_mock_cluster_s *broker_mock_cluster(broker *b) {
    return b->mcluster;
}

void broker_stop(broker *b) {
    if (!b) return;
    rd_kafka_mock_cluster_destroy(b->mcluster);
    rd_kafka_destroy(b->owner);
    free(b);
}
