/*
 * pmml_prep.c - what happens to a record before a model reads it and to
 * the prediction after: MiningField treatments, derived fields and
 * Targets, applied by a wrapper model around the compiled one.
 *
 * Loading collects, per model element, a "prep": for each active field
 * its missingValueReplacement, its validity (the DataField's Values with
 * property valid/invalid/missing and its Intervals), invalidValueTreatment
 * (returnInvalid, asIs, asMissing, asValue with invalidValueReplacement)
 * and outliers (asIs, asMissingValues, asExtremeValues with lowValue and
 * highValue); the model's derived fields (LocalTransformations eagerly,
 * TransformationDictionary fields when first referenced); and its Target
 * (min/max clamp, rescaleFactor and rescaleConstant, castInteger, and
 * TargetValue defaults used when the model has no prediction); and, for
 * the document's model, its Output fields (pmml_output.c). A model that
 * needs none of this is returned as it is and costs nothing. The
 * validity rules are kept with the model's expressions, so the isValid
 * and isNotValid built-ins judge a value with the same rules and the same
 * function (pmml_prep_is_valid) as the treatments do.
 *
 * Scoring copies the record slots the model reads, and any derived slots
 * of enclosing models, into a buffer at the head of scratch; rewrites the
 * fields in place, in the order PMML gives (a value listed as "missing"
 * is missing; missing takes the replacement; an invalid value gets its
 * treatment, asMissing then taking the replacement too; a valid one its
 * outlier treatment); computes the derived fields into slots from
 * PMML_DERIVED_BASE on; calls the model on the buffer; maps its result
 * through the Target; and computes the Output fields if asked to.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { INV_RETURN, INV_AS_IS, INV_AS_MISSING, INV_AS_VALUE };
enum { OUT_AS_IS, OUT_AS_MISSING, OUT_AS_EXTREME };
enum { CAST_NONE, CAST_ROUND, CAST_CEILING, CAST_FLOOR };

typedef struct prep_field {
    int32_t slot;
    int invalid, outliers;
    pmml_validity valid;    /* rules in the prep's exprs */
    double replacement;     /* NaN: none */
    double invalid_to;      /* asValue */
    double low, high;
    size_t name_at;         /* in names */
    int string;             /* holds string codes */
} prep_field;

enum { TYPE_DOUBLE, TYPE_FLOAT, TYPE_INTEGER, TYPE_BOOLEAN, TYPE_STRING };

typedef struct prep_step {
    int32_t slot;
    uint32_t root;
    int type;               /* the DerivedField's dataType, as JPMML casts */
} prep_step;

struct pmml_prep {
    const xmlNode *el;      /* the model element */
    size_t nlow;            /* record slots copied: x[0 .. nlow) */
    size_t nhigh_in;        /* enclosing models' derived slots */
    size_t nhigh;           /* all derived slots of the buffer */
    prep_field *fields;
    size_t nfields, capfields;
    char *names;
    size_t nnames, capnames;
    pmml_exprs exprs;
    prep_step *steps;
    size_t nsteps, capsteps;
    int has_target;         /* any Target attribute changes the value */
    double min, max, factor, constant;
    int cast;
    int has_default;
    double default_value;   /* regression TargetValue defaultValue */
    double *priors;         /* classification: per label of the model */
    const xmlNode *priors_el;
    pmml_outputs outs;      /* the document's model only */
};

typedef struct prep_model {
    model base;
    model *inner;
    pmml_prep *p;
    size_t buffer;          /* bytes of the buffer, 16-byte aligned */
    size_t probs;           /* then room for the probabilities outputs
                               need when the caller wants none */
} prep_model;

/* ---- scoring ---------------------------------------------------------- */

/* Whether v is a value of the dataType (Value declarations come after:
 * a value that does not parse is invalid before anything else). */
static int of_data_type(int values, double v) {
    switch (values) {
    case PMML_VALUES_INTEGER: return v == floor(v) && isfinite(v);
    case PMML_VALUES_BOOLEAN: return v == 0 || v == 1;
    default: return 1;
    }
}

/* Whether a field has anything that can make a value invalid. */
static int has_checks(const pmml_validity *vd) {
    return vd->count || vd->values != PMML_VALUES_ANY;
}

