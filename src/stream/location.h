/*
 * location.h - where a model sent by reference (ModelDescriptor.location)
 * may come from, and fetching it: a local file or directory (a path or a
 * file:// URL) or a document on an http:// or https:// server.
 *
 * Every location is checked against an allow-list of prefixes
 * (model.locations) before anything is read or any connection is made:
 *
 *   /var/models/                    a local directory (a bare path)
 *   file:///var/models/             the same, as a URL
 *   https://models.example.com/m/   a URL prefix
 *
 * An empty allow-list means "local files and directories anywhere, no
 * remote URLs": remote URLs are refused unless the list allows them, and a
 * list that names anything allows only what it names (add a local directory
 * to it to keep reading local files).
 *
 * Matching is on what would actually be read, not on the text:
 * - local paths are resolved with realpath(3), the entry's too, so ".."
 *   and symlinks cannot lead out of an allowed directory; a path entry
 *   matches whole components ("/var/models" allows "/var/models/a" but not
 *   "/var/models2/a");
 * - URLs are parsed (curl's URL API) and compared on scheme, host and port
 *   (the default port when none is given) exactly, and on the normalized
 *   path by prefix, again on whole segments unless the entry ends with '/'.
 *   A URL with a user name or password, or whose path hides a "." or ".."
 *   segment behind percent-encoding, is refused.
 * Each redirect target (at most LOCATION_MAX_REDIRECTS) is checked the same
 * way before it is followed.
 */
#ifndef MS_STREAM_LOCATION_H
#define MS_STREAM_LOCATION_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define LOCATION_MAX_REDIRECTS 3

typedef struct location_policy {
    const char *const *allowed;  /* allow-list entries, borrowed */
    size_t nallowed;             /* 0: local files anywhere, no URLs */
    size_t max_bytes;            /* largest document accepted */
    long connect_timeout_ms;     /* > 0: to connect to one server */
    long total_timeout_ms;       /* > 0: the whole fetch, redirects too */
} location_policy;

/* What a location holds: bytes (a file or a URL) or a directory (local
 * only; for formats that are directories, such as a SavedModel). */
typedef struct location_content {
    uint8_t *bytes;  /* len bytes and a NUL after them; NULL for a directory */
    size_t len;
    char *dir;       /* the directory's resolved path, or NULL */
} location_content;

/* Splits a comma-separated allow-list ("/var/models/, https://m.example/")
 * into *entries (one malloc'd block: free(*entries) frees it all), skipping
 * blanks around and between entries. Fails naming the entry when it is not
 * an absolute path, a file:// URL of one, or an http(s) URL without user
 * name, password, query or fragment. */
int location_parse_list(const char *text, const char ***entries, size_t *n,
                        ms_error *err);

/* The check location_fetch makes first: 0 when the policy allows location,
 * -1 with err saying why not and what to do. A local location must exist
 * (it is resolved); a URL is only parsed, never fetched. */
int location_check(const char *location, const location_policy *policy,
                   ms_error *err);

/* Checks location and reads it into *out (release it with
 * location_content_release, also after a failure). Fails with err naming
 * the location: not allowed, not found, larger than max_bytes, an HTTP
 * status of 400 or more, a timeout, or too many redirects. Thread-safe. */
int location_fetch(const char *location, const location_policy *policy,
                   location_content *out, ms_error *err);

void location_content_release(location_content *c);

#endif
