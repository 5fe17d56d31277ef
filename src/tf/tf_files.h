/*
 * tf_files.h - the files of a SavedModel, wherever they are: a directory
 * on disk, or the members of a tar archive held in memory (never written
 * out). Paths are relative to the SavedModel's root ("saved_model.pb",
 * "variables/variables.index").
 */
#ifndef MS_TF_FILES_H
#define MS_TF_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define TF_FILES_MAX_ENTRIES 10000
#define TF_FILES_MAX_BYTES ((size_t)1 << 30)   /* one file, or a whole tar */

typedef struct tf_file {
    char *path;
    uint8_t *data;
    size_t len;
} tf_file;

typedef struct tf_files {
    const char *dir;    /* borrowed; NULL for an archive */
    tf_file *entries;   /* an archive's regular files, root-relative */
    size_t n;
} tf_files;

/* The directory dir (borrowed for f's life). */
void tf_files_dir(tf_files *f, const char *dir);

/* The members of a tar archive (bytes borrowed for the call only): the
 * root is the folder holding saved_model.pb (the archive's top level, or
 * one folder down, as `tar -C parent -cf - 1` makes). Fails on an archive
 * that is not one, too big, or without saved_model.pb. */
int tf_files_tar(tf_files *f, const void *bytes, size_t len, ms_error *err);

/* A malloc'd copy of file rel (*len bytes, NUL-terminated); fails naming
 * it when absent or too large. */
int tf_files_read(const tf_files *f, const char *rel, uint8_t **data,
                  size_t *len, ms_error *err);

void tf_files_free(tf_files *f);

#endif
