/*
 * pmml_strfn.c - PMML 4.4's string built-ins: checked when an Apply is
 * compiled, computed over the document's string table at the end of the
 * load (pmml_strings.c), and read back while scoring.
 *
 * uppercase, lowercase, trimBlanks, stringLength, substring, concat,
 * replace and matches take one string that varies (a field, a derived
 * value) and constants for the rest, so each is a function of one string
 * code: compiling computes it for every code of the varying string's
 * domain (pmml_strings.c) into a table indexed by code, and scoring looks
 * the answer up. Their varying string must be "closed" (only strings the
 * document knows can reach it: a Value-listed field that does not keep
 * invalid values, a Constant, a MapValues output, the result of another
 * such function); over a free string (a field without Values) a function
 * cannot be tabled and is refused at load, naming the Apply. formatNumber takes a number, so it runs while scoring: the
 * pattern (one printf conversion, checked at load and rebuilt, so a
 * hostile pattern never reaches printf) formats into a buffer on the
 * stack, and the text is looked up in the table: a code, or
 * PMML_STRING_UNKNOWN, which compares unequal to every string the
 * document names, exactly what a comparison needs. Its result is free.
 *
 * Semantics follow PMML 4.4 and JPMML where PMML is loose: substring is
 * 1-based (startPos >= 1, length >= 0, clipped at the end of the string);
 * trimBlanks trims what Java's trim() does (bytes up to the space);
 * replace and matches use POSIX extended regular expressions (regcomp),
 * replace every match, $0..$9 in the replacement naming groups, and
 * matches looks for a match anywhere, as Java's Matcher.find(); case
 * changes are ASCII; stringLength counts UTF-8 characters. A missing
 * argument gives a missing result, as for every built-in.
 */
#include "pmml/pmml_internal.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sfn { S_UPPERCASE, S_LOWERCASE, S_TRIM_BLANKS, S_STRING_LENGTH,
           S_SUBSTRING, S_CONCAT, S_REPLACE, S_MATCHES, S_FORMAT_NUMBER };

static const struct {
    const char *name;
    int min, max;         /* argument count */
} sfns[] = {
    [S_UPPERCASE] = {"uppercase", 1, 1},
    [S_LOWERCASE] = {"lowercase", 1, 1},
    [S_TRIM_BLANKS] = {"trimBlanks", 1, 1},
    [S_STRING_LENGTH] = {"stringLength", 1, 1},
    [S_SUBSTRING] = {"substring", 3, 3},
    [S_CONCAT] = {"concat", 2, 32},
    [S_REPLACE] = {"replace", 3, 3},
    [S_MATCHES] = {"matches", 2, 2},
    [S_FORMAT_NUMBER] = {"formatNumber", 2, 2},
};
#define NSFNS (sizeof sfns / sizeof *sfns)

/* Dates: inputs carry no dates, so these are refused by name. */
static const char *const date_functions[] = {
    "formatDatetime", "dateDaysSinceYear", "dateSecondsSinceYear",
    "dateSecondsSinceMidnight", NULL};

int pmml_strfn_lookup(pmml_ctx *ctx, const xmlNode *el, const char *name,
                      size_t n) {
    for (size_t i = 0; i < NSFNS; i++) {
        if (strcmp(sfns[i].name, name) != 0) continue;
        if ((int)n < sfns[i].min || (int)n > sfns[i].max)
            return pmml_fail(ctx, el, "function '%s' takes %d to %d "
                                      "arguments, not %zu", name,
                             sfns[i].min, sfns[i].max, n) - 1;   /* -2 */
        return (int)i;
    }
    for (int i = 0; date_functions[i]; i++)
        if (strcmp(date_functions[i], name) == 0)
            return pmml_fail(ctx, el, "function '%s' is not supported "
                                      "(inputs carry numbers and strings, "
                                      "no dates)", name) - 1;   /* -2 */
    return -1;
}

/* The argument nodes of an Apply. */
static const pmml_enode *arg(const pmml_exprs *e, const pmml_enode *nd,
                             uint32_t i) {
    return &e->nodes[e->kids[nd->first + i]];
}

static int is_const(const pmml_enode *a) { return a->op == PMML_E_CONST; }

/* A constant string argument's text. */
static const char *const_text(pmml_ctx *ctx, const pmml_enode *a) {
    return is_const(a) && a->type == PMML_T_STRING
               ? pmml_string_text(ctx->strtab, a->value) : NULL;
}

