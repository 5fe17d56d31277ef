/*
 * bench_e2e.c - end-to-end throughput, model-swap gaps and latency of the
 * engines, against the raw Kafka limit measured in the same run.
 *
 *   bench_e2e [--records N] [--threads N] CSV LABEL=MODEL...
 *
 * Everything runs in this process on loopback: the embedded broker, the
 * engines (the same code as modelserver, through engine.h), a producer and
 * consumers of our own. The data topic (6 partitions) is filled once with N
 * WineRecords made from the CSV rows; then:
 *
 *   baseline   a plain librdkafka consumer reads the N records and does
 *              nothing else: the Kafka limit on this machine;
 *   e2e        each model (LABEL=MODEL; .pmml is PMML, .pb TensorFlow) is
 *              served by the stage engine, the store engine with 1 worker
 *              and with --threads workers, each in a fresh consumer group,
 *              reading all N records and producing a result for each;
 *              records/s from the first record read to the last result
 *              acknowledged, best of --repeat runs (3); each run follows
 *              a baseline run, and the ratio is the median of the runs'
 *              ratios to their own baseline (the machine is shared and
 *              its load changes by the second);
 *   swap       the store engine serves the model labelled "forest" at
 *              full rate, reading the newest 100,000 records, while a
 *              thread publishes the forest again every 20 ms (swap runs),
 *              or publishes it under a data type no record has (load
 *              runs: all the loading work, but what scores is never
 *              swapped), or publishes nothing (noswap runs); --repeat runs
 *              of each kind, in turn. Reported per kind: the longest time
 *              the scored-records counter stood still (sampled every
 *              0.1 ms, which costs the engine some CPU: throughput runs
 *              look every 1 ms), overall and over the stand-stills during
 *              which a model took effect, and the p99 and largest scoring
 *              time per record;
 *   latency    records produced at a fixed moderate rate are scored by the
 *              store engine with the model labelled "tree"; the time from
 *              handing a record to the producer to receiving its result on
 *              the results topic, as percentiles.
 *
 * The broker keeps about 5 MB per partition: N is capped so that nothing is
 * trimmed before it is read. Prints `bench <name> <value> <unit>` lines.
 */
#include <dirent.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/stats.h"
#include "core/store.h"
#include "formats/formats.h"
#include "modelserving.pb-c.h"
#include "stream/broker.h"
#include "stream/engine.h"
#include "stream/kafka.h"
#include "telemetry/log.h"
#include "util/csv.h"
#include "util/file.h"
#include "wire/wire.h"

#define PARTITIONS 6
#define FEATURES 11
#define MAX_RECORDS 200000   /* ~130 B each: well inside 6 x 5 MB */
#define MAX_MODELS 8
#define MAX_REPEAT 15
#define SWAP_INTERVAL_MS 20  /* a full-rate run lasts well under a second */
#define SWAP_RECORDS 100000
#define LATENCY_RATE 2000    /* records/s */
#define LATENCY_RECORDS 6000

static const char *DATA = "models_data", *MODELS = "models_models",
                  *RESULTS = "models_results";

typedef struct bench_model {
    const char *label;
    model_type type;
    uint8_t *message;  /* the ModelDescriptor, by value */
    size_t message_len;
    /* the same model for a data type no record has: loading it costs what
     * loading the served one does, without swapping what scores */
    uint8_t *shadow;
    size_t shadow_len;
} bench_model;

typedef struct bench {
    const char *brokers;
    rd_kafka_t *producer;
    const double *rows;
    size_t nrows;
    long records;
    int threads;
    int groups;        /* consumer groups made so far: each run a fresh one */
    int repeat;        /* e2e runs of each kind: the best one counts */
} bench;

static void die(const char *what, const char *why) {
    fprintf(stderr, "bench_e2e: %s: %s\n", what, why);
    exit(1);
}

static double seconds_since(int64_t t0) {
    return (double)(clock_mono_ns() - t0) / 1e9;
}

/* CPU time of this process so far (every thread, user and system). */
static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(double *v, size_t n, double p) {
    if (!n) return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    size_t i = (size_t)ceil(p / 100.0 * (double)n);
    return v[i ? i - 1 : 0];
}