int pmml_prep_is_valid(const pmml_exprs *e, const pmml_validity *vd,
                       double v, int *missing) {
    int in_interval = 0;
    if (!of_data_type(vd->values, v)) return 0;
    for (uint32_t i = vd->first; i < vd->first + vd->count; i++) {
        const pmml_rule *r = &e->rules[i];
        if (r->kind == PMML_RULE_INTERVAL) {
            in_interval |= (r->closure & 2 ? v >= r->lo : v > r->lo) &&
                           (r->closure & 1 ? v <= r->hi : v < r->hi);
        } else if (v == r->lo) {
            *missing = r->kind == PMML_RULE_MISSING;
            return r->kind != PMML_RULE_INVALID;
        }
    }
    if (vd->has_intervals) return in_interval;
    return !vd->restrict_values;
}

static int prepare_field(const pmml_prep *p, const prep_field *f, double *x,
                         ms_error *err) {
    double v = x[f->slot];
    int missing = isnan(v);
    if (!missing && has_checks(&f->valid) &&
        !pmml_prep_is_valid(&p->exprs, &f->valid, v, &missing)) {
        switch (f->invalid) {
        case INV_RETURN:
            if (f->string)
                return ms_error_set(err, "PMML: no prediction (input '%s' "
                                         "is not one of its valid values)",
                                    p->names + f->name_at);
            return ms_error_set(err, "PMML: no prediction (input '%s' = %g "
                                     "is not a valid value)",
                                p->names + f->name_at, v);
        case INV_AS_MISSING: missing = 1; break;
        case INV_AS_VALUE: x[f->slot] = f->invalid_to; return 0;
        default: return 0;                  /* asIs: as it is */
        }
    }
    if (missing) {
        x[f->slot] = f->replacement;
        return 0;
    }
    if (v < f->low || v > f->high) {
        if (f->outliers == OUT_AS_MISSING)
            x[f->slot] = f->replacement;
        else if (f->outliers == OUT_AS_EXTREME)
            x[f->slot] = v < f->low ? f->low : f->high;
    }
    return 0;
}

static double target_value(const pmml_prep *p, double v) {
    if (v < p->min) v = p->min;
    if (v > p->max) v = p->max;
    v = v * p->factor + p->constant;
    switch (p->cast) {
    case CAST_ROUND: return floor(v + 0.5);
    case CAST_CEILING: return ceil(v);
    case CAST_FLOOR: return floor(v);
    default: return v;
    }
}

/* The TargetValue fallback when the model has no prediction. */
static int fallback(const prep_model *pm, model_output *out) {
    const pmml_prep *p = pm->p;
    if (p->priors) {
        size_t k = pm->base.nclasses;
        size_t best = pmml_argmax(p->priors, k);
        out->label_index = (int)best;
        out->value = NAN;
        if (pmml_parse_double(pm->base.class_labels[best], &out->value) < 0)
            out->value = NAN;
        if (out->probabilities)
            memcpy(out->probabilities, p->priors, k * sizeof *p->priors);
        return 0;
    }
    out->label_index = -1;
    out->value = p->default_value;   /* a default is a prediction as is */
    return 0;
}

/* A derived value in its field's dataType: float rounds, integer must be
 * whole (JPMML refuses 2.5 as an integer), boolean is 0 or 1. -1 when
 * the value cannot be one. */
static int cast(int type, double *v) {
    if (isnan(*v)) return 0;
    switch (type) {
    case TYPE_FLOAT: *v = (float)*v; return 0;
    case TYPE_INTEGER: return *v == floor(*v) ? 0 : -1;
    case TYPE_BOOLEAN: *v = *v != 0; return 0;
    default: return 0;
    }
}

