/*
 * tf_archive.c - a SavedModel sent by value: a tar archive (optionally
 * compressed; libarchive detects which) read member by member into memory.
 *
 * Nothing is extracted to disk, so no member path can escape anywhere;
 * still, absolute paths and ".." components are refused, as they mean the
 * archive was not made from a SavedModel directory. Sizes are checked
 * against TF_FILES_MAX_BYTES before each member is read, and the member
 * count against TF_FILES_MAX_ENTRIES.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "tf/tf_files.h"

static int bad_path(const char *p) {
    if (p[0] == '/') return 1;
    for (const char *s = p; (s = strstr(s, "..")); s += 2)
        if ((s == p || s[-1] == '/') && (s[2] == '/' || s[2] == '\0'))
            return 1;
    return 0;
}

/* "./1/saved_model.pb" -> "1/saved_model.pb". */
static const char *strip_dot(const char *p) {
    while (p[0] == '.' && p[1] == '/') p += 2;
    return p;
}

static int add_member(tf_files *f, struct archive *a, const char *path,
                      int64_t size, size_t *total, ms_error *err) {
    if (f->n >= TF_FILES_MAX_ENTRIES)
        return ms_error_set(err, "the archive has more than %d files",
                            TF_FILES_MAX_ENTRIES);
    if (size < 0 || (size_t)size > TF_FILES_MAX_BYTES - *total)
        return ms_error_set(err, "the archive holds more than %zu bytes",
                            TF_FILES_MAX_BYTES);
    tf_file *e = realloc(f->entries, (f->n + 1) * sizeof *e);
    if (!e) return ms_error_set(err, "out of memory reading the archive");
    f->entries = e;
    tf_file *m = &f->entries[f->n];
    m->path = strdup(path);
    m->data = malloc((size_t)size + 1);
    m->len = (size_t)size;
    if (!m->path || !m->data) {
        free(m->path);
        free(m->data);
        return ms_error_set(err, "out of memory reading the archive");
    }
    f->n++;
    size_t got = 0;
    while (got < m->len) {
        la_ssize_t r = archive_read_data(a, m->data + got, m->len - got);
        if (r <= 0)
            return ms_error_set(err, "the archive member '%s' is truncated",
                                path);
        got += (size_t)r;
    }
    *total += m->len;
    return 0;
}

/* Re-roots the members at the folder of the shallowest saved_model.pb,
 * dropping the members outside it. */
static int reroot(tf_files *f, ms_error *err) {
    const char *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < f->n; i++) {
        const char *p = f->entries[i].path, *slash = strrchr(p, '/');
        const char *base = slash ? slash + 1 : p;
        size_t dir_len = slash ? (size_t)(slash - p + 1) : 0;
        if (strcmp(base, "saved_model.pb") == 0 && (!best || dir_len < best_len)) {
            best = p;
            best_len = dir_len;
        }
    }
    if (!best) return ms_error_set(err, "the archive has no saved_model.pb");
    char *prefix = strndup(best, best_len);
    if (!prefix) return ms_error_set(err, "out of memory reading the archive");
    size_t kept = 0;
    for (size_t i = 0; i < f->n; i++) {
        tf_file m = f->entries[i];
        if (strncmp(m.path, prefix, best_len) != 0) {
            free(m.path);
            free(m.data);
            continue;
        }
        memmove(m.path, m.path + best_len, strlen(m.path + best_len) + 1);
        f->entries[kept++] = m;
    }
    f->n = kept;
    free(prefix);
    return 0;
}

int tf_files_tar(tf_files *f, const void *bytes, size_t len, ms_error *err) {
    *f = (tf_files){0};
    struct archive *a = archive_read_new();
    if (!a) return ms_error_set(err, "out of memory reading the archive");
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    int rc = 0;
    if (archive_read_open_memory(a, bytes, len) != ARCHIVE_OK) {
        rc = ms_error_set(err, "not a tar archive: %s",
                          archive_error_string(a) ? archive_error_string(a)
                                                  : "unreadable");
        goto done;
    }
    struct archive_entry *e;
    size_t total = 0;
    int r;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *path = archive_entry_pathname(e);
        if (!path || archive_entry_filetype(e) != AE_IFREG) continue;
        path = strip_dot(path);
        if (bad_path(path)) {
            rc = ms_error_set(err, "the archive member '%s' points outside "
                                   "the archive", path);
            goto done;
        }
        if ((rc = add_member(f, a, path, archive_entry_size(e), &total,
                             err)) < 0)
            goto done;
    }
    if (r != ARCHIVE_EOF) {
        rc = ms_error_set(err, "the tar archive is damaged: %s",
                          archive_error_string(a) ? archive_error_string(a)
                                                  : "unreadable");
        goto done;
    }
    rc = reroot(f, err);
done:
    archive_read_free(a);
    if (rc < 0) tf_files_free(f);
    return rc;
}