static rd_kafka_t *make_producer(const char *brokers) {
    rd_kafka_conf_t *conf = kafka_conf_new(brokers, "bench");
    ms_error err;
    if (kafka_conf_set(conf, "linger.ms", "5", &err) ||
        kafka_conf_set(conf, "enable.idempotence", "true", &err) ||
        kafka_conf_set(conf, "queue.buffering.max.messages", "1000000", &err))
        die("producer", err.msg);
    rd_kafka_t *rk = kafka_new(RD_KAFKA_PRODUCER, conf, &err);
    if (!rk) die("producer", err.msg);
    return rk;
}

static void produce(rd_kafka_t *rk, const char *topic, int partition,
                    const void *buf, size_t len) {
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_VALUE((void *)buf, len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("produce", rd_kafka_err2str(e));
        rd_kafka_poll(rk, 10);
    }
}

static void flush(rd_kafka_t *rk) {
    if (rd_kafka_flush(rk, 60000)) die("flush", "messages not delivered in 60 s");
}

/* Record i goes to partition i mod PARTITIONS, so a partition's offsets
 * map back to record numbers: i = (offset - base) * PARTITIONS + p. */
static void produce_record(bench *b, long i) {
    uint8_t buf[256];
    size_t len = wire_encode_wine(b->rows + (size_t)(i % (long)b->nrows) * FEATURES,
                                  "wine", buf, sizeof buf);
    produce(b->producer, DATA, (int)(i % PARTITIONS), buf, len);
}

static void high_watermarks(bench *b, const char *topic, int64_t *out) {
    for (int p = 0; p < PARTITIONS; p++) {
        int64_t lo;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
            b->producer, topic, p, &lo, &out[p], 10000);
        if (e) die("watermarks", rd_kafka_err2str(e));
    }
}

/* A consumer in a fresh group of its own that never commits by itself,
 * with extra properties as name, value, ..., NULL. */
static rd_kafka_t *bench_consumer(bench *b, const char *role,
                                  const char *const *props) {
    char group[64];
    snprintf(group, sizeof group, "bench-%s-%d", role, b->groups++);
    rd_kafka_conf_t *conf = kafka_conf_new(b->brokers, "bench");
    ms_error err;
    if (kafka_conf_set(conf, "group.id", group, &err) ||
        kafka_conf_set(conf, "enable.auto.commit", "false", &err))
        die(role, err.msg);
    for (; props && props[0]; props += 2)
        if (kafka_conf_set(conf, props[0], props[1], &err)) die(role, err.msg);
    rd_kafka_t *rk = kafka_new(RD_KAFKA_CONSUMER, conf, &err);
    if (!rk) die(role, err.msg);
    rd_kafka_poll_set_consumer(rk);
    return rk;
}

/* ---- baseline: a consumer that only reads ---- */

typedef struct run_figures {
    double rate;        /* records/s, first read to last result acked */
    double cpu_us;      /* CPU time of the whole process per record */
    double max_gap_ms;  /* longest stand-still of the scored counter */
    double max_swap_gap_ms; /* the longest one during which a model took effect */
    /* the longest part of a stand-still (at a swap) during which some
     * worker was not waiting for a CPU: what the scheduler does not explain */
    double max_free_ms, max_swap_free_ms;
    int swaps;          /* models that took effect during the run */
} run_figures;

static run_figures consume_rate(bench *b) {
    static const char *const props[] = {"auto.offset.reset", "earliest", NULL};
    rd_kafka_t *rk = bench_consumer(b, "baseline", props);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, DATA, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    long seen = 0;
    int64_t t0 = 0, deadline = clock_mono_ns() + 120 * 1000000000LL;
    double cpu0 = 0;
    while (seen < b->records && clock_mono_ns() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) continue;
        if (!m->err && !seen++) {
            t0 = clock_mono_ns();
            cpu0 = cpu_seconds();
        }
        rd_kafka_message_destroy(m);
    }
    run_figures f = {0};
    if (seen == b->records) {
        f.rate = (double)(seen - 1) / seconds_since(t0);
        f.cpu_us = (cpu_seconds() - cpu0) * 1e6 / (double)(seen - 1);
    }
    kafka_consumer_close(rk, 5000);
    return f;
}

/* ---- an engine, in this process ---- */

typedef struct engine_run {
    engine *e;
    volatile sig_atomic_t stop;
    int rc;
} running_engine;

static void *run_engine_thread(void *arg) {
    running_engine *r = arg;
    pthread_setname_np(pthread_self(), "ms-engine"); /* for perf --comm */
    r->rc = engine_run(r->e, &r->stop);
    return NULL;
}


