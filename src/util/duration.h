/*
 * duration.h - human durations, as users type them and as the seed's
 * Typesafe config accepted them: "1 second", "5 minutes", "10ms", "1.5s",
 * "250 milliseconds", "2h", "100us", "5000ns", "1 day".
 *
 * Units (singular or plural, any case, optional whitespace after the number):
 *   ns nano nanos nanosecond    us micro micros microsecond
 *   ms milli millis millisecond s sec second
 *   m min minute                h hour
 *   d day
 * A bare number means milliseconds, as in Typesafe config. "m" is minutes.
 */
#ifndef MS_UTIL_DURATION_H
#define MS_UTIL_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Parses text into nanoseconds. Returns 0, or -1 with a sentence in err for
 * empty text, a negative or non-finite number, an unknown unit, text after
 * the unit, or a value beyond int64 nanoseconds (about 292 years).
 * Fractions finer than a nanosecond are rounded to the nearest one. */
int duration_parse(const char *text, int64_t *out_ns, ms_error *err);

/* Writes ns as short text in the largest unit that shows it exactly, whole
 * or below 1000 with at most three decimals: "1.5s", "250ms", "5m", "2h",
 * "3605s", "0s", "1000000001ns". A non-negative result parses back to the
 * same value. Truncates to fit len. */
void duration_format(int64_t ns, char *buf, size_t len);

#endif
