/* location.c - allow-listed model locations, local or over HTTP (see .h). */
#include "stream/location.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>

#include "telemetry/log.h"
#include "util/curl_once.h"
#include "util/file.h"

/* Longest noun phrase naming what is checked ("model location '...'"). */
#define WHAT_MAX MS_ERROR_MAX

/* Length of the scheme when text starts with "scheme://", else 0. */
static size_t scheme_len(const char *text) {
    if (!isalpha((unsigned char)text[0])) return 0;
    size_t n = 1;
    while (isalnum((unsigned char)text[n]) || text[n] == '+' ||
           text[n] == '-' || text[n] == '.')
        n++;
    return strncmp(text + n, "://", 3) == 0 ? n : 0;
}

static bool is_file_url(const char *text) {
    return strncasecmp(text, "file://", 7) == 0;
}

/* Whether text names something remote (any URL but file://). */
static bool is_remote(const char *text) {
    return scheme_len(text) > 0 && !is_file_url(text);
}

/* The path a local location or entry names: the text, or what follows
 * "file://". */
static const char *local_path(const char *text) {
    return is_file_url(text) ? text + 7 : text;
}

/* Whether path lies under prefix: on whole segments ("/a" holds "/a" and
 * "/a/b", not "/ab"), or as plain text when prefix ends with '/'. */
static bool under_prefix(const char *path, const char *prefix) {
    size_t n = strlen(prefix);
    if (n == 0 || strncmp(path, prefix, n) != 0) return false;
    return prefix[n - 1] == '/' || path[n] == '\0' || path[n] == '/';
}

/* An http(s) URL taken apart the way libcurl will fetch it. */
typedef struct url {
    CURLU *handle;
    char *scheme, *host, *port, *path;
} url;

static void url_release(url *u) {
    curl_free(u->scheme);
    curl_free(u->host);
    curl_free(u->port);
    curl_free(u->path);
    curl_url_cleanup(u->handle);
    memset(u, 0, sizeof *u);
}

/* Whether a percent-decoded path has a "." or ".." segment. libcurl has
 * already removed the literal ones, so any left were encoded ("%2e%2e"),
 * and a server that decodes before resolving would walk up with them. A
 * backslash counts as a separator, as some servers treat it as one. */
static bool has_dot_segment(const char *path) {
    const char *seg = path;
    for (const char *p = path;; p++) {
        if (*p == '/' || *p == '\\' || *p == '\0') {
            size_t n = (size_t)(p - seg);
            if ((n == 1 && seg[0] == '.') ||
                (n == 2 && seg[0] == '.' && seg[1] == '.'))
                return true;
            if (*p == '\0') return false;
            seg = p + 1;
        }
    }
}

/* Parses an http:// or https:// URL into u (released by the caller, also
 * on failure). what names the text in messages ("model location 'x'");
 * allow-list entries (is_entry) may not carry a query or fragment either. */
