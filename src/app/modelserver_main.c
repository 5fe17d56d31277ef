/*
 * modelserver_main.c - the model server program.
 *
 *   modelserver [OPTIONS]          serve: score records with live models
 *   modelserver broker [OPTIONS]   run only the embedded Kafka-protocol broker
 *
 * Configuration comes from a HOCON file (the seed's keys), the environment
 * (the seed's names) and flags, in rising order of precedence.
 */
#include <poll.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/store.h"
#include "formats/formats.h"
#include "http/http.h"
#include "stream/broker.h"
#include "stream/broker_control.h"
#include "stream/discovery.h"
#include "stream/engine.h"
#include "stream/kafka.h"
#include "stream/location.h"
#include "telemetry/counters.h"
#include "telemetry/exporters.h"
#include "telemetry/log.h"
#include "util/config.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static void install_signal_handlers(void) {
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Past a file size limit (ulimit -f), a write fails with EFBIG, which
     * checkpoint saves handle like a full disk, instead of the default
     * SIGXFSZ killing the process. */
    signal(SIGXFSZ, SIG_IGN);
}

/* Topics the embedded broker creates, with partition counts that let a few
 * instances share the data. */
static broker_topic embedded_topics[5] = {{"models_data", 6},
                                          {"models_models", 1},
                                          {"models_results", 6},
                                          {"models_store_changelog", 1},
                                          {"models_instances", 1}};

static broker *start_embedded_broker(const config *cfg, ms_error *err) {
    long nbrokers = 1, partitions = 6;
    if (config_get_int(cfg, "broker.count", &nbrokers, err) ||
        config_get_int(cfg, "broker.partitions", &partitions, err))
        return NULL;
    if (partitions < 1 || partitions > 1000) {
        ms_error_set(err, "broker.partitions must be 1..1000, not %ld",
                     partitions);
        return NULL;
    }
    embedded_topics[0].name = config_get(cfg, "kafka.data_topic");
    embedded_topics[0].partitions = (int)partitions;
    embedded_topics[1].name = config_get(cfg, "kafka.models_topic");
    embedded_topics[2].name = config_get(cfg, "kafka.results_topic");
    embedded_topics[2].partitions = (int)partitions;
    embedded_topics[3].name = config_get(cfg, "kafka.changelog_topic");
    embedded_topics[4].name = config_get(cfg, "kafka.instances_topic");
    /* Topics named "" are not wanted: leave them out. */
    broker_topic wanted[5];
    int ntopics = 0;
    for (int i = 0; i < 5; i++)
        if (embedded_topics[i].name && embedded_topics[i].name[0])
            wanted[ntopics++] = embedded_topics[i];
    broker *b = broker_start((int)nbrokers, wanted, ntopics, err);
    if (b)
        log_info("broker", "embedded Kafka-protocol broker (%ld broker(s)) at "
                           "%s; topics %s (%ld partitions), %s",
                 nbrokers, broker_bootstraps(b), embedded_topics[0].name,
                 partitions, embedded_topics[1].name);
    return b;
}

/* Options shared by both commands come first. */
#define TOPIC_OPTIONS                                                        \
    {"kafka.data_topic", "DATA_TOPIC", "data-topic", 0, "TOPIC",           \
     "models_data", "Topic of the records to score."},                     \
    {"kafka.models_topic", "MODELS_TOPIC", "models-topic", 0, "TOPIC",     \
     "models_models", "Topic of the model updates."},                      \
    {"kafka.results_topic", "RESULTS_TOPIC", "results-topic", 0, "TOPIC",  \
     "models_results",                                                     \
     "Topic the scoring results are published to (\"\" for none)."},       \
    {"kafka.changelog_topic", "CHANGELOG_TOPIC", "changelog-topic", 0,     \
     "TOPIC", "models_store_changelog",                                    \
     "Compacted topic the model store is checkpointed to at every model "  \
     "swap and restored from (\"\" for none)."},                           \
    {"kafka.instances_topic", "INSTANCES_TOPIC", "instances-topic", 0,     \
     "TOPIC", "models_instances",                                          \
     "Compacted topic where instances announce themselves to each other "  \
     "(/state/instances; \"\" for none)."},                                \
    {"broker.count", "EMBEDDED_BROKERS", "embedded-brokers", 0, "N", "1",  \
     "Brokers in the embedded cluster (1..9), when one is started."},      \
    {"broker.partitions", "EMBEDDED_PARTITIONS", "partitions", 0, "N",     \
     "6", "Partitions of the data and results topics of the embedded "     \
          "cluster."},                                                     \
    {"log.level", "LOG_LEVEL", "log-level", 0, "LEVEL", "info",            \
     "debug, info, warn or error."},                                       \
    {"config", "MODELSERVER_CONFIG", "config", 'c', "FILE", NULL,          \
     "HOCON configuration file with the seed's keys."}

