/* influx_line.c - line protocol encoding of one point (see influx_line.h). */
#include "telemetry/influx_line.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The shortest decimal text that reads back as v. */
static void put_float(out *o, double v) {
    char text[40];
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, v);
        if (strtod(text, NULL) == v) break;
    }
    put(o, text, strlen(text));
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
    put_float(&o, p->duration_ms);
    char ts[32];
    int n = snprintf(ts, sizeof ts, " %lld\n", (long long)p->time_ns);
    put(&o, ts, (size_t)n);
    if (o.full) return 0;
    buf[o.len] = '\0';
    return o.len;
}