typedef struct swapper {
    bench *b;
    const uint8_t *message;
    size_t message_len;
    atomic_int stop;
} swapper;

static void *swap_thread(void *arg) {
    swapper *s = arg;
    rd_kafka_t *rk = make_producer(s->b->brokers);
    while (!atomic_load(&s->stop)) {
        produce(rk, MODELS, 0, s->message, s->message_len);
        rd_kafka_flush(rk, 1000);
        struct timespec ts = {0, SWAP_INTERVAL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    rd_kafka_destroy(rk);
    return NULL;
}

/* ---- who held the workers up ---- */

#define MAX_WORKERS 16

/* The scoring workers' time spent waiting for a CPU, from the kernel's
 * /proc/self/task/TID/schedstat (the second field, run delay in ns): it
 * tells a stand-still the scheduler made (every worker runnable, none on a
 * CPU) from one the engine made (a worker on a CPU or asleep, and still no
 * record scored). */
typedef struct worker_waits {
    int fd[MAX_WORKERS];
    int n;
} worker_waits;

static void find_workers(worker_waits *ww) {
    ww->n = 0;
    DIR *d = opendir("/proc/self/task");
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d)) && ww->n < MAX_WORKERS) {
        char path[64], comm[32] = {0};
        snprintf(path, sizeof path, "/proc/self/task/%.20s/comm", de->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        int named = fgets(comm, sizeof comm, f) && strncmp(comm, "ms-score-", 9) == 0;
        fclose(f);
        if (!named) continue;
        snprintf(path, sizeof path, "/proc/self/task/%.20s/schedstat", de->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) ww->fd[ww->n++] = fd;
    }
    closedir(d);
}

static void read_waits(const worker_waits *ww, int64_t *out) {
    for (int w = 0; w < ww->n; w++) {
        char buf[96];
        ssize_t n = pread(ww->fd[w], buf, sizeof buf - 1, 0);
        long long on_cpu = 0, waited = 0;
        buf[n > 0 ? n : 0] = 0;
        out[w] = sscanf(buf, "%lld %lld", &on_cpu, &waited) == 2 ? waited : 0;
    }
}

static void close_workers(worker_waits *ww) {
    for (int w = 0; w < ww->n; w++) close(ww->fd[w]);
    ww->n = 0;
}

/* How one engine run goes. */
typedef struct serve_plan {
    engine_kind kind;
    int threads;
    const bench_model *model;
    long expect;               /* results to wait for */
    /* a model message to publish every SWAP_INTERVAL_MS meanwhile, or NULL */
    const uint8_t *republish;
    size_t republish_len;
    long sample_us;            /* how often progress is looked at */
    int attribute;             /* read the workers' CPU waits at each look */
    const int64_t *start;      /* data-topic offsets to start at; NULL: 0 */
    void (*feed)(bench *, void *); /* runs once the engine runs, or NULL */
    void *feed_arg;
} serve_plan;

/* The plan's feed, on a thread of its own while serve() watches. */
typedef struct feeder {
    bench *b;
    const serve_plan *plan;
} feeder;

static void *feed_thread(void *arg) {
    feeder *fd = arg;
    fd->plan->feed(fd->b, fd->plan->feed_arg);
    return NULL;
}

/* A fresh consumer group whose committed offsets are `start`. */
static void new_group(bench *b, const char *prefix, const int64_t *start,
                      char *group, size_t cap) {
    snprintf(group, cap, "bench-%s-%d", prefix, b->groups++);
    if (!start) return;
    rd_kafka_conf_t *conf = kafka_conf_new(b->brokers, "bench-offsets");
    ms_error err;
    if (kafka_conf_set(conf, "group.id", group, &err)) die("group", err.msg);
    rd_kafka_t *rk = kafka_new(RD_KAFKA_CONSUMER, conf, &err);
    if (!rk) die("group", err.msg);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(PARTITIONS);
    for (int p = 0; p < PARTITIONS; p++)
        rd_kafka_topic_partition_list_add(parts, DATA, p)->offset = start[p];
    rd_kafka_resp_err_t e = rd_kafka_commit(rk, parts, 0);
    if (e) die("commit", rd_kafka_err2str(e));
    rd_kafka_topic_partition_list_destroy(parts);
    kafka_consumer_close(rk, 5000);
}