static const config_option serve_options[] = {
    {"model_server.engine", "ENGINE", "engine", 'e', "stage|store", "stage",
     "stage: one thread owns both inputs (the seed's Akka Streams design). "
     "store: model and data streams meet in a shared store; records are "
     "scored by --threads workers (the Kafka Streams design)."},
    {"model_server.threads", "THREADS", "threads", 't', "N", NULL,
     "Scoring workers of the store engine (default: the number of cores). "
     "Partitions are shared out among them."},
    {"model_server.state_dir", "STATE_DIR", "state-dir", 's', "DIR", NULL,
     "Directory the model store is checkpointed to (models, statistics, "
     "models topic position) and restored from at start."},
    {"kafka.brokers", "KAFKA_BROKERS_LIST", "brokers", 'b', "LIST", NULL,
     "Kafka bootstrap servers (host:port,...). Unset: start an embedded "
     "broker in this process."},
    {"kafka.properties", "KAFKA_PROPERTIES", "kafka-property", 'X',
     "NAME=VALUE,...", NULL,
     "librdkafka properties for every Kafka client (security.protocol, "
     "sasl.mechanism, ssl.ca.location, session.timeout.ms, ...)."},
    {"kafka.group", "DATA_GROUP", "group", 'g', "ID", "wineRecordsGroup",
     "Consumer group of the data topic; instances in one group share its "
     "partitions."},
    {"kafka.offset_reset", "OFFSET_RESET", "offset-reset", 0, "WHERE",
     "earliest",
     "Where a new group starts reading the data topic: earliest or latest."},
    {"kafka.dead_letter_topic", "DEAD_LETTER_TOPIC", "dead-letter-topic", 0,
     "TOPIC", NULL,
     "Forward every rejected record (malformed, unserved, failed) there, "
     "with headers reject.kind, reject.reason, source.topic and "
     "source.position."},
    {"kafka.exactly_once", "EXACTLY_ONCE", "exactly-once", 0, NULL, NULL,
     "Commit results and consumed offsets in Kafka transactions (readers of "
     "the results need isolation.level=read_committed)."},
    {"kafka.transactional_id", "TRANSACTIONAL_ID", "transactional-id", 0,
     "ID", NULL,
     "Transactional id of this instance with --exactly-once: stable across "
     "restarts, unique among live instances (default: "
     "modelserver-GROUP-HOST-PORT)."},
    {"model_server.port", "MODEL_SERVER_PORT", "port", 'p', "PORT", NULL,
     "HTTP port of the queryable state and /metrics (default: 5500 for the "
     "stage engine, queriable_state.port or 8888 for the store engine)."},
    {"queriable_state.port", "QUERIABLE_STATE_PORT", NULL, 0, "PORT", NULL,
     "The seed's key for the store engine's HTTP port."},
    {"model_server.bind", "MODEL_SERVER_BIND", "bind", 0, "ADDRESS",
     "0.0.0.0", "IPv4 address the HTTP port listens on."},
    {"model_server.advertised_host", "ADVERTISED_HOST", "advertised-host", 0,
     "HOST", NULL,
     "Host name other instances and clients reach this one at, as "
     "/state/instances lists it (default: --bind when it is not 0.0.0.0, "
     "else the host name)."},
    {"model_server.heartbeat_interval", "HEARTBEAT_INTERVAL",
     "heartbeat-interval", 0, "DURATION", "2 seconds",
     "How often this instance announces itself on the instances topic; "
     "an instance silent for three intervals is dropped."},
    {"model_server.http_threads", "HTTP_THREADS", "http-threads", 0, "N", "2",
     "Threads serving HTTP (1..64): a budget, so that HTTP load never takes "
     "more cores than that from scoring."},
    {"model_server.http_max_body", "HTTP_MAX_BODY", "http-max-body", 0,
     "BYTES", "1048576", "Largest HTTP request body (larger ones get 413)."},
    {"model_server.http_timeout", "HTTP_TIMEOUT", "http-timeout", 0,
     "DURATION", "10 seconds",
     "An HTTP connection idle that long is closed."},
    {"model_server.data_type", "DATA_TYPE", "data-type", 0, "TYPE", "wine",
     "Data type /stats reports on when not asked for one."},
    {"model.locations", "MODEL_LOCATIONS", "model-locations", 0, "LIST",
     NULL,
     "Where models sent by reference may come from: comma-separated "
     "prefixes, each a directory (/var/models/ or file:///var/models/) or "
     "an http:// or https:// URL prefix (https://models.example.com/m/). "
     "Unset: local files anywhere and no remote URLs; set: only what it "
     "lists."},
    {"model.max_bytes", "MODEL_MAX_BYTES", "model-max-bytes", 0, "BYTES",
     "268435456",
     "Largest model accepted, by value or by reference (the default is "
     "256 MiB)."},
    {"model.fetch_timeout", "MODEL_FETCH_TIMEOUT", "model-fetch-timeout", 0,
     "DURATION", "30 seconds",
     "Longest a model fetch by URL may take, redirects included."},
    EXPORTER_OPTIONS,
    TOPIC_OPTIONS,
};