static int url_parse(const char *text, const char *what, bool is_entry,
                     url *u, ms_error *err) {
    memset(u, 0, sizeof *u);
    size_t slen = scheme_len(text);
    if (!((slen == 4 && strncasecmp(text, "http", 4) == 0) ||
          (slen == 5 && strncasecmp(text, "https", 5) == 0)))
        return ms_error_set(err, "%s uses %.*s://; only http://, https:// "
                                 "and file:// URLs and plain paths are "
                                 "supported", what, (int)slen, text);
    if (curl_once_init(err)) return -1;
    if (!(u->handle = curl_url())) return ms_error_set(err, "out of memory");
    CURLUcode rc = curl_url_set(u->handle, CURLUPART_URL, text, 0);
    if (rc != CURLUE_OK)
        return ms_error_set(err, "%s is not a valid URL (%s)", what,
                            curl_url_strerror(rc));
    char *part = NULL;
    if (curl_url_get(u->handle, CURLUPART_USER, &part, 0) == CURLUE_OK ||
        curl_url_get(u->handle, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK) {
        curl_free(part);
        return ms_error_set(err, "%s has a user name or password before its "
                                 "host, which is refused (it is how a URL "
                                 "pretends to be on another host); give the "
                                 "host alone", what);
    }
    if (is_entry &&
        (curl_url_get(u->handle, CURLUPART_QUERY, &part, 0) == CURLUE_OK ||
         curl_url_get(u->handle, CURLUPART_FRAGMENT, &part, 0) == CURLUE_OK)) {
        curl_free(part);
        return ms_error_set(err, "%s has a query or fragment; give only a "
                                 "scheme, host, port and path prefix", what);
    }
    if (curl_url_get(u->handle, CURLUPART_SCHEME, &u->scheme, 0) ||
        curl_url_get(u->handle, CURLUPART_HOST, &u->host, 0) ||
        curl_url_get(u->handle, CURLUPART_PORT, &u->port,
                     CURLU_DEFAULT_PORT) ||
        curl_url_get(u->handle, CURLUPART_PATH, &u->path, 0))
        return ms_error_set(err, "%s is not a valid URL (it needs a host)",
                            what);
    if (curl_url_get(u->handle, CURLUPART_PATH, &part, CURLU_URLDECODE)) {
        return ms_error_set(err, "%s has a path that does not decode; "
                                 "publish the plain URL", what);
    }
    bool dots = has_dot_segment(part);
    curl_free(part);
    if (dots)
        return ms_error_set(err, "%s hides a '.' or '..' path segment "
                                 "(percent-encoded, or after a backslash); "
                                 "publish the plain URL", what);
    return 0;
}

static bool url_matches(const url *u, const url *entry) {
    return strcasecmp(u->scheme, entry->scheme) == 0 &&
           strcasecmp(u->host, entry->host) == 0 &&
           strcmp(u->port, entry->port) == 0 &&
           under_prefix(u->path, entry->path);
}

/* Parses the URL text into u and checks it against the allow-list; what
 * names it in messages. The caller releases u. */
static int check_url(const char *text, const char *what,
                     const location_policy *p, url *u, ms_error *err) {
    if (url_parse(text, what, false, u, err)) return -1;
    if (p->nallowed == 0)
        return ms_error_set(err, "%s is a remote URL, and remote URLs are "
                                 "refused unless model.locations lists their "
                                 "prefix; add one (--model-locations) to "
                                 "allow it", what);
    for (size_t i = 0; i < p->nallowed; i++) {
        if (!is_remote(p->allowed[i])) continue;
        url entry;
        ms_error ignored;   /* an entry that does not parse matches nothing */
        bool ok = url_parse(p->allowed[i], "entry", true, &entry,
                            &ignored) == 0 &&
                  url_matches(u, &entry);
        url_release(&entry);
        if (ok) return 0;
    }
    return ms_error_set(err, "%s is not in the allow-list (model.locations); "
                             "add its prefix to allow it", what);
}

/* Resolves a local location into *real (malloc'd) and checks it against
 * the allow-list. Entries are resolved too, so that an allowed directory
 * reached through a symlink still matches its resolved contents. */
static int check_local(const char *location, const location_policy *p,
                       char **real, ms_error *err) {
    const char *path = local_path(location);
    if (is_file_url(location) && path[0] != '/')
        return ms_error_set(err, "model location '%s': a file:// URL names "
                                 "an absolute path (file:///var/models/m.pmml)",
                            location);
    if (!(*real = realpath(path, NULL)))
        return ms_error_set(err, "model location '%s' cannot be opened: %s; "
                                 "check the path", location, strerror(errno));
    if (p->nallowed == 0) return 0;
    for (size_t i = 0; i < p->nallowed; i++) {
        if (is_remote(p->allowed[i])) continue;
        const char *entry_path = local_path(p->allowed[i]);
        if (entry_path[0] != '/') continue;
        char *entry_real = realpath(entry_path, NULL);
        bool ok = entry_real && under_prefix(*real, entry_real);
        free(entry_real);
        if (ok) return 0;
    }
    if (strcmp(*real, path) != 0)
        return ms_error_set(err, "model location '%s' (resolved: '%s') is not "
                                 "in the allow-list (model.locations); add its "
                                 "directory to allow it", location, *real);
    return ms_error_set(err, "model location '%s' is not in the allow-list "
                             "(model.locations); add its directory to allow "
                             "it", location);
}

int location_check(const char *location, const location_policy *policy,
                   ms_error *err) {
    int rc;
    if (is_remote(location)) {
        url u;
        char what[WHAT_MAX];
        snprintf(what, sizeof what, "model location '%s'", location);
        rc = check_url(location, what, policy, &u, err);
        url_release(&u);
    } else {
        char *real = NULL;
        rc = check_local(location, policy, &real, err);
        free(real);
    }
    return rc;
}

static int check_entry(const char *entry, ms_error *err) {
    char what[WHAT_MAX];
    snprintf(what, sizeof what, "model.locations entry '%s'", entry);
    if (is_remote(entry)) {
        url u;
        int rc = url_parse(entry, what, true, &u, err);
        url_release(&u);
        return rc;
    }
    if (local_path(entry)[0] != '/')
        return ms_error_set(err, "%s is neither an absolute path nor a URL; "
                                 "write a directory as /var/models/ or "
                                 "file:///var/models/", what);
    return 0;
}

int location_parse_list(const char *text, const char ***entries, size_t *n,
                        ms_error *err) {
    *entries = NULL;
    *n = 0;
    if (!text) return 0;
    size_t max = 1, len = strlen(text);
    for (const char *c = text; *c; c++) max += *c == ',';
    /* The pointers, then a copy of the text they point into. */
    const char **list = malloc(max * sizeof *list + len + 1);
    if (!list) return ms_error_set(err, "out of memory");
    char *copy = memcpy((char *)(list + max), text, len + 1);
    size_t count = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*tok)) tok++;
        char *end = tok + strlen(tok);
        while (end > tok && isspace((unsigned char)end[-1])) *--end = '\0';
        if (!*tok) continue;
        if (check_entry(tok, err)) {
            free(list);
            return -1;
        }
        list[count++] = tok;
    }
    if (count == 0) {
        free(list);
        return 0;
    }
    *entries = list;
    *n = count;
    return 0;
}