static int prep_score(const model *m, const double *x, void *scratch,
                      model_output *out, ms_error *err) {
    const prep_model *pm = (const prep_model *)m;
    const pmml_prep *p = pm->p;
    double *buf = scratch;
    int invalid = 0;
    memcpy(buf, x, p->nlow * sizeof *buf);
    if (p->nhigh_in)
        memcpy(buf + PMML_DERIVED_BASE, x + PMML_DERIVED_BASE,
               p->nhigh_in * sizeof *buf);
    for (size_t i = 0; i < p->nfields; i++)
        if (prepare_field(p, &p->fields[i], buf, err) < 0) return -1;
    for (size_t i = 0; i < p->nsteps; i++) {
        double v = pmml_expr_eval(&p->exprs, p->steps[i].root, buf, &invalid);
        if (!invalid && cast(p->steps[i].type, &v) < 0) invalid = 1;
        if (invalid)
            return ms_error_set(err, "PMML: no prediction (a derived field "
                                     "is invalid)");
        buf[p->steps[i].slot] = v;
    }
    int want_outputs = out->outputs && p->outs.n;
    double *probs = out->probabilities;
    if (want_outputs && !probs)
        out->probabilities = (void *)((char *)scratch + pm->buffer);
    void *inner_scratch = (char *)scratch + pm->buffer + pm->probs;
    int rc = model_score(pm->inner, buf, inner_scratch, out, err);
    if (rc < 0 && (p->has_default || p->priors)) rc = fallback(pm, out);
    if (rc == 0 && out->label_index < 0 && p->has_target)
        out->value = target_value(p, out->value);
    if (rc == 0 && want_outputs)
        pmml_output_eval(&p->outs, &p->exprs, m, pm->inner, inner_scratch,
                         buf, out);
    out->probabilities = probs;
    return rc;
}

static void prep_free(pmml_prep *p) {
    if (!p) return;
    free(p->fields);
    free(p->names);
    pmml_exprs_free(&p->exprs);
    free(p->steps);
    free(p->priors);
    pmml_outputs_free(&p->outs);
    free(p);
}

static void prep_destroy(model *m) {
    prep_model *pm = (prep_model *)m;
    model_free(pm->inner);
    prep_free(pm->p);
    free(pm);
}

static const model_ops prep_ops = {.score = prep_score,
                                   .destroy = prep_destroy};

/* ---- loading ---------------------------------------------------------- */

int pmml_prep_begin(pmml_ctx *ctx, const xmlNode *model_el) {
    pmml_prep *p = calloc(1, sizeof *p);
    if (!p) {
        ctx->oom = 1;
        return pmml_fail(ctx, model_el, "out of memory");
    }
    p->el = model_el;
    p->nhigh_in = p->nhigh = ctx->nderived;
    p->min = -INFINITY;
    p->max = INFINITY;
    p->factor = 1;
    ctx->prep = p;
    return 0;
}

void pmml_prep_abort(pmml_ctx *ctx) {
    prep_free(ctx->prep);
    ctx->prep = NULL;
}

static int add_rule(pmml_ctx *ctx, pmml_exprs *e, const pmml_rule *r) {
    if (pmml_grow(ctx, (void **)&e->rules, &e->caprules, e->nrules + 1,
                  sizeof *e->rules) < 0)
        return -1;
    e->rules[e->nrules++] = *r;
    return 0;
}

static int read_interval(pmml_ctx *ctx, const xmlNode *el, pmml_rule *r) {
    static const char *const closures[] = {"openOpen", "openClosed",
                                           "closedOpen", "closedClosed",
                                           NULL};
    r->kind = PMML_RULE_INTERVAL;
    if (pmml_attr_enum_req(ctx, el, "closure", closures, &r->closure) < 0 ||
        pmml_attr_double(ctx, el, "leftMargin", -INFINITY, &r->lo) < 0 ||
        pmml_attr_double(ctx, el, "rightMargin", INFINITY, &r->hi) < 0)
        return -1;
    return 0;
}

/* The values the DataField's dataType admits. A value is read as JPMML
 * parses it by its dataType: an integer field given 1.5, a boolean one
 * given 2, holds an invalid value. float and double take any number (a
 * float is not rounded: operands are doubles too); strings and dates are
 * numbers here (the README says what records carry). */
static int read_data_type(pmml_ctx *ctx, const xmlNode *df,
                          pmml_validity *vd) {
    const char *type = pmml_attr(ctx, df, "dataType");
    if (!type) return ctx->oom ? -1 : 0;
    if (strcmp(type, "integer") == 0) vd->values = PMML_VALUES_INTEGER;
    else if (strcmp(type, "boolean") == 0) vd->values = PMML_VALUES_BOOLEAN;
    return 0;
}

