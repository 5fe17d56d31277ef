/*
 * pmml_general.c - GeneralRegressionModel: compiler and scorer for the
 * modelTypes regression, generalLinear, generalizedLinear,
 * multinomialLogistic and ordinalMultinomial (CoxRegression is rejected).
 *
 * The document's matrices compile into two flat pieces:
 *
 *   parameters  each Parameter's value for a record is the product of its
 *               PPCells: a covariate raised to the cell's value, or a
 *               factor's indicator (1 when the field equals the cell's
 *               value); a Parameter without cells is 1 (the intercept).
 *   betas       one row of nparams coefficients per equation: a single
 *               equation for regressions, one per non-reference category
 *               for multinomialLogistic, one per cumulative split for
 *               ordinalMultinomial (PCells without targetCategory are
 *               shared by every row there).
 *
 * Scoring fills the parameter values into scratch and takes a dot product
 * per equation (eta), plus the offset. Then: the identity
 * (regression, generalLinear); the inverse link times the trials
 * (generalizedLinear); a softmax against the reference category's eta = 0
 * (multinomialLogistic); differences of the cumulative link
 * (ordinalMultinomial). A missing predictor, offset or trials value means
 * no prediction.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum model_kind {
    REGRESSION, GENERAL_LINEAR, MULTINOMIAL, GENERALIZED_LINEAR, ORDINAL, COX
};
static const char *const kinds[] = {
    "regression", "generalLinear", "multinomialLogistic",
    "generalizedLinear", "ordinalMultinomial", "CoxRegression", NULL};

enum link {
    LINK_CLOGLOG, LINK_IDENTITY, LINK_LOG, LINK_LOGC, LINK_LOGIT, LINK_LOGLOG,
    LINK_NEGBIN, LINK_ODDSPOWER, LINK_POWER, LINK_PROBIT, LINK_CAUCHIT
};
static const char *const links[] = {
    "cloglog", "identity", "log", "logc", "logit", "loglog", "negbin",
    "oddspower", "power", "probit", "cauchit", NULL};

typedef struct gr_cell {
    int32_t slot;
    int factor;             /* indicator, else a power */
    double value;           /* category or exponent */
} gr_cell;

typedef struct gr_param {
    uint32_t first, count;  /* cells[] */
} gr_param;

typedef struct general_model {
    model base;
    int kind, link, cumulative;
    double link_param, dist_param;
    int32_t offset_slot, trials_slot;   /* -1 when a constant */
    double offset, trials;
    gr_param *params;
    size_t nparams;
    gr_cell *cells;
    size_t ncells, capcells;
    double *betas;          /* neq rows of nparams */
    size_t neq;
    int32_t *eq_class;      /* multinomial: row -> class index */
    pmml_classes classes;
} general_model;

/* ---- scoring ---------------------------------------------------------- */

static double inverse_link(const general_model *g, double eta) {
    double p = g->link_param;
    switch (g->link) {
    case LINK_CLOGLOG: return 1 - exp(-exp(eta));
    case LINK_LOG:     return exp(eta);
    case LINK_LOGC:    return 1 - exp(eta);
    case LINK_LOGIT:   return 1 / (1 + exp(-eta));
    case LINK_LOGLOG:  return exp(-exp(-eta));
    case LINK_NEGBIN:  return 1 / (g->dist_param * expm1(-eta));
    case LINK_ODDSPOWER: {
        if (p == 0) return 1 / (1 + exp(-eta));
        double r = pow(1 + p * eta, 1 / p);
        return r / (1 + r);
    }
    case LINK_POWER:   return p == 0 ? exp(eta) : pow(eta, 1 / p);
    case LINK_PROBIT:  return pmml_normal_cdf(eta);
    case LINK_CAUCHIT: return 0.5 + atan(eta) / M_PI;
    default:           return eta;    /* identity */
    }
}

/* The cumulative link of ordinalMultinomial (same inverses). */
static double cumulative(int link, double eta) {
    switch (link) {
    case 1:  return pmml_normal_cdf(eta);             /* probit */
    case 2:  return 1 - exp(-exp(eta));               /* cloglog */
    case 3:  return exp(-exp(-eta));                  /* loglog */
    case 4:  return 0.5 + atan(eta) / M_PI;           /* cauchit */
    default: return 1 / (1 + exp(-eta));              /* logit */
    }
}