static const config_option broker_options[] = {
    {"broker.control", NULL, "control", 0, NULL, NULL,
     "Read fault-injection commands from standard input, one per line: "
     "'down ID', 'up ID', 'rtt ID MS', 'errors API COUNT ERROR' (for "
     "example 'errors Produce 5 REQUEST_TIMED_OUT'); each is answered "
     "'ok' or 'error: ...' on standard output."},
    {"broker.address_file", NULL, "write-address", 'w', "FILE", NULL,
     "Write the bootstrap address to FILE once the broker listens (written "
     "atomically, so a reader never sees half of it)."},
    TOPIC_OPTIONS,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Loads configuration and applies the log level. Returns NULL after
 * printing help (*exit_code 0) or an error (*exit_code 2). */
static config *load_config(const config_option *opts, size_t n, int argc,
                           char **argv, const char *usage,
                           const char *description, int *exit_code) {
    config *cfg = config_new(opts, n);
    if (!cfg) {
        *exit_code = 1;
        return NULL;
    }
    if (config_wants_help(argc, argv)) {
        config_print_help(cfg, stdout, usage, description);
        config_free(cfg);
        *exit_code = 0;
        return NULL;
    }
    ms_error err;
    log_level level;
    if (config_load_all(cfg, argc, argv, "config", NULL, &err) != 0) {
        fprintf(stderr, "modelserver: %s\n", err.msg);
        config_free(cfg);
        *exit_code = 2;
        return NULL;
    }
    if (log_level_parse(config_get(cfg, "log.level"), &level) != 0) {
        fprintf(stderr, "modelserver: unknown log level '%s' (use debug, "
                        "info, warn or error)\n", config_get(cfg, "log.level"));
        config_free(cfg);
        *exit_code = 2;
        return NULL;
    }
    log_set_level(level);
    return cfg;
}

/* Writes the address to path via a temporary file and rename(2). */
static int write_address_file(const char *path, const char *address,
                              ms_error *err) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%s\n", address) < 0 || fclose(f) != 0 ||
        rename(tmp, path) != 0) {
        unlink(tmp);
        return ms_error_set(err, "cannot write the broker address to '%s'",
                            path);
    }
    return 0;
}

/* Answers fault-injection commands from standard input until it closes or
 * a stop is requested. */
static void serve_control(broker *b) {
    char line[512], reply[256];
    while (!stop_requested) {
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        int ready = poll(&pfd, 1, 200);
        if (ready <= 0) continue;
        if (!fgets(line, sizeof line, stdin)) return;
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0]) continue;
        int rc = broker_control(b, line, reply, sizeof reply);
        log_write(rc == 0 ? LOG_INFO : LOG_WARN, "broker", "control '%s': %s",
                  line, reply);
        printf("%s\n", reply);
        fflush(stdout);
    }
}