/* The checks of a formatNumber pattern: literal text with exactly one
 * conversion %[-+ 0#]*[0-9]{0,2}(.[0-9]{0,2})?[diouxXeEfFgGaA] and %%
 * escapes; rebuilt into out for a double argument (integer conversions
 * get "ll" and a long long). */
static int check_format(const char *p, char *out, size_t size,
                        int *integer) {
    size_t o = 0;
    int convs = 0;
    for (; *p; p++) {
        if (o + 16 >= size) return -1;   /* room for a whole conversion */
        out[o++] = *p;
        if (*p != '%') continue;
        if (p[1] == '%') {
            out[o++] = *++p;
            continue;
        }
        p++;
        while (*p && strchr("-+ 0#", *p) && o + 16 < size) out[o++] = *p++;
        for (int d = 0; d < 2 && isdigit((unsigned char)*p); d++)
            out[o++] = *p++;
        if (*p == '.') {
            out[o++] = *p++;
            for (int d = 0; d < 2 && isdigit((unsigned char)*p); d++)
                out[o++] = *p++;
        }
        if (!*p || !strchr("diouxXeEfFgGaA", *p)) return -1;
        *integer = strchr("diouxX", *p) != NULL;
        if (*integer) {
            out[o++] = 'l';
            out[o++] = 'l';
        }
        out[o++] = *p;
        convs++;
    }
    out[o] = '\0';
    return convs == 1 ? 0 : -1;
}

/* Appends n bytes of s to buf (size PMML_MAX_STRING_BYTES); -1 when the
 * result would be longer. */
static int put(char *buf, size_t *len, const char *s, size_t n) {
    if (*len + n >= PMML_MAX_STRING_BYTES) return -1;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
    return 0;
}

/* The replacement for one match: $0..$9 name the groups. */
static int put_replacement(char *buf, size_t *len, const char *subject,
                           const regmatch_t *m, const char *repl) {
    for (const char *r = repl; *r; r++) {
        if (*r == '$' && isdigit((unsigned char)r[1])) {
            const regmatch_t *g = &m[r[1] - '0'];
            r++;
            if (g->rm_so >= 0 &&
                put(buf, len, subject + g->rm_so,
                    (size_t)(g->rm_eo - g->rm_so)) < 0)
                return -1;
        } else if (put(buf, len, r, 1) < 0) {
            return -1;
        }
    }
    return 0;
}

static int replace_all(const regex_t *re, const char *s, const char *repl,
                       char *buf) {
    size_t len = 0;
    regmatch_t m[10];
    const char *at = s;
    int flags = 0;
    buf[0] = '\0';
    while (regexec(re, at, 10, m, flags) == 0) {
        if (put(buf, &len, at, (size_t)m[0].rm_so) < 0 ||
            put_replacement(buf, &len, at, m, repl) < 0)
            return -1;
        at += m[0].rm_eo;
        if (m[0].rm_eo == m[0].rm_so) {     /* an empty match: step on */
            if (!*at) break;
            if (put(buf, &len, at++, 1) < 0) return -1;
        }
        flags = REG_NOTBOL;
    }
    return put(buf, &len, at, strlen(at));
}