static int fill_params(const general_model *g, const double *x, double *p,
                       ms_error *err) {
    for (size_t i = 0; i < g->nparams; i++) {
        double v = 1;
        for (uint32_t c = g->params[i].first;
             c < g->params[i].first + g->params[i].count; c++) {
            const gr_cell *cell = &g->cells[c];
            double xv = x[cell->slot];
            if (isnan(xv))
                return ms_error_set(err, "GeneralRegressionModel: no "
                                         "prediction (an input is missing)");
            v *= cell->factor ? (xv == cell->value)
                 : cell->value == 1 ? xv : pow(xv, cell->value);
        }
        p[i] = v;
    }
    return 0;
}

static int general_score(const model *m, const double *x, void *scratch,
                         model_output *out, ms_error *err) {
    const general_model *g = (const general_model *)m;
    double *p = scratch, *eta = p + g->nparams;
    double offset = g->offset_slot >= 0 ? x[g->offset_slot] : g->offset;
    double trials = g->trials_slot >= 0 ? x[g->trials_slot] : g->trials;
    if (fill_params(g, x, p, err) < 0) return -1;
    if (isnan(offset) || isnan(trials))
        return ms_error_set(err, "GeneralRegressionModel: no prediction (the "
                                 "offset or trials input is missing)");
    for (size_t e = 0; e < g->neq; e++) {
        const double *b = g->betas + e * g->nparams;
        double s = offset;
        for (size_t i = 0; i < g->nparams; i++) s += b[i] * p[i];
        eta[e] = s;
    }
    if (g->kind != MULTINOMIAL && g->kind != ORDINAL) {
        out->label_index = -1;
        out->value = g->kind == GENERALIZED_LINEAR
                         ? inverse_link(g, eta[0]) * trials
                         : eta[0];
        return 0;
    }
    size_t k = g->classes.n;
    double *prob = eta + g->neq;
    if (g->kind == MULTINOMIAL) {
        for (size_t i = 0; i < k; i++) prob[i] = 0;    /* reference: eta 0 */
        for (size_t e = 0; e < g->neq; e++) prob[g->eq_class[e]] = eta[e];
        pmml_norm_vector(PMML_NORM_SOFTMAX, prob, k);
    } else {
        double below = 0;
        for (size_t i = 0; i + 1 < k; i++) {
            double c = cumulative(g->cumulative, eta[i]);
            prob[i] = c - below;
            below = c;
        }
        prob[k - 1] = 1 - below;
    }
    size_t best = pmml_argmax(prob, k);
    out->label_index = (int)best;
    out->value = g->classes.values[best];
    if (out->probabilities) memcpy(out->probabilities, prob, k * sizeof *prob);
    return 0;
}

static void general_destroy(model *m) {
    general_model *g = (general_model *)m;
    free(g->params);
    free(g->cells);
    free(g->betas);
    free(g->eq_class);
    pmml_classes_free(&g->classes);
    free(g);
}

static const model_ops general_ops = {.score = general_score,
                                      .destroy = general_destroy};

/* ---- compiling -------------------------------------------------------- */

/* What the lists name, while loading. */
typedef struct gr_load {
    const char **params;        /* Parameter names, in order */
    size_t nparams, capparams;
    const xmlNode *covariates, *factors, *ppmatrix, *parammatrix;
} gr_load;

static int find_param(pmml_ctx *ctx, const gr_load *l, const xmlNode *el,
                      size_t *index) {
    const char *name = pmml_attr_req(ctx, el, "parameterName");
    if (!name) return -1;
    for (size_t i = 0; i < l->nparams; i++)
        if (strcmp(l->params[i], name) == 0) {
            *index = i;
            return 0;
        }
    return pmml_fail(ctx, el, "%s names parameter '%s', which the "
                              "ParameterList does not declare", el->name,
                     name);
}

/* 1 when name is a Predictor of list (CovariateList or FactorList). */
static int lists(pmml_ctx *ctx, const xmlNode *list, const char *name) {
    for (const xmlNode *p = list ? pmml_elem(list->children) : NULL; p;
         p = pmml_elem(p->next)) {
        const char *n = pmml_is(p, "Predictor") ? pmml_attr(ctx, p, "name")
                                                : NULL;
        if (n && strcmp(n, name) == 0) return 1;
    }
    return 0;
}

