/*
 * http.c - the daemon and the route table of the HTTP port (see http.h and
 * http_internal.h).
 *
 * A route is a path pattern whose "{}" segments match any one segment, the
 * methods it allows, and its handler. Paths are matched segment by segment
 * after libmicrohttpd's percent-decoding, so "..", "%2e%2e" or an encoded
 * "/" can only ever fail to match: no handler sees a path it did not ask
 * for, and the dashboard's files are looked up by exact name in a table
 * compiled into the binary. A path that matches with the wrong method gets
 * 405 with an Allow header; none matches, 404. Bodies are read up to
 * max_body (413 beyond, at once when Content-Length says so).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_internal.h"
#include "telemetry/log.h"

enum { M_GET = 1, M_POST = 2 };

typedef struct route {
    const char *pattern;
    unsigned methods;
    http_handler handler;
    const char *name;         /* the /metrics label */
} route;

static const route routes[] = {
    {"/stats", M_GET, http_handle_stats, "stats"},
    {"/state/instances", M_GET, http_handle_instances, "state_instances"},
    {"/state/instances/{}", M_GET, http_handle_store_instances, "state_store_instances"},
    {"/state/{}/value", M_GET, http_handle_store_value, "state_value"},
    {"/models", M_GET, http_handle_models, "models"},
    {"/health", M_GET, http_handle_health, "health"},
    {"/health/live", M_GET, http_handle_live, "health_live"},
    {"/health/ready", M_GET, http_handle_ready, "health_ready"},
    {"/metrics", M_GET, http_handle_metrics, "metrics"},
    {"/v2", M_GET, http_handle_v2_server, "v2"},
    {"/v2/health/live", M_GET, http_handle_live, "v2_health_live"},
    {"/v2/health/ready", M_GET, http_handle_ready, "v2_health_ready"},
    {"/v2/models/{}", M_GET, http_handle_v2_model, "v2_model"},
    {"/v2/models/{}/ready", M_GET, http_handle_v2_model_ready, "v2_model_ready"},
    {"/v2/models/{}/infer", M_POST, http_handle_v2_infer, "v2_infer"},
    {"/api/overview", M_GET, http_handle_overview, "overview"},
    {"/", M_GET, http_handle_dashboard, "dashboard"},
    {"/dashboard/{}", M_GET, http_handle_dashboard_file, "dashboard_file"},
};
#define NROUTES (sizeof routes / sizeof routes[0])
_Static_assert(NROUTES <= HTTP_ROUTES_MAX, "raise HTTP_ROUTES_MAX");

const unsigned http_statuses[HTTP_STATUSES] = {200, 400, 404, 405, 413,
                                               415, 500, 503, 0};

const char *http_route_name(size_t i) { return i < NROUTES ? routes[i].name : "none"; }
size_t http_route_count(void) { return NROUTES; }

/* Cuts a path ("/a/b") into its segments, in place in buf; -1 when it
 * does not start with '/', is too long or has too many segments. "/" has
 * none. */
#define MAX_SEGMENTS 8
static int split(const char *path, char *buf, size_t buf_len,
                 char *seg[MAX_SEGMENTS]) {
    size_t len = strlen(path);
    if (path[0] != '/' || len + 1 > buf_len) return -1;
    memcpy(buf, path, len + 1);
    if (len == 1) return 0;
    int n = 0;
    for (char *p = buf; p; ) {
        if (n == MAX_SEGMENTS) return -1;
        *p = 0;
        seg[n++] = p + 1;
        p = strchr(p + 1, '/');
    }
    return n;
}

/* Matches a path, already split, against a pattern; fills the captures. */
static int route_match(const route *r, char *const *seg, int nseg,
                       const char *capture[HTTP_MAX_CAPTURES]) {
    char pbuf[128];
    char *pseg[MAX_SEGMENTS];
    int npat = split(r->pattern, pbuf, sizeof pbuf, pseg);
    if (npat != nseg) return 0;
    int ncap = 0;
    for (int i = 0; i < nseg; i++) {
        if (strcmp(pseg[i], "{}") == 0) {
            if (!seg[i][0] || ncap == HTTP_MAX_CAPTURES) return 0;
            capture[ncap++] = seg[i];
        } else if (strcmp(pseg[i], seg[i]) != 0) {
            return 0;
        }
    }
    return 1;
}