/* Serves the plan's model with one engine until plan->expect results were
 * delivered, timing it from the first record read. */
static run_figures serve(bench *b, const serve_plan *plan) {
    const bench_model *m = plan->model;
    produce(b->producer, MODELS, 0, m->message, m->message_len);
    flush(b->producer);
    char group[64];
    new_group(b, engine_kind_name(plan->kind), plan->start, group, sizeof group);
    location_policy locations = {.max_bytes = 1u << 28};
    engine_config cfg = {
        .kind = plan->kind, .threads = plan->threads, .brokers = b->brokers,
        .data_topic = DATA, .models_topic = MODELS, .results_topic = RESULTS,
        .group_id = group, .client_id = "bench",
        .offset_reset = "earliest",
        .locations = &locations,
    };
    counters c = {0};
    store *s = store_new();
    ms_error err;
    running_engine r = {.e = engine_new(&cfg, s, &c, &err)};
    if (!s || !r.e) die("engine", err.msg);
    pthread_t t;
    pthread_create(&t, NULL, run_engine_thread, &r);
    swapper sw = {.b = b, .message = plan->republish,
                  .message_len = plan->republish_len};
    pthread_t st;

    run_figures f = {0};
    feeder fd = {b, plan};
    pthread_t ft;
    if (plan->feed) {
        /* The group joins in seconds: feed only once a first record went
         * through, so what is measured is serving, not joining. */
        produce_record(b, 0);
        flush(b->producer);
        while (counter_get(&c.results_delivered) == 0) usleep(1000);
        pthread_create(&ft, NULL, feed_thread, &fd);
    }
    /* A stand-still is measured from the first to the last sample that saw
     * the same count: the count provably did not move between them, and a
     * sampler that overslept (the machine is busy) cannot stretch it. */
    int64_t t0 = 0, first_seen = 0, last_seen = 0;
    int64_t deadline = clock_mono_ns() + 300 * 1000000000LL;
    uint64_t last_scored = 0, last_loaded = 0;
    int swapped = 0; /* a model took effect since the scored count last moved */
    worker_waits ww = {.n = 0};
    int64_t waited_first[MAX_WORKERS] = {0}, waited_last[MAX_WORKERS] = {0},
            waited_now[MAX_WORKERS] = {0};
    double cpu0 = 0;
    while (clock_mono_ns() < deadline) {
        uint64_t done = counter_get(&c.results_delivered) +
                        counter_get(&c.records_malformed) +
                        counter_get(&c.records_unserved) +
                        counter_get(&c.records_failed);
        uint64_t scored = counter_get(&c.records_scored);
        uint64_t loaded = counter_get(&c.models_loaded);
        int64_t now = clock_mono_ns();
        if (!t0 && counter_get(&c.records_received)) {
            t0 = now;
            last_loaded = loaded;
            if (plan->attribute) find_workers(&ww);
            cpu0 = cpu_seconds();
            if (plan->republish) pthread_create(&st, NULL, swap_thread, &sw);
        }
        if (t0 && loaded != last_loaded) {
            f.swaps += (int)(loaded - last_loaded);
            last_loaded = loaded;
            swapped = 1;
        }
        read_waits(&ww, waited_now);
        if (scored != last_scored) {
            double gap = (double)(last_seen - first_seen) / 1e6;
            /* the worker that waited least had the rest of the stand-still
             * to score in */
            double least_wait = ww.n ? gap : 0;
            for (int w = 0; w < ww.n; w++) {
                double waited = (double)(waited_last[w] - waited_first[w]) / 1e6;
                if (waited < least_wait) least_wait = waited;
            }
            double free_ms = gap - least_wait;
            if (last_scored) {
                if (gap > f.max_gap_ms) f.max_gap_ms = gap;
                if (free_ms > f.max_free_ms) f.max_free_ms = free_ms;
                if (swapped && gap > f.max_swap_gap_ms) f.max_swap_gap_ms = gap;
                if (swapped && free_ms > f.max_swap_free_ms) f.max_swap_free_ms = free_ms;
            }
            swapped = 0;
            last_scored = scored;
            first_seen = now;
            memcpy(waited_first, waited_now, sizeof waited_now);
        }
        last_seen = now;
        memcpy(waited_last, waited_now, sizeof waited_now);
        if (done >= (uint64_t)plan->expect) break;
        struct timespec ts = {0, (plan->sample_us ? plan->sample_us : 1000) * 1000};
        nanosleep(&ts, NULL);
    }
    if (plan->attribute && !ww.n) printf("# no scoring worker's schedstat: stand-stills not attributed\n");
    close_workers(&ww);
    if (t0) {
        f.rate = (double)plan->expect / seconds_since(t0);
        f.cpu_us = (cpu_seconds() - cpu0) * 1e6 / (double)plan->expect;
    }
    if (plan->republish && t0) {
        atomic_store(&sw.stop, 1);
        pthread_join(st, NULL);
    }
    if (plan->feed) pthread_join(ft, NULL);
    uint64_t failed = counter_get(&c.records_failed) + counter_get(&c.records_unserved);
    if (failed) printf("# %llu record(s) not scored\n", (unsigned long long)failed);
    r.stop = 1;
    pthread_join(t, NULL);
    engine_free(r.e);
    store_free(s);
    return f;
}

