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
    /* Join in a buffer large enough for both, then keep what fits. */
    char joined[2 * MS_ERROR_MAX + 2];
    snprintf(joined, sizeof joined, "%s: %s", prefix, err->msg);
    size_t n = strlen(joined);
    if (n >= sizeof err->msg) n = sizeof err->msg - 1;
    memcpy(err->msg, joined, n);
    err->msg[n] = '\0';
    return -1;
}
