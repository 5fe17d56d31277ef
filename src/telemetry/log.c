/* log.c - timestamped, levelled, single-write log lines (see log.h). */
#include "telemetry/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static atomic_int min_level = -1; /* -1: not yet read from the environment */

void log_set_level(log_level level) { atomic_store(&min_level, (int)level); }

int log_level_parse(const char *name, log_level *level) {
    static const char *const names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++)
        if (strcasecmp(name, names[i]) == 0) {
            *level = (log_level)i;
            return 0;
        }
    return -1;
}

static int current_level(void) {
    int level = atomic_load(&min_level);
    if (level < 0) {
        log_level parsed = LOG_INFO;
        const char *env = getenv("MS_LOG_LEVEL");
        if (env) log_level_parse(env, &parsed);
        level = (int)parsed;
        atomic_store(&min_level, level);
    }
    return level;
}

void log_write(log_level level, const char *component, const char *fmt, ...) {
    static const char *const labels[] = {"DEBUG", "INFO ", "WARN ", "ERROR"};
    if ((int)level < current_level()) return;

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);

    char line[2048];
    int n = snprintf(line, sizeof line,
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000L,
                     labels[level], component);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
    /* One line per event, however the message was written. */
    for (int i = 0; i < n; i++)
        if (line[i] == '\n') line[i] = ' ';
    line[n++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, (size_t)n);
    (void)ignored;
}
