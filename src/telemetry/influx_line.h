/*
 * influx_line.h - one scored record as a point of InfluxDB 1.x line
 * protocol, the seed's schema:
 *
 *   serving,data_type=wine,engine=stage,model=tree calculated=6,duration=0.042 1764612345123456789
 *
 * measurement `serving`; tags `data_type`, `engine`, `model` (in key order,
 * as InfluxDB prefers); fields `calculated` (the score) and `duration` (the
 * scoring time in milliseconds), both floats; a nanosecond timestamp.
 *
 * Floats: the score with 17 significant digits, which always reads back as
 * the same double (the shortest such text would cost the writer up to
 * three printf calls per point); the duration as the exact decimal of its
 * nanoseconds ("0.001785"), which reads back as nanoseconds / 1e6.
 *
 * Escaping: in tag values a space, ',' and '=' get a backslash. Line
 * protocol has no way to write a line break, or a backslash that ends a tag
 * value (it would escape the separator that follows): those are written as
 * '_'. An empty tag is left out, as InfluxDB refuses empty tag values. A
 * non-finite score (NaN, inf) is left out too: InfluxDB fields cannot hold
 * it; the point still carries its duration.
 */
#ifndef MS_TELEMETRY_INFLUX_LINE_H
#define MS_TELEMETRY_INFLUX_LINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/record.h"
#include "core/store.h"

/* Longest engine tag (longer ones are cut). */
#define INFLUX_ENGINE_MAX 64
/* Longest encoded line: every tag character escaped, plus 124 bytes of
 * measurement, keys, two 24-character floats, a 20-digit timestamp, the
 * newline and the NUL. */
#define INFLUX_LINE_MAX                                                     \
    (128 + 2 * (RECORD_MAX_DATA_TYPE + STORE_NAME_MAX + INFLUX_ENGINE_MAX))

typedef struct influx_point {
    char data_type[RECORD_MAX_DATA_TYPE];
    char model[STORE_NAME_MAX];
    double calculated;
    int64_t duration_ns;
    int64_t time_ns;   /* Unix epoch */
} influx_point;

/* Writes the line of p, newline included, into buf (NUL-terminated when
 * it fits); returns its length without the NUL, or 0 when cap is too
 * small (INFLUX_LINE_MAX always is enough). */
size_t influx_line_encode(const influx_point *p, const char *engine, char *buf,
                          size_t cap);

#endif
