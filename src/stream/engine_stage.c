/*
 * engine_stage.c - the `stage` engine: one stage owns both inputs.
 *
 * A single thread sleeps in poll(2) on a pipe per Kafka queue (librdkafka
 * writes to it when the queue turns non-empty) and wakes for whichever input
 * has work. Pending model updates are applied before every batch of
 * records, so a new model takes effect between two records.
 */
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "stream/engine_internal.h"
#include "telemetry/log.h"

/* Asks librdkafka to write a byte to a pipe when a queue turns non-empty. */
static int watch_queue(rd_kafka_t *rk, int fds[2]) {
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return -1;
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    rd_kafka_queue_io_event_enable(q, fds[1], "1", 1);
    rd_kafka_queue_destroy(q);
    return 0;
}

static void unwatch_queue(rd_kafka_t *rk, int fds[2]) {
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    rd_kafka_queue_io_event_enable(q, -1, NULL, 0);
    rd_kafka_queue_destroy(q);
    close(fds[0]);
    close(fds[1]);
}

static void drain_pipe(int fd) {
    char buf[64];
    while (read(fd, buf, sizeof buf) > 0) {
    }
}

int engine_run_stage(engine *e, const volatile sig_atomic_t *stop) {
    int data_pipe[2], models_pipe[2];
    if (watch_queue(e->data_rk, data_pipe) != 0) {
        log_error("engine", "cannot create a pipe for queue events");
        return -1;
    }
    if (watch_queue(e->models_rk, models_pipe) != 0) {
        unwatch_queue(e->data_rk, data_pipe);
        log_error("engine", "cannot create a pipe for queue events");
        return -1;
    }
    scorer sc;
    scorer_init(&sc, e);
    while (!*stop && !e->fatal) {
        int busy = 0;
        rd_kafka_message_t *msg;
        while ((msg = rd_kafka_consumer_poll(e->models_rk, 0))) {
            engine_handle_model_message(e, msg);
            rd_kafka_message_destroy(msg);
            busy = 1;
        }
        rd_kafka_message_t *batch[SCORER_BATCH];
        int n = 0;
        while (n < SCORER_BATCH && (batch[n] = rd_kafka_consumer_poll(e->data_rk, 0)))
            scorer_handle(&sc, batch[n++]);
        scorer_flush(&sc);
        for (int i = 0; i < n; i++) rd_kafka_message_destroy(batch[i]);
        if (n) busy = 1;
        engine_tick(e);
        if (!busy) {
            struct pollfd fds[2] = {{.fd = data_pipe[0], .events = POLLIN},
                                    {.fd = models_pipe[0], .events = POLLIN}};
            /* A bounded wait, so a stop request and deliveries are served
             * promptly. */
            if (poll(fds, 2, 50) > 0) {
                drain_pipe(data_pipe[0]);
                drain_pipe(models_pipe[0]);
            }
        }
    }
    scorer_free(&sc);
    unwatch_queue(e->data_rk, data_pipe);
    unwatch_queue(e->models_rk, models_pipe);
    return 0;
}