static int check_list(pmml_ctx *ctx, const xmlNode *list) {
    for (const xmlNode *p = pmml_elem(list->children); p;
         p = pmml_elem(p->next)) {
        if (!pmml_is(p, "Predictor")) return pmml_unsupported(ctx, p);
        int slot;
        if (pmml_input_slot(ctx, p, "name", &slot, NULL) < 0) return -1;
        const xmlNode *c = pmml_elem(p->children);
        if (c) return pmml_unsupported(ctx, c);   /* Categories, Matrix */
        if (pmml_attr(ctx, p, "contrastMatrixType"))
            return pmml_fail(ctx, p, "Predictor contrastMatrixType is not "
                                     "supported");
    }
    return 0;
}

/* Cells of each parameter, grouped: PPMatrix in parameter order. */
static int compile_ppmatrix(pmml_ctx *ctx, general_model *g, gr_load *l) {
    for (size_t i = 0; i < l->nparams; i++) {
        g->params[i].first = (uint32_t)g->ncells;
        for (const xmlNode *c = l->ppmatrix ? pmml_elem(l->ppmatrix->children)
                                            : NULL;
             c; c = pmml_elem(c->next)) {
            if (!pmml_is(c, "PPCell")) return pmml_unsupported(ctx, c);
            size_t p;
            if (find_param(ctx, l, c, &p) < 0) return -1;
            if (p != i) continue;
            if (pmml_attr(ctx, c, "targetCategory"))
                return pmml_fail(ctx, c, "PPCell targetCategory is not "
                                         "supported");
            gr_cell cell;
            const char *name;
            if (pmml_input_slot(ctx, c, "predictorName", &cell.slot,
                                &name) < 0 ||
                pmml_attr_double_req(ctx, c, "value", &cell.value) < 0)
                return -1;
            cell.factor = lists(ctx, l->factors, name);
            if (!cell.factor && !lists(ctx, l->covariates, name))
                return pmml_fail(ctx, c, "PPCell predictor '%s' is in neither "
                                         "the CovariateList nor the "
                                         "FactorList", name);
            if (pmml_grow(ctx, (void **)&g->cells, &g->capcells,
                          g->ncells + 1, sizeof *g->cells) < 0)
                return -1;
            g->cells[g->ncells++] = cell;
            g->params[i].count++;
        }
    }
    return 0;
}

/* Row of the equation a PCell belongs to: -1 for a PCell without
 * targetCategory in an ordinal model (every row). */
static int pcell_row(pmml_ctx *ctx, general_model *g, const xmlNode *c,
                     const char *reference, int *row) {
    const char *cat = pmml_attr(ctx, c, "targetCategory");
    if (g->kind != MULTINOMIAL && g->kind != ORDINAL) {
        if (cat)
            return pmml_fail(ctx, c, "PCell targetCategory in a %s model",
                             kinds[g->kind]);
        *row = 0;
        return 0;
    }
    if (!cat) {
        if (g->kind == MULTINOMIAL)
            return pmml_fail(ctx, c, "a multinomialLogistic PCell needs a "
                                     "targetCategory");
        *row = -1;
        return 0;
    }
    int idx;
    if (pmml_class_index(ctx, c, cat, &idx) < 0) return -1;
    if (reference && strcmp(cat, reference) == 0)
        return pmml_fail(ctx, c, "PCell for the reference category '%s'", cat);
    if (g->kind == ORDINAL) {
        if ((size_t)idx + 1 >= ctx->classes.n)
            return pmml_fail(ctx, c, "PCell for '%s', the last category of "
                                     "an ordinal target", cat);
        *row = idx;
        return 0;
    }
    /* multinomial_rows filled eq_class[0, neq): the analyzer loses count. */
    for (size_t e = 0; e < g->neq; e++)
        if (g->eq_class[e] == idx) {  // NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult)
            *row = (int)e;
            return 0;
        }
    return pmml_fail(ctx, c, "PCell category '%s' has no equation", cat);
}

/* The equations of a multinomial model: each target category with PCells,
 * in the target's order; the rest must be the reference. */