/* The DataField's Values and Intervals, as rules of field f (Values as
 * string codes when it holds strings). */
static int read_validity(pmml_ctx *ctx, pmml_prep *p, const xmlNode *df,
                         prep_field *f) {
    static const char *const props[] = {"valid", "invalid", "missing", NULL};
    static const char *const optypes[] = {"categorical", "ordinal",
                                          "continuous", NULL};
    int optype;
    if (pmml_attr_enum(ctx, df, "optype", optypes, 2, &optype) < 0 ||
        read_data_type(ctx, df, &f->valid) < 0)
        return -1;
    f->valid.first = (uint32_t)p->exprs.nrules;
    for (const xmlNode *v = pmml_elem(df->children); v; v = pmml_elem(v->next)) {
        pmml_rule r = {0};
        if (pmml_is(v, "Interval")) {
            if (f->string)
                return pmml_fail(ctx, v, "Interval on DataField '%s', which "
                                         "holds strings",
                                 pmml_attr(ctx, df, "name"));
            if (read_interval(ctx, v, &r) < 0) return -1;
            f->valid.has_intervals = 1;
        } else if (pmml_is(v, "Value")) {
            if (pmml_attr_enum(ctx, v, "property", props, PMML_RULE_VALID,
                               &r.kind) < 0)
                return -1;
            const char *s = pmml_attr_req(ctx, v, "value");
            if (!s ||
                pmml_operand(ctx, v, f->string ? PMML_T_STRING
                                               : PMML_T_NUMBER, s, &r.lo) < 0)
                return -1;
            /* A listed valid value restricts a categorical field to the
             * list; a continuous field is bounded by Intervals only. */
            if (r.kind == PMML_RULE_VALID && optype != 2)
                f->valid.restrict_values = 1;
        } else {
            return pmml_unsupported(ctx, v);
        }
        if (add_rule(ctx, &p->exprs, &r) < 0) return -1;
    }
    f->valid.count = (uint32_t)(p->exprs.nrules - f->valid.first);
    return 0;
}

int pmml_prep_validity(const pmml_ctx *ctx, int32_t slot,
                       pmml_validity *out) {
    const pmml_prep *p = ctx->prep;
    for (size_t i = 0; p && i < p->nfields; i++)
        if (p->fields[i].slot == slot && has_checks(&p->fields[i].valid)) {
            *out = p->fields[i].valid;
            return 1;
        }
    return 0;
}

int pmml_prep_domain(pmml_ctx *ctx, int32_t slot, size_t start) {
    const pmml_prep *p = ctx->prep;
    for (size_t i = 0; i < p->nfields; i++) {
        const prep_field *f = &p->fields[i];
        if (f->slot != slot) continue;
        for (uint32_t r = f->valid.first; r < f->valid.first + f->valid.count;
             r++)
            if (p->exprs.rules[r].kind == PMML_RULE_VALID &&
                pmml_domain_add(ctx, start, p->exprs.rules[r].lo) < 0)
                return -1;
        if (pmml_domain_add(ctx, start, f->replacement) < 0 ||
            (f->invalid == INV_AS_VALUE &&
             pmml_domain_add(ctx, start, f->invalid_to) < 0))
            return -1;
    }
    return 0;
}

static int add_name(pmml_ctx *ctx, pmml_prep *p, const char *name,
                    size_t *at) {
    size_t len = strlen(name) + 1;
    if (pmml_grow(ctx, (void **)&p->names, &p->capnames, p->nnames + len,
                  1) < 0)
        return -1;
    memcpy(p->names + p->nnames, name, len);
    *at = p->nnames;
    p->nnames += len;
    return 0;
}

/* A MiningField attribute in the field's type (NaN when absent). */
static int field_attr(pmml_ctx *ctx, const xmlNode *mf, const char *name,
                      int string, double *v) {
    const char *text = pmml_attr(ctx, mf, name);
    *v = NAN;
    if (!text) return ctx->oom ? -1 : 0;
    return pmml_operand(ctx, mf, string ? PMML_T_STRING : PMML_T_NUMBER,
                        text, v);
}

