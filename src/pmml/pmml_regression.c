/*
 * pmml_regression.c - RegressionModel (regression and classification):
 * compiler and scorer.
 *
 * Each RegressionTable becomes an intercept and a range of terms:
 *
 *   NumericPredictor     coefficient * x[slot] ^ exponent
 *   CategoricalPredictor coefficient * (x[slot] == value)
 *   PredictorTerm        coefficient * product of its FieldRefs
 *
 * A regression has one table; its score goes through normalizationMethod
 * (none, softmax and logit being the logistic function, exp, probit,
 * cloglog, loglog, cauchit). A classifier has one table per class label
 * (targetCategory); the scores become probabilities by softmax or
 * simplemax for any number of classes, or, for two classes, by mapping the
 * first score (logit, probit, ...; none takes it as it is) and giving the
 * second its complement, as JPMML does.
 *
 * A missing input makes the prediction missing, which score() reports as an
 * error naming the field.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { NUMERIC, CATEGORICAL, PRODUCT };
enum { REGRESSION, CLASSIFICATION };

typedef struct reg_term {
    int kind;
    int32_t slot;           /* numeric, categorical */
    uint32_t first, count;  /* product: slots[first .. first + count) */
    double coefficient;
    double operand;         /* exponent, or the category's value */
    char *name;             /* PMML field name, for messages */
} reg_term;

typedef struct reg_table {
    double intercept;
    uint32_t first, count;  /* terms */
    int seen;               /* while loading: compiled already */
} reg_table;

typedef struct regression_model {
    model base;
    int function, norm;
    reg_table *tables;      /* classification: one per class, in label
                               order */
    size_t ntables;
    reg_term *terms;
    size_t nterms, capterms;
    int32_t *slots;         /* fields of PredictorTerms */
    size_t nslots, capslots;
    pmml_classes classes;
} regression_model;

/* ---- scoring ---------------------------------------------------------- */

static int table_score(const regression_model *r, const reg_table *t,
                       const double *x, double *y, ms_error *err) {
    double sum = t->intercept;
    for (uint32_t i = t->first; i < t->first + t->count; i++) {
        const reg_term *term = &r->terms[i];
        double v = 1;
        if (term->kind == PRODUCT) {
            for (uint32_t s = term->first; s < term->first + term->count; s++)
                v *= x[r->slots[s]];
        } else {
            v = x[term->slot];
        }
        if (isnan(v))
            return ms_error_set(err, "RegressionModel: no prediction (input "
                                     "'%s' is missing)", term->name);
        if (term->kind == CATEGORICAL)
            sum += v == term->operand ? term->coefficient : 0;
        else if (term->kind == NUMERIC && term->operand != 1)
            sum += term->coefficient * pow(v, term->operand);
        else
            sum += term->coefficient * v;
    }
    *y = sum;
    return 0;
}

static int regression_score(const model *m, const double *x, void *scratch,
                            model_output *out, ms_error *err) {
    const regression_model *r = (const regression_model *)m;
    if (r->function == REGRESSION) {
        double y;
        if (table_score(r, &r->tables[0], x, &y, err) < 0) return -1;
        out->label_index = -1;
        out->value = pmml_norm_apply(r->norm, y);
        return 0;
    }
    double *y = scratch;
    size_t k = r->ntables;
    for (size_t i = 0; i < k; i++)
        if (table_score(r, &r->tables[i], x, &y[i], err) < 0) return -1;
    pmml_norm_vector(r->norm, y, k);
    size_t best = pmml_argmax(y, k);
    out->label_index = (int)best;
    out->value = r->classes.values[best];
    if (out->probabilities) memcpy(out->probabilities, y, k * sizeof *y);
    return 0;
}

static void regression_destroy(model *m) {
    regression_model *r = (regression_model *)m;
    for (size_t i = 0; i < r->nterms; i++) free(r->terms[i].name);
    free(r->terms);
    free(r->tables);
    free(r->slots);
    pmml_classes_free(&r->classes);
    free(r);
}

static const model_ops regression_ops = {.score = regression_score,
                                         .destroy = regression_destroy};

/* ---- compiling -------------------------------------------------------- */

static int compile_product(pmml_ctx *ctx, regression_model *r,
                           const xmlNode *el, reg_term *t,
                           const char **name) {
    t->first = (uint32_t)r->nslots;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (!pmml_is(c, "FieldRef")) return pmml_unsupported(ctx, c);
        int slot;
        if (pmml_input_slot(ctx, c, "field", &slot, t->count ? NULL : name) < 0 ||
            pmml_grow(ctx, (void **)&r->slots, &r->capslots, r->nslots + 1,
                      sizeof *r->slots) < 0)
            return -1;
        r->slots[r->nslots++] = slot;
        t->count++;
    }
    if (t->count == 0)
        return pmml_fail(ctx, el, "PredictorTerm has no FieldRef");
    return 0;
}