static int multinomial_rows(pmml_ctx *ctx, general_model *g, gr_load *l,
                            const char *reference) {
    size_t k = ctx->classes.n;
    g->eq_class = malloc((k ? k : 1) * sizeof *g->eq_class);
    if (!g->eq_class) {
        ctx->oom = 1;
        return pmml_fail(ctx, NULL, "out of memory");
    }
    for (size_t i = 0; i < k; i++) {
        if (reference && strcmp(ctx->classes.labels[i], reference) == 0)
            continue;
        int has = 0;
        for (const xmlNode *c = pmml_elem(l->parammatrix->children); c && !has;
             c = pmml_elem(c->next)) {
            const char *cat = pmml_is(c, "PCell")
                                  ? pmml_attr(ctx, c, "targetCategory")
                                  : NULL;
            has = cat && strcmp(cat, ctx->classes.labels[i]) == 0;
        }
        if (has) g->eq_class[g->neq++] = (int32_t)i;
    }
    if (g->neq + 1 != k)
        return pmml_fail(ctx, l->parammatrix, "multinomialLogistic: %zu "
                                              "categories but %zu with "
                                              "coefficients; exactly one, the "
                                              "reference, has none", k,
                         g->neq);
    return 0;
}

static int compile_parammatrix(pmml_ctx *ctx, general_model *g, gr_load *l,
                               const char *reference) {
    if (g->kind == MULTINOMIAL &&
        multinomial_rows(ctx, g, l, reference) < 0)
        return -1;
    if (g->kind == ORDINAL) g->neq = ctx->classes.n - 1;
    if (g->kind != MULTINOMIAL && g->kind != ORDINAL) g->neq = 1;
    g->betas = calloc(g->neq * l->nparams + 1, sizeof *g->betas);
    if (!g->betas) {
        ctx->oom = 1;
        return pmml_fail(ctx, NULL, "out of memory");
    }
    for (const xmlNode *c = pmml_elem(l->parammatrix->children); c;
         c = pmml_elem(c->next)) {
        if (!pmml_is(c, "PCell")) return pmml_unsupported(ctx, c);
        size_t p;
        int row = 0;
        double beta;
        if (find_param(ctx, l, c, &p) < 0 ||
            pmml_attr_double_req(ctx, c, "beta", &beta) < 0 ||
            pcell_row(ctx, g, c, reference, &row) < 0)
            return -1;
        for (size_t e = 0; e < g->neq; e++)
            if (row < 0 || (size_t)row == e) g->betas[e * l->nparams + p] = beta;
    }
    return 0;
}

static int read_lists(pmml_ctx *ctx, general_model *g, const xmlNode *el,
                      gr_load *l) {
    const xmlNode *plist = NULL;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (pmml_is_common_child(c)) continue;
        const xmlNode **slot = pmml_is(c, "ParameterList")  ? &plist
                               : pmml_is(c, "CovariateList") ? &l->covariates
                               : pmml_is(c, "FactorList")    ? &l->factors
                               : pmml_is(c, "PPMatrix")      ? &l->ppmatrix
                               : pmml_is(c, "ParamMatrix")   ? &l->parammatrix
                                                             : NULL;
        if (!slot || *slot) return pmml_unsupported(ctx, c);
        *slot = c;
    }
    if (!plist || !l->parammatrix)
        return pmml_fail(ctx, el, "GeneralRegressionModel needs a "
                                  "ParameterList and a ParamMatrix");
    if ((l->covariates && check_list(ctx, l->covariates) < 0) ||
        (l->factors && check_list(ctx, l->factors) < 0))
        return -1;
    for (const xmlNode *p = pmml_elem(plist->children); p;
         p = pmml_elem(p->next)) {
        if (!pmml_is(p, "Parameter")) return pmml_unsupported(ctx, p);
        const char *name = pmml_attr_req(ctx, p, "name");
        if (!name) return -1;
        for (size_t i = 0; i < l->nparams; i++)
            if (strcmp(l->params[i], name) == 0)
                return pmml_fail(ctx, p, "Parameter '%s' is declared twice",
                                 name);
        if (pmml_grow(ctx, (void **)&l->params, &l->capparams, l->nparams + 1,
                      sizeof *l->params) < 0)
            return -1;
        l->params[l->nparams++] = name;
    }
    g->nparams = l->nparams;
    g->params = calloc(l->nparams + 1, sizeof *g->params);
    if (!g->params) {
        ctx->oom = 1;
        return pmml_fail(ctx, NULL, "out of memory");
    }
    return 0;
}

/* A variable attribute names a field; else the value attribute is the
 * constant (dflt when absent too). */
static int read_variable(pmml_ctx *ctx, const xmlNode *el, const char *var,
                         const char *value, double dflt, int32_t *slot,
                         double *out) {
    *slot = -1;
    if (pmml_attr(ctx, el, var)) {
        int s;
        if (pmml_input_slot(ctx, el, var, &s, NULL) < 0) return -1;
        *slot = s;
    }
    return pmml_attr_double(ctx, el, value, dflt, out);
}

