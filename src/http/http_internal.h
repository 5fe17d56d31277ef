/*
 * http_internal.h - what the HTTP port's files share: the server, a parsed
 * request, the reply a handler fills, and the handlers of the route table
 * (http.c). Not for use outside src/http.
 *
 *   http.c       daemon, route table, body limits, methods, request counts
 *   reply.c      replies: JSON, text, errors, static bytes
 *   state.c      /stats and the seed's /state/... (queryable state)
 *   models.c     /models
 *   health.c     /health/live, /health/ready
 *   metrics.c    /metrics (Prometheus text format)
 *   infer.c      /v2/... (Open Inference Protocol, KServe v2)
 *   dashboard.c  / and its files, /api/overview
 */
#ifndef MS_HTTP_INTERNAL_H
#define MS_HTTP_INTERNAL_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdatomic.h>

#include "http/http.h"

/* Request counts are kept per route and per status of this list. */
#define HTTP_ROUTES_MAX 32
#define HTTP_STATUSES 9
extern const unsigned http_statuses[HTTP_STATUSES]; /* last: 0 = any other */

/* The name of route i as /metrics labels it ("none" for unmatched). */
const char *http_route_name(size_t i);
size_t http_route_count(void);

struct http_server {
    struct MHD_Daemon *daemon;
    http_config cfg;
    http_sources src;
    _Atomic(discovery *) discovery;
    int port;
    /* [route][status]; route http_route_count() = no route matched */
    atomic_uint_fast64_t requests[HTTP_ROUTES_MAX + 1][HTTP_STATUSES];
};

#define HTTP_MAX_CAPTURES 2

typedef struct http_request {
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    const char *capture[HTTP_MAX_CAPTURES]; /* the {} segments, in order */
    const char *body;                       /* NUL-terminated; "" if none */
    size_t body_len;
} http_request;

typedef struct http_reply {
    unsigned status;
    const char *content_type;
    char *body;               /* malloc'd, owned by the reply */
    size_t len;
    const void *fixed;        /* or bytes that outlive the server */
} http_reply;

/* The value of query parameter name, or NULL. */
const char *http_query(const http_request *rq, const char *name);

/* Replies; each takes ownership of what it is given. */
void reply_json(http_reply *out, unsigned status, json_t *doc);
__attribute__((format(printf, 3, 4))) void reply_error(http_reply *out,
                                                       unsigned status,
                                                       const char *fmt, ...);
void reply_text(http_reply *out, unsigned status, const char *content_type,
                char *text);
void reply_fixed(http_reply *out, const char *content_type, const void *bytes,
                 size_t len);

/* Every data type as /models lists it (a new array). */
json_t *http_models_json(http_server *h);

/* Snapshots of every data type into a malloc'd array (*n of them); NULL
 * when out of memory. */
store_snapshot *http_snapshots(http_server *h, size_t *n);

/* JSON of one model's serving statistics in the seed's /stats shape. */
json_t *http_stats_json(const store_snapshot *snap);

/* Handlers of the route table. */
typedef void (*http_handler)(http_server *h, const http_request *rq,
                             http_reply *out);
void http_handle_stats(http_server *h, const http_request *rq, http_reply *out);
void http_handle_instances(http_server *h, const http_request *rq, http_reply *out);
void http_handle_store_instances(http_server *h, const http_request *rq, http_reply *out);
void http_handle_store_value(http_server *h, const http_request *rq, http_reply *out);
void http_handle_models(http_server *h, const http_request *rq, http_reply *out);
void http_handle_live(http_server *h, const http_request *rq, http_reply *out);
void http_handle_ready(http_server *h, const http_request *rq, http_reply *out);
void http_handle_health(http_server *h, const http_request *rq, http_reply *out);
void http_handle_metrics(http_server *h, const http_request *rq, http_reply *out);
void http_handle_v2_server(http_server *h, const http_request *rq, http_reply *out);
void http_handle_v2_model(http_server *h, const http_request *rq, http_reply *out);
void http_handle_v2_model_ready(http_server *h, const http_request *rq, http_reply *out);
void http_handle_v2_infer(http_server *h, const http_request *rq, http_reply *out);
void http_handle_overview(http_server *h, const http_request *rq, http_reply *out);
void http_handle_dashboard(http_server *h, const http_request *rq, http_reply *out);
void http_handle_dashboard_file(http_server *h, const http_request *rq, http_reply *out);

/* Shared between handlers: the live instances as /state/instances lists
 * them (store_name NULL: all), and whether the server is ready (with the
 * reason when not). */
json_t *http_instances(http_server *h, const char *store_name);
int http_ready(http_server *h, char *why, size_t why_len);

/* The seed's one store name. */
#define HTTP_STORE_NAME "modelStore"

#endif
