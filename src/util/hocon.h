/*
 * hocon.h - a reader for the subset of HOCON (Typesafe config's format) that
 * real application.conf files use; config.c turns what it reads into
 * settings. See config_load_file in util/config.h for the accepted syntax.
 *
 * The reader knows syntax only: it hands each assignment, with its full
 * dotted key, to a visitor that decides whether the key exists.
 */
#ifndef MS_UTIL_HOCON_H
#define MS_UTIL_HOCON_H

#include <stddef.h>

#include "core/error.h"

/* Called for each assignment in file order. value is NULL when it consisted
 * only of optional substitutions (${?VAR}) whose variables are unset: the
 * key is named but keeps its previous value. Returns 0, or -1 with a
 * sentence in err, which the reader prefixes with "path:line: ". */
typedef int (*hocon_visit)(void *ctx, const char *key, const char *value,
                           int line, ms_error *err);

/* Reads the file at path and visits its assignments. Returns 0, or -1 with
 * "path:line: ..." in err on a syntax error or a visitor's error, or a
 * sentence naming path when it cannot be read. */
int hocon_parse_file(const char *path, hocon_visit visit, void *ctx,
                     ms_error *err);

/* The same for text already in memory: len bytes, NUL-terminated at
 * text[len]; name stands for the path in messages. Text with a NUL byte
 * before len is refused (not a text file). */
int hocon_parse_text(const char *name, const char *text, size_t len,
                     hocon_visit visit, void *ctx, ms_error *err);

#endif
