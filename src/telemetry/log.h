/*
 * log.h - one line per event, to stderr, with a UTC timestamp, a level and
 * the component that speaks:
 *
 *   2026-11-25T06:50:01.123Z INFO  server: serving model 'tree' for 'wine'
 *
 * Error lines say what to do about the error. Thread-safe: each line is one
 * write(2), so lines from threads never interleave.
 */
#ifndef MS_TELEMETRY_LOG_H
#define MS_TELEMETRY_LOG_H

typedef enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

/* Lines below this level are dropped (default LOG_INFO; MS_LOG_LEVEL=debug
 * in the environment lowers it at the first log call). */
void log_set_level(log_level level);

/* Parses "debug", "info", "warn" or "error"; returns -1 when unknown. */
int log_level_parse(const char *name, log_level *level);

void log_write(log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(comp, ...) log_write(LOG_DEBUG, comp, __VA_ARGS__)
#define log_info(comp, ...) log_write(LOG_INFO, comp, __VA_ARGS__)
#define log_warn(comp, ...) log_write(LOG_WARN, comp, __VA_ARGS__)
#define log_error(comp, ...) log_write(LOG_ERROR, comp, __VA_ARGS__)

#endif
