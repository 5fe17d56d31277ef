/* influx_line.c - line protocol encoding of one point (see influx_line.h). */
#include "telemetry/influx_line.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct out {
    char *buf;
    size_t cap, len;
    int full;
} out;

static void put(out *o, const char *s, size_t n) {
    if (o->full || o->len + n >= o->cap) {
        o->full = 1;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void put_char(out *o, char ch) { put(o, &ch, 1); }

/* ",key=value" with value escaped; nothing for an empty value. */
static void put_tag(out *o, const char *key, const char *value) {
    if (!value[0]) return;
    put_char(o, ',');
    put(o, key, strlen(key));
    put_char(o, '=');
    for (const char *p = value; *p; p++) {
        char ch = *p;
        if (ch == '\n' || ch == '\r' || (ch == '\\' && p[1] == '\0')) {
            put_char(o, '_');
            continue;
        }
        if (ch == ' ' || ch == ',' || ch == '=') put_char(o, '\\');
        put_char(o, ch);
    }
}

/* 17 significant digits: always the same double when read back. */
static void put_float(out *o, double v) {
    char text[40];
    int n = snprintf(text, sizeof text, "%.17g", v);
    put(o, text, (size_t)n);
}

/* Decimal digits of v, at least min_digits (zero-padded). */
static void put_uint(out *o, uint64_t v, int min_digits) {
    char text[24];
    int n = 0;
    do {
        text[sizeof text - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v || n < min_digits);
    put(o, text + sizeof text - n, (size_t)n);
}

static uint64_t magnitude(int64_t v) {
    return v < 0 ? -(uint64_t)v : (uint64_t)v;
}

/* ns / 1e6 as an exact decimal, without trailing zeros: "0.001785", "2". */
static void put_millis(out *o, int64_t ns) {
    uint64_t mag = magnitude(ns), frac = mag % 1000000;
    if (ns < 0) put_char(o, '-');
    put_uint(o, mag / 1000000, 1);
    if (!frac) return;
    int digits = 6;
    while (frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    put_char(o, '.');
    put_uint(o, frac, digits);
}

size_t influx_line_encode(const influx_point *p, const char *engine, char *buf,
                          size_t cap) {
    out o = {.buf = buf, .cap = cap};
    put(&o, "serving", 7);
    put_tag(&o, "data_type", p->data_type);
    put_tag(&o, "engine", engine);
    put_tag(&o, "model", p->model);
    put_char(&o, ' ');
    if (isfinite(p->calculated)) {
        put(&o, "calculated=", 11);
        put_float(&o, p->calculated);
        put_char(&o, ',');
    }
    put(&o, "duration=", 9);
    put_millis(&o, p->duration_ns);
    put_char(&o, ' ');
    if (p->time_ns < 0) put_char(&o, '-');
    put_uint(&o, magnitude(p->time_ns), 1);
    put_char(&o, '\n');
    if (o.full) return 0;
    buf[o.len] = '\0';
    return o.len;
}
