/* error.c - formatting of ms_error sentences (see error.h). */
#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ms_error_set(ms_error *err, const char *fmt, ...) {
    if (!err) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int ms_error_prefix(ms_error *err, const char *fmt, ...) {
    if (!err) return -1;
    char prefix[MS_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[MS_ERROR_MAX];
    memcpy(old, err->msg, sizeof old);
    /* A sentence too long for the buffer keeps its beginning, which names
     * where the error was, and ends in "..." to show it was cut. */
    int n = snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
    if (n >= (int)sizeof err->msg)
        memcpy(err->msg + sizeof err->msg - 4, "...", 4);
    return -1;
}