/* A response body being received, never longer than max. */
typedef struct body {
    uint8_t *data;
    size_t len, cap, max;
    bool too_big, out_of_memory;
} body;

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp) {
    body *b = userp;
    size_t n = size * nmemb;   /* libcurl documents size as always 1 */
    if (n > b->max - b->len) {
        b->too_big = true;
        return 0;   /* anything but n aborts the transfer */
    }
    size_t need = b->len + n + 1;   /* and the NUL after the data */
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        if (cap - 1 > b->max) cap = b->max + 1;
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            b->out_of_memory = true;
            return 0;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
    return n;
}

static long elapsed_ms(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)((now.tv_sec - start->tv_sec) * 1000 +
                  (now.tv_nsec - start->tv_nsec) / 1000000);
}

/* Options that hold for every request of one fetch. */
static void set_common_options(CURL *c, const location_policy *p, body *b,
                               char *errbuf) {
    /* Timeouts without SIGALRM: we are one thread among others. */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    /* We follow redirects ourselves, each target checked first. */
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);   /* status >= 400 */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, p->connect_timeout_ms);
    /* Refuses a declared Content-Length over the limit before the body;
     * on_body enforces it on bodies of unknown length. */
    curl_off_t max = p->max_bytes > (size_t)INT64_MAX
                         ? INT64_MAX
                         : (curl_off_t)p->max_bytes;
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, max);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "modelserver");
}

/* One request to u. Returns 0 with *redirect set (owned by c, valid until
 * the next request) when the answer is a redirect, 0 with *redirect NULL
 * when it is the document, -1 with err filled otherwise. who names the
 * location (and where it was redirected) in messages. */
static int request(CURL *c, const url *u, const location_policy *p,
                   const struct timespec *start, body *b, char *errbuf,
                   const char *who, char **redirect, ms_error *err) {
    long left = p->total_timeout_ms - elapsed_ms(start);
    if (left <= 0) left = 1;   /* let libcurl report the timeout */
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, left);
    curl_easy_setopt(c, CURLOPT_CURLU, u->handle);
    b->len = 0;
    b->too_big = b->out_of_memory = false;
    errbuf[0] = '\0';
    *redirect = NULL;
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (b->out_of_memory)
        return ms_error_set(err, "%s: out of memory", who);
    if (b->too_big || rc == CURLE_FILESIZE_EXCEEDED)
        return ms_error_set(err, "%s is larger than the %zu-byte limit "
                                 "(model.max_bytes); raise the limit or "
                                 "publish a smaller model", who, p->max_bytes);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return ms_error_set(err, "%s: no complete answer in time (%s; "
                                 "model.fetch_timeout is %ld ms); check that "
                                 "the server is up, or raise the timeout for "
                                 "large models", who,
                            errbuf[0] ? errbuf : "timed out",
                            p->total_timeout_ms);
    if (rc == CURLE_HTTP_RETURNED_ERROR)
        return ms_error_set(err, "%s: the server answered HTTP %ld; check "
                                 "that the URL names a published model",
                            who, status);
    if (rc != CURLE_OK)
        return ms_error_set(err, "%s: %s; check that the server is up and "
                                 "the URL is right", who,
                            errbuf[0] ? errbuf : curl_easy_strerror(rc));
    if (status >= 300 && status < 400) {
        curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, redirect);
        if (!*redirect)
            return ms_error_set(err, "%s: the server answered HTTP %ld "
                                     "without a Location to go to", who,
                                status);
        return 0;
    }
    if (status < 200 || status >= 300)
        return ms_error_set(err, "%s: the server answered HTTP %ld, not a "
                                 "document", who, status);
    return 0;
}