static int run_broker(int argc, char **argv) {
    int code;
    config *cfg = load_config(
        broker_options, COUNT(broker_options), argc, argv,
        "modelserver broker [OPTIONS]",
        "Runs only the embedded Kafka-protocol broker (librdkafka's mock "
        "cluster) on loopback, so that several processes and external "
        "clients such as kcat share one local broker. Stops on SIGINT or "
        "SIGTERM.",
        &code);
    if (!cfg) return code;
    ms_error err;
    broker *b = start_embedded_broker(cfg, &err);
    const char *file = config_get(cfg, "broker.address_file");
    if (b && file && write_address_file(file, broker_bootstraps(b), &err)) {
        broker_stop(b);
        b = NULL;
    }
    if (!b) {
        log_error("broker", "%s", err.msg);
        config_free(cfg);
        return 1;
    }
    printf("%s\n", broker_bootstraps(b));
    fflush(stdout);
    bool control = false;
    config_get_bool(cfg, "broker.control", &control, &err);
    if (control) serve_control(b);
    while (!stop_requested) pause();
    log_info("broker", "stopping");
    broker_stop(b);
    if (file) unlink(file);
    config_free(cfg);
    return 0;
}

/* A server that has not accepted a connection by then is down or
 * unreachable; the rest of model.fetch_timeout is for the transfer. */
#define CONNECT_TIMEOUT_MS 10000L

/* Fills the policy for models by reference from the model.* options;
 * *entries holds the allow-list the policy points into (free it after). */
static int load_location_policy(const config *cfg, location_policy *p,
                                const char ***entries, ms_error *err) {
    long max_bytes;
    int64_t timeout_ns;
    size_t n;
    if (config_get_int(cfg, "model.max_bytes", &max_bytes, err) ||
        config_get_duration(cfg, "model.fetch_timeout", &timeout_ns, err))
        return -1;
    if (max_bytes < 1)
        return ms_error_set(err, "model.max_bytes must be at least 1, not %ld",
                            max_bytes);
    if (timeout_ns < 1000000)
        return ms_error_set(err, "model.fetch_timeout must be at least 1ms, "
                                 "not '%s'",
                            config_get(cfg, "model.fetch_timeout"));
    if (location_parse_list(config_get(cfg, "model.locations"), entries, &n,
                            err))
        return -1;
    int64_t ms = timeout_ns / 1000000;
    long total_ms = ms > LONG_MAX ? LONG_MAX : (long)ms;
    *p = (location_policy){
        .allowed = *entries,
        .nallowed = n,
        .max_bytes = (size_t)max_bytes,
        .connect_timeout_ms =
            total_ms < CONNECT_TIMEOUT_MS ? total_ms : CONNECT_TIMEOUT_MS,
        .total_timeout_ms = total_ms,
    };
    if (n == 0)
        log_info("server", "models by reference: local files anywhere, no "
                           "remote URLs (model.locations is empty)");
    else
        log_info("server", "models by reference: only under %s",
                 config_get(cfg, "model.locations"));
    return 0;
}

/* The HTTP port's limits from the model_server.http_* options. */
static int load_http_config(const config *cfg, int port, const char *engine_name,
                            http_config *hc, ms_error *err) {
    long threads, max_body;
    int64_t timeout_ns;
    if (config_get_int(cfg, "model_server.http_threads", &threads, err) ||
        config_get_int(cfg, "model_server.http_max_body", &max_body, err) ||
        config_get_duration(cfg, "model_server.http_timeout", &timeout_ns, err))
        return -1;
    if (threads < 1 || threads > 64)
        return ms_error_set(err, "--http-threads must be 1..64, not %ld", threads);
    if (max_body < 1)
        return ms_error_set(err, "--http-max-body must be at least 1, not %ld",
                            max_body);
    if (timeout_ns < 1000000000)
        return ms_error_set(err, "--http-timeout must be at least 1 second, not '%s'",
                            config_get(cfg, "model_server.http_timeout"));
    *hc = (http_config){
        .bind_address = config_get(cfg, "model_server.bind"),
        .port = port,
        .default_data_type = config_get(cfg, "model_server.data_type"),
        .engine_name = engine_name,
        .threads = (unsigned)threads,
        .max_body = (size_t)max_body,
        .timeout_s = (unsigned)(timeout_ns / 1000000000),
    };
    return 0;
}

