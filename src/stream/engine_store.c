/*
 * engine_store.c - the `store` engine: the model stream and the data stream
 * run independently and meet only in the shared model store.
 *
 *   main thread    consumer events (rebalances), delivery reports, offsets,
 *                  checkpoints
 *   model thread   reads the models topic, builds each model off the
 *                  scoring path and swaps it into the store
 *   N workers      each owns a librdkafka queue; on assignment, partition p
 *                  is forwarded to worker p % N, so a partition's records
 *                  are scored in order and partitions in parallel
 *
 * Around a rebalance the main thread pauses the workers (each finishes the
 * record in hand and waits), so the revoked partitions' work is complete
 * before their offsets are committed and they are given up.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "stream/engine_internal.h"
#include "telemetry/log.h"

/* Nice value of the model thread (0 normal, 19 lowest). */
#define MODEL_THREAD_NICE 10

struct worker {
    engine *engine;
    int index;
    pthread_t thread;
    rd_kafka_queue_t *queue;
};

/* Pauses nest: a transaction commit inside a rebalance pauses again. */
void engine_workers_pause(engine *e) {
    if (e->nworkers == 0) return;
    pthread_mutex_lock(&e->pause_lock);
    e->paused++;
    while (e->idle < e->nworkers) pthread_cond_wait(&e->pause_cond, &e->pause_lock);
    pthread_mutex_unlock(&e->pause_lock);
}

void engine_workers_resume(engine *e) {
    if (e->nworkers == 0) return;
    pthread_mutex_lock(&e->pause_lock);
    if (e->paused > 0 && --e->paused == 0)
        pthread_cond_broadcast(&e->pause_cond);
    pthread_mutex_unlock(&e->pause_lock);
}

void engine_workers_take(engine *e, rd_kafka_topic_partition_list_t *parts) {
    for (int i = 0; e->nworkers && i < parts->cnt; i++) {
        rd_kafka_topic_partition_t *tp = &parts->elems[i];
        rd_kafka_queue_t *pq =
            rd_kafka_queue_get_partition(e->data_rk, tp->topic, tp->partition);
        if (!pq) continue;
        rd_kafka_queue_forward(pq, e->workers[tp->partition % e->nworkers].queue);
        rd_kafka_queue_destroy(pq);
    }
}

/* Waits while the main thread holds the workers paused; returns 0 when the
 * worker should stop. */
static int wait_while_paused(engine *e) {
    pthread_mutex_lock(&e->pause_lock);
    if (e->paused) {
        e->idle++;
        pthread_cond_broadcast(&e->pause_cond);
        while (e->paused && !e->stopping)
            pthread_cond_wait(&e->pause_cond, &e->pause_lock);
        e->idle--;
    }
    int go_on = !e->stopping;
    pthread_mutex_unlock(&e->pause_lock);
    return go_on;
}

static void *worker_main(void *arg) {
    worker *w = arg;
    engine *e = w->engine;
    char name[16];
    snprintf(name, sizeof name, "ms-score-%d", w->index);
    pthread_setname_np(pthread_self(), name); /* as top -H and perf show it */
    store_thread_online();
    scorer *sc = malloc(sizeof *sc);
    if (!sc) {
        log_error("engine", "worker %d: out of memory", w->index);
        store_thread_offline();
        return NULL;
    }
    scorer_init(sc, e);
    /* Records come in batches: one look at the pause flag per batch rather
     * than per record. A worker waits for one record, then takes whatever
     * else is already queued (consume_batch_queue would wait for a full
     * batch, holding a slow stream's records back for its whole timeout). */
    rd_kafka_message_t *batch[SCORER_BATCH];
    while (wait_while_paused(e)) {
        if (!(batch[0] = rd_kafka_consume_queue(w->queue, 100))) continue;
        ssize_t n = 1 + rd_kafka_consume_batch_queue(w->queue, 0, batch + 1,
                                                     SCORER_BATCH - 1);
        if (n < 1) n = 1; /* the batch call failed: score the one we have */
        for (ssize_t i = 0; i < n; i++) scorer_handle(sc, batch[i]);
        scorer_flush(sc);
        for (ssize_t i = 0; i < n; i++) rd_kafka_message_destroy(batch[i]);
    }
    scorer_free(sc);
    free(sc);
    store_thread_offline();
    return NULL;
}

