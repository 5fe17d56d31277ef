/*
 * publisher_main.c - the publisher program: the seed's data and model
 * loader, configured by the seed's environment variables or by flags.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "publish/dataset.h"
#include "publish/publisher.h"
#include "telemetry/log.h"
#include "util/config.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
}

static const config_option options[] = {
    {"kafka.brokers", "KAFKA_BROKERS_LIST", "brokers", 'b', "LIST", NULL,
     "Kafka bootstrap servers (host:port,...). Required; 'modelserver "
     "broker' runs a local one."},
    {"publisher.data_publish_interval", "DATA_PUBLISH_INTERVAL",
     "data-interval", 0, "DURATION", "1 second",
     "Pause between two records (\"1 second\", \"10ms\", \"0\" for no "
     "pause)."},
    {"publisher.rate", "DATA_PUBLISH_RATE", "rate", 'r', "N", NULL,
     "Records per second; overrides --data-interval."},
    {"publisher.model_publish_interval", "MODEL_PUBLISH_INTERVAL",
     "model-interval", 0, "DURATION", "5 minutes",
     "Pause between two models."},
    {"publisher.data_dir", "DATA_DIRECTORY", "data-dir", 'd', "DIR", "./data",
     "Directory of the data file and of the models (*.pmml, then *.pb)."},
    {"publisher.data_file", "DATA_FILENAME", "data-file", 'f', "FILE",
     "winequality_red.csv", "CSV of records, in --data-dir unless it has a "
                            "'/'."},
    {"publisher.models", "MODEL_FILES", "models", 'm', "LIST", NULL,
     "Comma-separated model files to cycle through instead of the models of "
     "--data-dir."},
    {"publisher.count", NULL, "count", 'n', "N", NULL,
     "Stop after N records (the CSV is repeated as needed)."},
    {"publisher.once", NULL, "once", 0, NULL, NULL,
     "Publish every row and every model once, then exit."},
    {"publisher.no_models", NULL, "no-models", 0, NULL, NULL,
     "Publish records only."},
    {"publisher.no_data", NULL, "no-data", 0, NULL, NULL,
     "Publish models only."},
    {"publisher.by_reference", NULL, "by-reference", 0, NULL, NULL,
     "Send each model's absolute path (location) instead of its bytes."},
    {"publisher.data_type", "DATA_TYPE", "data-type", 0, "TYPE", "wine",
     "dataType of the records and models."},
    {"kafka.data_topic", "DATA_TOPIC", "data-topic", 0, "TOPIC", "models_data",
     "Topic of the records."},
    {"kafka.models_topic", "MODELS_TOPIC", "models-topic", 0, "TOPIC",
     "models_models", "Topic of the models."},
    {"publisher.progress_interval", NULL, "progress", 0, "DURATION",
     "5 seconds", "Pause between two progress lines."},
    {"config", "PUBLISHER_CONFIG", "config", 'c', "FILE", NULL,
     "HOCON configuration file."},
};

/* Reads every option into a publisher_config and the two input sets. */
static int configure(const config *cfg, publisher_config *pc, record_set *records,
                     model_file_list *models, ms_error *err) {
    bool once, no_models, no_data, by_ref;
    if (config_get_bool(cfg, "publisher.once", &once, err) ||
        config_get_bool(cfg, "publisher.no_models", &no_models, err) ||
        config_get_bool(cfg, "publisher.no_data", &no_data, err) ||
        config_get_bool(cfg, "publisher.by_reference", &by_ref, err) ||
        config_get_duration(cfg, "publisher.data_publish_interval",
                            &pc->data_interval_ns, err) ||
        config_get_duration(cfg, "publisher.model_publish_interval",
                            &pc->model_interval_ns, err) ||
        config_get_duration(cfg, "publisher.progress_interval",
                            &pc->progress_interval_ns, err))
        return -1;
    pc->brokers = config_get(cfg, "kafka.brokers");
    if (!pc->brokers || !pc->brokers[0])
        return ms_error_set(err, "no Kafka brokers: set KAFKA_BROKERS_LIST or "
                                 "--brokers (run 'modelserver broker' for a "
                                 "local one)");
    pc->data_topic = config_get(cfg, "kafka.data_topic");
    pc->models_topic = config_get(cfg, "kafka.models_topic");
    pc->data_type = config_get(cfg, "publisher.data_type");
    pc->by_reference = by_ref;
    if (pc->progress_interval_ns <= 0)
        return ms_error_set(err, "--progress must be longer than 0");
    if (config_get(cfg, "publisher.rate")) {
        long rate;
        if (config_get_int(cfg, "publisher.rate", &rate, err)) return -1;
        if (rate <= 0 || rate > 10000000)
            return ms_error_set(err, "--rate must be 1..10000000 records/s");
        pc->data_interval_ns = 1000000000 / rate;
    }
    pc->max_records = -1;
    pc->max_models = -1;
    if (config_get(cfg, "publisher.count")) {
        long count;
        if (config_get_int(cfg, "publisher.count", &count, err)) return -1;
        if (count < 0) return ms_error_set(err, "--count must be >= 0");
        pc->max_records = count;
    }

    const char *dir = config_get(cfg, "publisher.data_dir");
    if (!no_data) {
        const char *file = config_get(cfg, "publisher.data_file");
        char path[4096];
        if (strchr(file, '/')) snprintf(path, sizeof path, "%s", file);
        else snprintf(path, sizeof path, "%s/%s", dir, file);
        if (record_set_load(records, path, pc->data_type, err)) return -1;
        if (once && pc->max_records < 0) pc->max_records = (int64_t)records->count;
    }
    if (!no_models) {
        const char *list = config_get(cfg, "publisher.models");
        if (list ? model_files_from_list(models, list, err)
                 : model_files_scan(models, dir, err))
            return -1;
        if (models->count == 0)
            log_warn("publisher", "no *.pmml or *.pb models in '%s'; "
                                  "publishing records only", dir);
        if (once) pc->max_models = (int64_t)models->count;
    }
    return 0;
}

int main(int argc, char **argv) {
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    config *cfg = config_new(options, sizeof options / sizeof options[0]);
    if (!cfg) return 1;
    if (config_wants_help(argc, argv)) {
        config_print_help(
            cfg, stdout, "publisher [OPTIONS]",
            "Publishes the rows of a CSV file as WineRecords to the data topic "
            "at a steady rate, and cycles through the model files of a "
            "directory (every *.pmml by name, then every *.pb), one model per "
            "interval, to the models topic. Runs until interrupted unless "
            "--count or --once is given; flushes everything on exit.");
        config_free(cfg);
        return 0;
    }
    ms_error err;
    publisher_config pc = {0};
    record_set records = {0};
    model_file_list models = {0};
    publisher_totals totals;
    int rc = 2;
    if (config_load_all(cfg, argc, argv, "config", NULL, &err) ||
        configure(cfg, &pc, &records, &models, &err)) {
        fprintf(stderr, "publisher: %s\n", err.msg);
        goto out;
    }
    log_info("publisher", "%zu record(s) and %zu model(s) to publish to %s",
             records.count, models.count, pc.brokers);
    rc = publisher_run(&pc, &records, &models, &stop_requested, &totals, &err);
    if (rc != 0) log_error("publisher", "%s", err.msg);
    log_info("publisher", "done: %llu record(s), %llu model(s) sent",
             (unsigned long long)totals.records_sent,
             (unsigned long long)totals.models_sent);
    rc = rc ? 1 : 0;
out:
    record_set_free(&records);
    model_files_free(&models);
    config_free(cfg);
    return rc;
}
