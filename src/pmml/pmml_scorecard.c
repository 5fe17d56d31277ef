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
 * Reason codes never change the score; they feed the Output feature
 * reasonCode (pmml_scorecard_reason()), as JPMML ranks them: each
 * matching Attribute gives its reason code (else its Characteristic's)
 * the points between its partialScore and the baselineScore (the
 * Characteristic's, else the Scorecard's): baseline - partial for
 * reasonCodeAlgorithm pointsBelow, partial - baseline for pointsAbove,
 * worked out per Attribute at load. Points of one code add up; codes with
 * negative points are dropped; the rest rank by points, highest first,
 * a tie going to the code that scored first. baselineMethod only says
 * how the baselines were chosen. A document with a reasonCode output must
 * give every Attribute a code and a baseline (JPMML fails otherwise).
 * ComplexPartialScore (an expression) is rejected.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NO_REASON UINT32_MAX

typedef struct sc_attr {
    uint32_t pred;
    uint32_t reason;        /* index into codes, or NO_REASON */
    double score;
    double points;          /* towards its reason code's rank */
} sc_attr;

/* A reason code's points for one record, in the caller's scratch. */
typedef struct sc_points {
    double sum;
    uint32_t order;         /* when the code first scored; 0: it did not */
} sc_points;

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
    char **codes;           /* distinct reason codes, strdup'ed */
    size_t ncodes, capcodes;
    int use_reasons;        /* useReasonCodes */
    int32_t no_reason_line; /* first Attribute without code or baseline,
                               0 if none */
} scorecard_model;

/* ---- scoring ---------------------------------------------------------- */

/* The Attribute of Characteristic c that matches x, or NULL. */
static const sc_attr *matching(const scorecard_model *s, const sc_char *c,
                               const double *x) {
    for (uint32_t a = c->first; a < c->first + c->count; a++)
        if (pmml_predicate_eval(&s->preds, s->attrs[a].pred, x) == PMML_TRUE)
            return &s->attrs[a];
    return NULL;
}

static int scorecard_score(const model *m, const double *x, void *scratch,
                           model_output *out, ms_error *err) {
    const scorecard_model *s = (const scorecard_model *)m;
    double sum = s->initial;
    (void)scratch;
    for (size_t i = 0; i < s->nchars; i++) {
        const sc_attr *a = matching(s, &s->chars[i], x);
        if (!a)
            return ms_error_set(err, "Scorecard: no prediction (no Attribute "
                                     "of the Characteristic at line %d "
                                     "matches)", (int)s->chars[i].line);
        sum += a->score;
    }
    out->label_index = -1;
    out->value = sum;
    return 0;
}

const char *pmml_scorecard_reason(const model *m, const double *x,
                                  void *scratch, int rank) {
    const scorecard_model *s = (const scorecard_model *)m;
    sc_points *p = scratch;
    uint32_t seen = 0;
    memset(p, 0, s->ncodes * sizeof *p);
    for (size_t i = 0; i < s->nchars; i++) {
        const sc_attr *a = matching(s, &s->chars[i], x);
        if (!a) return NULL;                  /* no score, no reasons */
        if (!p[a->reason].order) p[a->reason].order = ++seen;
        p[a->reason].sum += a->points;
    }
    /* The rank-th of the codes with points >= 0, by points descending,
     * then by first scoring: pick the best not yet picked, rank times. */
    size_t best = 0;
    for (int r = 0; r < rank; r++) {
        best = s->ncodes;
        for (size_t c = 0; c < s->ncodes; c++) {
            if (!p[c].order || p[c].sum < 0) continue;
            if (best == s->ncodes || p[c].sum > p[best].sum ||
                (p[c].sum == p[best].sum && p[c].order < p[best].order))
                best = c;
        }
        if (best == s->ncodes) return NULL;   /* fewer codes than rank */
        if (r + 1 < rank) p[best].sum = -1;   /* picked: out of the race */
    }
    return s->codes[best];
}

int pmml_scorecard_check_reasons(pmml_ctx *ctx, const xmlNode *el,
                                 const model *m) {
    const scorecard_model *s = (const scorecard_model *)m;
    if (!s->use_reasons)
        return pmml_fail(ctx, el, "OutputField reasonCode of a Scorecard "
                                  "with useReasonCodes=\"false\"");
    if (s->no_reason_line)
        return pmml_fail(ctx, el, "OutputField reasonCode: the Attribute at "
                                  "line %d has no reasonCode or no "
                                  "baselineScore (nor its Characteristic, "
                                  "nor the Scorecard)",
                         (int)s->no_reason_line);
    return 0;
}