static int compile_term(pmml_ctx *ctx, regression_model *r,
                        const xmlNode *el) {
    reg_term t = {.kind = pmml_is(el, "NumericPredictor")       ? NUMERIC
                          : pmml_is(el, "CategoricalPredictor") ? CATEGORICAL
                                                                : PRODUCT};
    const char *name = NULL;
    if (t.kind == PRODUCT && !pmml_is(el, "PredictorTerm"))
        return pmml_unsupported(ctx, el);
    if (pmml_attr_double_req(ctx, el, "coefficient", &t.coefficient) < 0)
        return -1;
    if (t.kind == PRODUCT) {
        if (compile_product(ctx, r, el, &t, &name) < 0) return -1;
    } else {
        int slot;
        if (pmml_input_slot(ctx, el, "name", &slot, &name) < 0) return -1;
        t.slot = slot;
        if (t.kind == CATEGORICAL
                ? pmml_attr_double_req(ctx, el, "value", &t.operand) < 0
                : pmml_attr_double(ctx, el, "exponent", 1, &t.operand) < 0)
            return -1;
    }
    if (pmml_grow(ctx, (void **)&r->terms, &r->capterms, r->nterms + 1,
                  sizeof *r->terms) < 0)
        return -1;
    /* Both branches above set name or returned. */
    t.name = strdup(name);  // NOLINT(clang-analyzer-core.NonNullParamChecker)
    if (!t.name) {
        ctx->oom = 1;
        return pmml_fail(ctx, el, "out of memory");
    }
    r->terms[r->nterms++] = t;
    return 0;
}

static int compile_table(pmml_ctx *ctx, regression_model *r,
                         const xmlNode *el, reg_table *t) {
    if (pmml_attr_double_req(ctx, el, "intercept", &t->intercept) < 0)
        return -1;
    t->first = (uint32_t)r->nterms;
    for (const xmlNode *c = pmml_elem(el->children); c;
         c = pmml_elem(c->next)) {
        if (compile_term(ctx, r, c) < 0) return -1;
    }
    t->count = (uint32_t)(r->nterms - t->first);
    return 0;
}

/* Classifier labels: the target's values, else the tables' categories. */
static int table_labels(pmml_ctx *ctx, const xmlNode *el, size_t ntables) {
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (!pmml_is(c, "RegressionTable")) continue;
        const char *cat = pmml_attr_req(ctx, c, "targetCategory");
        int ignored;
        if (!cat || pmml_class_index(ctx, c, cat, &ignored) < 0) return -1;
    }
    if (ctx->classes.n != ntables)
        return pmml_fail(ctx, el, "RegressionModel has %zu RegressionTables "
                                  "for %zu class labels; each label needs "
                                  "exactly one", ntables, ctx->classes.n);
    return 0;
}

static int check_norm(pmml_ctx *ctx, regression_model *r, const xmlNode *el) {
    int per_value = r->norm != PMML_NORM_NONE &&
                    r->norm != PMML_NORM_SOFTMAX &&
                    r->norm != PMML_NORM_SIMPLEMAX;
    if (r->function == REGRESSION && r->norm == PMML_NORM_SIMPLEMAX)
        return pmml_fail(ctx, el, "normalizationMethod 'simplemax' does not "
                                  "apply to a regression");
    if (r->function == CLASSIFICATION && r->ntables != 2 && per_value)
        return pmml_fail(ctx, el, "normalizationMethod '%s' needs exactly two "
                                  "classes (it maps one score)",
                         pmml_norm_names[r->norm]);
    return 0;
}

static int compile_regression(pmml_ctx *ctx, regression_model *r,
                              const xmlNode *el) {
    static const char *const functions[] = {"regression", "classification",
                                            NULL};
    if (pmml_attr_enum_req(ctx, el, "functionName", functions,
                           &r->function) < 0 ||
        pmml_attr_enum(ctx, el, "normalizationMethod", pmml_norm_names,
                       PMML_NORM_NONE, &r->norm) < 0)
        return -1;
    size_t ntables = 0;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (pmml_is_common_child(c)) continue;
        if (!pmml_is(c, "RegressionTable")) return pmml_unsupported(ctx, c);
        ntables++;
    }
    if (ntables == 0)
        return pmml_fail(ctx, el, "RegressionModel has no RegressionTable");
    if (r->function == REGRESSION && ntables != 1)
        return pmml_fail(ctx, el, "a regression RegressionModel has exactly "
                                  "one RegressionTable");
    if (r->function == CLASSIFICATION && table_labels(ctx, el, ntables) < 0)
        return -1;
    r->ntables = ntables;
    if (check_norm(ctx, r, el) < 0) return -1;
    r->tables = calloc(ntables, sizeof *r->tables);
    if (!r->tables) {
        ctx->oom = 1;
        return pmml_fail(ctx, el, "out of memory");
    }
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (!pmml_is(c, "RegressionTable")) continue;
        int idx = 0;
        if (r->function == CLASSIFICATION &&
            pmml_class_index(ctx, c, pmml_attr(ctx, c, "targetCategory"),
                             &idx) < 0)
            return -1;
        if (r->tables[idx].seen++)
            return pmml_fail(ctx, c, "a second RegressionTable for the same "
                                     "category");
        if (compile_table(ctx, r, c, &r->tables[idx]) < 0) return -1;
    }
    if (r->function == CLASSIFICATION) {
        if (pmml_classes_take(ctx, &r->classes) < 0) return -1;
        r->base.scratch_size = r->ntables * sizeof(double);
        r->base.nclasses = r->classes.n;
        r->base.class_labels = (const char *const *)r->classes.labels;
    }
    return 0;
}

model *pmml_regression_compile(pmml_ctx *ctx, const xmlNode *model_el) {
    regression_model *r =
        pmml_model_new(ctx, model_el, sizeof *r, &regression_ops);
    if (r && compile_regression(ctx, r, model_el) < 0) {
        regression_destroy(&r->base);
        return NULL;
    }
    return r ? &r->base : NULL;
}
