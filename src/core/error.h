/*
 * error.h - the one error type every module fills in.
 *
 * Functions that can fail return 0 on success or a negative code, and write a
 * human sentence into a caller-owned ms_error ("PMML: Node 14: SimplePredicate
 * on unknown field 'pH2'"). The sentence is what goes into logs and HTTP
 * answers, so it names the thing that was wrong and where.
 */
#ifndef MS_CORE_ERROR_H
#define MS_CORE_ERROR_H

#include <stddef.h>

#define MS_ERROR_MAX 512

typedef struct ms_error {
    char msg[MS_ERROR_MAX];
} ms_error;

/* Formats the message into err (printf-style); err may be NULL. Returns -1 so
 * callers can write `return ms_error_set(err, ...);`. */
int ms_error_set(ms_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prepends "prefix: " to the message already in err. Returns -1. */
int ms_error_prefix(ms_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