/* Discovery's settings from the options (host is filled, dc points
 * into it); dc->topic is NULL when the instances topic is "" (none). */
static int load_discovery_config(const config *cfg, const char *engine_name,
                                 discovery_config *dc, char *host, size_t host_len,
                                 ms_error *err) {
    int64_t interval_ns;
    if (config_get_duration(cfg, "model_server.heartbeat_interval", &interval_ns, err))
        return -1;
    if (interval_ns < 10000000)
        return ms_error_set(err, "--heartbeat-interval must be at least 10 ms, not '%s'",
                            config_get(cfg, "model_server.heartbeat_interval"));
    const char *topic = config_get(cfg, "kafka.instances_topic");
    const char *advertised = config_get(cfg, "model_server.advertised_host");
    const char *bind = config_get(cfg, "model_server.bind");
    snprintf(host, host_len, "localhost");
    if (advertised) snprintf(host, host_len, "%s", advertised);
    else if (bind && bind[0] && strcmp(bind, "0.0.0.0") != 0) snprintf(host, host_len, "%s", bind);
    else gethostname(host, host_len - 1);
    *dc = (discovery_config){
        .topic = topic && topic[0] ? topic : NULL,
        .interval_ms = interval_ns / 1000000,
        .host = host,
        .engine_name = engine_name,
        .store_name = "modelStore",
        .client_id = "modelserver",
    };
    return 0;
}