int pmml_prep_field(pmml_ctx *ctx, const xmlNode *mf, const xmlNode *df,
                    int slot, int *type) {
    static const char *const invalids[] = {"returnInvalid", "asIs",
                                           "asMissing", "asValue", NULL};
    static const char *const outliers[] = {"asIs", "asMissingValues",
                                           "asExtremeValues", NULL};
    pmml_prep *p = ctx->prep;
    prep_field f = {.slot = slot, .string = *type != PMML_T_NUMBER};
    if (field_attr(ctx, mf, "missingValueReplacement", f.string,
                   &f.replacement) < 0 ||
        pmml_attr_enum(ctx, mf, "invalidValueTreatment", invalids, INV_RETURN,
                       &f.invalid) < 0 ||
        field_attr(ctx, mf, "invalidValueReplacement", f.string,
                   &f.invalid_to) < 0 ||
        pmml_attr_enum(ctx, mf, "outliers", outliers, OUT_AS_IS,
                       &f.outliers) < 0 ||
        pmml_attr_double(ctx, mf, "lowValue", -INFINITY, &f.low) < 0 ||
        pmml_attr_double(ctx, mf, "highValue", INFINITY, &f.high) < 0 ||
        (df && read_validity(ctx, p, df, &f) < 0))
        return -1;
    if (f.invalid == INV_AS_VALUE && isnan(f.invalid_to))
        return pmml_fail(ctx, mf, "invalidValueTreatment 'asValue' needs an "
                                  "invalidValueReplacement");
    /* A string field that lets only its listed Values through holds
     * strings the document knows. */
    if (*type == PMML_T_OPEN && f.valid.restrict_values &&
        f.invalid != INV_AS_IS)
        *type = PMML_T_STRING;
    if (f.string && (f.outliers != OUT_AS_IS || !isinf(f.low) ||
                     !isinf(f.high)))
        return pmml_fail(ctx, mf, "outliers, lowValue and highValue do not "
                                  "apply to field '%s', which holds strings",
                         pmml_attr(ctx, mf, "name"));
    if (f.outliers != OUT_AS_IS && isinf(f.low) && isinf(f.high))
        return pmml_fail(ctx, mf, "outliers '%s' needs lowValue or highValue",
                         outliers[f.outliers]);
    int acts = !isnan(f.replacement) || has_checks(&f.valid) ||
               f.outliers != OUT_AS_IS;
    if (!acts) return 0;
    if (add_name(ctx, p, pmml_attr(ctx, mf, "name"), &f.name_at) < 0 ||
        pmml_grow(ctx, (void **)&p->fields, &p->capfields, p->nfields + 1,
                  sizeof *p->fields) < 0)
        return -1;
    p->fields[p->nfields++] = f;
    return 0;
}

static int read_target_values(pmml_ctx *ctx, pmml_prep *p,
                              const xmlNode *t) {
    size_t nvalues = 0;
    for (const xmlNode *v = pmml_elem(t->children); v; v = pmml_elem(v->next)) {
        if (!pmml_is(v, "TargetValue")) return pmml_unsupported(ctx, v);
        double dflt, prior;
        if (pmml_attr_double(ctx, v, "defaultValue", NAN, &dflt) < 0 ||
            pmml_attr_double(ctx, v, "priorProbability", NAN, &prior) < 0)
            return -1;
        nvalues++;
        if (!isnan(dflt)) {
            if (nvalues > 1 || pmml_elem(v->next))
                return pmml_fail(ctx, v, "a TargetValue defaultValue must be "
                                         "the only TargetValue");
            p->has_default = 1;
            p->default_value = dflt;
        } else if (!isnan(prior)) {
            p->priors_el = t;   /* mapped to labels once the model is built */
        } else {
            /* displayValue only: it names a label, never changes one. */
        }
    }
    return 0;
}

