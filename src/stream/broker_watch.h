/*
 * broker_watch.h - is Kafka reachable? The engine's producer reports its
 * view of every broker once a second (librdkafka statistics); this turns
 * that into a state /health and /metrics show, and into one log line per
 * event: a broker lost or back, the whole cluster gone, the cluster back
 * (librdkafka's own retry chatter is logged at debug level, see kafka.c).
 */
#ifndef MS_STREAM_BROKER_WATCH_H
#define MS_STREAM_BROKER_WATCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct broker_watch broker_watch;

/* bootstrap is named in the log lines (copied). NULL when out of memory. */
broker_watch *broker_watch_new(const char *bootstrap);
void broker_watch_free(broker_watch *w);

/* One statistics document of librdkafka (JSON, len bytes), at the time
 * now_ms (milliseconds, any clock that only goes forward). */
void broker_watch_stats(broker_watch *w, const char *json, size_t len,
                        int64_t now_ms);

typedef struct broker_watch_status {
    int connected;          /* 1 until a report shows no broker reachable */
    int brokers_up;         /* in the last report */
    int brokers_known;
    uint64_t outages;       /* times no broker at all was reachable */
    int64_t outage_ms;      /* length of the current outage; 0 if none */
} broker_watch_status;

/* Any thread. */
void broker_watch_status_get(broker_watch *w, int64_t now_ms,
                             broker_watch_status *out);

#endif