/* A consumer of the results topic from offsets `from` (assigned, never
 * committing; librdkafka wants a group id for that all the same). */
static rd_kafka_t *results_reader(bench *b, const int64_t *from) {
    static const char *const props[] = {"fetch.wait.max.ms", "1", NULL};
    rd_kafka_t *rk = bench_consumer(b, "reader", props);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(PARTITIONS);
    for (int p = 0; p < PARTITIONS; p++)
        rd_kafka_topic_partition_list_add(parts, RESULTS, p)->offset = from[p];
    rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    return rk;
}

/* The scoring times (durationNs) of the results newer than `from`. */
static size_t result_durations(bench *b, const int64_t *from, double *out,
                               size_t max) {
    int64_t to[PARTITIONS], want = 0;
    high_watermarks(b, RESULTS, to);
    for (int p = 0; p < PARTITIONS; p++) want += to[p] - from[p];
    rd_kafka_t *rk = results_reader(b, from);
    size_t n = 0;
    int64_t seen = 0, deadline = clock_mono_ns() + 60 * 1000000000LL;
    while (seen < want && clock_mono_ns() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) continue;
        if (!m->err) {
            seen++;
            Modelserving__ServingResult *r = wire_decode_result(m->payload, m->len);
            if (r && n < max) out[n++] = (double)r->durationns;
            if (r) wire_result_message_free(r);
        }
        rd_kafka_message_destroy(m);
    }
    kafka_consumer_close(rk, 5000);
    return n;
}

/* ---- latency at a fixed rate ---- */

typedef struct latency_probe {
    int64_t base[PARTITIONS];   /* data-topic offsets before the first record */
    int64_t sent_ns[LATENCY_RECORDS];
    double latency_ms[LATENCY_RECORDS];
    size_t received;
    rd_kafka_t *results;        /* consumer of the results topic */
    pthread_t reader;           /* takes the results' arrival times */
    atomic_int stop;
} latency_probe;

static void *read_results(void *arg);

/* Produces records 0 .. count-1 at `rate` records/s, noting when each was
 * handed to the producer in sent_ns (when not NULL). */
