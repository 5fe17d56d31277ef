/*
 * http_client.h - a small blocking HTTP client (libcurl) for the services
 * the server reports to, InfluxDB and Grafana: one base URL, optional basic
 * auth, connect and total timeouts, and a kept connection between requests.
 *
 *   http_client *c = http_client_new(&(http_client_config){
 *       .base_url = "http://127.0.0.1:8086", .timeout_ms = 5000}, &err);
 *   long status;
 *   if (http_client_send(c, "POST", "/write?db=serving", "text/plain",
 *                        body, len, &status, &err) == 0 && status == 204) ...
 *
 * Used only from the background threads that own a client: a call blocks
 * for at most the timeout, which is why scoring never calls it. Not
 * thread-safe: one client per thread.
 */
#ifndef MS_TELEMETRY_HTTP_CLIENT_H
#define MS_TELEMETRY_HTTP_CLIENT_H

#include <stddef.h>

#include "core/error.h"

typedef struct http_client_config {
    const char *base_url;    /* "http://host:port", no trailing slash */
    const char *user;        /* basic auth when set (NULL or "": none) */
    const char *password;
    long connect_timeout_ms; /* 0: the total timeout */
    long timeout_ms;         /* whole request, answer included */
} http_client_config;

typedef struct http_client http_client;

/* Copies what it needs from cfg. NULL with err filled on failure. */
http_client *http_client_new(const http_client_config *cfg, ms_error *err);
void http_client_free(http_client *c);

/* Sends method to base_url + path (path starts with '/' and is already
 * URL-encoded) with body (NULL for none) of content_type. Returns 0 when
 * the server answered, whatever the status (in *status); -1 with err
 * naming the URL and the reason when there was no answer (refused, timed
 * out, unresolvable) or the answer was larger than 4 MiB. */
int http_client_send(http_client *c, const char *method, const char *path,
                     const char *content_type, const char *body, size_t len,
                     long *status, ms_error *err);

/* The body of the last answer, NUL-terminated ("" when none); valid until
 * the next request. */
const char *http_client_body(const http_client *c);

/* The base URL, for messages. */
const char *http_client_url(const http_client *c);

#endif
