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
    char old[MS_ERROR_MAX];
    memcpy(old, err->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* A sentence cut short at MS_ERROR_MAX is still useful; say no more
     * than fits. */
    if (n >= 0 && (size_t)n < sizeof err->msg) {
        size_t room = sizeof err->msg - (size_t)n;
        if (snprintf(err->msg + n, room, ": %s", old) < 0)
            err->msg[n] = '\0';
    }
    return -1;
}
