/* file.c - whole-file reads with a size limit (see file.h). */
#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int file_read_all(const char *path, size_t max_bytes, uint8_t **out,
                  size_t *len, ms_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return ms_error_set(err, "cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return ms_error_set(err, "'%s' is not a regular file", path);
    }
    if ((uint64_t)st.st_size > max_bytes) {
        fclose(f);
        return ms_error_set(err, "'%s' is %lld bytes; the limit is %zu", path,
                            (long long)st.st_size, max_bytes);
    }
    size_t size = (size_t)st.st_size;
    uint8_t *buf = malloc(size + 1);
    size_t got = buf ? fread(buf, 1, size, f) : 0;
    fclose(f);
    if (!buf || got != size) {
        free(buf);
        return ms_error_set(err, "cannot read '%s': %s", path,
                            buf ? "short read" : "out of memory");
    }
    buf[size] = 0;
    *out = buf;
    *len = size;
    return 0;
}
