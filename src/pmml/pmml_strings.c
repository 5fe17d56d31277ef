/*
 * pmml_strings.c - string values as codes: the document's string table,
 * the domains of string values, and the wrapper model that owns the
 * table and turns input text into codes.
 *
 * Records are vectors of doubles, so a string travels as a code: its
 * index in the document's table, which holds every string the document
 * names (Values, predicate operands, Constants, MapValues cells, ...) and
 * every string its functions make of them. A string the document does
 * not know is PMML_STRING_UNKNOWN: it equals none of the known ones, which
 * is all a comparison, a set, a MapValues row or a validity rule needs to
 * know about it. Codes exist for the fields the document types as strings
 * only; everything else stays a number.
 *
 * A closed string value (one that can only hold strings the document
 * lists) has a domain, the codes it can take, known at load: a Constant
 * its own, a field its valid Values (and replacements), a MapValues its
 * output cells, a string function the image of its argument's domain.
 * String functions are tabled over their argument's domain when they are
 * compiled (pmml_strfn.c), so scoring reads one array element and
 * allocates nothing. Domains only live during the load.
 *
 * Interning uses an open-addressing hash of codes, so pmml_string_find()
 * (text -> code, for input text and formatNumber results) is a hash
 * probe that allocates nothing and may run on any number of threads.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct strings_model {
    model base;
    model *inner;
    pmml_strtab *t;
} strings_model;

static uint64_t hash_of(const char *s) {
    uint64_t h = 1469598103934665603u;   /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

double pmml_string_find(const pmml_strtab *t, const char *s) {
    if (!t || !t->nslots) return PMML_STRING_UNKNOWN;
    size_t mask = t->nslots - 1;
    for (size_t i = hash_of(s) & mask;; i = (i + 1) & mask) {
        uint32_t c = t->slots[i];
        if (c == 0) return PMML_STRING_UNKNOWN;   /* 0: empty, else code+1 */
        if (strcmp(t->text[c - 1], s) == 0) return (double)(c - 1);
    }
}

const char *pmml_string_text(const pmml_strtab *t, double code) {
    if (!t || !(code >= 0 && code < (double)t->n)) return NULL;
    return t->text[(size_t)code];
}

/* Doubles the hash when it is half full; the load factor keeps probes
 * short and guarantees an empty slot ends every search. */
