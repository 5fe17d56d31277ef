/* http_client.c - blocking libcurl requests to one base URL, for the
 * InfluxDB writer and the Grafana client (see http_client.h). */
#include "telemetry/http_client.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "util/curl_once.h"

/* Answers are small (query results, a dashboard); anything larger is not
 * from the service we expect. */
#define ANSWER_MAX ((size_t)4 << 20)

struct http_client {
    CURL *curl;
    char *base_url;
    char *userpwd;       /* "user:password" or NULL */
    long connect_timeout_ms;
    long timeout_ms;
    char *answer;        /* NUL-terminated */
    size_t len, cap;
    bool too_big;
    char errbuf[CURL_ERROR_SIZE];
};

http_client *http_client_new(const http_client_config *cfg, ms_error *err) {
    if (curl_once_init(err)) return NULL;
    http_client *c = calloc(1, sizeof *c);
    if (!c) {
        ms_error_set(err, "out of memory");
        return NULL;
    }
    c->base_url = strdup(cfg->base_url);
    c->curl = curl_easy_init();
    c->answer = calloc(1, 1);
    c->cap = 1;
    if (cfg->user && cfg->user[0]) {
        const char *pw = cfg->password ? cfg->password : "";
        size_t n = strlen(cfg->user) + strlen(pw) + 2;
        if ((c->userpwd = malloc(n)))
            snprintf(c->userpwd, n, "%s:%s", cfg->user, pw);
    }
    if (!c->base_url || !c->curl || !c->answer ||
        (cfg->user && cfg->user[0] && !c->userpwd)) {
        http_client_free(c);
        ms_error_set(err, "cannot start an HTTP client: out of memory");
        return NULL;
    }
    c->timeout_ms = cfg->timeout_ms;
    c->connect_timeout_ms =
        cfg->connect_timeout_ms ? cfg->connect_timeout_ms : cfg->timeout_ms;
    return c;
}

void http_client_free(http_client *c) {
    if (!c) return;
    if (c->curl) curl_easy_cleanup(c->curl);
    free(c->base_url);
    free(c->userpwd);
    free(c->answer);
    free(c);
}

static size_t on_answer(char *data, size_t size, size_t n, void *ctx) {
    http_client *c = ctx;
    size_t add = size * n;
    if (c->len + add > ANSWER_MAX) {
        c->too_big = true;
        return 0; /* aborts the transfer */
    }
    if (c->len + add + 1 > c->cap) {
        size_t cap = (c->len + add + 1) * 2;
        char *p = realloc(c->answer, cap);
        if (!p) return 0;
        c->answer = p;
        c->cap = cap;
    }
    memcpy(c->answer + c->len, data, add);
    c->len += add;
    c->answer[c->len] = '\0';
    return add;
}

int http_client_send(http_client *c, const char *method, const char *path,
                     const char *content_type, const char *body, size_t len,
                     long *status, ms_error *err) {
    size_t n = strlen(c->base_url) + strlen(path) + 1;
    char *url = malloc(n);
    if (!url) return ms_error_set(err, "out of memory");
    snprintf(url, n, "%s%s", c->base_url, path);
    CURL *h = c->curl;
    curl_easy_reset(h); /* keeps the connection cache */
    /* Timeouts without SIGALRM: we are one thread among others. */
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "modelserver");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_answer);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
    if (c->userpwd) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERPWD, c->userpwd);
    }
    struct curl_slist *headers = NULL;
    if (body) {
        char type[256];   /* curl_slist_append copies it */
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        snprintf(type, sizeof type, "Content-Type: %s", content_type);
        headers = curl_slist_append(headers, type);
        /* No "Expect: 100-continue" round trip before large batches. */
        headers = curl_slist_append(headers, "Expect:");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    }
    c->len = 0;
    c->answer[0] = '\0';
    c->too_big = false;
    c->errbuf[0] = '\0';
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    *status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    int result = 0;
    if (c->too_big)
        result = ms_error_set(err, "%s %s: the answer is larger than %zu "
                                   "bytes; is this the right service?",
                              method, url, ANSWER_MAX);
    else if (rc != CURLE_OK)
        result = ms_error_set(err, "%s %s: %s", method, url,
                              c->errbuf[0] ? c->errbuf
                                           : curl_easy_strerror(rc));
    free(url);
    return result;
}

const char *http_client_body(const http_client *c) { return c->answer; }

const char *http_client_url(const http_client *c) { return c->base_url; }
