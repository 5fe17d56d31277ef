/* test_location.c - the allow-list of model locations (path traversal,
 * symlinks, URL tricks, prefix boundaries) and fetching by URL from an HTTP
 * server in this process on 127.0.0.1: documents, errors, size limits with
 * and without Content-Length, timeouts and redirects. */
#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <microhttpd.h>

#include "stream/location.h"

#define BIG_LEN 5000     /* bytes of /pub/big and /pub/stream */
#define LIMIT 4096       /* the policies' max_bytes */

static char root[4096];  /* temporary tree of local models */
static char base[64];    /* "http://127.0.0.1:PORT" */
static char pub[80];     /* base + "/pub/", allowed in most HTTP tests */
static char priv[80];    /* base + "/private/" */
static struct MHD_Daemon *daemon_;
static atomic_int private_hits;
static atomic_int stopping;

/* --- the HTTP server ------------------------------------------------------ */

/* Sends BIG_LEN bytes in pieces, length unknown in advance (chunked). */
static ssize_t stream_body(void *cls, uint64_t pos, char *buf, size_t max) {
    (void)cls;
    if (pos >= BIG_LEN) return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = BIG_LEN - pos < 700 ? BIG_LEN - pos : 700;
    if (n > max) n = max;
    memset(buf, 'x', n);
    return (ssize_t)n;
}

/* A byte every 50 ms for 5 s at most, or until the server stops. */
static ssize_t trickle_body(void *cls, uint64_t pos, char *buf, size_t max) {
    (void)cls;
    (void)max;
    if (pos >= 100 || atomic_load(&stopping))
        return MHD_CONTENT_READER_END_OF_STREAM;
    usleep(50000);
    buf[0] = 'x';
    return 1;
}

static enum MHD_Result redirect(struct MHD_Connection *conn, const char *to) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Location", to);
    enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_FOUND, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
    (void)cls, (void)method, (void)version, (void)upload, (void)upload_size,
        (void)con_cls;
    static char big[BIG_LEN];
    char target[128];
    struct MHD_Response *r;
    unsigned status = MHD_HTTP_OK;
    int n;
    if (strcmp(url, "/pub/model") == 0) {
        r = MHD_create_response_from_buffer(11, "model bytes",
                                            MHD_RESPMEM_PERSISTENT);
    } else if (strcmp(url, "/private/model") == 0) {
        atomic_fetch_add(&private_hits, 1);
        r = MHD_create_response_from_buffer(6, "secret",
                                            MHD_RESPMEM_PERSISTENT);
    } else if (strcmp(url, "/pub/big") == 0) {
        memset(big, 'x', sizeof big);
        r = MHD_create_response_from_buffer(sizeof big, big,
                                            MHD_RESPMEM_PERSISTENT);
    } else if (strcmp(url, "/pub/stream") == 0) {
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1024,
                                              stream_body, NULL, NULL);
    } else if (strcmp(url, "/pub/slow") == 0) {
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1,
                                              trickle_body, NULL, NULL);
    } else if (strcmp(url, "/pub/redirect-relative") == 0) {
        return redirect(conn, "/pub/model");
    } else if (strcmp(url, "/pub/redirect-absolute") == 0) {
        snprintf(target, sizeof target, "%s/pub/model", base);
        return redirect(conn, target);
    } else if (strcmp(url, "/pub/redirect-out") == 0) {
        return redirect(conn, "/private/model");
    } else if (strcmp(url, "/pub/redirect-ftp") == 0) {
        return redirect(conn, "ftp://127.0.0.1/pub/model");
    } else if (sscanf(url, "/pub/chain/%d", &n) == 1) {
        /* /pub/chain/N takes N redirects to reach the model. */
        if (n <= 1) return redirect(conn, "/pub/model");
        snprintf(target, sizeof target, "/pub/chain/%d", n - 1);
        return redirect(conn, target);
    } else {
        status = MHD_HTTP_NOT_FOUND;
        r = MHD_create_response_from_buffer(9, "not found",
                                            MHD_RESPMEM_PERSISTENT);
    }
    enum MHD_Result rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

