/*
 * http.h - the server's HTTP port (libmicrohttpd): the seed's queryable
 * state, models and health, Prometheus metrics, inference in the Open
 * Inference Protocol (KServe v2) REST shape, and the built-in dashboard.
 * Every route, its parameters and its replies are in README.md, "HTTP API";
 * the route table is in http.c.
 *
 * Handlers read snapshots of the store and atomic counters, so HTTP never
 * blocks scoring for longer than a snapshot copy; inference scores on the
 * HTTP threads, whose number is capped (threads), so HTTP load cannot take
 * more than that many cores from scoring.
 */
#ifndef MS_HTTP_H
#define MS_HTTP_H

#include <stddef.h>

#include "core/error.h"
#include "core/store.h"
#include "stream/discovery.h"
#include "stream/engine.h"
#include "telemetry/counters.h"

typedef struct http_server http_server;

typedef struct http_config {
    const char *bind_address;      /* NULL or "" = all interfaces */
    int port;
    const char *default_data_type; /* what /stats shows without ?dataType */
    const char *engine_name;       /* "stage" or "store" */
    unsigned threads;              /* HTTP worker threads (>= 1) */
    size_t max_body;               /* largest request body, bytes */
    unsigned timeout_s;            /* idle connection timeout */
} http_config;

/* What the handlers read; all borrowed and outliving the server. engine
 * may be NULL (then the server is never ready). */
typedef struct http_sources {
    store *store;
    const counters *counters;
    engine *engine;
} http_sources;

/* Starts serving on its own threads. NULL with err filled on failure (for
 * example, the port is taken). */
http_server *http_start(const http_config *cfg, const http_sources *src,
                        ms_error *err);

/* The port actually bound (useful with port 0). */
int http_port(const http_server *h);

/* Gives /state/instances its source of instances (borrowed; NULL to take
 * it away before it is stopped). Until then only this instance is known. */
void http_set_discovery(http_server *h, discovery *d);

void http_stop(http_server *h);

#endif
