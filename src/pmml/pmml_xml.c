/*
 * pmml_xml.c - turns untrusted bytes into a libxml2 tree, safely, and the
 * small helpers every stage of the loader uses to read that tree.
 *
 * Models arrive from the network, so the parser is locked down:
 *
 *  - no network access (XML_PARSE_NONET), no entity substitution (we never
 *    pass XML_PARSE_NOENT), no DTD loading or default attributes;
 *  - a DOCTYPE or entity declaration stops the parse: PMML has no use for
 *    them, and they are how billion-laughs and XXE documents start;
 *  - size, nesting depth and element count are capped. Depth and count are
 *    checked in SAX callbacks while the tree is built, so a hostile document
 *    is stopped before it costs memory;
 *  - libxml2's messages go to a per-parse structured handler that keeps the
 *    first error in our ms_error, and the few it sends outside a parser
 *    (encoding conversion) to a per-thread silent handler: nothing is
 *    printed to stderr, and no process-global handler is touched, so loads
 *    may run on many threads.
 */
#include "pmml/pmml_internal.h"

#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
/* PMML numbers use '.', whatever LC_NUMERIC the process runs under. */
static locale_t c_locale;

static void init(void) {
    xmlInitParser();
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/* What the SAX hooks know about the parse in progress. */
typedef struct parse_guard {
    ms_error *err;
    int failed;            /* err holds the reason; ignore later errors */
    unsigned depth;
    unsigned long elements;
} parse_guard;

static parse_guard *guard_of(void *sax_ctx) {
    return ((xmlParserCtxtPtr)sax_ctx)->_private;
}

/* Records why we stopped and halts the parser; no callback runs after. */
static void reject(void *sax_ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void reject(void *sax_ctx, const char *fmt, ...) {
    xmlParserCtxtPtr pc = sax_ctx;
    parse_guard *g = guard_of(sax_ctx);
    if (!g->failed) {
        char what[MS_ERROR_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        ms_error_set(g->err, "PMML line %d: %s", xmlSAX2GetLineNumber(pc),
                     what);
    }
    g->failed = 1;
    xmlStopParser(pc);
}

static void on_internal_subset(void *ctx, const xmlChar *name,
                               const xmlChar *external_id,
                               const xmlChar *system_id) {
    (void)name, (void)external_id, (void)system_id;
    reject(ctx, "DOCTYPE declarations are not allowed in PMML documents "
                "(no DTDs, no entities)");
}

/* Entities are declared only inside a DOCTYPE, which is already refused;
 * this second lock keeps them out should that ever be relaxed. */
static void on_entity_decl(void *ctx, const xmlChar *name, int type,
                           const xmlChar *public_id, const xmlChar *system_id,
                           xmlChar *content) {
    (void)name, (void)type, (void)public_id, (void)system_id, (void)content;
    reject(ctx, "entity declarations are not allowed in PMML documents");
}

static void on_start(void *ctx, const xmlChar *localname,
                     const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces,
                     int nb_attributes, int nb_defaulted,
                     const xmlChar **attributes) {
    parse_guard *g = guard_of(ctx);
    if (++g->depth > PMML_MAX_DEPTH) {
        reject(ctx, "elements are nested too deeply (the limit is %d "
                    "levels)", PMML_MAX_DEPTH);
        return;
    }
    if (++g->elements > PMML_MAX_ELEMENTS) {
        reject(ctx, "document has too many elements (the limit is %d)",
               PMML_MAX_ELEMENTS);
        return;
    }
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces,
                          namespaces, nb_attributes, nb_defaulted,
                          attributes);
}

static void on_end(void *ctx, const xmlChar *localname,
                   const xmlChar *prefix, const xmlChar *uri) {
    guard_of(ctx)->depth--;
    xmlSAX2EndElementNs(ctx, localname, prefix, uri);
}

/* Messages libxml2 sends outside any parser context (the encoding layer:
 * "input conversion failed") would go to stderr. */
static void on_generic_error(void *ctx, const char *fmt, ...) {
    (void)ctx, (void)fmt;
}

/* libxml2 reports here instead of stderr. Keep the first real error. */
static void on_error(void *ctx, xmlErrorPtr e) {
    parse_guard *g = guard_of(ctx);
    if (g->failed || e->level < XML_ERR_ERROR) return;
    const char *msg = e->message ? e->message : "unknown error";
    int n = (int)strcspn(msg, "\n");
    ms_error_set(g->err, "PMML line %d: malformed XML: %.*s", e->line, n,
                 msg);
    g->failed = 1;
}

xmlDoc *pmml_parse(const void *bytes, size_t len, ms_error *err) {
    pthread_once(&init_once, init);
    if (!c_locale) {
        ms_error_set(err, "PMML: cannot create the C locale (out of memory)");
        return NULL;
    }
    if (!bytes || len == 0) {
        ms_error_set(err, "PMML: empty document");
        return NULL;
    }
    if (len > PMML_MAX_BYTES) {
        ms_error_set(err, "PMML: document of %zu bytes is larger than the "
                          "limit of %zu bytes", len, PMML_MAX_BYTES);
        return NULL;
    }
    /* The generic handler is per thread in libxml2, and only the PMML
     * loader uses libxml2, so setting it for this thread is enough. */
    xmlSetGenericErrorFunc(NULL, on_generic_error);
    xmlParserCtxtPtr pc = xmlCreateMemoryParserCtxt(bytes, (int)len);
    if (!pc) {
        ms_error_set(err, "PMML: out of memory creating the XML parser");
        return NULL;
    }
    parse_guard g = {.err = err};
    pc->_private = &g;
    /* pc->sax belongs to this parser context alone, so overriding its
     * callbacks is thread-safe. serror only takes effect on a SAX2
     * handler (initialized == XML_SAX2_MAGIC), which this one is. */
    pc->sax->internalSubset = on_internal_subset;
    pc->sax->entityDecl = on_entity_decl;
    pc->sax->startElementNs = on_start;
    pc->sax->endElementNs = on_end;
    pc->sax->serror = on_error;
    xmlCtxtUseOptions(pc, XML_PARSE_NONET | XML_PARSE_NOWARNING |
                              XML_PARSE_BIG_LINES);
    xmlParseDocument(pc);

    xmlDoc *doc = pc->myDoc;
    int ok = !g.failed && pc->wellFormed && doc;
    if (!ok && !g.failed)
        ms_error_set(err, "PMML: document is not well-formed XML");
    xmlFreeParserCtxt(pc);
    if (!ok) {
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

void pmml_fail_format(pmml_ctx *ctx, const xmlNode *el, const char *fmt,
                      ...) {
    char msg[MS_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (el)
        ms_error_format(ctx->err, "PMML line %ld: %s", xmlGetLineNo(el), msg);
    else
        ms_error_format(ctx->err, "PMML: %s", msg);
}

void pmml_unsupported_format(pmml_ctx *ctx, const xmlNode *el) {
    const char *parent = el->parent ? (const char *)el->parent->name : "?";
    pmml_fail_format(ctx, el, "%s inside %s is not supported", el->name,
                     parent);
}

int pmml_is(const xmlNode *el, const char *name) {
    return el && strcmp((const char *)el->name, name) == 0;
}

const xmlNode *pmml_elem(const xmlNode *el) {
    /* Extension elements carry vendor data that never changes a score
     * (PMML says consumers may ignore them), so every walk skips them. */
    while (el && (el->type != XML_ELEMENT_NODE || pmml_is(el, "Extension")))
        el = el->next;
    return el;
}

const char *pmml_attr(pmml_ctx *ctx, const xmlNode *el, const char *name) {
    xmlAttr *a = xmlHasProp((xmlNode *)el, (const xmlChar *)name);
    if (!a) return NULL;
    if (!a->children) return "";
    if (pmml_grow(ctx, (void **)&ctx->strings, &ctx->capstrings,
                  ctx->nstrings + 1, sizeof *ctx->strings) < 0)
        return NULL;
    xmlChar *v = xmlNodeListGetString(el->doc, a->children, 1);
    if (!v) {
        /* Present but unreadable: only an allocation can fail here. The
         * sticky flag makes the whole load fail rather than silently use a
         * default. */
        ctx->oom = 1;
        pmml_fail(ctx, el, "out of memory reading %s %s", el->name, name);
        return NULL;
    }
    ctx->strings[ctx->nstrings++] = v;
    return (const char *)v;
}

const char *pmml_attr_req(pmml_ctx *ctx, const xmlNode *el,
                          const char *name) {
    const char *v = pmml_attr(ctx, el, name);
    if (!v && !ctx->oom)
        pmml_fail(ctx, el, "%s has no %s attribute", el->name, name);
    return v;
}

int pmml_parse_double(const char *s, double *out) {
    static const char space[] = " \t\n\r";
    char *end;
    s += strspn(s, space);
    if (!*s) return -1;
    *out = strtod_l(s, &end, c_locale);
    if (end == s) return -1;
    return end[strspn(end, space)] ? -1 : 0;
}

int pmml_attr_double(pmml_ctx *ctx, const xmlNode *el, const char *name,
                     double dflt, double *out) {
    const char *v = pmml_attr(ctx, el, name);
    if (!v) {
        *out = dflt;
        return ctx->oom ? -1 : 0;
    }
    if (pmml_parse_double(v, out) < 0)
        return pmml_fail(ctx, el, "%s %s='%s' is not a number", el->name,
                         name, v);
    return 0;
}

int pmml_attr_enum(pmml_ctx *ctx, const xmlNode *el, const char *name,
                   const char *const *allowed, int dflt, int *out) {
    const char *v = pmml_attr(ctx, el, name);
    if (!v) {
        *out = dflt;
        return ctx->oom ? -1 : 0;
    }
    char list[256] = "";
    for (int i = 0; allowed[i]; i++) {
        if (strcmp(v, allowed[i]) == 0) {
            *out = i;
            return 0;
        }
        pmml_list_append(list, sizeof list, allowed[i]);
    }
    return pmml_fail(ctx, el, "%s %s '%s' is not supported (supported: %s)",
                     el->name, name, v, list);
}

int pmml_attr_double_req(pmml_ctx *ctx, const xmlNode *el, const char *name,
                         double *out) {
    if (!pmml_attr_req(ctx, el, name)) return -1;
    return pmml_attr_double(ctx, el, name, 0, out);
}

int pmml_attr_enum_req(pmml_ctx *ctx, const xmlNode *el, const char *name,
                       const char *const *allowed, int *out) {
    if (!pmml_attr_req(ctx, el, name)) return -1;
    return pmml_attr_enum(ctx, el, name, allowed, 0, out);
}

void pmml_list_append(char *list, size_t size, const char *item) {
    size_t used = strlen(list);
    snprintf(list + used, size - used, "%s%s", used ? ", " : "", item);
}

int pmml_grow(pmml_ctx *ctx, void **arr, size_t *cap, size_t need,
              size_t elsize) {
    if (need <= *cap) return 0;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) ncap *= 2;
    void *p = realloc(*arr, ncap * elsize);
    if (!p) {
        ctx->oom = 1;
        return pmml_fail(ctx, NULL, "out of memory");
    }
    *arr = p;
    *cap = ncap;
    return 0;
}
