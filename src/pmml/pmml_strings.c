/*
 * pmml_strings.c - string values as codes: the document's string table,
 * the lookup tables of string functions, and the wrapper that owns them
 * and turns input text into codes.
 *
 * Records are vectors of doubles, so a string travels as a code: its
 * index in the document's table, which holds every string the document
 * names (Values, predicate operands, Constants, MapValues cells, ...) and
 * every string a function can make of them. A string the document does
 * not know is PMML_STRING_UNKNOWN: it equals none of the known ones, which
 * is all a comparison, a set, a MapValues row or a validity rule needs to
 * know about it. Codes exist for the fields the document types as strings
 * only; everything else stays a number.
 *
 * A string function (uppercase, substring, replace, ...) over a known
 * string is a table lookup: loading defers each one here, and once the
 * whole document is compiled, pmml_strings_finish() runs every deferred
 * function over every string of the table, adding the results, until no
 * new string appears (a bounded number of rounds; a document whose
 * functions keep making new strings is refused), then fills each
 * function's table (code -> result code, or number for stringLength and
 * matches). Scoring reads one array element and allocates nothing.
 *
 * Interning uses an open-addressing hash of codes, so pmml_string_find()
 * (text -> code, for input text and formatNumber results) is a hash
 * probe that allocates nothing and may run on any number of threads.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUNDS 8   /* deferred functions applied to their own results */

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

int pmml_strings_defer(pmml_ctx *ctx, pmml_exprs *e, uint32_t node,
                       const xmlNode *el) {
    pmml_strtab *t = table_of(ctx);
    if (!t || pmml_grow(ctx, (void **)&t->sites, &t->capsites, t->nsites + 1,
                        sizeof *t->sites) < 0)
        return -1;
    t->sites[t->nsites] = (pmml_strfn_site){.e = e, .node = node, .el = el};
    e->nodes[node].aux = (uint32_t)t->nsites++;
    e->strings = t;
    return 0;
}

int pmml_strings_input(pmml_ctx *ctx, int slot) {
    pmml_strtab *t = table_of(ctx);
    if (!t) return -1;
    if (slot >= 0 && slot < RECORD_MAX_FEATURES) t->input[slot] = 1;
    return 0;
}

/* Runs every deferred function over the strings it has not seen yet,
 * adding what they make, until a round adds nothing. */
static int close_table(pmml_ctx *ctx, pmml_strtab *t) {
    for (int round = 0; round <= MAX_ROUNDS; round++) {
        size_t before = t->n;
        for (size_t s = 0; s < t->nsites; s++) {
            pmml_strfn_site *site = &t->sites[s];
            for (; site->done < before; site->done++) {
                double r;
                if (pmml_strfn_eval(ctx, site, t->text[site->done], &r) < 0)
                    return -1;
            }
        }
        if (t->n == before) return 0;
    }
    return pmml_fail(ctx, t->sites[0].el, "the document's string functions "
                                          "keep making new strings (more "
                                          "than %d rounds)", MAX_ROUNDS);
}

static int fill_tables(pmml_ctx *ctx, pmml_strtab *t) {
    for (size_t s = 0; s < t->nsites; s++) {
        pmml_strfn_site *site = &t->sites[s];
        site->table = malloc((t->n ? t->n : 1) * sizeof *site->table);
        if (!site->table) {
            ctx->oom = 1;
            return pmml_fail(ctx, site->el, "out of memory");
        }
        for (size_t c = 0; c < t->n; c++)
            if (pmml_strfn_eval(ctx, site, t->text[c], &site->table[c]) < 0)
                return -1;
        site->n = t->n;
    }
    return 0;
}

void pmml_strings_free(pmml_strtab *t) {
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) free(t->text[i]);
    for (size_t s = 0; s < t->nsites; s++) {
        free(t->sites[s].table);
        pmml_strfn_site_free(&t->sites[s]);
    }
    free(t->text);
    free(t->slots);
    free(t->sites);
    free(t);
}

static int strings_score(const model *m, const double *x, void *scratch,
                         model_output *out, ms_error *err) {
    const strings_model *sm = (const strings_model *)m;
    return model_score(sm->inner, x, scratch, out, err);
}

/* Input text for a string field: its code (PMML_STRING_UNKNOWN when the
 * document does not know it); 0 for other slots, which take numbers. */
static int strings_encode(const model *m, size_t slot, const char *text,
                          double *out) {
    const strings_model *sm = (const strings_model *)m;
    if (slot >= RECORD_MAX_FEATURES || !sm->t->input[slot]) return 0;
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
    strings_model *sm = NULL;
    if (close_table(ctx, t) < 0 || fill_tables(ctx, t) < 0 ||
        !(sm = pmml_model_new(ctx, NULL, sizeof *sm, &strings_ops))) {
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