static void scorecard_destroy(model *m) {
    scorecard_model *s = (scorecard_model *)m;
    pmml_preds_free(&s->preds);
    free(s->attrs);
    free(s->chars);
    for (size_t i = 0; i < s->ncodes; i++) free(s->codes[i]);
    free(s->codes);
    free(s);
}

static const model_ops scorecard_ops = {.score = scorecard_score,
                                        .destroy = scorecard_destroy};

/* ---- compiling -------------------------------------------------------- */

/* Index of reason code in s->codes, added when new. */
static int reason_index(pmml_ctx *ctx, scorecard_model *s, const xmlNode *el,
                        const char *code, uint32_t *index) {
    size_t i = 0;
    while (i < s->ncodes && strcmp(s->codes[i], code) != 0) i++;
    if (i == s->ncodes) {
        char *copy = strdup(code);
        if (!copy || pmml_grow(ctx, (void **)&s->codes, &s->capcodes,
                               s->ncodes + 1, sizeof *s->codes) < 0) {
            free(copy);
            ctx->oom = 1;
            return pmml_fail(ctx, el, "out of memory");
        }
        s->codes[s->ncodes++] = copy;
    }
    *index = (uint32_t)i;
    return 0;
}

/* The reason code and points of Attribute el (Characteristic defaults:
 * code, baseline; NaN baseline when none); points_above for the
 * pointsAbove algorithm. A missing code or baseline is remembered, and
 * refused only if an Output asks for reason codes. */
static int compile_reason(pmml_ctx *ctx, scorecard_model *s,
                          const xmlNode *el, const char *code,
                          double baseline, int points_above, sc_attr *a) {
    const char *own = pmml_attr(ctx, el, "reasonCode");
    a->reason = NO_REASON;
    if (own) code = own;
    if (!code || isnan(baseline)) {
        if (!s->no_reason_line) s->no_reason_line = (int32_t)xmlGetLineNo(el);
        return 0;
    }
    a->points = points_above ? a->score - baseline : baseline - a->score;
    return reason_index(ctx, s, el, code, &a->reason);
}

static int compile_attribute(pmml_ctx *ctx, scorecard_model *s,
                             const xmlNode *el, const char *code,
                             double baseline, int points_above) {
    sc_attr a = {.reason = NO_REASON};
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
    if (s->use_reasons &&
        compile_reason(ctx, s, el, code, baseline, points_above, &a) < 0)
        return -1;
    s->attrs[s->nattrs++] = a;
    return 0;
}

static int compile_characteristic(pmml_ctx *ctx, scorecard_model *s,
                                  const xmlNode *el, double baseline,
                                  int points_above) {
    sc_char c = {.first = (uint32_t)s->nattrs,
                 .line = (int32_t)xmlGetLineNo(el)};
    if (!pmml_is(el, "Characteristic")) return pmml_unsupported(ctx, el);
    const char *code = pmml_attr(ctx, el, "reasonCode");
    if (pmml_attr_double(ctx, el, "baselineScore", baseline, &baseline) < 0)
        return -1;
    for (const xmlNode *a = pmml_elem(el->children); a; a = pmml_elem(a->next))
        if (compile_attribute(ctx, s, a, code, baseline, points_above) < 0)
            return -1;
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
    int ignored, points_above;
    double baseline;
    if (pmml_attr_enum_req(ctx, el, "functionName", functions, &ignored) < 0 ||
        pmml_attr_double(ctx, el, "initialScore", 0, &s->initial) < 0 ||
        pmml_attr_enum(ctx, el, "useReasonCodes", booleans, 1,
                       &s->use_reasons) < 0 ||
        pmml_attr_enum(ctx, el, "reasonCodeAlgorithm", algorithms, 0,
                       &points_above) < 0 ||
        pmml_attr_enum(ctx, el, "baselineMethod", baselines, 4, &ignored) < 0 ||
        pmml_attr_double(ctx, el, "baselineScore", NAN, &baseline) < 0)
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
        if (compile_characteristic(ctx, s, c, baseline, points_above) < 0)
            return -1;
    if (s->nchars == 0)
        return pmml_fail(ctx, chars, "Characteristics is empty");
    s->base.scratch_size = s->ncodes * sizeof(sc_points);
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
