/* dataset.c - CSV rows and model files for the publisher (see dataset.h). */
#include "publish/dataset.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"
#include "wire/wire.h"

#define WINE_FEATURES 11
#define CSV_MAX_COLUMNS 64

int record_set_load(record_set *set, const char *path, const char *data_type,
                    ms_error *err) {
    memset(set, 0, sizeof *set);
    FILE *f = fopen(path, "r");
    if (!f)
        return ms_error_set(err, "cannot open data file '%s': %s", path,
                            strerror(errno));
    csv_reader reader;
    csv_reader_init(&reader, f);
    size_t cap = 0;
    char *line;
    long line_no;
    int rc, status = 0;
    while ((rc = csv_reader_next(&reader, &line, &line_no, err)) == 1) {
        double values[CSV_MAX_COLUMNS];
        int n;
        char sep = csv_detect_separator(line);
        if (csv_parse_doubles(line, sep, values, CSV_MAX_COLUMNS, &n, err)) {
            status = ms_error_prefix(err, "%s:%ld", path, line_no);
            break;
        }
        if (n < WINE_FEATURES) {
            status = ms_error_set(err, "%s:%ld: %d columns; a wine row has %d "
                                       "features", path, line_no, n,
                                  WINE_FEATURES);
            break;
        }
        uint8_t buf[512];
        size_t len = wire_encode_wine(values, data_type, buf, sizeof buf);
        if (set->count == cap) {
            cap = cap ? cap * 2 : 1024;
            encoded_record *grown = realloc(set->records, cap * sizeof *grown);
            if (!grown) {
                status = ms_error_set(err, "out of memory reading '%s'", path);
                break;
            }
            set->records = grown;
        }
        uint8_t *copy = len ? malloc(len) : NULL;
        if (!copy) {
            status = ms_error_set(err, "%s:%ld: cannot encode the row", path,
                                  line_no);
            break;
        }
        memcpy(copy, buf, len);
        set->records[set->count++] = (encoded_record){copy, len};
    }
    if (rc < 0) status = -1;
    csv_reader_free(&reader);
    fclose(f);
    if (status == 0 && set->count == 0)
        status = ms_error_set(err, "data file '%s' has no rows", path);
    if (status != 0) record_set_free(set);
    return status;
}

void record_set_free(record_set *set) {
    for (size_t i = 0; i < set->count; i++) free(set->records[i].bytes);
    free(set->records);
    memset(set, 0, sizeof *set);
}

/* The model type a file name implies, or -1. */
static int type_of(const char *name) {
    const char *dot = strrchr(name, '.');
    if (!dot) return -1;
    if (strcmp(dot, ".pmml") == 0) return MODEL_TYPE_PMML;
    if (strcmp(dot, ".pb") == 0) return MODEL_TYPE_TENSORFLOW;
    return -1;
}

static int add_file(model_file_list *list, const char *path, ms_error *err) {
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    int type = type_of(base);
    if (type < 0)
        return ms_error_set(err, "'%s' is neither a .pmml nor a .pb model",
                            path);
    model_file *grown =
        realloc(list->files, (list->count + 1) * sizeof *list->files);
    if (!grown) return ms_error_set(err, "out of memory");
    list->files = grown;
    model_file *mf = &list->files[list->count];
    mf->path = strdup(path);
    mf->name = strndup(base, (size_t)(strrchr(base, '.') - base));
    mf->type = (model_type)type;
    if (!mf->path || !mf->name) {
        free(mf->path);
        free(mf->name);
        return ms_error_set(err, "out of memory");
    }
    list->count++;
    return 0;
}

/* PMML before TensorFlow, then by name: the seed's publishing order. */
static int compare_models(const void *a, const void *b) {
    const model_file *x = a, *y = b;
    if (x->type != y->type) return x->type == MODEL_TYPE_PMML ? -1 : 1;
    return strcmp(x->name, y->name);
}

int model_files_scan(model_file_list *list, const char *dir, ms_error *err) {
    memset(list, 0, sizeof *list);
    DIR *d = opendir(dir);
    if (!d)
        return ms_error_set(err, "cannot open model directory '%s': %s", dir,
                            strerror(errno));
    struct dirent *ent;
    int status = 0;
    while (status == 0 && (ent = readdir(d))) {
        if (ent->d_name[0] == '.' || type_of(ent->d_name) < 0) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        status = add_file(list, path, err);
    }
    closedir(d);
    if (status != 0) {
        model_files_free(list);
        return status;
    }
    qsort(list->files, list->count, sizeof *list->files, compare_models);
    return 0;
}

int model_files_from_list(model_file_list *list, const char *csv_paths,
                          ms_error *err) {
    memset(list, 0, sizeof *list);
    char *copy = strdup(csv_paths);
    if (!copy) return ms_error_set(err, "out of memory");
    int status = 0;
    char *save = NULL;
    for (char *p = strtok_r(copy, ",", &save); p && status == 0;
         p = strtok_r(NULL, ",", &save))
        status = add_file(list, p, err);
    free(copy);
    if (status != 0) model_files_free(list);
    return status;
}

void model_files_free(model_file_list *list) {
    for (size_t i = 0; i < list->count; i++) {
        free(list->files[i].path);
        free(list->files[i].name);
    }
    free(list->files);
    memset(list, 0, sizeof *list);
}
