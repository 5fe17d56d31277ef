/* csv.c - in-place CSV splitting, number parsing and line reading (see
 * csv.h). */
#include "util/csv.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Drops the line ending, whether "\n", "\r\n" or a stray "\r". */
static void chomp(char *line) {
    size_t len = strlen(line);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
}

/* Unquotes the field starting at *cursor in place and terminates it; moves
 * *cursor to the next field, or to NULL after the last one. The unquoted
 * text is never longer than the raw text, so writing trails reading. */
static char *take_field(char **cursor, char sep) {
    char *field = *cursor, *in = field, *out = field;
    bool quoted = *in == '"';
    if (quoted) in++;
    for (;; in++) {
        if (*in == '\0') {
            *out = '\0';
            *cursor = NULL;
            return field;
        }
        if (quoted && *in == '"') {
            if (in[1] == '"') *out++ = *in++;
            else quoted = false;
        } else if (!quoted && *in == sep) {
            *out = '\0';
            *cursor = in + 1;
            return field;
        } else {
            *out++ = *in;
        }
    }
}

int csv_split(char *line, char sep, char **fields, int max_fields) {
    chomp(line);
    int n = 0;
    for (char *cursor = line; cursor; n++) {
        if (n == max_fields) return -1;
        fields[n] = take_field(&cursor, sep);
    }
    return n;
}

char csv_detect_separator(const char *line) {
    static const char candidates[] = {';', ',', '\t'};
    size_t counts[sizeof candidates] = {0};
    bool quoted = false;
    for (const char *p = line; *p; p++) {
        if (*p == '"') quoted = !quoted; /* "" toggles twice: no change */
        for (size_t i = 0; !quoted && i < sizeof candidates; i++)
            if (*p == candidates[i]) counts[i]++;
    }
    /* Strictly more, so a tie keeps the earlier candidate. */
    char best = ',';
    size_t best_count = 0;
    for (size_t i = 0; i < sizeof candidates; i++)
        if (counts[i] > best_count) {
            best = candidates[i];
            best_count = counts[i];
        }
    return best;
}

static bool is_blank(char ch) { return ch == ' ' || ch == '\t'; }

static int parse_cell(const char *text, int column, double *out,
                      ms_error *err) {
    const char *p = text;
    while (is_blank(*p)) p++;
    size_t len = strlen(p);
    while (len > 0 && is_blank(p[len - 1])) len--;
    const char *end = p + len;
    if (len == 0 || (len == 2 && strncmp(p, "NA", 2) == 0)) {
        *out = NAN;
        return 0;
    }
    char *stop;
    double v = strtod(p, &stop);
    if (stop != end)
        return ms_error_set(err, "column %d: '%s' is not a number", column,
                            text);
    /* Overflow and the spellings of infinity and NaN all land here;
     * underflow to a tiny value or zero is fine. */
    if (!isfinite(v))
        return ms_error_set(err, "column %d: '%s' is not a finite number",
                            column, text);
    *out = v;
    return 0;
}

int csv_parse_doubles(char *line, char sep, double *values, int max_values,
                      int *count, ms_error *err) {
    chomp(line);
    int n = 0;
    for (char *cursor = line; cursor; n++) {
        if (n == max_values)
            return ms_error_set(err, "more than %d columns", max_values);
        if (parse_cell(take_field(&cursor, sep), n + 1, &values[n], err) < 0)
            return -1;
    }
    *count = n;
    return 0;
}

void csv_reader_init(csv_reader *r, FILE *in) {
    *r = (csv_reader){.in = in};
}

int csv_reader_next(csv_reader *r, char **line, long *line_no, ms_error *err) {
    for (;;) {
        errno = 0;
        if (getline(&r->buf, &r->cap, r->in) < 0) {
            if (feof(r->in) && !ferror(r->in)) return 0;
            return ms_error_set(err, "line %ld: cannot read: %s",
                                r->line_no + 1,
                                strerror(errno ? errno : EIO));
        }
        r->line_no++;
        chomp(r->buf);
        const char *p = r->buf;
        while (is_blank(*p)) p++;
        if (*p != '\0') {
            *line = r->buf;
            *line_no = r->line_no;
            return 1;
        }
    }
}

void csv_reader_free(csv_reader *r) {
    free(r->buf);
    r->buf = NULL;
    r->cap = 0;
}

double *csv_read_matrix(const char *path, int ncols, size_t *nrows,
                        ms_error *err) {
    enum { MAX_FIELDS = 256 };
    if (ncols < 1 || ncols > MAX_FIELDS) {
        ms_error_set(err, "%s: %d columns asked for, 1..%d supported", path,
                     ncols, MAX_FIELDS);
        return NULL;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        ms_error_set(err, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    csv_reader r;
    csv_reader_init(&r, f);
    size_t n = 0, cap = 1024;
    double *rows = malloc(cap * (size_t)ncols * sizeof *rows);
    bool out_of_memory = !rows;
    char *line;   /* set by csv_reader_next when it returns 1 */
    long line_no;
    int more = 0;
    while (!out_of_memory &&
           (more = csv_reader_next(&r, &line, &line_no, err)) == 1) {
        double v[MAX_FIELDS];
        int count;
        ms_error ignored;
        if (csv_parse_doubles(line, csv_detect_separator(line), v, MAX_FIELDS,  // NOLINT(clang-analyzer-core.CallAndMessage): line is set
                              &count, &ignored) || count < ncols)
            continue;
        if (n == cap) {
            double *grown = realloc(rows, 2 * cap * (size_t)ncols * sizeof *rows);
            if (!grown) {
                out_of_memory = true;
                break;
            }
            rows = grown;
            cap *= 2;
        }
        memcpy(&rows[n * (size_t)ncols], v, (size_t)ncols * sizeof *v);
        n++;
    }
    csv_reader_free(&r);
    fclose(f);
    if (out_of_memory) {
        free(rows);
        ms_error_set(err, "%s: out of memory", path);
        return NULL;
    }
    if (more < 0 || n == 0) {
        if (more >= 0) ms_error_set(err, "%s: no row of %d numbers", path, ncols);
        free(rows);
        return NULL;
    }
    *nrows = n;
    return rows;
}
