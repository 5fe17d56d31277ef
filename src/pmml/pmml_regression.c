/*
 * pmml_regression.c - RegressionModel with functionName="regression":
 * compiler and scorer.
 *
 * The one RegressionTable becomes an intercept and an array of terms:
 *
 *   NumericPredictor     coefficient * x[slot] ^ exponent
 *   CategoricalPredictor coefficient * (x[slot] == value)
 *
 * A missing input makes the prediction missing, which score() reports as an
 * error naming the field. Only normalizationMethod="none" is supported so
 * far, so classification (which needs a normalization to turn the tables'
 * scores into probabilities) and PredictorTerm are rejected at load.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct reg_term {
    int32_t slot;
    int categorical;        /* CategoricalPredictor */
    double coefficient;
    double operand;         /* exponent, or the category's value */
    char *name;             /* PMML field name, for messages */
} reg_term;

typedef struct regression_model {
    model base;
    double intercept;
    reg_term *terms;
    size_t nterms, capterms;
} regression_model;

static int regression_score(const model *m, const double *x, void *scratch,
                            model_output *out, ms_error *err) {
    const regression_model *r = (const regression_model *)m;
    double sum = r->intercept;
    (void)scratch;
    for (size_t i = 0; i < r->nterms; i++) {
        const reg_term *t = &r->terms[i];
        double v = x[t->slot];
        if (isnan(v))
            return ms_error_set(err, "RegressionModel: no prediction (input "
                                     "'%s' is missing)", t->name);
        if (t->categorical)
            sum += v == t->operand ? t->coefficient : 0;
        else
            sum += t->coefficient * (t->operand == 1 ? v : pow(v, t->operand));
    }
    out->label_index = -1;
    out->value = sum;
    return 0;
}

static void regression_destroy(model *m) {
    regression_model *r = (regression_model *)m;
    for (size_t i = 0; i < r->nterms; i++) free(r->terms[i].name);
    free(r->terms);
    free(r);
}

static const model_ops regression_ops = {.score = regression_score,
                                         .destroy = regression_destroy};

static int compile_term(pmml_ctx *ctx, regression_model *r,
                        const xmlNode *el) {
    reg_term t = {.categorical = pmml_is(el, "CategoricalPredictor")};
    if (!t.categorical && !pmml_is(el, "NumericPredictor"))
        return pmml_unsupported(ctx, el);  /* PredictorTerm */
    const char *name;
    if (pmml_input_slot(ctx, el, "name", &t.slot, &name) < 0) return -1;
    if (pmml_attr_double_req(ctx, el, "coefficient", &t.coefficient) < 0)
        return -1;
    if (t.categorical) {
        if (pmml_attr_double_req(ctx, el, "value", &t.operand) < 0) return -1;
    } else if (pmml_attr_double(ctx, el, "exponent", 1, &t.operand) < 0) {
        return -1;
    }
    if (pmml_grow(ctx, (void **)&r->terms, &r->capterms, r->nterms + 1,
                  sizeof *r->terms) < 0)
        return -1;
    t.name = strdup(name);
    if (!t.name) {
        ctx->oom = 1;
        return pmml_fail(ctx, el, "out of memory");
    }
    r->terms[r->nterms++] = t;
    return 0;
}

static int compile_regression(pmml_ctx *ctx, regression_model *r,
                              const xmlNode *el) {
    static const char *const functions[] = {"regression", NULL};
    static const char *const normalizations[] = {"none", NULL};
    int ignored;
    if (pmml_attr_enum_req(ctx, el, "functionName", functions, &ignored) < 0 ||
        pmml_attr_enum(ctx, el, "normalizationMethod", normalizations, 0,
                       &ignored) < 0)
        return -1;
    const xmlNode *table = NULL;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (pmml_is_common_child(c)) continue;
        if (!pmml_is(c, "RegressionTable"))
            return pmml_unsupported(ctx, c);
        if (table)
            return pmml_fail(ctx, c, "a regression RegressionModel has "
                                     "exactly one RegressionTable");
        table = c;
    }
    if (!table) return pmml_fail(ctx, el, "RegressionModel has no "
                                          "RegressionTable");
    if (pmml_attr_double_req(ctx, table, "intercept", &r->intercept) < 0)
        return -1;
    for (const xmlNode *c = pmml_elem(table->children); c;
         c = pmml_elem(c->next))
        if (compile_term(ctx, r, c) < 0) return -1;
    return 0;
}

model *pmml_regression_compile(pmml_ctx *ctx, const xmlNode *model_el) {
    regression_model *r = calloc(1, sizeof *r);
    if (!r) {
        ctx->oom = 1;
        pmml_fail(ctx, model_el, "out of memory");
        return NULL;
    }
    r->base.ops = &regression_ops;
    r->base.type = MODEL_TYPE_PMML;
    if (compile_regression(ctx, r, model_el) < 0) {
        regression_destroy(&r->base);
        return NULL;
    }
    return &r->base;
}