static void start_server(void) {
    struct sockaddr_in addr = {.sin_family = AF_INET};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    daemon_ = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
        NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_END);
    assert_non_null(daemon_);
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    assert_non_null(info);
    snprintf(base, sizeof base, "http://127.0.0.1:%u",
             (unsigned)info->port);
    snprintf(pub, sizeof pub, "%s/pub/", base);
    snprintf(priv, sizeof priv, "%s/private/", base);
}

/* --- the local tree ------------------------------------------------------- */

static void write_file(const char *rel, const char *text) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void make_dir(const char *rel) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    assert_int_equal(mkdir(path, 0700), 0);
}

static void make_link(const char *target, const char *rel) {
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    assert_int_equal(symlink(target, path), 0);
}

/*   models/a.pmml  models/sub/  models/escape -> ../secret.txt
 *   models2/b.pmml secret.txt   alias -> models                    */
static int setup(void **state) {
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/test_location_XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) return -1;
    /* The tree's own path may go through symlinks (/tmp on some systems);
     * the tests compare with resolved paths. */
    char *real = realpath(root, NULL);
    snprintf(root, sizeof root, "%s", real);
    free(real);
    make_dir("models");
    make_dir("models/sub");
    make_dir("models2");
    write_file("models/a.pmml", "local model");
    write_file("models2/b.pmml", "neighbour");
    write_file("secret.txt", "secret");
    make_link("../secret.txt", "models/escape");
    make_link("models", "alias");
    start_server();
    return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int teardown(void **state) {
    (void)state;
    atomic_store(&stopping, 1);
    MHD_stop_daemon(daemon_);
    return nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* --- helpers -------------------------------------------------------------- */

static location_policy policy_of(const char *const *allowed, size_t n) {
    return (location_policy){.allowed = allowed, .nallowed = n,
                             .max_bytes = LIMIT, .connect_timeout_ms = 2000,
                             .total_timeout_ms = 5000};
}

/* root + "/" + rel, in a rotating static buffer: valid for the next 31
 * calls, more than any one test makes. */
static const char *at(const char *rel) {
    static char bufs[32][8192];
    static int next;
    char *b = bufs[next++ % 32];
    snprintf(b, sizeof bufs[0], "%s/%s", root, rel);
    return b;
}

/* base + path, likewise. */
static const char *web(const char *path) {
    static char bufs[32][256];
    static int next;
    char *b = bufs[next++ % 32];
    snprintf(b, sizeof bufs[0], "%s%s", base, path);
    return b;
}

static void expect_bytes(const char *location, const location_policy *p,
                         const char *want) {
    location_content c;
    ms_error err;
    if (location_fetch(location, p, &c, &err) != 0)
        fail_msg("%s: %s", location, err.msg);
    assert_non_null(c.bytes);
    assert_null(c.dir);
    assert_int_equal(c.len, strlen(want));
    assert_memory_equal(c.bytes, want, c.len);
    assert_int_equal(c.bytes[c.len], 0);
    location_content_release(&c);
}

/* Fetching fails, with a message that contains every one of the words. */
static void expect_error(const char *location, const location_policy *p,
                         ...) {
    location_content c;
    ms_error err;
    if (location_fetch(location, p, &c, &err) == 0)
        fail_msg("%s was fetched; it should have been refused", location);
    assert_null(c.bytes);
    assert_null(c.dir);
    va_list ap;
    va_start(ap, p);
    for (const char *word; (word = va_arg(ap, const char *));)
        if (!strstr(err.msg, word))
            fail_msg("'%s' is not in the error: %s", word, err.msg);
    va_end(ap);
    location_content_release(&c);
}

static void expect_allowed(const char *location, const location_policy *p) {
    ms_error err;
    if (location_check(location, p, &err) != 0)
        fail_msg("%s: %s", location, err.msg);
}

static void expect_refused(const char *location, const location_policy *p) {
    ms_error err;
    if (location_check(location, p, &err) == 0)
        fail_msg("%s was allowed; it should have been refused", location);
}

/* --- local locations ------------------------------------------------------ */

static void test_empty_list_allows_local_files_anywhere(void **state) {
    (void)state;
    location_policy p = policy_of(NULL, 0);
    expect_bytes(at("secret.txt"), &p, "secret");
    expect_bytes(at("models/escape"), &p, "secret");
}

static void test_empty_list_refuses_urls(void **state) {
    (void)state;
    location_policy p = policy_of(NULL, 0);
    expect_error(web("/pub/model"), &p, "is a remote URL",
                 "model.locations", NULL);
}

static void test_allowed_directory(void **state) {
    (void)state;
    const char *allowed[] = {at("models/")};
    location_policy p = policy_of(allowed, 1);
    expect_bytes(at("models/a.pmml"), &p, "local model");
    char url[8300];
    snprintf(url, sizeof url, "file://%s", at("models/a.pmml"));
    expect_bytes(url, &p, "local model");
    expect_error(at("secret.txt"), &p, "not in the allow-list",
                 "model.locations", NULL);
}

static void test_file_url_entry(void **state) {
    (void)state;
    char entry[8300];
    snprintf(entry, sizeof entry, "file://%s", at("models"));
    const char *allowed[] = {entry};
    location_policy p = policy_of(allowed, 1);
    expect_bytes(at("models/a.pmml"), &p, "local model");
    expect_refused(at("secret.txt"), &p);
}

static void test_path_traversal_refused(void **state) {
    (void)state;
    const char *allowed[] = {at("models/")};
    location_policy p = policy_of(allowed, 1);
    expect_error(at("models/../secret.txt"), &p, "resolved",
                 "not in the allow-list", NULL);
    expect_refused(at("models/sub/../../secret.txt"), &p);
    /* ".." that stays inside is fine. */
    expect_bytes(at("models/sub/../a.pmml"), &p, "local model");
}

static void test_symlink_escape_refused(void **state) {
    (void)state;
    const char *allowed[] = {at("models/")};
    location_policy p = policy_of(allowed, 1);
    expect_error(at("models/escape"), &p, "not in the allow-list", NULL);
}

static void test_symlinked_entry(void **state) {
    (void)state;
    /* The entry is resolved too: "alias" is "models" under another name. */
    const char *allowed[] = {at("alias/")};
    location_policy p = policy_of(allowed, 1);
    expect_bytes(at("alias/a.pmml"), &p, "local model");
    expect_bytes(at("models/a.pmml"), &p, "local model");
    expect_refused(at("alias/escape"), &p);
}

static void test_prefix_boundary(void **state) {
    (void)state;
    const char *with_slash[] = {at("models/")};
    const char *without[] = {at("models")};
    location_policy p1 = policy_of(with_slash, 1), p2 = policy_of(without, 1);
    expect_refused(at("models2/b.pmml"), &p1);
    expect_refused(at("models2/b.pmml"), &p2);
    expect_allowed(at("models/a.pmml"), &p2);
    expect_allowed(at("models"), &p2);
}

static void test_directory_is_passed_on(void **state) {
    (void)state;
    const char *allowed[] = {at("models")};
    location_policy p = policy_of(allowed, 1);
    location_content c;
    ms_error err;
    /* Named through the alias: the resolved path is what is passed on. */
    if (location_fetch(at("alias/sub"), &p, &c, &err) != 0)
        fail_msg("%s", err.msg);
    assert_null(c.bytes);
    assert_string_equal(c.dir, at("models/sub"));
    location_content_release(&c);
}

static void test_url_entries_do_not_allow_local_files(void **state) {
    (void)state;
    const char *allowed[] = {"https://models.example.com/"};
    location_policy p = policy_of(allowed, 1);
    expect_error(at("models/a.pmml"), &p, "not in the allow-list", NULL);
}

static void test_local_limits_and_errors(void **state) {
    (void)state;
    location_policy p = policy_of(NULL, 0);
    p.max_bytes = 5;
    expect_error(at("models/a.pmml"), &p, "11 bytes", "model.max_bytes",
                 NULL);
    p.max_bytes = LIMIT;
    expect_error(at("models/none.pmml"), &p, "cannot be opened",
                 "No such file", NULL);
    expect_error("file://relative/a.pmml", &p, "absolute path", NULL);
}

/* --- URL matching (parsed only, nothing fetched) -------------------------- */

static void test_url_matching(void **state) {
    (void)state;
    const char *allowed[] = {"https://models.example.com/"};
    location_policy p = policy_of(allowed, 1);
    expect_allowed("https://models.example.com/wine/tree.pmml", &p);
    expect_allowed("HTTPS://Models.Example.COM/wine/tree.pmml", &p);
    expect_allowed("https://models.example.com:443/wine/tree.pmml", &p);
    expect_allowed("https://models.example.com/tree.pmml?sig=abc", &p);
    expect_refused("http://models.example.com/tree.pmml", &p);      /* scheme */
    expect_refused("https://models.example.com:8443/tree.pmml", &p);  /* port */
    expect_refused("https://models.example.com.evil.example/t", &p);  /* host */
    expect_refused("https://evil.example/https://models.example.com/", &p);
    expect_refused("ftp://models.example.com/tree.pmml", &p);
}

static void test_url_userinfo_refused(void **state) {
    (void)state;
    const char *allowed[] = {"https://models.example.com/"};
    location_policy p = policy_of(allowed, 1);
    expect_error("https://models.example.com@evil.example/tree.pmml", &p,
                 "user name or password", NULL);
    expect_refused("https://user:pw@models.example.com/tree.pmml", &p);
}

static void test_url_path_prefix(void **state) {
    (void)state;
    const char *allowed[] = {"https://models.example.com/wine",
                             "http://127.0.0.1:8080/m/"};
    location_policy p = policy_of(allowed, 2);
    expect_allowed("https://models.example.com/wine", &p);
    expect_allowed("https://models.example.com/wine/tree.pmml", &p);
    expect_refused("https://models.example.com/wine2/tree.pmml", &p);
    expect_refused("https://models.example.com/tree.pmml", &p);
    expect_allowed("http://127.0.0.1:8080/m/tree.pmml", &p);
    expect_refused("http://127.0.0.1:8081/m/tree.pmml", &p);
    expect_refused("http://127.0.0.1/m/tree.pmml", &p);
    /* Dot segments are resolved before matching, encoded ones refused. */
    expect_allowed("https://models.example.com/x/../wine/t.pmml", &p);
    expect_refused("https://models.example.com/wine/../admin", &p);
    expect_error("https://models.example.com/wine/%2e%2e/admin", &p,
                 "'..' path segment", NULL);
    expect_refused("https://models.example.com/wine/%2E%2E%2Fadmin", &p);
    expect_refused("https://models.example.com/wine/..%5cadmin", &p);
}

static void test_parse_list(void **state) {
    (void)state;
    const char **list;
    size_t n;
    ms_error err;
    assert_int_equal(location_parse_list(" /var/models/ ,, https://m.example"
                                         "/a/,file:///srv/m ,", &list, &n,
                                         &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(list[0], "/var/models/");
    assert_string_equal(list[1], "https://m.example/a/");
    assert_string_equal(list[2], "file:///srv/m");
    free(list);
    assert_int_equal(location_parse_list(NULL, &list, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(location_parse_list(" , ", &list, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_null(list);
    const char *bad[] = {"models/", "/ok,ftp://m.example/",
                         "https://u@m.example/", "https://m.example/?a=1",
                         "file://relative"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (location_parse_list(bad[i], &list, &n, &err) == 0)
            fail_msg("'%s' was accepted", bad[i]);
        assert_non_null(strstr(err.msg, "model.locations entry"));
    }
}

/* --- fetching over HTTP --------------------------------------------------- */

static location_policy pub_policy(void) {
    static const char *const allowed[] = {pub};
    return policy_of(allowed, 1);
}

static void test_http_document(void **state) {
    (void)state;
    location_policy p = pub_policy();
    expect_bytes(web("/pub/model"), &p, "model bytes");
}

static void test_http_error_status(void **state) {
    (void)state;
    location_policy p = pub_policy();
    expect_error(web("/pub/missing"), &p, "HTTP 404", "/pub/missing", NULL);
}

static void test_http_too_big(void **state) {
    (void)state;
    location_policy p = pub_policy();
    /* With Content-Length, refused before the body; without, on the way. */
    expect_error(web("/pub/big"), &p, "4096-byte limit", "model.max_bytes",
                 NULL);
    expect_error(web("/pub/stream"), &p, "4096-byte limit", NULL);
    p.max_bytes = BIG_LEN;
    location_content c;
    ms_error err;
    if (location_fetch(web("/pub/stream"), &p, &c, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(c.len, BIG_LEN);
    location_content_release(&c);
}

static void test_http_timeout(void **state) {
    (void)state;
    location_policy p = pub_policy();
    p.total_timeout_ms = 300;
    expect_error(web("/pub/slow"), &p, "no complete answer in time",
                 "timed out after 30", "model.fetch_timeout is 300 ms", NULL);
}

static void test_http_connection_refused(void **state) {
    (void)state;
    /* Port 1 (tcpmux) has no listener on a test machine. */
    const char *allowed[] = {"http://127.0.0.1:1/"};
    location_policy p = policy_of(allowed, 1);
    expect_error("http://127.0.0.1:1/model", &p, "check that the server is up",
                 NULL);
}

static void test_http_redirect_allowed(void **state) {
    (void)state;
    location_policy p = pub_policy();
    expect_bytes(web("/pub/redirect-relative"), &p, "model bytes");
    expect_bytes(web("/pub/redirect-absolute"), &p, "model bytes");
    expect_bytes(web("/pub/chain/3"), &p, "model bytes");
    expect_error(web("/pub/chain/4"), &p, "redirects more than 3 times",
                 NULL);
}

static void test_http_redirect_refused(void **state) {
    (void)state;
    location_policy p = pub_policy();
    atomic_store(&private_hits, 0);
    expect_error(web("/pub/redirect-out"), &p, "redirects to",
                 "/private/model", "not in the allow-list", NULL);
    assert_int_equal(atomic_load(&private_hits), 0);
    expect_error(web("/pub/redirect-ftp"), &p, "redirects to", "ftp://",
                 NULL);
    /* Allowed, the same redirect is followed. */
    const char *both[] = {pub, priv};
    location_policy p2 = policy_of(both, 2);
    expect_bytes(web("/pub/redirect-out"), &p2, "secret");
    assert_int_equal(atomic_load(&private_hits), 1);
}

static void test_http_port_mismatch(void **state) {
    (void)state;
    const char *allowed[] = {"http://127.0.0.1:1/pub/"};
    location_policy p = policy_of(allowed, 1);
    expect_error(web("/pub/model"), &p, "not in the allow-list", NULL);
}

int main(void) {
    /* The server is on loopback: no proxy from the environment between. */
    const char *proxies[] = {"http_proxy", "HTTP_PROXY", "https_proxy",
                             "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof proxies / sizeof *proxies; i++)
        unsetenv(proxies[i]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_list_allows_local_files_anywhere),
        cmocka_unit_test(test_empty_list_refuses_urls),
        cmocka_unit_test(test_allowed_directory),
        cmocka_unit_test(test_file_url_entry),
        cmocka_unit_test(test_path_traversal_refused),
        cmocka_unit_test(test_symlink_escape_refused),
        cmocka_unit_test(test_symlinked_entry),
        cmocka_unit_test(test_prefix_boundary),
        cmocka_unit_test(test_directory_is_passed_on),
        cmocka_unit_test(test_url_entries_do_not_allow_local_files),
        cmocka_unit_test(test_local_limits_and_errors),
        cmocka_unit_test(test_url_matching),
        cmocka_unit_test(test_url_userinfo_refused),
        cmocka_unit_test(test_url_path_prefix),
        cmocka_unit_test(test_parse_list),
        cmocka_unit_test(test_http_document),
        cmocka_unit_test(test_http_error_status),
        cmocka_unit_test(test_http_too_big),
        cmocka_unit_test(test_http_timeout),
        cmocka_unit_test(test_http_connection_refused),
        cmocka_unit_test(test_http_redirect_allowed),
        cmocka_unit_test(test_http_redirect_refused),
        cmocka_unit_test(test_http_port_mismatch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
