/* broker_control.c - fault-injection commands (see broker_control.h). */
#include "stream/broker_control.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Kafka API keys by name, for the commands people type. */
static const struct {
    const char *name;
    int16_t key;
} apis[] = {
    {"Produce", 0},       {"Fetch", 1},           {"ListOffsets", 2},
    {"Metadata", 3},      {"OffsetCommit", 8},    {"OffsetFetch", 9},
    {"FindCoordinator", 10}, {"JoinGroup", 11},   {"Heartbeat", 12},
    {"LeaveGroup", 13},   {"SyncGroup", 14},      {"InitProducerId", 22},
};

static int parse_api(const char *text, int16_t *key) {
    for (size_t i = 0; i < sizeof apis / sizeof apis[0]; i++)
        if (strcasecmp(text, apis[i].name) == 0) {
            *key = apis[i].key;
            return 0;
        }
    char *end;
    long v = strtol(text, &end, 10);
    if (*end || v < 0 || v > 100) return -1;
    *key = (int16_t)v;
    return 0;
}

static int parse_error(const char *text, rd_kafka_resp_err_t *err) {
    char *end;
    long v = strtol(text, &end, 10);
    if (!*end) {
        *err = (rd_kafka_resp_err_t)v;
        return 0;
    }
    const struct rd_kafka_err_desc *descs;
    size_t n;
    rd_kafka_get_err_descs(&descs, &n);
    for (size_t i = 0; i < n; i++)
        if (descs[i].name && strcasecmp(descs[i].name, text) == 0) {
            *err = descs[i].code;
            return 0;
        }
    return -1;
}

int broker_control(broker *b, const char *line, char *reply, size_t cap) {
    rd_kafka_mock_cluster_t *mc = broker_mock_cluster(b);
    char cmd[32], a[64], num[32], c[64];
    /* Words by sscanf, numbers by strtol (sscanf's %ld has undefined
     * behaviour on overflow). */
    int n = sscanf(line, "%31s %63s %31s %63s", cmd, a, num, c);
    long x = n >= 3 ? strtol(num, NULL, 10) : 0;
    int id = n >= 2 ? (int)strtol(a, NULL, 10) : 0;
    if (n >= 2 && strcmp(cmd, "down") == 0) {
        rd_kafka_mock_broker_set_down(mc, id);
    } else if (n >= 2 && strcmp(cmd, "up") == 0) {
        rd_kafka_mock_broker_set_up(mc, id);
    } else if (n >= 3 && strcmp(cmd, "rtt") == 0) {
        rd_kafka_mock_broker_set_rtt(mc, id, (int)x);
    } else if (n == 4 && strcmp(cmd, "leader") == 0) {
        /* leader TOPIC PARTITION ID: a (the topic), num, c (the broker). */
        int broker_id = (int)strtol(c, NULL, 10);
        rd_kafka_resp_err_t err =
            rd_kafka_mock_partition_set_leader(mc, a, (int32_t)x, broker_id);
        if (err) {
            snprintf(reply, cap, "error: %s", rd_kafka_err2str(err));
            return -1;
        }
    } else if (n == 4 && strcmp(cmd, "errors") == 0) {
        int16_t api;
        rd_kafka_resp_err_t err;
        if (parse_api(a, &api) != 0) {
            snprintf(reply, cap, "error: unknown API '%s'", a);
            return -1;
        }
        if (parse_error(c, &err) != 0) {
            snprintf(reply, cap, "error: unknown Kafka error '%s'", c);
            return -1;
        }
        if (x < 1 || x > 100000) {
            snprintf(reply, cap, "error: COUNT must be 1..100000");
            return -1;
        }
        rd_kafka_resp_err_t *errs = malloc((size_t)x * sizeof *errs);
        if (!errs) {
            snprintf(reply, cap, "error: out of memory");
            return -1;
        }
        for (long i = 0; i < x; i++) errs[i] = err;
        rd_kafka_mock_push_request_errors_array(mc, api, (size_t)x, errs);
        free(errs);
    } else {
        snprintf(reply, cap, "error: unknown command (down ID, up ID, rtt ID "
                             "MS, errors API COUNT ERROR, leader TOPIC "
                             "PARTITION ID)");
        return -1;
    }
    snprintf(reply, cap, "ok");
    return 0;
}
