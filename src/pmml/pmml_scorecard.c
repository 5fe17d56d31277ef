/*
 * pmml_scorecard.c - Scorecard: compiler and scorer.
 *
 * A scorecard's score is initialScore plus, for every Characteristic, the
 * partialScore of its first Attribute whose predicate is TRUE. Attributes
 * compile to (predicate index, partial score) pairs, and each
 * Characteristic to a range of them, so scoring is two loops over arrays.
 * A predicate that is UNKNOWN (it tests a missing value) does not match,
 * which is why scorecards carry isMissing attributes; a Characteristic
 * none of whose Attributes matches means no prediction, as in JPMML.
 *
 * Reason codes (useReasonCodes, reasonCode, baselineScore,
 * reasonCodeAlgorithm) only rank the characteristics for the Output
 * feature reasonCode; they never change the score, and are not reported.
 * ComplexPartialScore (an expression) is rejected.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>

typedef struct sc_attr {
    uint32_t pred;
    double score;
} sc_attr;

typedef struct sc_char {
    uint32_t first, count;  /* attrs */
    int32_t line;
} sc_char;

typedef struct scorecard_model {
    model base;
    double initial;
    pmml_preds preds;
    sc_attr *attrs;
    size_t nattrs, capattrs;
    sc_char *chars;
    size_t nchars, capchars;
} scorecard_model;

/* ---- scoring ---------------------------------------------------------- */

static int scorecard_score(const model *m, const double *x, void *scratch,
                           model_output *out, ms_error *err) {
    const scorecard_model *s = (const scorecard_model *)m;
    double sum = s->initial;
    (void)scratch;
    for (size_t i = 0; i < s->nchars; i++) {
        const sc_char *c = &s->chars[i];
        uint32_t a = c->first, end = c->first + c->count;
        while (a < end &&
               pmml_predicate_eval(&s->preds, s->attrs[a].pred, x) !=
                   PMML_TRUE)
            a++;
        if (a == end)
            return ms_error_set(err, "Scorecard: no prediction (no Attribute "
                                     "of the Characteristic at line %d "
                                     "matches)", (int)c->line);
        sum += s->attrs[a].score;
    }
    out->label_index = -1;
    out->value = sum;
    return 0;
}

static void scorecard_destroy(model *m) {
    scorecard_model *s = (scorecard_model *)m;
    pmml_preds_free(&s->preds);
    free(s->attrs);
    free(s->chars);
    free(s);
}

static const model_ops scorecard_ops = {.score = scorecard_score,
                                        .destroy = scorecard_destroy};

/* ---- compiling -------------------------------------------------------- */

static int compile_attribute(pmml_ctx *ctx, scorecard_model *s,
                             const xmlNode *el) {
    sc_attr a;
    if (!pmml_is(el, "Attribute")) return pmml_unsupported(ctx, el);
    const xmlNode *pred = pmml_elem(el->children);
    if (!pmml_is_predicate(pred))
        return pmml_fail(ctx, pred ? pred : el, "Attribute must start with a "
                                                "predicate (True, "
                                                "SimplePredicate, ...)");
    if (pmml_elem(pred->next))
        return pmml_unsupported(ctx, pmml_elem(pred->next));
    if (pmml_attr_double_req(ctx, el, "partialScore", &a.score) < 0 ||
        pmml_predicate_compile(ctx, &s->preds, pred, &a.pred) < 0 ||
        pmml_grow(ctx, (void **)&s->attrs, &s->capattrs, s->nattrs + 1,
                  sizeof *s->attrs) < 0)
        return -1;
    if (!isfinite(a.score))
        return pmml_fail(ctx, el, "Attribute partialScore must be finite");
    s->attrs[s->nattrs++] = a;
    return 0;
}

static int compile_characteristic(pmml_ctx *ctx, scorecard_model *s,
                                  const xmlNode *el) {
    sc_char c = {.first = (uint32_t)s->nattrs,
                 .line = (int32_t)xmlGetLineNo(el)};
    if (!pmml_is(el, "Characteristic")) return pmml_unsupported(ctx, el);
    for (const xmlNode *a = pmml_elem(el->children); a; a = pmml_elem(a->next))
        if (compile_attribute(ctx, s, a) < 0) return -1;
    c.count = (uint32_t)(s->nattrs - c.first);
    if (c.count == 0)
        return pmml_fail(ctx, el, "Characteristic has no Attribute");
    if (pmml_grow(ctx, (void **)&s->chars, &s->capchars, s->nchars + 1,
                  sizeof *s->chars) < 0)
        return -1;
    s->chars[s->nchars++] = c;
    return 0;
}

static int compile_scorecard(pmml_ctx *ctx, scorecard_model *s,
                             const xmlNode *el) {
    static const char *const functions[] = {"regression", NULL};
    static const char *const booleans[] = {"false", "true", NULL};
    static const char *const algorithms[] = {"pointsBelow", "pointsAbove",
                                             NULL};
    static const char *const baselines[] = {"max", "min", "mean", "neutral",
                                            "other", NULL};
    int ignored;
    if (pmml_attr_enum_req(ctx, el, "functionName", functions, &ignored) < 0 ||
        pmml_attr_double(ctx, el, "initialScore", 0, &s->initial) < 0 ||
        pmml_attr_enum(ctx, el, "useReasonCodes", booleans, 1, &ignored) < 0 ||
        pmml_attr_enum(ctx, el, "reasonCodeAlgorithm", algorithms, 0,
                       &ignored) < 0 ||
        pmml_attr_enum(ctx, el, "baselineMethod", baselines, 4, &ignored) < 0)
        return -1;
    if (!isfinite(s->initial))
        return pmml_fail(ctx, el, "Scorecard initialScore must be finite");
    const xmlNode *chars = NULL;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (pmml_is_common_child(c)) continue;
        if (!pmml_is(c, "Characteristics") || chars)
            return pmml_unsupported(ctx, c);
        chars = c;
    }
    if (!chars) return pmml_fail(ctx, el, "Scorecard has no Characteristics");
    for (const xmlNode *c = pmml_elem(chars->children); c;
         c = pmml_elem(c->next))
        if (compile_characteristic(ctx, s, c) < 0) return -1;
    if (s->nchars == 0)
        return pmml_fail(ctx, chars, "Characteristics is empty");
    return 0;
}

model *pmml_scorecard_compile(pmml_ctx *ctx, const xmlNode *model_el) {
    scorecard_model *s =
        pmml_model_new(ctx, model_el, sizeof *s, &scorecard_ops);
    if (s && compile_scorecard(ctx, s, model_el) < 0) {
        scorecard_destroy(&s->base);
        return NULL;
    }
    return s ? &s->base : NULL;
}