typedef struct model_thread {
    engine *engine;
    const volatile sig_atomic_t *stop;
} model_thread;

static void *models_main(void *arg) {
    model_thread *mt = arg;
    engine *e = mt->engine;
    pthread_setname_np(pthread_self(), "ms-models");
    /* Compiling a model takes milliseconds of CPU (the seed's forest about
     * 8): at normal priority the scheduler takes a core from a scoring
     * worker for it, mid-record. Niced, the load uses what scoring leaves.
     * (On Linux the nice value is per thread.) */
    if (setpriority(PRIO_PROCESS, (id_t)gettid(), MODEL_THREAD_NICE) != 0)
        log_debug("engine", "model thread keeps its priority: %s", strerror(errno));
    store_thread_online(); /* swaps wait for grace periods */
    while (!*mt->stop) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(e->models_rk, 100);
        if (!msg) continue;
        engine_handle_model_message(e, msg);
        rd_kafka_message_destroy(msg);
    }
    store_thread_offline();
    return NULL;
}

static void stop_workers(engine *e, int started) {
    pthread_mutex_lock(&e->pause_lock);
    e->stopping = 1;
    pthread_cond_broadcast(&e->pause_cond);
    pthread_mutex_unlock(&e->pause_lock);
    for (int i = 0; i < started; i++) pthread_join(e->workers[i].thread, NULL);
    for (int i = 0; i < e->nworkers; i++)
        if (e->workers[i].queue) rd_kafka_queue_destroy(e->workers[i].queue);
    free(e->workers);
    e->workers = NULL;
    e->nworkers = 0;
}

int engine_run_store(engine *e, const volatile sig_atomic_t *stop) {
    int n = e->cfg.threads > 0 ? e->cfg.threads : 1;
    /* Partition queues go to the workers: what reaches the main queue is
     * consumer errors, and a record only if a partition could not be
     * forwarded, which is then scored here rather than lost. */
    scorer *main_scorer = malloc(sizeof *main_scorer);
    e->workers = calloc((size_t)n, sizeof *e->workers);
    if (!e->workers || !main_scorer) {
        free(e->workers);
        free(main_scorer);
        e->workers = NULL;
        log_error("engine", "out of memory for %d workers", n);
        return -1;
    }
    scorer_init(main_scorer, e);
    e->nworkers = n;
    int started = 0;
    for (; started < n; started++) {
        worker *w = &e->workers[started];
        w->engine = e;
        w->index = started;
        w->queue = rd_kafka_queue_new(e->data_rk);
        if (!w->queue || pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            log_error("engine", "cannot start scoring worker %d", started);
            stop_workers(e, started);
            free(main_scorer);
            return -1;
        }
    }
    model_thread mt = {e, stop};
    pthread_t models;
    if (pthread_create(&models, NULL, models_main, &mt) != 0) {
        log_error("engine", "cannot start the model thread");
        stop_workers(e, started);
        free(main_scorer);
        return -1;
    }
    log_info("engine", "store engine: %d scoring worker(s), one model thread", n);

    /* The main thread sleeps on the producer's queue, so a delivery report
     * finishes its record as soon as it arrives (the offsets to commit,
     * and back-pressure on a full producer queue, depend on them); the
     * consumer's main queue carries only rebalances and errors. */
    while (!*stop && !e->fatal) {
        rd_kafka_poll(e->producer, 10);
        rd_kafka_message_t *msg;
        while ((msg = rd_kafka_consumer_poll(e->data_rk, 0))) {
            scorer_handle(main_scorer, msg);
            scorer_flush(main_scorer);
            rd_kafka_message_destroy(msg);
        }
        engine_tick(e);
    }
    scorer_free(main_scorer);
    free(main_scorer);
    pthread_join(models, NULL);
    stop_workers(e, started);
    return 0;
}