static unsigned method_bit(const char *method) {
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) return M_GET;
    if (strcmp(method, "POST") == 0) return M_POST;
    return 0;
}

static const char *allow_header(unsigned methods) {
    return methods == M_POST ? "POST" : methods == M_GET ? "GET, HEAD"
                                                         : "GET, HEAD, POST";
}

/* One request in progress: its route and the body read so far. */
typedef struct request_ctx {
    int route;                /* index, or -1 */
    int replied;              /* a reply was queued before the body */
    int too_large;
    char *body;
    size_t len, cap;
    char segs[2048];
    const char *capture[HTTP_MAX_CAPTURES];
} request_ctx;

static void count(http_server *h, int route_index, unsigned status) {
    size_t r = route_index >= 0 ? (size_t)route_index : NROUTES;
    size_t s = 0;
    while (s < HTTP_STATUSES - 1 && http_statuses[s] != status) s++;
    atomic_fetch_add_explicit(&h->requests[r][s], 1, memory_order_relaxed);
}

static enum MHD_Result send_reply(http_server *h, struct MHD_Connection *conn,
                                  int route_index, http_reply *rp,
                                  const char *allow) {
    struct MHD_Response *resp =
        rp->fixed ? MHD_create_response_from_buffer(rp->len, (void *)rp->fixed,
                                                    MHD_RESPMEM_PERSISTENT)
                  : MHD_create_response_from_buffer(rp->len, rp->body,
                                                    MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(rp->body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", rp->content_type);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (allow) MHD_add_response_header(resp, "Allow", allow);
    enum MHD_Result ret = MHD_queue_response(conn, rp->status, resp);
    MHD_destroy_response(resp);
    count(h, route_index, rp->status);
    return ret;
}

static enum MHD_Result reject(http_server *h, struct MHD_Connection *conn,
                              int route_index, unsigned status,
                              const char *allow, const char *message) {
    http_reply rp = {0};
    reply_error(&rp, status, "%s", message);
    return send_reply(h, conn, route_index, &rp, allow);
}

/* The first call of a request: route it, check the method and the
 * announced body size. Returns 1 when a reply was sent already. */
static int begin(http_server *h, struct MHD_Connection *conn, const char *url,
                 const char *method, request_ctx *ctx, enum MHD_Result *ret) {
    unsigned bit = method_bit(method), allowed = 0;
    char *seg[MAX_SEGMENTS];
    int nseg = split(url, ctx->segs, sizeof ctx->segs, seg);
    for (size_t i = 0; nseg >= 0 && i < NROUTES; i++) {
        const char *caps[HTTP_MAX_CAPTURES] = {0};
        if (!route_match(&routes[i], seg, nseg, caps)) continue;
        if (routes[i].methods & bit) {
            ctx->route = (int)i;
            memcpy(ctx->capture, caps, sizeof caps);
            break;
        }
        allowed |= routes[i].methods;
    }
    if (ctx->route < 0) {
        char msg[64];
        snprintf(msg, sizeof msg, "method %.16s not allowed here", method);
        *ret = allowed ? reject(h, conn, -1, 405, allow_header(allowed), msg)
                       : reject(h, conn, -1, 404, NULL, "no such resource");
        return 1;
    }
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > h->cfg.max_body) {
        char msg[96];
        snprintf(msg, sizeof msg, "request body over the %zu-byte limit",
                 h->cfg.max_body);
        *ret = reject(h, conn, ctx->route, 413, NULL, msg);
        return 1;
    }
    return 0;
}

/* Appends an upload chunk, or marks the request too large. */
static void take_body(http_server *h, request_ctx *ctx, const char *data, size_t n) {
    if (ctx->too_large || ctx->len + n > h->cfg.max_body) {
        ctx->too_large = 1;
        return;
    }
    if (ctx->len + n + 1 > ctx->cap) {
        size_t cap = (ctx->len + n + 1) * 2;
        if (cap > h->cfg.max_body + 1) cap = h->cfg.max_body + 1;
        char *p = realloc(ctx->body, cap);
        if (!p) {
            ctx->too_large = 1;
            return;
        }
        ctx->body = p;
        ctx->cap = cap;
    }
    memcpy(ctx->body + ctx->len, data, n);
    ctx->len += n;
    ctx->body[ctx->len] = 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls) {
    (void)version;
    http_server *h = cls;
    request_ctx *ctx = *req_cls;
    if (!ctx) {
        if (!(ctx = calloc(1, sizeof *ctx))) return MHD_NO;
        ctx->route = -1;
        *req_cls = ctx;
        enum MHD_Result ret;
        if (!begin(h, conn, url, method, ctx, &ret)) return MHD_YES;
        ctx->replied = 1;
        return ret;
    }
    if (ctx->replied) { /* 404, 405 or 413 went out: drop any body */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        take_body(h, ctx, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (ctx->too_large) {
        char msg[96];
        snprintf(msg, sizeof msg, "request body over the %zu-byte limit",
                 h->cfg.max_body);
        return reject(h, conn, ctx->route, 413, NULL, msg);
    }
    http_request rq = {.conn = conn, .method = method, .path = url,
                       .body = ctx->body ? ctx->body : "", .body_len = ctx->len};
    memcpy(rq.capture, ctx->capture, sizeof rq.capture);
    http_reply rp = {0};
    routes[ctx->route].handler(h, &rq, &rp);
    if (!rp.content_type) reply_error(&rp, 500, "the handler gave no reply");
    return send_reply(h, conn, ctx->route, &rp, NULL);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls, (void)conn, (void)toe;
    request_ctx *ctx = *req_cls;
    if (!ctx) return;
    free(ctx->body);
    free(ctx);
    *req_cls = NULL;
}

static int hex(char c) {
    return c >= '0' && c <= '9' ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Percent-decoding of paths and query values, in place. An encoded NUL
 * stays "%00": decoded, it would cut the string and make
 * "/dashboard/x.js%00.html" read as "/dashboard/x.js". */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s) {
    (void)cls, (void)conn;
    char *w = s;
    for (const char *r = s; *r; r++) {
        int hi, lo;
        if (*r == '%' && (hi = hex(r[1])) >= 0 && (lo = hex(r[2])) >= 0 &&
            (hi | lo) != 0) {
            *w++ = (char)(hi * 16 + lo);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
    return (size_t)(w - s);
}

const char *http_query(const http_request *rq, const char *name) {
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

http_server *http_start(const http_config *cfg, const http_sources *src,
                        ms_error *err) {
    http_server *h = calloc(1, sizeof *h);
    if (!h) {
        ms_error_set(err, "out of memory");
        return NULL;
    }
    h->cfg = *cfg;
    h->src = *src;
    if (h->cfg.threads < 1) h->cfg.threads = 1;
    struct sockaddr_in addr = {.sin_family = AF_INET,
                               .sin_port = htons((uint16_t)cfg->port)};
    if (cfg->bind_address && cfg->bind_address[0] &&
        inet_pton(AF_INET, cfg->bind_address, &addr.sin_addr) != 1) {
        free(h);
        ms_error_set(err, "HTTP bind address '%s' is not an IPv4 address",
                     cfg->bind_address);
        return NULL;
    }
    /* A fixed pool of threads: HTTP never takes more cores than that from
     * scoring, however many clients connect. */
    h->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY |
            MHD_USE_ERROR_LOG,
        (uint16_t)cfg->port, NULL, NULL, on_request, h,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, h->cfg.threads,
        MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, h, MHD_OPTION_END);
    if (!h->daemon) {
        free(h);
        ms_error_set(err, "cannot listen for HTTP on port %d (is it in use? "
                          "choose another with --port)", cfg->port);
        return NULL;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : cfg->port;
    log_info("http", "listening on port %d with %u thread(s), bodies up to "
                     "%zu bytes, idle timeout %u s",
             h->port, h->cfg.threads, h->cfg.max_body, cfg->timeout_s);
    return h;
}

int http_port(const http_server *h) { return h->port; }

void http_set_discovery(http_server *h, discovery *d) { atomic_store(&h->discovery, d); }

void http_stop(http_server *h) {
    if (!h) return;
    MHD_stop_daemon(h->daemon);
    free(h);
}
