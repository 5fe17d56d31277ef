/*
 * grafana.h - makes Grafana show the server's InfluxDB points, as the seed
 * did at start: the InfluxDB data source and the dashboard, through
 * Grafana's HTTP API with basic auth, idempotently.
 *
 *   data source  GET /api/datasources/uid/modelserver-influxdb; 404: POST
 *                /api/datasources; found but different (URL, database,
 *                type): PUT /api/datasources/ID; found and equal: nothing.
 *   dashboard    GET /api/dashboards/uid/modelserver; missing or different
 *                from ours: POST /api/dashboards/db with overwrite:true;
 *                equal (ignoring id and version): nothing.
 *
 * The dashboard is deploy/grafana/dashboards/modelserver.json, compiled in
 * (cmake/embed.cmake), the same file users provision Grafana from; the
 * data source matches deploy/grafana/provisioning/datasources/.
 *
 * All of it runs on a background thread, so a dead Grafana never delays
 * scoring: up to GRAFANA_ATTEMPTS tries with doubling back-off (1 s, 2 s,
 * ...), then one line saying how it went.
 */
#ifndef MS_TELEMETRY_GRAFANA_H
#define MS_TELEMETRY_GRAFANA_H

#include "core/error.h"
#include "telemetry/counters.h"

#define GRAFANA_ATTEMPTS 5
#define GRAFANA_DATASOURCE "modelserver-influxdb"   /* name and uid */
#define GRAFANA_DASHBOARD_UID "modelserver"

typedef struct grafana_config {
    const char *url;              /* "http://host:3000" */
    const char *user;             /* basic auth (the seed: admin/admin) */
    const char *password;
    const char *influx_url;       /* where Grafana reaches InfluxDB */
    const char *influx_user;      /* for the data source, when set */
    const char *influx_password;
    long timeout_ms;              /* of each request */
} grafana_config;

typedef struct grafana_client grafana_client;

/* Starts the set-up thread; returns at once. NULL with err filled when the
 * compiled-in dashboard is unusable or memory is short. counters is
 * borrowed (grafana_requests_failed). */
grafana_client *grafana_start(const grafana_config *cfg, counters *c,
                              ms_error *err);

/* Stops the thread (a request under way finishes first, within its
 * timeout) and frees the client. NULL is a no-op. */
void grafana_stop(grafana_client *g);

#endif
