/* duration.c - parsing and formatting of human durations (see duration.h). */
#include "util/duration.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define NS_US INT64_C(1000)
#define NS_MS (1000 * NS_US)
#define NS_S (1000 * NS_MS)
#define NS_M (60 * NS_S)
#define NS_H (60 * NS_M)
#define NS_D (24 * NS_H)

typedef struct duration_unit {
    const char *name;
    int64_t ns;
} duration_unit;

/* Singular spellings; names longer than two letters also take a plural 's'
 * ("nanos", "millis", "mins", "seconds"). */
static const duration_unit parse_units[] = {
    {"ns", 1},     {"nano", 1},     {"nanosecond", 1},
    {"us", NS_US}, {"micro", NS_US}, {"microsecond", NS_US},
    {"ms", NS_MS}, {"milli", NS_MS}, {"millisecond", NS_MS},
    {"s", NS_S},   {"sec", NS_S},    {"second", NS_S},
    {"m", NS_M},   {"min", NS_M},    {"minute", NS_M},
    {"h", NS_H},   {"hour", NS_H},
    {"d", NS_D},   {"day", NS_D},
};

static const duration_unit *find_unit(const char *name, size_t len) {
    for (size_t i = 0; i < sizeof parse_units / sizeof *parse_units; i++) {
        const char *u = parse_units[i].name;
        size_t ulen = strlen(u);
        bool plural = ulen > 2 && len == ulen + 1 &&
                      (name[ulen] == 's' || name[ulen] == 'S');
        if ((len == ulen || plural) && strncasecmp(name, u, ulen) == 0)
            return &parse_units[i];
    }
    return NULL;
}

int duration_parse(const char *text, int64_t *out_ns, ms_error *err) {
    const char *p = text;
    while (isspace((unsigned char)*p)) p++;
    if (*p == '\0')
        return ms_error_set(err, "empty duration (expected a number and a "
                                 "unit, such as 10s or 5 minutes)");
    if (*p == '-') return ms_error_set(err, "duration '%s' is negative", text);

    /* Digits by hand rather than strtod: exact for whole nanoseconds up to
     * the int64 limit, and no hex, exponents or "inf" sneaking through. */
    uint64_t whole = 0;
    bool too_big = false;
    int digits = 0;
    for (; isdigit((unsigned char)*p); p++, digits++) {
        if (whole > (UINT64_MAX - 9) / 10) too_big = true;
        else whole = whole * 10 + (uint64_t)(*p - '0');
    }
    /* Eighteen decimals are finer than a nanosecond of a day; the rest are
     * read and ignored. */
    uint64_t frac_digits_value = 0;
    double frac_scale = 1.0;
    if (*p == '.') {
        for (p++; isdigit((unsigned char)*p); p++, digits++)
            if (frac_scale > 1e-18) {
                frac_digits_value =
                    frac_digits_value * 10 + (uint64_t)(*p - '0');
                frac_scale /= 10;
            }
    }
    if (digits == 0) {
        if (strncasecmp(p, "nan", 3) == 0 || strncasecmp(p, "inf", 3) == 0)
            return ms_error_set(err, "duration '%s' is not a finite number",
                                text);
        return ms_error_set(err, "duration '%s' does not start with a number",
                            text);
    }

    while (isspace((unsigned char)*p)) p++;
    const char *unit_name = p;
    while (isalpha((unsigned char)*p)) p++;
    size_t unit_len = (size_t)(p - unit_name);
    int64_t unit_ns = NS_MS; /* a bare number is milliseconds */
    if (unit_len > 0) {
        const duration_unit *u = find_unit(unit_name, unit_len);
        if (!u)
            return ms_error_set(err, "duration '%s' has unknown unit '%.*s' "
                                     "(use ns, us, ms, s, m, h or d)",
                                text, (int)unit_len, unit_name);
        unit_ns = u->ns;
    }
    while (isspace((unsigned char)*p)) p++;
    if (*p != '\0')
        return ms_error_set(err, "duration '%s' has unexpected text '%s' "
                                 "after the %s",
                            text, p, unit_len ? "unit" : "number");

    int64_t frac_ns =
        llround((double)frac_digits_value * frac_scale * (double)unit_ns);
    if (too_big || whole > (uint64_t)((INT64_MAX - frac_ns) / unit_ns))
        return ms_error_set(err, "duration '%s' is too large (the limit is "
                                 "about 292 years)", text);
    *out_ns = (int64_t)whole * unit_ns + frac_ns;
    return 0;
}

void duration_format(int64_t ns, char *buf, size_t len) {
    static const duration_unit units[] = {
        {"d", NS_D},   {"h", NS_H},   {"m", NS_M}, {"s", NS_S},
        {"ms", NS_MS}, {"us", NS_US}, {"ns", 1},
    };
    if (len == 0) return;
    if (ns == 0) {
        snprintf(buf, len, "0s");
        return;
    }
    /* Unsigned magnitude, so INT64_MIN needs no special case. */
    uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;

    /* The largest unit that shows mag exactly: whole, or below 1000 with at
     * most three decimals ("1000000.001us" reads worse than the nanoseconds).
     * Nanoseconds always qualify, so the loop always stops. */
    size_t i = 0;
    for (;; i++) {
        uint64_t unit = (uint64_t)units[i].ns;
        uint64_t step = unit >= 1000 ? unit / 1000 : 1;
        if (mag >= unit && mag % step == 0 &&
            (mag % unit == 0 || mag / unit < 1000))
            break;
    }
    uint64_t unit = (uint64_t)units[i].ns;
    uint64_t thousandths = unit >= 1000 ? mag % unit / (unit / 1000) : 0;

    char decimals[5] = "";
    if (thousandths) {
        snprintf(decimals, sizeof decimals, ".%03u", (unsigned)thousandths);
        /* Drop trailing zeros; the '.' stays, as thousandths > 0. */
        size_t end = strlen(decimals);
        while (end > 1 && decimals[end - 1] == '0') decimals[--end] = '\0';
    }
    snprintf(buf, len, "%s%" PRIu64 "%s%s", ns < 0 ? "-" : "", mag / unit,
             decimals, units[i].name);
}