static double utf8_length(const char *s) {
    double n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* The string result of nd's function over s into buf; -1 when too
 * long. */
static int compute(pmml_ctx *ctx, const pmml_exprs *e, const pmml_enode *nd,
                   const regex_t *re, const char *s, char *buf) {
    size_t len = 0, n = strlen(s);
    buf[0] = '\0';
    switch (nd->slot) {
    case S_UPPERCASE:
    case S_LOWERCASE:
        if (put(buf, &len, s, n) < 0) return -1;
        for (char *p = buf; *p; p++)
            *p = (char)(nd->slot == S_UPPERCASE ? toupper((unsigned char)*p)
                                                : tolower((unsigned char)*p));
        return 0;
    case S_TRIM_BLANKS:
        while (n && (unsigned char)s[n - 1] <= ' ') n--;
        while (n && (unsigned char)*s <= ' ') s++, n--;
        return put(buf, &len, s, n);
    case S_SUBSTRING: {
        size_t start = (size_t)arg(e, nd, 1)->value - 1;
        double want = arg(e, nd, 2)->value;
        if (start >= n) return 0;
        size_t take = want < (double)(n - start) ? (size_t)want : n - start;
        return put(buf, &len, s + start, take);
    }
    case S_CONCAT:
        for (uint32_t i = 0; i < nd->count; i++) {
            const char *part = i == nd->fn ? s
                                             : const_text(ctx, arg(e, nd, i));
            if (put(buf, &len, part, strlen(part)) < 0) return -1;
        }
        return 0;
    default:                                  /* replace */
        return replace_all(re, s, const_text(ctx, arg(e, nd, 2)), buf);
    }
}

/* The varying argument of tabled function nd: its index, checked. */
static int varying_arg(pmml_ctx *ctx, const pmml_exprs *e, const xmlNode *el,
                       int sf, const pmml_enode *nd, uint32_t *var) {
    const char *name = sfns[sf].name;
    uint32_t nvar = 0;
    *var = 0;
    for (uint32_t i = 0; i < nd->count; i++) {
        const pmml_enode *a = arg(e, nd, i);
        int string_arg = i == 0 || sf == S_CONCAT || sf == S_REPLACE ||
                         sf == S_MATCHES;
        if (string_arg && a->type == PMML_T_NUMBER)
            return pmml_fail(ctx, el, "argument %u of %s is a number, not a "
                                      "string", i + 1, name);
        if (!string_arg && (a->type != PMML_T_NUMBER || !is_const(a)))
            return pmml_fail(ctx, el, "argument %u of %s must be a constant "
                                      "number", i + 1, name);
        if (!is_const(a)) {
            *var = i;
            nvar++;
        }
    }
    if (nvar > 1 || (nvar == 1 && *var != 0 && sf != S_CONCAT))
        return pmml_fail(ctx, el, "%s: only its first argument (for concat, "
                                  "one argument) may vary; the others must "
                                  "be Constants", name);
    /* The constant strings (patterns, pieces) are read at load. */
    for (uint32_t i = 0; i < nd->count; i++)
        if (i != *var && arg(e, nd, i)->type != PMML_T_NUMBER &&
            !const_text(ctx, arg(e, nd, i)))
            return pmml_fail(ctx, el, "argument %u of %s is a missing "
                                      "Constant", i + 1, name);
    if (arg(e, nd, *var)->type == PMML_T_OPEN)
        return pmml_fail(ctx, el, "%s over a string the document cannot "
                                  "list (a field without valid Values, or "
                                  "one kept as is when invalid, or a "
                                  "formatNumber): its results cannot be "
                                  "computed at load", name);
    if (sf == S_SUBSTRING) {
        double start = arg(e, nd, 1)->value, len = arg(e, nd, 2)->value;
        if (!(start >= 1 && start == floor(start) && len >= 0 &&
              len == floor(len) && start < 1e9 && len < 1e9))
            return pmml_fail(ctx, el, "substring needs a whole startPos >= 1 "
                                      "and a whole length >= 0");
    }
    return 0;
}

static int compile_format(pmml_ctx *ctx, const pmml_exprs *e,
                          const xmlNode *el, pmml_enode *nd) {
    char fmt[64];
    int integer = 0;
    const char *pattern = const_text(ctx, arg(e, nd, 1));
    if (arg(e, nd, 0)->type != PMML_T_NUMBER || !pattern)
        return pmml_fail(ctx, el, "formatNumber takes a number and a "
                                  "constant string pattern");
    if (check_format(pattern, fmt, sizeof fmt, &integer) < 0)
        return pmml_fail(ctx, el, "formatNumber pattern '%.40s' is not "
                                  "text with one printf conversion "
                                  "(%%[flags][width][.precision]"
                                  "[diouxXeEfFgGaA])", pattern);
    nd->type = PMML_T_OPEN;
    nd->naux = (uint32_t)integer;
    return pmml_string_code(ctx, el, fmt, &nd->value);
}

/* The table of tabled function nd over the domain dom of its varying
 * argument: e->data[aux + code - base] for each code from base (nd->value)
 * on (NaN for codes between that are not in it); its string results make
 * the node's domain. */
static int fill_table(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                      pmml_enode *nd, uint32_t node, const regex_t *re,
                      uint32_t first, uint32_t count) {
    char buf[PMML_MAX_STRING_BYTES];
    double top = -1, base = count ? pmml_domain_code(ctx, first) : 0;
    for (uint32_t i = first; i < first + count; i++) {
        double c = pmml_domain_code(ctx, i);
        top = c > top ? c : top;
        base = c < base ? c : base;
    }
    size_t size = (size_t)(top + 1 - base);
    nd->value = base;
    if (pmml_domain_cells(ctx, el, size) < 0 ||
        pmml_grow(ctx, (void **)&e->data.v, &e->data.cap, e->data.n + size,
                  sizeof *e->data.v) < 0)
        return -1;
    nd->aux = (uint32_t)e->data.n;
    nd->naux = (uint32_t)size;
    for (size_t i = 0; i < size; i++) e->data.v[e->data.n + i] = NAN;
    e->data.n += size;
    size_t start = pmml_domain_begin(ctx);
    for (uint32_t i = first; i < first + count; i++) {
        double code = pmml_domain_code(ctx, i), r;
        const char *s = pmml_string_text(ctx->strtab, code);
        if (nd->slot == S_STRING_LENGTH) {
            r = utf8_length(s);
        } else if (nd->slot == S_MATCHES) {
            r = regexec(re, s, 0, NULL, 0) == 0;
        } else if (compute(ctx, e, nd, re, s, buf) < 0) {
            return pmml_fail(ctx, el, "%s makes a string longer than %d "
                                      "bytes", sfns[nd->slot].name,
                             PMML_MAX_STRING_BYTES - 1);
        } else if (pmml_string_code(ctx, el, buf, &r) < 0 ||
                   pmml_domain_add(ctx, start, r) < 0) {
            return -1;
        }
        e->data.v[nd->aux + (size_t)(code - base)] = r;
    }
    if (nd->type != PMML_T_STRING) return 0;
    if (pmml_domain_add(ctx, start, nd->missing_to) < 0 ||
        pmml_domain_add(ctx, start, nd->dflt) < 0)
        return -1;
    return pmml_domain_set(ctx, e, node, start,
                           pmml_domain_begin(ctx) - start);
}

int pmml_strfn_compile(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                       int sf, pmml_enode *nd, uint32_t node) {
    uint32_t var, first, count;
    nd->slot = sf;
    if (sf == S_FORMAT_NUMBER)
        return compile_format(ctx, e, el, nd) < 0 ||
                       pmml_expr_fallbacks(ctx, el, nd) < 0 ? -1 : 0;
    if (varying_arg(ctx, e, el, sf, nd, &var) < 0) return -1;
    nd->fn = (uint8_t)var;
    nd->type = sf == S_STRING_LENGTH || sf == S_MATCHES ? PMML_T_NUMBER
                                                        : PMML_T_STRING;
    if (pmml_expr_fallbacks(ctx, el, nd) < 0) return -1;
    /* A varying argument without a domain would be open: refused above,
     * checked all the same. */
    if (pmml_domain_of(ctx, e, e->kids[nd->first + var], &first, &count) < 0)
        return pmml_fail(ctx, el, "%s over a string of unknown domain",
                         sfns[sf].name);
    regex_t re;
    int has_re = sf == S_MATCHES || sf == S_REPLACE;
    if (has_re) {
        const char *pattern = const_text(ctx, arg(e, nd, 1));
        if (regcomp(&re, pattern, REG_EXTENDED) != 0)
            return pmml_fail(ctx, el, "'%.60s' is not a POSIX extended "
                                      "regular expression", pattern);
    }
    int rc = fill_table(ctx, e, el, nd, node, has_re ? &re : NULL, first,
                        count);
    if (has_re) regfree(&re);
    return rc;
}

double pmml_strfn_score(const pmml_exprs *e, const pmml_enode *nd,
                        const double *v) {
    if (nd->slot == S_FORMAT_NUMBER) {
        /* Width and precision are at most 99: 512 bytes hold any
         * double; a longer text could only be a truncation. */
        char buf[512];
        const char *fmt = pmml_string_text(e->strings, nd->value);
        int len;
        if (nd->naux) {
            /* An integer conversion of a fraction (Java's String.format
             * refuses it too) or of a value beyond long long: invalid. */
            if (!(fabs(v[0]) < 9.2e18) || v[0] != floor(v[0])) return NAN;
            len = snprintf(buf, sizeof buf, fmt, (long long)v[0]);
        } else {
            len = snprintf(buf, sizeof buf, fmt, v[0]);
        }
        if (len < 0 || (size_t)len >= sizeof buf) return PMML_STRING_UNKNOWN;
        return pmml_string_find(e->strings, buf);
    }
    double c = v[nd->fn] - nd->value;
    /* Only codes of the domain reach a tabled function (the load refused
     * free strings); anything else is checked all the same, as invalid. */
    if (!(c >= 0 && c < (double)nd->naux)) return NAN;
    return e->data.v[nd->aux + (size_t)c];
}
