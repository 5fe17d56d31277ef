/*
 * dataset.h - what the publisher sends: the records of a CSV file, encoded
 * once as WineRecords, and the model files of a directory, in the seed's
 * order (every *.pmml by name, then every *.pb).
 */
#ifndef MS_PUBLISH_DATASET_H
#define MS_PUBLISH_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/model.h"

typedef struct encoded_record {
    uint8_t *bytes;
    size_t len;
} encoded_record;

typedef struct record_set {
    encoded_record *records;
    size_t count;
} record_set;

/* Reads a CSV of wine rows (';' or ',' separated, no header; the first 11
 * columns are the features, later columns such as the quality label are
 * ignored) and encodes each row as a WineRecord of data_type. Fails on the
 * first bad row, naming its line. */
int record_set_load(record_set *set, const char *path, const char *data_type,
                    ms_error *err);
void record_set_free(record_set *set);

typedef struct model_file {
    char *path;         /* absolute when the directory was given absolute */
    char *name;         /* file name without extension: the model's name */
    model_type type;
} model_file;

typedef struct model_file_list {
    model_file *files;
    size_t count;
} model_file_list;

/* Lists the models of a directory in the seed's order. */
int model_files_scan(model_file_list *list, const char *dir, ms_error *err);

/* Uses the given comma-separated files instead (type from the extension). */
int model_files_from_list(model_file_list *list, const char *csv_paths,
                          ms_error *err);
void model_files_free(model_file_list *list);

#endif
