/*
 * tf_files.c - reading a SavedModel's files from a directory or from the
 * archive members tf_archive.c kept (see tf_files.h).
 */
#include "tf/tf_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/file.h"

void tf_files_dir(tf_files *f, const char *dir) {
    *f = (tf_files){.dir = dir};
}

int tf_files_read(const tf_files *f, const char *rel, uint8_t **data,
                  size_t *len, ms_error *err) {
    if (f->dir) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", f->dir, rel) >=
            sizeof path)
            return ms_error_set(err, "the path of '%s' is too long", rel);
        return file_read_all(path, TF_FILES_MAX_BYTES, data, len, err);
    }
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->entries[i].path, rel) != 0) continue;
        *data = malloc(f->entries[i].len + 1);
        if (!*data) return ms_error_set(err, "out of memory reading '%s'", rel);
        memcpy(*data, f->entries[i].data, f->entries[i].len);
        (*data)[f->entries[i].len] = '\0';
        *len = f->entries[i].len;
        return 0;
    }
    return ms_error_set(err, "the archive has no '%s'", rel);
}

void tf_files_free(tf_files *f) {
    for (size_t i = 0; i < f->n; i++) {
        free(f->entries[i].path);
        free(f->entries[i].data);
    }
    free(f->entries);
    *f = (tf_files){0};
}