int pmml_prep_targets(pmml_ctx *ctx, const xmlNode *targets) {
    static const char *const casts[] = {"none", "round", "ceiling", "floor",
                                        NULL};
    pmml_prep *p = ctx->prep;
    const xmlNode *t = pmml_elem(targets->children);
    if (!t) return 0;
    if (!pmml_is(t, "Target")) return pmml_unsupported(ctx, t);
    if (pmml_elem(t->next))
        return pmml_fail(ctx, pmml_elem(t->next), "only one Target (that of "
                                                  "the predicted field) is "
                                                  "supported");
    if (pmml_attr_double(ctx, t, "min", -INFINITY, &p->min) < 0 ||
        pmml_attr_double(ctx, t, "max", INFINITY, &p->max) < 0 ||
        pmml_attr_double(ctx, t, "rescaleFactor", 1, &p->factor) < 0 ||
        pmml_attr_double(ctx, t, "rescaleConstant", 0, &p->constant) < 0 ||
        pmml_attr_enum(ctx, t, "castInteger", casts, CAST_NONE,
                       &p->cast) < 0)
        return -1;
    if (!isfinite(p->factor) || !isfinite(p->constant) || p->min > p->max)
        return pmml_fail(ctx, t, "Target rescaleFactor and rescaleConstant "
                                 "must be finite, min <= max");
    p->has_target = p->factor != 1 || p->constant != 0 || p->cast ||
                    !isinf(p->min) || !isinf(p->max);
    return read_target_values(ctx, p, t);
}

int pmml_prep_derive(pmml_ctx *ctx, const xmlNode *df, int *slot) {
    /* A string field holds codes when its expression gives strings, and
     * numbers when it gives numbers (a Discretize binValue "2" in a string
     * field stays 2); dates are numbers. */
    static const char *const types[] = {
        "double", "float", "integer", "boolean", "string", "date", "time",
        "dateTime", "dateDaysSince[0]", "dateDaysSince[1960]",
        "dateDaysSince[1970]", "dateDaysSince[1980]", "timeSeconds",
        "dateTimeSecondsSince[0]", "dateTimeSecondsSince[1960]",
        "dateTimeSecondsSince[1970]", "dateTimeSecondsSince[1980]", NULL};
    pmml_prep *p = ctx->prep;
    const char *name = pmml_attr_req(ctx, df, "name");
    const xmlNode *expr = pmml_elem(df->children);
    uint32_t root;
    int type;
    if (!name ||
        pmml_attr_enum(ctx, df, "dataType", types, TYPE_DOUBLE, &type) < 0)
        return -1;
    if (!expr) return pmml_fail(ctx, df, "DerivedField '%s' has no "
                                         "expression", name);
    if (pmml_elem(expr->next))
        return pmml_unsupported(ctx, pmml_elem(expr->next));
    for (size_t i = 0; i < ctx->nfields; i++)
        if (strcmp(ctx->fields[i].name, name) == 0)
            return pmml_fail(ctx, df, "DerivedField '%s' has the name of a "
                                      "field already defined", name);
    if (pmml_expr_compile(ctx, &p->exprs, expr, &root) < 0) return -1;
    int value_type = pmml_expr_type(&p->exprs, root);
    if (value_type != PMML_T_NUMBER && type != TYPE_STRING &&
        pmml_attr(ctx, df, "dataType"))
        return pmml_fail(ctx, df, "DerivedField '%s' is of dataType '%s' "
                                  "but its expression gives strings", name,
                         types[type]);
    if (type > TYPE_BOOLEAN) type = TYPE_DOUBLE;   /* no cast */
    if (pmml_grow(ctx, (void **)&p->steps, &p->capsteps, p->nsteps + 1,
                  sizeof *p->steps) < 0 ||
        pmml_grow(ctx, (void **)&ctx->fields, &ctx->nfields_cap,
                  ctx->nfields + 1, sizeof *ctx->fields) < 0)
        return -1;
    *slot = (int)(PMML_DERIVED_BASE + p->nhigh++);
    ctx->nderived = p->nhigh;
    p->steps[p->nsteps++] =
        (prep_step){.slot = *slot, .root = root, .type = type};
    pmml_field f = {.name = name, .slot = *slot,
                    .line = (int)xmlGetLineNo(df), .derived = 1,
                    .type = value_type};
    if (value_type == PMML_T_STRING &&
        pmml_domain_of(ctx, &p->exprs, root, &f.dom_first, &f.dom_count) < 0)
        f.type = PMML_T_OPEN;   /* no domain: not one to table over */
    ctx->fields[ctx->nfields++] = f;
    return 0;
}