static int read_attributes(pmml_ctx *ctx, general_model *g,
                           const xmlNode *el) {
    static const char *const functions[] = {"regression", "classification",
                                            NULL};
    static const char *const cumulatives[] = {"logit", "probit", "cloglog",
                                              "loglog", "cauchit", NULL};
    int function;
    if (pmml_attr_enum_req(ctx, el, "modelType", kinds, &g->kind) < 0 ||
        pmml_attr_enum_req(ctx, el, "functionName", functions, &function) < 0)
        return -1;
    if (g->kind == COX)
        return pmml_fail(ctx, el, "GeneralRegressionModel modelType "
                                  "'CoxRegression' is not supported");
    int classifier = g->kind == MULTINOMIAL || g->kind == ORDINAL;
    if (classifier != (function == 1))
        return pmml_fail(ctx, el, "modelType '%s' with functionName '%s'",
                         kinds[g->kind], functions[function]);
    if (g->kind == GENERALIZED_LINEAR
            ? pmml_attr_enum_req(ctx, el, "linkFunction", links, &g->link) < 0
            : pmml_attr_enum(ctx, el, "linkFunction", links, LINK_IDENTITY,
                             &g->link) < 0)
        return -1;
    if (g->kind == ORDINAL &&
        pmml_attr_enum_req(ctx, el, "cumulativeLink", cumulatives,
                           &g->cumulative) < 0)
        return -1;
    if (pmml_attr_double(ctx, el, "linkParameter", NAN, &g->link_param) < 0 ||
        pmml_attr_double(ctx, el, "distParameter", 1, &g->dist_param) < 0 ||
        read_variable(ctx, el, "offsetVariable", "offsetValue", 0,
                      &g->offset_slot, &g->offset) < 0 ||
        read_variable(ctx, el, "trialsVariable", "trialsValue", 1,
                      &g->trials_slot, &g->trials) < 0)
        return -1;
    if ((g->link == LINK_POWER || g->link == LINK_ODDSPOWER) &&
        isnan(g->link_param))
        return pmml_fail(ctx, el, "linkFunction '%s' needs a linkParameter",
                         links[g->link]);
    return 0;
}

static int compile_general(pmml_ctx *ctx, general_model *g,
                           const xmlNode *el, gr_load *l) {
    if (read_attributes(ctx, g, el) < 0 || read_lists(ctx, g, el, l) < 0 ||
        compile_ppmatrix(ctx, g, l) < 0)
        return -1;
    const char *reference = pmml_attr(ctx, el, "targetReferenceCategory");
    int classifier = g->kind == MULTINOMIAL || g->kind == ORDINAL;
    if (classifier) {
        int ignored;
        if (g->kind == ORDINAL && !ctx->classes.fixed)
            return pmml_fail(ctx, el, "ordinalMultinomial needs the target's "
                                      "categories in order (Values of its "
                                      "DataField)");
        if (reference && pmml_class_index(ctx, el, reference, &ignored) < 0)
            return -1;
        /* Without fixed labels, the PCells' categories define them. */
        for (const xmlNode *c = pmml_elem(l->parammatrix->children);
             c && !ctx->classes.fixed; c = pmml_elem(c->next)) {
            const char *cat = pmml_is(c, "PCell")
                                  ? pmml_attr(ctx, c, "targetCategory")
                                  : NULL;
            if (cat && pmml_class_index(ctx, c, cat, &ignored) < 0) return -1;
        }
        if (ctx->classes.n < 2)
            return pmml_fail(ctx, el, "%s needs at least two target "
                                      "categories", kinds[g->kind]);
    }
    if (compile_parammatrix(ctx, g, l, reference) < 0) return -1;
    if (classifier && pmml_classes_take(ctx, &g->classes) < 0) return -1;
    g->base.nclasses = g->classes.n;
    g->base.class_labels = (const char *const *)g->classes.labels;
    g->base.scratch_size =
        (g->nparams + g->neq + g->classes.n) * sizeof(double);
    return 0;
}

model *pmml_general_compile(pmml_ctx *ctx, const xmlNode *model_el) {
    general_model *g = pmml_model_new(ctx, model_el, sizeof *g, &general_ops);
    if (!g) return NULL;
    gr_load l = {0};
    int rc = compile_general(ctx, g, model_el, &l);
    free(l.params);
    if (rc < 0) {
        general_destroy(&g->base);
        return NULL;
    }
    return &g->base;
}
