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

/* Formats the message into err (printf-style); err may be NULL. */
void ms_error_format(ms_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prepends "prefix: " to the message already in err. */
void ms_error_prepend(ms_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The same, as expressions worth -1, so callers can write
 * `return ms_error_set(err, ...);`. Macros (GNU statement expressions), so
 * that the -1 is visible where they are used: static analysers then know
 * that such a return is the error path. */
#define ms_error_set(err, ...) ({ ms_error_format((err), __VA_ARGS__); -1; })
#define ms_error_prefix(err, ...) \
    ({ ms_error_prepend((err), __VA_ARGS__); -1; })

#endif