/* TargetValue priorProbabilities, in the order of the model's labels. */
static int map_priors(pmml_ctx *ctx, pmml_prep *p, const model *m) {
    const xmlNode *t = p->priors_el;
    if (m->nclasses == 0)
        return pmml_fail(ctx, t, "TargetValue priorProbability on a model "
                                 "that is not a classifier");
    p->priors = calloc(m->nclasses, sizeof *p->priors);
    if (!p->priors) {
        ctx->oom = 1;
        return pmml_fail(ctx, t, "out of memory");
    }
    for (const xmlNode *v = pmml_elem(t->children); v; v = pmml_elem(v->next)) {
        const char *label = pmml_attr_req(ctx, v, "value");
        double prior;
        size_t i = 0;
        if (!label ||
            pmml_attr_double(ctx, v, "priorProbability", 0, &prior) < 0)
            return -1;
        while (i < m->nclasses && strcmp(m->class_labels[i], label) != 0) i++;
        if (i == m->nclasses)
            return pmml_fail(ctx, v, "TargetValue '%s' is not a class of the "
                                     "model", label);
        p->priors[i] = prior;
    }
    return 0;
}

static int check_target(pmml_ctx *ctx, pmml_prep *p, const model *m) {
    if (m->nclasses && (p->has_target || p->has_default))
        return pmml_fail(ctx, p->el, "Target min, max, rescaling, "
                                     "castInteger and defaultValue apply to "
                                     "regressions only");
    if (!m->nclasses && p->priors_el)
        return pmml_fail(ctx, p->priors_el, "TargetValue priorProbability "
                                            "applies to classifiers only");
    return p->priors_el ? map_priors(ctx, p, m) : 0;
}

/* The document's model reports its Output fields, and a modelChain
 * segment hands them to the segments after it; other segments' do not
 * leave the ensemble. */
static int compile_outputs(pmml_ctx *ctx, pmml_prep *p, const model *m) {
    if (ctx->depth > 0 && !ctx->export_outputs) return 0;
    for (const xmlNode *c = pmml_elem(p->el->children); c;
         c = pmml_elem(c->next)) {
        if (!pmml_is(c, "Output")) continue;
        /* Past any slots a chain inside the model used. */
        if (ctx->nderived > p->nhigh) p->nhigh = ctx->nderived;
        if (pmml_output_compile(ctx, &p->outs, &p->exprs, c, m, p->el,
                                &p->nhigh) < 0)
            return -1;
        ctx->nderived = p->nhigh;
        return 0;
    }
    return 0;
}

model *pmml_prep_finish(pmml_ctx *ctx, model *m) {
    pmml_prep *p = ctx->prep;
    if (!m) {
        ctx->prep = NULL;
        prep_free(p);
        return NULL;
    }
    /* ctx->prep stays until the Output fields are compiled: their
     * expressions may derive TransformationDictionary fields and read
     * the inputs' validity. */
    int rc = check_target(ctx, p, m) < 0 || compile_outputs(ctx, p, m) < 0;
    ctx->prep = NULL;
    if (rc) {
        prep_free(p);
        model_free(m);
        return NULL;
    }
    if (!p->nfields && !p->nsteps && !p->has_target && !p->has_default &&
        !p->priors && !p->outs.n) {
        prep_free(p);
        return m;
    }
    prep_model *pm = pmml_model_new(ctx, p->el, sizeof *pm, &prep_ops);
    if (!pm) {
        prep_free(p);
        model_free(m);
        return NULL;
    }
    pm->inner = m;
    pm->p = p;
    /* Every record slot bound so far, the segments' included: a segment
     * without a wrapper of its own reads this buffer. */
    p->nlow = atomic_load(&ctx->schema->nfields);
    pm->buffer = ((PMML_DERIVED_BASE + p->nhigh) * sizeof(double) + 15) &
                 ~(size_t)15;
    pm->probs = p->outs.n ? (m->nclasses * sizeof(double) + 15) & ~(size_t)15
                          : 0;
    pm->base.scratch_size = pm->buffer + pm->probs + m->scratch_size;
    pm->base.nclasses = m->nclasses;
    pm->base.class_labels = m->class_labels;
    pm->base.noutputs = p->outs.n;
    pm->base.output_names = (const char *const *)p->outs.names;
    return &pm->base;
}
