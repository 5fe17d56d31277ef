/*
 * tf_archive.c - a SavedModel sent by value: a tar archive (optionally
 * gzip, bzip2 or xz compressed; libarchive detects which) read member by
 * member into memory.
 *
 * Nothing is extracted to disk, so no member path can escape anywhere;
 * still, absolute paths and ".." components are refused, as they mean the
 * archive was not made from a SavedModel directory. Members are read as
 * their data arrives (a header's declared size is not trusted), up to
 * TF_FILES_MAX_BYTES in all and TF_FILES_MAX_ENTRIES members.
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

/* Reads the current member, growing its buffer as data arrives rather
 * than trusting the size its header declares. */
static int add_member(tf_files *f, struct archive *a, const char *path,
                      size_t *total, ms_error *err) {
    if (f->n >= TF_FILES_MAX_ENTRIES)
        return ms_error_set(err, "the archive has more than %d files",
                            TF_FILES_MAX_ENTRIES);
    tf_file *e = realloc(f->entries, (f->n + 1) * sizeof *e);
    if (!e) return ms_error_set(err, "out of memory reading the archive");
    f->entries = e;
    tf_file *m = &f->entries[f->n];
    *m = (tf_file){.path = strdup(path)};
    if (!m->path) return ms_error_set(err, "out of memory reading the archive");
    f->n++;
    size_t cap = 0;
    for (;;) {
        if (m->len == cap) {
            size_t grown = cap ? 2 * cap : 4096;
            uint8_t *d = realloc(m->data, grown + 1);
            if (!d) return ms_error_set(err, "out of memory reading the archive");
            m->data = d;
            cap = grown;
        }
        la_ssize_t r = archive_read_data(a, m->data + m->len, cap - m->len);
        if (r == 0) break;
        if (r < 0)
            return ms_error_set(err, "the archive member '%s' is damaged: %s",
                                path, archive_error_string(a)
                                          ? archive_error_string(a) : "unreadable");
        m->len += (size_t)r;
        if (m->len > TF_FILES_MAX_BYTES - *total)
            return ms_error_set(err, "the archive holds more than %zu bytes",
                                TF_FILES_MAX_BYTES);
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
    /* Only the decompressors built into libarchive: never one that runs an
     * external program on what the network sent. */
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
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
        if ((rc = add_member(f, a, path, &total, err)) < 0)
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