static int rehash(pmml_ctx *ctx, pmml_strtab *t) {
    size_t n = t->nslots ? t->nslots * 2 : 64;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (!slots) {
        ctx->oom = 1;
        return pmml_fail(ctx, NULL, "out of memory");
    }
    for (size_t c = 0; c < t->n; c++) {
        size_t i = hash_of(t->text[c]) & (n - 1);
        while (slots[i]) i = (i + 1) & (n - 1);
        slots[i] = (uint32_t)c + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
    return 0;
}

static pmml_strtab *table_of(pmml_ctx *ctx) {
    if (!ctx->strtab && !(ctx->strtab = calloc(1, sizeof *ctx->strtab))) {
        ctx->oom = 1;
        pmml_fail(ctx, NULL, "out of memory");
    }
    return ctx->strtab;
}

int pmml_string_code(pmml_ctx *ctx, const xmlNode *el, const char *s,
                     double *code) {
    pmml_strtab *t = table_of(ctx);
    if (!t) return -1;
    *code = pmml_string_find(t, s);
    if (*code >= 0) return 0;
    if (t->n >= PMML_MAX_STRINGS)
        return pmml_fail(ctx, el, "the document names more than %d distinct "
                                  "strings", PMML_MAX_STRINGS);
    if ((t->n + 1) * 2 > t->nslots && rehash(ctx, t) < 0) return -1;
    char *copy = strdup(s);
    if (!copy || pmml_grow(ctx, (void **)&t->text, &t->cap, t->n + 1,
                           sizeof *t->text) < 0) {
        free(copy);
        ctx->oom = 1;
        return pmml_fail(ctx, el, "out of memory");
    }
    size_t i = hash_of(s) & (t->nslots - 1);
    while (t->slots[i]) i = (i + 1) & (t->nslots - 1);
    t->slots[i] = (uint32_t)t->n + 1;
    t->text[t->n] = copy;
    *code = (double)t->n++;
    return 0;
}

int pmml_strings_input(pmml_ctx *ctx, int slot, int kind) {
    pmml_strtab *t = table_of(ctx);
    if (!t) return -1;
    if (slot >= 0 && slot < RECORD_MAX_FEATURES) t->input[slot] = (uint8_t)kind;
    return 0;
}

/* One node's domain: codes[first .. first + count). */
typedef struct node_domain {
    const pmml_exprs *e;
    uint32_t node, first, count;
} node_domain;

struct pmml_domains {
    pmml_values codes;
    node_domain *nodes;
    size_t n, cap;
    /* stamp[code] - 1: where the range holding code last began, so that
     * adding to a range is O(1), however many Values a field lists. */
    uint32_t *stamp;
    size_t table_cells;     /* string function table cells so far */
};

static struct pmml_domains *domains_of(pmml_ctx *ctx) {
    if (!ctx->domains && !(ctx->domains = calloc(1, sizeof *ctx->domains))) {
        ctx->oom = 1;
        pmml_fail(ctx, NULL, "out of memory");
    }
    return ctx->domains;
}

size_t pmml_domain_begin(pmml_ctx *ctx) {
    return ctx->domains ? ctx->domains->codes.n : 0;
}

int pmml_domain_add(pmml_ctx *ctx, size_t start, double code) {
    struct pmml_domains *d = domains_of(ctx);
    if (!d) return -1;
    /* Codes are below PMML_MAX_STRINGS: anything else is no string. */
    if (!(code >= 0 && code < PMML_MAX_STRINGS)) return 0;
    if (!d->stamp && !(d->stamp = calloc(PMML_MAX_STRINGS, sizeof *d->stamp))) {
        ctx->oom = 1;
        return pmml_fail(ctx, NULL, "out of memory");
    }
    /* A range only grows while it is the last one, so a stamp equal to
     * its start means code is in it already. */
    uint32_t *seen = &d->stamp[(size_t)code];
    if (*seen == start + 1 && start < d->codes.n) return 0;
    if (pmml_grow(ctx, (void **)&d->codes.v, &d->codes.cap, d->codes.n + 1,
                  sizeof *d->codes.v) < 0)
        return -1;
    d->codes.v[d->codes.n++] = code;
    *seen = (uint32_t)start + 1;
    return 0;
}

int pmml_domain_cells(pmml_ctx *ctx, const xmlNode *el, size_t cells) {
    struct pmml_domains *d = domains_of(ctx);
    if (!d) return -1;
    if (cells > PMML_MAX_TABLE_CELLS - d->table_cells)
        return pmml_fail(ctx, el, "the document's string functions need "
                                  "more than %d table entries",
                         PMML_MAX_TABLE_CELLS);
    d->table_cells += cells;
    return 0;
}

int pmml_domain_set(pmml_ctx *ctx, const pmml_exprs *e, uint32_t node,
                    size_t first, size_t count) {
    struct pmml_domains *d = domains_of(ctx);
    if (!d || pmml_grow(ctx, (void **)&d->nodes, &d->cap, d->n + 1,
                        sizeof *d->nodes) < 0)
        return -1;
    d->nodes[d->n++] = (node_domain){.e = e, .node = node,
                                     .first = (uint32_t)first,
                                     .count = (uint32_t)count};
    return 0;
}

int pmml_domain_of(const pmml_ctx *ctx, const pmml_exprs *e, uint32_t node,
                   uint32_t *first, uint32_t *count) {
    const struct pmml_domains *d = ctx->domains;
    /* The latest first: a DefineFunction argument may be given twice. */
    for (size_t i = d ? d->n : 0; i-- > 0;)
        if (d->nodes[i].e == e && d->nodes[i].node == node) {
            *first = d->nodes[i].first;
            *count = d->nodes[i].count;
            return 0;
        }
    return -1;
}

double pmml_domain_code(const pmml_ctx *ctx, uint32_t i) {
    return ctx->domains->codes.v[i];
}

void pmml_domains_free(pmml_ctx *ctx) {
    if (!ctx->domains) return;
    free(ctx->domains->codes.v);
    free(ctx->domains->nodes);
    free(ctx->domains->stamp);
    free(ctx->domains);
    ctx->domains = NULL;
}

void pmml_strings_free(pmml_strtab *t) {
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) free(t->text[i]);
    free(t->text);
    free(t->slots);
    free(t);
}

static int strings_score(const model *m, const double *x, void *scratch,
                         model_output *out, ms_error *err) {
    const strings_model *sm = (const strings_model *)m;
    return model_score(sm->inner, x, scratch, out, err);
}

/* Input text for a string field: its code (PMML_STRING_UNKNOWN when the
 * document does not know it); for a boolean field, true and false are 1
 * and 0 (JPMML's spelling); 0 for the rest, which take numbers. */
static int strings_encode(const model *m, size_t slot, const char *text,
                          double *out) {
    const strings_model *sm = (const strings_model *)m;
    int kind = slot < RECORD_MAX_FEATURES ? sm->t->input[slot] : 0;
    if (kind == PMML_INPUT_BOOLEAN) {
        if (strcmp(text, "true") != 0 && strcmp(text, "false") != 0) return 0;
        *out = text[0] == 't';
        return 1;
    }
    if (kind != PMML_INPUT_STRING) return 0;
    *out = pmml_string_find(sm->t, text);
    return 1;
}

static void strings_destroy(model *m) {
    strings_model *sm = (strings_model *)m;
    model_free(sm->inner);
    pmml_strings_free(sm->t);
    free(sm);
}

static const model_ops strings_ops = {.score = strings_score,
                                      .destroy = strings_destroy,
                                      .encode = strings_encode};

model *pmml_strings_finish(pmml_ctx *ctx, model *m) {
    pmml_strtab *t = ctx->strtab;
    if (!m || !t) return m;
    strings_model *sm = pmml_model_new(ctx, NULL, sizeof *sm, &strings_ops);
    if (!sm) {
        model_free(m);
        return NULL;
    }
    ctx->strtab = NULL;     /* the model owns it now */
    sm->inner = m;
    sm->t = t;
    sm->base.scratch_size = m->scratch_size;
    sm->base.nclasses = m->nclasses;
    sm->base.class_labels = m->class_labels;
    sm->base.noutputs = m->noutputs;
    sm->base.output_names = m->output_names;
    return &sm->base;
}
