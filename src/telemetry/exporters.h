/*
 * exporters.h - the server's reporting to InfluxDB and Grafana, configured
 * by the seed's keys: the options to put in a program's table
 * (EXPORTER_OPTIONS) and the start and stop of what they ask for.
 *
 * With influxdb.host (INFLUXDB_HOST) set, an InfluxDB writer runs
 * (telemetry/influx.h); with grafana.host (GRAFANA_HOST) set, the Grafana
 * set-up runs (telemetry/grafana.h). A host may be a name, an address or a
 * URL with its scheme ("http://influxdb.example.com", as in the seed's
 * config); the port is added to it.
 */
#ifndef MS_TELEMETRY_EXPORTERS_H
#define MS_TELEMETRY_EXPORTERS_H

#include <stddef.h>

#include "telemetry/counters.h"
#include "telemetry/grafana.h"
#include "telemetry/influx.h"
#include "util/config.h"

#define EXPORTER_OPTIONS                                                     \
    {"influxdb.host", "INFLUXDB_HOST", "influxdb-host", 0, "HOST", NULL,   \
     "InfluxDB 1.x to write one point per scored record to (database "     \
     "serving, created if missing). Unset: no InfluxDB."},                 \
    {"influxdb.port", "INFLUXDB_PORT", "influxdb-port", 0, "PORT", "8086", \
     "Port of InfluxDB's HTTP API."},                                      \
    {"influxdb.user", "INFLUXDB_USER", NULL, 0, "NAME", NULL,              \
     "InfluxDB user, when InfluxDB has authentication on."},               \
    {"influxdb.password", "INFLUXDB_PASSWORD", NULL, 0, "PASSWORD", NULL,  \
     "Password of influxdb.user."},                                        \
    {"influxdb.batch_size", "INFLUXDB_BATCH_SIZE", "influxdb-batch-size",  \
     0, "N", "2000", "Points per InfluxDB write, at most."},               \
    {"influxdb.batch_interval", "INFLUXDB_BATCH_INTERVAL",                 \
     "influxdb-batch-interval", 0, "DURATION", "100 milliseconds",         \
     "Longest a point waits for its batch to fill before it is written."}, \
    {"influxdb.queue_size", "INFLUXDB_QUEUE_SIZE", "influxdb-queue-size",  \
     0, "N", "32768",                                                      \
     "Points waiting for InfluxDB, at most; more are dropped and "         \
     "counted, so a slow InfluxDB never slows scoring."},                  \
    {"influxdb.timeout", "INFLUXDB_TIMEOUT", "influxdb-timeout", 0,        \
     "DURATION", "5 seconds", "Longest an InfluxDB request may take."},    \
    {"influxdb.engine_tag", "INFLUXDB_ENGINE_TAG", "influxdb-engine-tag",  \
     0, "NAME", NULL,                                                      \
     "Value of the points' engine tag (default: the engine, stage or "     \
     "store; the seed wrote Akka or Kafka Streams)."},                     \
    {"grafana.host", "GRAFANA_HOST", "grafana-host", 0, "HOST", NULL,      \
     "Grafana to create the InfluxDB data source and the dashboard in at " \
     "start. Unset: no Grafana."},                                         \
    {"grafana.port", "GRAFANA_PORT", "grafana-port", 0, "PORT", "3000",    \
     "Port of Grafana's HTTP API."},                                       \
    {"grafana.user", "GRAFANA_USER", NULL, 0, "NAME", "admin",             \
     "Grafana user (basic auth)."},                                        \
    {"grafana.password", "GRAFANA_PASSWORD", NULL, 0, "PASSWORD", "admin", \
     "Password of grafana.user."},                                         \
    {"grafana.influxdb_url", "GRAFANA_INFLUXDB_URL", "grafana-influxdb-url",\
     0, "URL", NULL,                                                       \
     "URL at which Grafana reaches InfluxDB, for the data source "         \
     "(default: the one the server writes to)."},                          \
    {"grafana.timeout", "GRAFANA_TIMEOUT", NULL, 0, "DURATION",            \
     "10 seconds", "Longest a Grafana request may take."}

typedef struct exporters {
    influx_writer *influx;   /* NULL: no InfluxDB configured */
    grafana_client *grafana; /* NULL: no Grafana configured */
} exporters;

/* "http://HOST:PORT" from a host that is a name, an address (IPv6 gets
 * brackets) or a URL with its scheme (kept; trailing '/' dropped). -1 with
 * err for a port outside 1..65535, an empty host or one too long for cap. */
int exporters_url(const char *host, long port, char *url, size_t cap,
                  ms_error *err);

/* Starts what the configuration asks for (nothing when neither host is
 * set); engine_name is the default engine tag. Returns 0, or -1 with err
 * naming the bad setting (nothing is left running then). Neither InfluxDB
 * nor Grafana needs to be up. */
int exporters_start(const config *cfg, const char *engine_name, counters *c,
                    exporters *out, ms_error *err);

/* Stops both (the writer flushes first). */
void exporters_stop(exporters *e);

#endif