static int run_server(int argc, char **argv) {
    int code;
    config *cfg = load_config(
        serve_options, COUNT(serve_options), argc, argv,
        "modelserver [OPTIONS]\n       modelserver broker [OPTIONS]",
        "Scores every record of the data topic with the current model of its "
        "data type, swaps models live from the models topic, publishes a "
        "ServingResult per record and serves its state over HTTP. With no "
        "brokers configured it starts an embedded broker. 'modelserver "
        "broker --help' describes the broker-only mode.",
        &code);
    if (!cfg) return code;

    ms_error err;
    long port;
    int rc = 1;
    broker *embedded = NULL;
    store *models = NULL;
    engine *eng = NULL;
    http_server *http = NULL;
    discovery *disc = NULL;
    static counters stats_counters;
    const char **allowed = NULL;
    location_policy locations;
    exporters exported = {0};

    engine_kind kind;
    if (engine_kind_parse(config_get(cfg, "model_server.engine"), &kind)) {
        log_error("server", "unknown engine '%s': use stage or store",
                  config_get(cfg, "model_server.engine"));
        rc = 2;
        goto out;
    }
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    const char *port_key = "model_server.port";
    if (!config_get(cfg, port_key) && kind == ENGINE_STORE)
        port_key = "queriable_state.port";
    port = kind == ENGINE_STORE ? 8888 : 5500;
    if ((config_get(cfg, port_key) &&
         config_get_int(cfg, port_key, &port, &err)) ||
        (config_get(cfg, "model_server.threads") &&
         config_get_int(cfg, "model_server.threads", &threads, &err))) {
        log_error("server", "%s", err.msg);
        rc = 2;
        goto out;
    }
    if (port < 0 || port > 65535 || threads < 1 || threads > 256) {
        log_error("server", "%s", port < 0 || port > 65535
                                      ? "the HTTP port must be 0..65535"
                                      : "--threads must be 1..256");
        rc = 2;
        goto out;
    }
    if (kafka_set_properties(config_get(cfg, "kafka.properties"), &err)) {
        log_error("server", "%s", err.msg);
        rc = 2;
        goto out;
    }
    http_config hc;
    discovery_config dc;
    char self_host[256];
    if (load_http_config(cfg, (int)port, engine_kind_name(kind), &hc, &err) ||
        load_discovery_config(cfg, engine_kind_name(kind), &dc, self_host,
                              sizeof self_host, &err)) {
        log_error("server", "%s", err.msg);
        rc = 2;
        goto out;
    }
    if (load_location_policy(cfg, &locations, &allowed, &err)) {
        log_error("server", "%s", err.msg);
        goto out;
    }
    bool exactly_once = false;
    if (config_get_bool(cfg, "kafka.exactly_once", &exactly_once, &err)) {
        log_error("server", "%s", err.msg);
        rc = 2;
        goto out;
    }
    const char *brokers = config_get(cfg, "kafka.brokers");
    if ((!brokers || !brokers[0]) && exactly_once) {
        /* librdkafka 2.0.2's mock cluster accepts transactions but drops
         * transactional offset commits and never hides aborted records:
         * "exactly once" there would be a claim we cannot keep. */
        log_error("server", "--exactly-once needs a Kafka cluster: the "
                            "embedded broker neither keeps transactional "
                            "offset commits nor hides aborted results; set "
                            "--brokers (KAFKA_BROKERS_LIST)");
        rc = 2;
        goto out;
    }
    if (!brokers || !brokers[0]) {
        if (!(embedded = start_embedded_broker(cfg, &err))) {
            log_error("server", "%s", err.msg);
            goto out;
        }
        brokers = broker_bootstraps(embedded);
    }
    if (exporters_start(cfg, engine_kind_name(kind), &stats_counters,
                        &exported, &err)) {
        log_error("server", "%s", err.msg);
        rc = 2;
        goto out;
    }
    formats_register_all();
    models = store_new();
    char txn_id[512] = "";
    if (exactly_once) {
        const char *given = config_get(cfg, "kafka.transactional_id");
        char host[256] = "localhost";
        gethostname(host, sizeof host - 1);
        if (given) snprintf(txn_id, sizeof txn_id, "%s", given);
        else snprintf(txn_id, sizeof txn_id, "modelserver-%s-%s-%ld",
                      config_get(cfg, "kafka.group"), host, port);
    }
    engine_config ec = {
        .transactional_id = txn_id[0] ? txn_id : NULL,
        .kind = kind,
        .threads = (int)threads,
        .state_dir = config_get(cfg, "model_server.state_dir"),
        .changelog_topic = config_get(cfg, "kafka.changelog_topic"),
        .dead_letter_topic = config_get(cfg, "kafka.dead_letter_topic"),
        .brokers = brokers,
        .data_topic = config_get(cfg, "kafka.data_topic"),
        .models_topic = config_get(cfg, "kafka.models_topic"),
        .results_topic = config_get(cfg, "kafka.results_topic"),
        .group_id = config_get(cfg, "kafka.group"),
        .client_id = "modelserver",
        .offset_reset = config_get(cfg, "kafka.offset_reset"),
        .locations = &locations,
        .influx = exported.influx,
    };
    if (!models || !(eng = engine_new(&ec, models, &stats_counters, &err))) {
        log_error("server", "cannot start the engine: %s", err.msg);
        goto out;
    }
    http_sources hs = {.store = models, .counters = &stats_counters, .engine = eng};
    if (!(http = http_start(&hc, &hs, &err))) {
        log_error("server", "%s", err.msg);
        goto out;
    }
    dc.brokers = brokers;
    dc.port = http_port(http);
    if (dc.topic && !(disc = discovery_start(&dc, eng, &err))) {
        log_error("server", "%s", err.msg);
        goto out;
    }
    http_set_discovery(http, disc);
    log_info("server", "ready: brokers %s, queryable state at "
                       "http://127.0.0.1:%d/stats",
             brokers, http_port(http));
    rc = engine_run(eng, &stop_requested) == 0 ? 0 : 1;
    log_info("server", "stopped: %llu record(s) scored, %llu result(s) "
                       "delivered",
             (unsigned long long)counter_get(&stats_counters.records_scored),
             (unsigned long long)counter_get(&stats_counters.results_delivered));
out:
    if (http) http_set_discovery(http, NULL);
    discovery_stop(disc);
    http_stop(http);
    engine_free(eng);
    exporters_stop(&exported);
    store_free(models);
    broker_stop(embedded);
    free(allowed);
    config_free(cfg);
    return rc;
}

int main(int argc, char **argv) {
    install_signal_handlers();
    if (argc > 1 && strcmp(argv[1], "broker") == 0)
        return run_broker(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "serve") == 0)
        return run_server(argc - 1, argv + 1);
    return run_server(argc, argv);
}
