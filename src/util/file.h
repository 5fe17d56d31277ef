/*
 * file.h - reading a whole file, with a size limit checked before reading,
 * for model documents passed by reference and the publisher's model files.
 */
#ifndef MS_UTIL_FILE_H
#define MS_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Reads the regular file at path into a malloc'd buffer (*out, freed by the
 * caller; one extra NUL byte follows the data). Fails with err naming the
 * path when it cannot be opened, is not a regular file, or is larger than
 * max_bytes. */
int file_read_all(const char *path, size_t max_bytes, uint8_t **out,
                  size_t *len, ms_error *err);

#endif
