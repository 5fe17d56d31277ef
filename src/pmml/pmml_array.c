/*
 * pmml_array.c - PMML's Array element (and REAL-SparseArray) read into
 * doubles, for SimpleSetPredicate members, support vectors and cluster
 * centres.
 *
 * An Array's text is a list of members separated by whitespace, or quoted
 * with "..." (where \" stands for a quote). Members are numbers, or for
 * an Array of strings (pmml_array_read_codes) string codes of the
 * document's table, a quoted member unescaped first. The "n" attribute,
 * when present, must match the count.
 */
#include "pmml/pmml_internal.h"

#include <stdlib.h>
#include <string.h>

static int add_value(pmml_ctx *ctx, pmml_values *v, const xmlNode *el,
                     char *token, int codes) {
    double d;
    if (codes) {
        char *w = token;   /* \" stands for a quote */
        for (const char *r = token; *r; r++) {
            if (r[0] == '\\' && r[1] == '"') r++;
            *w++ = *r;
        }
        *w = '\0';
        if (pmml_string_code(ctx, el, token, &d) < 0) return -1;
    } else if (pmml_parse_double(token, &d) < 0) {
        return pmml_fail(ctx, el, "%s member '%s' is not a number", el->name,
                         token);
    }
    if (pmml_grow(ctx, (void **)&v->v, &v->cap, v->n + 1, sizeof *v->v) < 0)
        return -1;
    v->v[v->n++] = d;
    return 0;
}

static int parse_members(pmml_ctx *ctx, pmml_values *v, const xmlNode *arr,
                         const char *s, int codes) {
    static const char space[] = " \t\n\r";
    char token[PMML_MAX_STRING_BYTES];
    for (;;) {
        s += strspn(s, space);
        if (!*s) return 0;
        const char *start = s, *end;
        if (*s == '"') {
            for (end = ++start; *end && *end != '"'; end++)
                if (*end == '\\' && end[1] == '"') end++;
            if (*end != '"')
                return pmml_fail(ctx, arr, "%s has an unterminated quote",
                                 arr->name);
            s = end + 1;
        } else {
            end = s = start + strcspn(start, space);
        }
        size_t n = (size_t)(end - start);
        if (n >= sizeof token)
            return pmml_fail(ctx, arr, "%s member '%.20s...' is too long",
                             arr->name, start);
        memcpy(token, start, n);
        token[n] = '\0';
        if (add_value(ctx, v, arr, token, codes) < 0) return -1;
    }
}

/* Appends the members of arr's text; returns how many through *count. */
static int parse_text(pmml_ctx *ctx, const xmlNode *arr, pmml_values *v,
                      size_t *count, int codes) {
    size_t before = v->n;
    xmlChar *text = xmlNodeGetContent(arr);
    if (!text) {
        ctx->oom = 1;
        return pmml_fail(ctx, arr, "out of memory");
    }
    int rc = parse_members(ctx, v, arr, (const char *)text, codes);
    xmlFree(text);
    *count = v->n - before;
    return rc;
}

static int check_n(pmml_ctx *ctx, const xmlNode *arr, size_t count) {
    double declared;
    if (pmml_attr_double(ctx, arr, "n", (double)count, &declared) < 0)
        return -1;
    if (declared != (double)count)
        return pmml_fail(ctx, arr, "%s n='%g' but it holds %zu values",
                         arr->name, declared, count);
    return 0;
}

static int read_array(pmml_ctx *ctx, const xmlNode *arr, pmml_values *v,
                      int codes) {
    size_t count;
    if (!pmml_is(arr, "Array"))
        return pmml_fail(ctx, arr, "expected an Array, found %s", arr->name);
    if (parse_text(ctx, arr, v, &count, codes) < 0) return -1;
    return check_n(ctx, arr, count);
}

int pmml_array_read(pmml_ctx *ctx, const xmlNode *arr, pmml_values *v) {
    return read_array(ctx, arr, v, 0);
}

int pmml_array_read_codes(pmml_ctx *ctx, const xmlNode *arr,
                          pmml_values *v) {
    return read_array(ctx, arr, v, 1);
}

/* REAL-SparseArray: n values, all 0 but those at the 1-based Indices,
 * which take the REAL-Entries in order. */
int pmml_sparse_read(pmml_ctx *ctx, const xmlNode *arr, pmml_values *v) {
    double n;
    if (pmml_attr_double_req(ctx, arr, "n", &n) < 0) return -1;
    if (!(n >= 0 && n <= 1e7) || n != (double)(size_t)n)
        return pmml_fail(ctx, arr, "REAL-SparseArray n='%g' is not a count",
                         n);
    pmml_values idx = {0}, ent = {0};
    size_t nidx = 0, nent = 0;
    int rc = 0;
    for (const xmlNode *c = pmml_elem(arr->children); c && rc == 0;
         c = pmml_elem(c->next)) {
        if (pmml_is(c, "Indices"))
            rc = parse_text(ctx, c, &idx, &nidx, 0);
        else if (pmml_is(c, "REAL-Entries"))
            rc = parse_text(ctx, c, &ent, &nent, 0);
        else
            rc = pmml_unsupported(ctx, c);
    }
    if (rc == 0 && nidx != nent)
        rc = pmml_fail(ctx, arr, "REAL-SparseArray has %zu Indices but %zu "
                                 "REAL-Entries", nidx, nent);
    size_t base = v->n;
    if (rc == 0)
        rc = pmml_grow(ctx, (void **)&v->v, &v->cap, base + (size_t)n,
                       sizeof *v->v);
    if (rc == 0) {
        for (size_t i = 0; i < (size_t)n; i++) v->v[base + i] = 0;
        v->n = base + (size_t)n;
        for (size_t i = 0; i < nidx && rc == 0; i++) {
            double at = idx.v[i];
            if (!(at >= 1 && at <= n) || at != (double)(size_t)at)
                rc = pmml_fail(ctx, arr, "REAL-SparseArray index %g is not "
                                         "between 1 and n=%g", at, n);
            else
                v->v[base + (size_t)at - 1] = ent.v[i];
        }
    }
    free(idx.v);
    free(ent.v);
    return rc;
}