static void feed_at_rate(bench *b, long count, long rate, int64_t *sent_ns) {
    int64_t t0 = clock_mono_ns();
    for (long i = 0; i < count;) {
        long due = (long)((clock_mono_ns() - t0) * rate / 1000000000LL) + 1;
        for (; i < count && i < due; i++) {
            if (sent_ns) sent_ns[i] = clock_mono_ns();
            produce_record(b, i);
        }
        rd_kafka_poll(b->producer, 0);
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
    flush(b->producer);
}

static void produce_at_rate(bench *b, void *arg) {
    latency_probe *lp = arg;
    high_watermarks(b, DATA, lp->base);
    pthread_create(&lp->reader, NULL, read_results, lp);
    feed_at_rate(b, LATENCY_RECORDS, LATENCY_RATE, lp->sent_ns);
}

/* Takes each result's arrival time as it comes, on its own thread. */
static void *read_results(void *arg) {
    latency_probe *lp = arg;
    while (lp->received < LATENCY_RECORDS && !atomic_load(&lp->stop)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(lp->results, 10);
        if (!m) continue;
        int64_t now = clock_mono_ns();
        Modelserving__ServingResult *r =
            m->err ? NULL : wire_decode_result(m->payload, m->len);
        if (r && r->sourcepartition >= 0 && r->sourcepartition < PARTITIONS) {
            int p = r->sourcepartition;
            int64_t i = (r->sourceoffset - lp->base[p]) * PARTITIONS + p;
            if (i >= 0 && i < LATENCY_RECORDS && lp->sent_ns[i])
                lp->latency_ms[lp->received++] = (double)(now - lp->sent_ns[i]) / 1e6;
        }
        if (r) wire_result_message_free(r);
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

static void latency(bench *b, const bench_model *tree) {
    latency_probe *lp = calloc(1, sizeof *lp);
    if (!lp) die("latency", "out of memory");
    int64_t start[PARTITIONS], results_from[PARTITIONS];
    high_watermarks(b, DATA, start);
    high_watermarks(b, RESULTS, results_from);
    lp->results = results_reader(b, results_from);
    serve_plan plan = {.kind = ENGINE_STORE, .threads = b->threads, .model = tree,
                       .expect = LATENCY_RECORDS + 1, .start = start,
                       .feed = produce_at_rate, .feed_arg = lp};
    serve(b, &plan);
    int64_t deadline = clock_mono_ns() + 10 * 1000000000LL;
    while (lp->received < LATENCY_RECORDS && clock_mono_ns() < deadline) usleep(10000);
    atomic_store(&lp->stop, 1);
    pthread_join(lp->reader, NULL);
    kafka_consumer_close(lp->results, 5000);
    printf("# latency: %zu of %d records at %d records/s, produce call to "
           "result received\n", lp->received, LATENCY_RECORDS, LATENCY_RATE);
    static const double ps[] = {50, 90, 99, 99.9};
    static const char *names[] = {"p50", "p90", "p99", "p999"};
    for (int k = 0; k < 4; k++)
        printf("bench latency.store.%s.%s_ms %.2f ms\n", tree->label, names[k],
               percentile(lp->latency_ms, lp->received, ps[k]));
    free(lp);
}

/* ---- set-up ---- */

static void load_model(const char *arg, bench_model *m) {
    const char *eq = strchr(arg, '=');
    if (!eq) die(arg, "expected LABEL=MODEL");
    m->label = strndup(arg, (size_t)(eq - arg));
    const char *path = eq + 1;
    size_t n = strlen(path);
    m->type = n > 3 && strcmp(path + n - 3, ".pb") == 0 ? MODEL_TYPE_TENSORFLOW
                                                        : MODEL_TYPE_PMML;
    uint8_t *doc;
    size_t len;
    ms_error err;
    if (file_read_all(path, 1u << 28, &doc, &len, &err)) die(path, err.msg);
    if (wire_encode_model(m->label, "bench", "wine", m->type, doc, len, NULL,
                          &m->message, &m->message_len) ||
        wire_encode_model(m->label, "bench", "shadow", m->type, doc, len, NULL,
                          &m->shadow, &m->shadow_len))
        die(path, "cannot encode the model message");
    free(doc);
}

/* Whether name is an item of the comma-separated list. */
static int listed(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == 0)) return 1;
    return 0;
}

static const bench_model *find_model(const bench_model *ms, int n, const char *label) {
    for (int i = 0; i < n; i++)
        if (strcmp(ms[i].label, label) == 0) return &ms[i];
    return NULL;
}

/* ---- the phases ---- */

/* Each engine run is paired with a baseline run just before it, and the
 * ratio is the median of the pairs' ratios: on a shared machine the load
 * changes from one second to the next, and a baseline measured once (or
 * the best of several) would compare the engines with another machine. */
static void phase_e2e(bench *b, const bench_model *models, int nmodels,
                      const char *engines) {
    struct { engine_kind kind; int threads; const char *name; } runs[] = {
        {ENGINE_STAGE, 1, "stage"}, {ENGINE_STORE, 1, "store1"},
        {ENGINE_STORE, b->threads, "store"}};
    run_figures base = {0};
    double ratios[MAX_REPEAT];
    for (int m = 0; m < nmodels; m++)
        for (size_t k = 0; k < sizeof runs / sizeof runs[0]; k++) {
            if (!listed(engines, runs[k].name)) continue;
            serve_plan plan = {.kind = runs[k].kind, .threads = runs[k].threads,
                               .model = &models[m], .expect = b->records};
            run_figures f = {0};
            for (int rep = 0; rep < b->repeat; rep++) {
                run_figures c = consume_rate(b), one = serve(b, &plan);
                if (c.rate > base.rate) base = c;
                if (one.rate > f.rate) f = one;
                ratios[rep] = c.rate > 0 ? one.rate / c.rate : 0;
            }
            printf("bench e2e.%s.%s.records_per_s %.0f records/s\n",
                   runs[k].name, models[m].label, f.rate);
            printf("bench e2e.%s.%s.ratio_to_consume %.3f x\n", runs[k].name,
                   models[m].label, percentile(ratios, (size_t)b->repeat, 50));
            printf("bench e2e.%s.%s.cpu_us_per_record %.2f us\n", runs[k].name,
                   models[m].label, f.cpu_us);
        }
    printf("bench e2e.consume.records_per_s %.0f records/s\n", base.rate);
    printf("bench e2e.consume.cpu_us_per_record %.2f us\n", base.cpu_us);
}

/* The three kinds of run take turns, so that all see the same machine; the
 * gaps are the longest over the runs of each kind, the scoring times'
 * percentiles over all their results. */
static void phase_swap(bench *b, const bench_model *forest) {
    if (!forest) {
        printf("# no model labelled forest: swap gaps not measured\n");
        return;
    }
    /* Each run reads the newest swap_records records (and no more: its
     * results must fit in the results topic's retention until read back). */
    int64_t start[PARTITIONS];
    high_watermarks(b, DATA, start);
    long swap_records = 0;
    for (int p = 0; p < PARTITIONS; p++) {
        int64_t take = (b->records < SWAP_RECORDS ? b->records : SWAP_RECORDS) / PARTITIONS;
        if (take > start[p]) take = start[p];
        start[p] -= take;
        swap_records += (long)take;
    }
    enum { SWAP, LOAD, NONE, KINDS };
    static const char *const names[KINDS] = {"swap", "load", "noswap"};
    const uint8_t *messages[KINDS] = {forest->message, forest->shadow, NULL};
    size_t lens[KINDS] = {forest->message_len, forest->shadow_len, 0};
    size_t cap = (size_t)swap_records * 2 * (size_t)b->repeat;
    double *d[KINDS];
    size_t n[KINDS] = {0};
    run_figures worst[KINDS];
    memset(worst, 0, sizeof worst);
    for (int k = 0; k < KINDS; k++)
        if (!(d[k] = malloc(cap * sizeof(double)))) die("swap", "out of memory");
    printf("# swap: %ld records at full rate while the forest is published "
           "again every %d ms (swap), the same under a data type no record "
           "has (load: the loading work, no swap of what scores), or "
           "nothing (noswap); %d runs of each, in turn\n", swap_records,
           SWAP_INTERVAL_MS, b->repeat);
    for (int rep = 0; rep < b->repeat; rep++)
        for (int k = 0; k < KINDS; k++) {
            int64_t from[PARTITIONS];
            high_watermarks(b, RESULTS, from);
            serve_plan plan = {.kind = ENGINE_STORE, .threads = b->threads,
                               .model = forest, .expect = swap_records,
                               .republish = messages[k], .republish_len = lens[k],
                               .sample_us = 100, .attribute = 1, .start = start};
            run_figures f = serve(b, &plan);
            n[k] += result_durations(b, from, d[k] + n[k], cap - n[k]);
            run_figures *w = &worst[k];
            if (f.max_gap_ms > w->max_gap_ms) w->max_gap_ms = f.max_gap_ms;
            if (f.max_swap_gap_ms > w->max_swap_gap_ms) w->max_swap_gap_ms = f.max_swap_gap_ms;
            if (f.max_free_ms > w->max_free_ms) w->max_free_ms = f.max_free_ms;
            if (f.max_swap_free_ms > w->max_swap_free_ms) w->max_swap_free_ms = f.max_swap_free_ms;
            w->swaps += f.swaps;
        }
    printf("# models that took effect: %d in the swap runs, %d in the load runs\n",
           worst[SWAP].swaps, worst[LOAD].swaps);
    for (int k = 0; k < KINDS; k++) {
        printf("bench %s.max_gap_ms %.3f ms\n", names[k], worst[k].max_gap_ms);
        printf("bench %s.max_gap_not_waiting_ms %.3f ms\n", names[k], worst[k].max_free_ms);
        if (k != NONE) {
            printf("bench %s.max_gap_at_%s_ms %.3f ms\n", names[k], names[k],
                   worst[k].max_swap_gap_ms);
            printf("bench %s.max_gap_at_%s_not_waiting_ms %.3f ms\n", names[k],
                   names[k], worst[k].max_swap_free_ms);
        }
        printf("bench %s.score_p99_us %.2f us\n", names[k], percentile(d[k], n[k], 99) / 1e3);
        printf("bench %s.score_max_us %.2f us\n", names[k], percentile(d[k], n[k], 100) / 1e3);
        free(d[k]);
    }
}

static void phase_latency(bench *b, const bench_model *tree) {
    if (tree) latency(b, tree);
    else printf("# no model labelled tree: latency not measured\n");
}

static void usage(FILE *out) {
    fprintf(out,
            "usage: bench_e2e [--records N] [--threads N] [--repeat N]\n"
            "                 [--kafka-property N=V,...] [--phases e2e,swap,latency]\n"
            "                 [--engines stage,store1,store] CSV LABEL=MODEL...\n"
            "End-to-end records/s of the engines on the embedded broker, and\n"
            "their ratio to a plain consumer measured in the same run; model\n"
            "swap gaps (needs a model labelled forest) and latency at %d\n"
            "records/s (needs one labelled tree). MODEL: .pmml or .pb.\n"
            "Throughput figures are the best of --repeat runs (3, at most %d);\n"
            "ratios the median of each run's ratio to a baseline run just before.\n"
            "--kafka-property: librdkafka properties for every client (as\n"
            "modelserver's), e.g. fetch.wait.max.ms=2.\n",
            LATENCY_RATE, MAX_REPEAT);
}

int main(int argc, char **argv) {
    bench b = {.records = 100000, .repeat = 3, .threads = (int)sysconf(_SC_NPROCESSORS_ONLN)};
    const char *phases = "e2e,swap,latency", *engines = "stage,store1,store";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--records") == 0 && i + 1 < argc) {
            b.records = atol(argv[++i]);
        } else if (strcmp(argv[i], "--engines") == 0 && i + 1 < argc) {
            engines = argv[++i];
        } else if (strcmp(argv[i], "--phases") == 0 && i + 1 < argc) {
            phases = argv[++i];
        } else if (strcmp(argv[i], "--kafka-property") == 0 && i + 1 < argc) {
            ms_error perr;
            if (kafka_set_properties(argv[++i], &perr)) die("--kafka-property", perr.msg);
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            b.repeat = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            b.threads = atoi(argv[++i]);
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (argc - i < 2 || argc - i - 1 > MAX_MODELS || b.records < 1000 ||
        b.records > MAX_RECORDS || b.threads < 1 || b.repeat < 1 ||
        b.repeat > MAX_REPEAT) {
        usage(stderr);
        return 2;
    }
    log_set_level(LOG_WARN);
    formats_register_all();
    ms_error err;
    double *rows = csv_read_matrix(argv[i], FEATURES, &b.nrows, &err);
    if (!rows) die(argv[i], err.msg);
    b.rows = rows;
    bench_model models[MAX_MODELS];
    int nmodels = 0;
    for (int j = i + 1; j < argc; j++) load_model(argv[j], &models[nmodels++]);

    broker_topic topics[] = {{DATA, PARTITIONS}, {MODELS, 1}, {RESULTS, PARTITIONS}};
    broker *br = broker_start(1, topics, 3, &err);
    if (!br) die("broker", err.msg);
    b.brokers = broker_bootstraps(br);
    b.producer = make_producer(b.brokers);
    int64_t t0 = clock_mono_ns();
    for (long r = 0; r < b.records; r++) {
        produce_record(&b, r);
        if (r % 1024 == 0) rd_kafka_poll(b.producer, 0);
    }
    flush(b.producer);
    printf("# %ld WineRecords on %d partitions in %.2f s; %d scoring threads\n",
           b.records, PARTITIONS, seconds_since(t0), b.threads);

    if (listed(phases, "e2e")) phase_e2e(&b, models, nmodels, engines);
    if (listed(phases, "swap")) phase_swap(&b, find_model(models, nmodels, "forest"));
    if (listed(phases, "latency")) phase_latency(&b, find_model(models, nmodels, "tree"));

    rd_kafka_destroy(b.producer);
    broker_stop(br);
    for (int m = 0; m < nmodels; m++) {
        free(models[m].message);
        free(models[m].shadow);
        free((char *)models[m].label);
    }
    free(rows);
    return 0;
}