static int fetch_url(const char *location, const location_policy *p,
                     location_content *out, ms_error *err) {
    char what[WHAT_MAX], who[WHAT_MAX];
    snprintf(what, sizeof what, "model location '%s'", location);
    snprintf(who, sizeof who, "model location '%s'", location);
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    url u;
    if (check_url(location, what, p, &u, err)) {
        url_release(&u);
        return -1;
    }
    CURL *c = curl_easy_init();
    if (!c) {
        url_release(&u);
        return ms_error_set(err, "%s: cannot start libcurl", what);
    }
    char errbuf[CURL_ERROR_SIZE];
    body b = {.max = p->max_bytes};
    set_common_options(c, p, &b, errbuf);
    int rc;
    for (int hops = 0;; hops++) {
        char *target;
        rc = request(c, &u, p, &start, &b, errbuf, who, &target, err);
        if (rc || !target) break;
        if (hops == LOCATION_MAX_REDIRECTS) {
            rc = ms_error_set(err, "%s redirects more than %d times; publish "
                                   "the final URL", what,
                              LOCATION_MAX_REDIRECTS);
            break;
        }
        char via[WHAT_MAX];
        snprintf(via, sizeof via, "model location '%s' redirects to '%s', "
                                  "which", location, target);
        snprintf(who, sizeof who, "model location '%s' (redirected to '%s')",
                 location, target);
        url_release(&u);
        if ((rc = check_url(target, via, p, &u, err))) break;
    }
    url_release(&u);
    curl_easy_cleanup(c);
    if (rc) {
        free(b.data);
        return -1;
    }
    if (!b.data && !(b.data = calloc(1, 1))) /* an empty body */
        return ms_error_set(err, "out of memory");
    out->bytes = b.data;
    out->len = b.len;
    log_info("location", "fetched %s: %zu bytes in %ld ms", who, b.len,
             elapsed_ms(&start));
    return 0;
}

static int fetch_local(const char *location, const location_policy *p,
                       location_content *out, ms_error *err) {
    char *real = NULL;
    if (check_local(location, p, &real, err)) {
        free(real);
        return -1;
    }
    /* The size is checked here too, to name the option; file_read_all
     * checks again on the file it opens. */
    struct stat st;
    int rc = 0;
    if (stat(real, &st) != 0) {
        rc = ms_error_set(err, "model location '%s' cannot be opened: %s; "
                               "check the path", location, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        out->dir = real;
        return 0;
    } else if ((uint64_t)st.st_size > p->max_bytes) {
        rc = ms_error_set(err, "model location '%s' is %lld bytes, over the "
                               "%zu-byte limit (model.max_bytes); raise the "
                               "limit or publish a smaller model",
                          location, (long long)st.st_size, p->max_bytes);
    } else if (file_read_all(real, p->max_bytes, &out->bytes, &out->len,
                             err)) {
        rc = ms_error_prefix(err, "model location '%s'", location);
    }
    free(real);
    return rc;
}

int location_fetch(const char *location, const location_policy *policy,
                   location_content *out, ms_error *err) {
    memset(out, 0, sizeof *out);
    return is_remote(location) ? fetch_url(location, policy, out, err)
                               : fetch_local(location, policy, out, err);
}

void location_content_release(location_content *c) {
    free(c->bytes);
    free(c->dir);
    memset(c, 0, sizeof *c);
}
