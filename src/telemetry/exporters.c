/* exporters.c - InfluxDB and Grafana from the configuration (see
 * exporters.h). */
#include "telemetry/exporters.h"

#include <stdio.h>
#include <string.h>

#include "telemetry/influx_line.h"

#define URL_MAX 1024

int exporters_url(const char *host, long port, char *url, size_t cap,
                  ms_error *err) {
    if (port < 1 || port > 65535)
        return ms_error_set(err, "the port must be 1..65535, not %ld", port);
    size_t len = strlen(host);
    while (len && host[len - 1] == '/') len--; /* "http://h/" */
    if (len == 0) return ms_error_set(err, "the host is empty");
    const char *scheme = strstr(host, "://") ? "" : "http://";
    /* A bare IPv6 address needs brackets before the port. */
    int v6 = *scheme && strchr(host, ':') && host[0] != '[';
    int n = snprintf(url, cap, "%s%s%.*s%s:%ld", scheme, v6 ? "[" : "",
                     (int)len, host, v6 ? "]" : "", port);
    if (n < 0 || (size_t)n >= cap)
        return ms_error_set(err, "the host '%s' is too long", host);
    return 0;
}

/* The base URL from the host and port keys. */
static int base_url(const config *cfg, const char *host_key,
                    const char *port_key, char *url, ms_error *err) {
    long port;
    if (config_get_int(cfg, port_key, &port, err)) return -1;
    if (exporters_url(config_get(cfg, host_key), port, url, URL_MAX, err))
        return ms_error_prefix(err, "%s/%s", host_key, port_key);
    return 0;
}

/* A positive count from key, at most max. */
static int count(const config *cfg, const char *key, long max, size_t *out,
                 ms_error *err) {
    long v;
    if (config_get_int(cfg, key, &v, err)) return -1;
    if (v < 1 || v > max)
        return ms_error_set(err, "%s must be 1..%ld, not %ld", key, max, v);
    *out = (size_t)v;
    return 0;
}

/* A duration from key in milliseconds, at least 1. */
static int millis(const config *cfg, const char *key, long *out,
                  ms_error *err) {
    int64_t ns;
    if (config_get_duration(cfg, key, &ns, err)) return -1;
    if (ns < 1000000 || ns > INT64_C(3600000000000))
        return ms_error_set(err, "%s must be 1ms..1h, not '%s'", key,
                            config_get(cfg, key));
    *out = (long)(ns / 1000000);
    return 0;
}

static int start_influx(const config *cfg, const char *engine_name,
                        counters *c, exporters *out, char *url,
                        ms_error *err) {
    influx_config ic = {
        .url = url,
        .user = config_get(cfg, "influxdb.user"),
        .password = config_get(cfg, "influxdb.password"),
        .engine = config_get(cfg, "influxdb.engine_tag"),
    };
    long interval_ms;
    if (base_url(cfg, "influxdb.host", "influxdb.port", url, err) ||
        count(cfg, "influxdb.batch_size", 1000000, &ic.batch_size, err) ||
        count(cfg, "influxdb.queue_size", 16 << 20, &ic.queue_capacity, err) ||
        millis(cfg, "influxdb.batch_interval", &interval_ms, err) ||
        millis(cfg, "influxdb.timeout", &ic.timeout_ms, err))
        return -1;
    ic.batch_interval_ns = (int64_t)interval_ms * 1000000;
    if (!ic.engine) ic.engine = engine_name;
    if (strlen(ic.engine) >= INFLUX_ENGINE_MAX)
        return ms_error_set(err, "influxdb.engine_tag is longer than %d "
                                 "characters", INFLUX_ENGINE_MAX - 1);
    out->influx = influx_start(&ic, c, err);
    return out->influx ? 0 : -1;
}

static int start_grafana(const config *cfg, counters *c, exporters *out,
                         const char *influx_url, ms_error *err) {
    char url[URL_MAX];
    grafana_config gc = {
        .url = url,
        .user = config_get(cfg, "grafana.user"),
        .password = config_get(cfg, "grafana.password"),
        .influx_url = config_get(cfg, "grafana.influxdb_url"),
        .influx_user = config_get(cfg, "influxdb.user"),
        .influx_password = config_get(cfg, "influxdb.password"),
    };
    if (base_url(cfg, "grafana.host", "grafana.port", url, err) ||
        millis(cfg, "grafana.timeout", &gc.timeout_ms, err))
        return -1;
    if (!gc.influx_url) gc.influx_url = influx_url;
    if (!gc.influx_url)
        return ms_error_set(err, "grafana.host is set but Grafana's data "
                                 "source needs an InfluxDB: set "
                                 "influxdb.host or grafana.influxdb_url");
    out->grafana = grafana_start(&gc, c, err);
    return out->grafana ? 0 : -1;
}

int exporters_start(const config *cfg, const char *engine_name, counters *c,
                    exporters *out, ms_error *err) {
    *out = (exporters){0};
    char influx_url[URL_MAX];
    if (config_get(cfg, "influxdb.host") &&
        start_influx(cfg, engine_name, c, out, influx_url, err))
        return -1;
    if (config_get(cfg, "grafana.host") &&
        start_grafana(cfg, c, out, out->influx ? influx_url : NULL, err)) {
        exporters_stop(out);
        return -1;
    }
    return 0;
}

void exporters_stop(exporters *e) {
    grafana_stop(e->grafana);
    influx_stop(e->influx);
    *e = (exporters){0};
}
