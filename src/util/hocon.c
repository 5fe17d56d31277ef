/* hocon.c - a recursive-descent reader for the HOCON subset (see hocon.h). */
#include "util/hocon.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/file.h"

/* Largest configuration file read: real ones are a few kilobytes. */
#define HOCON_MAX_BYTES ((size_t)16 << 20)
/* Deepest nesting of blocks: real files nest 2 or 3 deep, and each level
 * is a few stack frames (the reader is recursive). */
#define HOCON_MAX_DEPTH 64

/* A growing NUL-terminated string. */
typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf;

typedef struct reader {
    const char *path;
    const char *p; /* next character */
    int line;
    hocon_visit visit;
    void *ctx;
    ms_error *err;
    int depth;    /* blocks open around r->p */
    strbuf key;   /* the full key of the assignment being read; blocks
                     push their prefix and pop it when they close */
    strbuf value;
} reader;

static int fail(reader *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(reader *r, const char *fmt, ...) {
    char msg[MS_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ms_error_set(r->err, "%s:%d: %s", r->path, r->line, msg);
}

static int put(reader *r, strbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *grown = realloc(b->s, cap);
        if (!grown) return fail(r, "out of memory");
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

static void truncate_to(strbuf *b, size_t len) {
    b->len = len;
    if (b->s) b->s[len] = '\0';
}

static bool at_comment(const reader *r) {
    return r->p[0] == '#' || (r->p[0] == '/' && r->p[1] == '/');
}

static void skip_blanks(reader *r) {
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\r') r->p++;
}

/* Skips what may separate members: blanks, comments, newlines, commas. */
static void skip_separators(reader *r) {
    for (;;) {
        skip_blanks(r);
        if (at_comment(r)) {
            while (*r->p && *r->p != '\n') r->p++;
        } else if (*r->p == '\n') {
            r->line++;
            r->p++;
        } else if (*r->p == ',') {
            r->p++;
        } else {
            return;
        }
    }
}

static int put_utf8(reader *r, strbuf *b, unsigned long cp) {
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return put(r, b, u, n);
}

/* Reads the four hex digits after "\u"; -1 when they are not hex. */
static long hex4(const char *s) {
    long v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = s[i];
        int d = ch >= '0' && ch <= '9'   ? ch - '0'
                : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                         : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Reads "\uXXXX" at r->p (past the backslash), joining a surrogate pair. */
static int read_unicode_escape(reader *r, strbuf *out) {
    long cp = hex4(r->p + 1);
    if (cp < 0) return fail(r, "'\\u' must be followed by four hex digits");
    r->p += 5;
    if (cp >= 0xD800 && cp <= 0xDBFF && r->p[0] == '\\' && r->p[1] == 'u') {
        long low = hex4(r->p + 2);
        if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            r->p += 6;
        }
    }
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
        return fail(r, "'\\u%04lX' is not a character that can be used here",
                    cp);
    return put_utf8(r, out, (unsigned long)cp);
}

/* Appends the quoted string at r->p to out, without quotes, escapes
 * resolved (JSON's), and leaves r->p after the closing quote. */
static int read_quoted(reader *r, strbuf *out) {
    if (strncmp(r->p, "\"\"\"", 3) == 0)
        return fail(r, "triple-quoted strings are not supported");
    r->p++;
    for (;;) {
        const char *run = r->p;
        while (*r->p && *r->p != '"' && *r->p != '\\' && *r->p != '\n')
            r->p++;
        if (put(r, out, run, (size_t)(r->p - run)) < 0) return -1;
        if (*r->p == '"') {
            r->p++;
            return 0;
        }
        if (*r->p != '\\') return fail(r, "unterminated string");
        r->p++;
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *esc = *r->p ? strchr(from, *r->p) : NULL;
        if (esc) {
            if (put(r, out, &to[esc - from], 1) < 0) return -1;
            r->p++;
        } else if (*r->p == 'u') {
            if (read_unicode_escape(r, out) < 0) return -1;
        } else {
            return fail(r, "invalid escape '\\%c' in a string",
                        *r->p ? *r->p : ' ');
        }
    }
}

static bool is_key_char(char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

/* Appends the dotted key at r->p to r->key (after a '.' when r->key holds
 * the prefix of an enclosing block). */
static int read_key(reader *r) {
    if (r->key.len > 0 && put(r, &r->key, ".", 1) < 0) return -1;
    for (;;) {
        if (*r->p == '"') {
            size_t before = r->key.len;
            if (read_quoted(r, &r->key) < 0) return -1;
            /* No option has an empty name or an empty part in its name. */
            if (r->key.len == before)
                return fail(r, "empty key \"\" (name the setting)");
        } else {
            const char *start = r->p;
            while (is_key_char(*r->p)) r->p++;
            if (r->p == start) {
                if (*r->p == '\0' || *r->p == '\n')
                    return fail(r, "expected a key, found the end of the %s",
                                *r->p ? "line" : "file");
                return fail(r, "expected a key, found '%c'", *r->p);
            }
            if (put(r, &r->key, start, (size_t)(r->p - start)) < 0) return -1;
        }
        if (*r->p != '.') return 0;
        r->p++;
        if (put(r, &r->key, ".", 1) < 0) return -1;
    }
}

/* Reads "${VAR}" or "${?VAR}" at r->p. Appends the variable's value to out
 * and sets *defined when it is set; an unset optional one adds nothing. An
 * empty variable counts as unset, as in config_load_env. */
static int read_substitution(reader *r, strbuf *out, bool *defined) {
    r->p += 2;
    bool optional = *r->p == '?';
    if (optional) r->p++;
    const char *name = r->p;
    while (*r->p && *r->p != '}' && *r->p != '\n') r->p++;
    if (*r->p != '}') return fail(r, "unterminated '${'");
    int len = (int)(r->p - name);
    r->p++;
    if (len == 0) return fail(r, "empty substitution '${}'");

    char var[256];
    if ((size_t)len >= sizeof var)
        return fail(r, "substitution name '%.*s...' is too long", 40, name);
    memcpy(var, name, (size_t)len);
    var[len] = '\0';
    const char *value = getenv(var);
    if (value && *value) {
        *defined = true;
        return put(r, out, value, strlen(value));
    }
    if (optional) return 0;
    return fail(r, "environment variable %s is not set or empty (write "
                   "${?%s} if it is optional)", var, var);
}

/* Reads the value of the assignment to r->key, up to the end of the line,
 * ',', '}' or a comment, and hands it to the visitor. A value is a run of
 * pieces (quoted strings, substitutions, unquoted text) joined as written;
 * blanks after the last piece are dropped. */
static int read_value(reader *r) {
    strbuf *v = &r->value;
    truncate_to(v, 0);
    size_t keep = 0;      /* length without trailing blanks */
    bool defined = false; /* a piece other than an unset ${?VAR} was seen */
    bool any = false;     /* any piece at all was seen */
    int line = r->line;
    for (;;) {
        char ch = *r->p;
        if (ch == '\0' || ch == '\n' || ch == ',' || ch == '}' ||
            at_comment(r))
            break;
        if (ch == '"') {
            if (read_quoted(r, v) < 0) return -1;
            defined = true;
        } else if (ch == '$' && r->p[1] == '{') {
            if (read_substitution(r, v, &defined) < 0) return -1;
        } else if (ch == '{' || ch == '[' || ch == ']') {
            return fail(r, "unexpected '%c' in the value of '%s' (quote the "
                           "value if it is text)", ch, r->key.s);
        } else {
            if (put(r, v, r->p++, 1) < 0) return -1;
            if (ch == ' ' || ch == '\t' || ch == '\r') continue;
            defined = true;
        }
        any = true;
        keep = v->len;
    }
    truncate_to(v, keep);
    if (!any) return fail(r, "missing value for '%s'", r->key.s);
    if (r->visit(r->ctx, r->key.s, defined ? v->s : NULL, line, r->err) < 0)
        return ms_error_prefix(r->err, "%s:%d", r->path, line);
    return 0;
}

static int read_members(reader *r, int open_line);

/* Reads "{ members }" at r->p. */
static int read_block(reader *r) {
    int open_line = r->line;
    if (r->depth == HOCON_MAX_DEPTH)
        return fail(r, "blocks nested more than %d deep", HOCON_MAX_DEPTH);
    r->p++;
    r->depth++;
    int rc = read_members(r, open_line);
    r->depth--;
    return rc;
}

/* Reads one "key = value", "key : value", "key { ... }" or "key = {...}". */
static int read_member(reader *r) {
    size_t prefix_len = r->key.len;
    if (read_key(r) < 0) return -1;
    skip_blanks(r);
    int rc;
    if (*r->p == '{') {
        rc = read_block(r);
    } else if (*r->p == '=' || *r->p == ':') {
        r->p++;
        skip_blanks(r);
        if (*r->p == '{') rc = read_block(r);
        else if (*r->p == '[')
            rc = fail(r, "arrays are not supported (key '%s')", r->key.s);
        else rc = read_value(r);
    } else if (strcmp(r->key.s, "include") == 0) {
        rc = fail(r, "include is not supported");
    } else {
        rc = fail(r, "expected '=', ':' or '{' after key '%s'", r->key.s);
    }
    truncate_to(&r->key, prefix_len);
    return rc;
}

/* Reads members up to the '}' closing a block opened on open_line, or to the
 * end of the file when open_line is 0. */
static int read_members(reader *r, int open_line) {
    for (;;) {
        skip_separators(r);
        if (*r->p == '\0') {
            if (open_line)
                return fail(r, "missing '}' for the '{' on line %d",
                            open_line);
            return 0;
        }
        if (*r->p == '}') {
            if (!open_line) return fail(r, "unexpected '}'");
            r->p++;
            return 0;
        }
        if (read_member(r) < 0) return -1;
    }
}

int hocon_parse_text(const char *name, const char *text, size_t len,
                     hocon_visit visit, void *ctx, ms_error *err) {
    if (strlen(text) != len)
        return ms_error_set(err, "%s: contains a NUL byte; not a text file",
                            name);
    reader r = {.path = name, .p = text, .line = 1, .visit = visit,
                .ctx = ctx, .err = err};
    if (strncmp(r.p, "\xEF\xBB\xBF", 3) == 0) r.p += 3; /* UTF-8 BOM */

    /* The root object's braces are optional. */
    skip_separators(&r);
    int rc;
    if (*r.p == '{') {
        rc = read_block(&r);
        if (rc == 0) {
            skip_separators(&r);
            if (*r.p) rc = fail(&r, "unexpected text after the closing '}'");
        }
    } else {
        rc = read_members(&r, 0);
    }
    free(r.key.s);
    free(r.value.s);
    return rc;
}

int hocon_parse_file(const char *path, hocon_visit visit, void *ctx,
                     ms_error *err) {
    uint8_t *text;
    size_t len;
    if (file_read_all(path, HOCON_MAX_BYTES, &text, &len, err)) return -1;
    int rc = hocon_parse_text(path, (const char *)text, len, visit, ctx, err);
    free(text);
    return rc;
}
