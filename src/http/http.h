/*
 * http.h - the server's HTTP port (libmicrohttpd): queryable state and
 * metrics.
 *
 *   GET /stats[?dataType=T]  the seed's statistics of the model serving T
 *                            (default: the configured data type)
 *   GET /metrics             counters in Prometheus text format
 *
 * Handlers only read snapshots of the store and atomic counters, so HTTP
 * traffic never blocks scoring for longer than a snapshot copy.
 */
#ifndef MS_HTTP_H
#define MS_HTTP_H

#include "core/error.h"
#include "core/store.h"
#include "telemetry/counters.h"

typedef struct http_server http_server;

typedef struct http_config {
    const char *bind_address;      /* NULL or "" = all interfaces */
    int port;
    const char *default_data_type; /* what /stats shows without ?dataType */
    const char *engine_name;       /* "stage" */
} http_config;

/* Starts serving on its own threads. NULL with err filled on failure (for
 * example, the port is taken). store and counters are borrowed. */
http_server *http_start(const http_config *cfg, store *s, const counters *c,
                        ms_error *err);

/* The port actually bound (useful with port 0). */
int http_port(const http_server *h);

void http_stop(http_server *h);

#endif
