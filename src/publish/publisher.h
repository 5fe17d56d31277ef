/*
 * publisher.h - the seed's data and model publisher: sends CSV rows as
 * WineRecords at a steady rate and cycles through model files, one model per
 * interval, as ModelDescriptors by value or by reference.
 */
#ifndef MS_PUBLISH_PUBLISHER_H
#define MS_PUBLISH_PUBLISHER_H

#include <signal.h>
#include <stdint.h>

#include "core/error.h"
#include "publish/dataset.h"

typedef struct publisher_config {
    const char *brokers;
    const char *data_topic;
    const char *models_topic;
    const char *data_type;
    int64_t data_interval_ns;   /* between two records; 0 = as fast as possible */
    int64_t model_interval_ns;  /* between two models */
    int64_t max_records;        /* stop after this many records; <0 = no limit */
    int64_t max_models;         /* stop sending models after this many; <0 = no limit */
    int by_reference;           /* send locations instead of model bytes */
    int64_t progress_interval_ns;
} publisher_config;

typedef struct publisher_totals {
    uint64_t records_sent;
    uint64_t models_sent;
    uint64_t delivery_failures;
} publisher_totals;

/* Publishes until the records (max_records) and the models (max_models)
 * have run out, or only the records when models are unlimited, or until
 * *stop is set; models left when the records are done go at once. Then
 * flushes
 * everything queued. records or models may be empty. Returns 0 when every
 * message was delivered; -1 with err filled otherwise (broker unreachable,
 * unreadable model file, undelivered messages). */
int publisher_run(const publisher_config *cfg, const record_set *records,
                  const model_file_list *models, const volatile sig_atomic_t *stop,
                  publisher_totals *totals, ms_error *err);

#endif
