/*
 * pmml_fields.c - the step every model type shares: bind the model's
 * MiningSchema to the data type's schema, find the target, read the class
 * labels, and check the model children that are not model-specific.
 *
 * Binding happens once, here: after it, compilers turn a field name into a
 * schema slot with pmml_input_slot() and scoring reads x[slot].
 *
 * Anything that would change what a field holds before the model sees it
 * (missing-value replacement, outlier treatment, validity checks,
 * transformations, target rescaling) is rejected for now rather than
 * ignored: ignoring it would mis-score silently.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const xmlNode *find_data_field(pmml_ctx *ctx, const char *name) {
    for (const xmlNode *f = pmml_elem(ctx->dictionary->children); f;
         f = pmml_elem(f->next)) {
        if (!pmml_is(f, "DataField")) continue;
        const char *n = pmml_attr(ctx, f, "name");
        if (n && strcmp(n, name) == 0) return f;
    }
    return NULL;
}

/* An active field must reach the model as it is in the record. */
static int check_active_field(pmml_ctx *ctx, const xmlNode *mf,
                              const char *name, const xmlNode *df) {
    static const char *const outliers[] = {"asIs", NULL};
    int ignored;
    if (pmml_attr(ctx, mf, "missingValueReplacement"))
        return pmml_fail(ctx, mf, "MiningField '%s': missingValueReplacement "
                                  "is not supported yet", name);
    if (pmml_attr_enum(ctx, mf, "outliers", outliers, 0, &ignored) < 0)
        return -1;
    const xmlNode *v = pmml_elem(df->children);
    if (v)
        return pmml_fail(ctx, v, "DataField '%s' declares %s: checking input "
                                 "values for validity is not supported yet",
                         name, v->name);
    return 0;
}

/* Class labels from the target's <Value> elements ("valid" ones only:
 * "invalid" and "missing" values are not predictions). */
static int read_target_labels(pmml_ctx *ctx, const xmlNode *df) {
    for (const xmlNode *v = pmml_elem(df->children); v;
         v = pmml_elem(v->next)) {
        if (!pmml_is(v, "Value")) continue;
        const char *prop = pmml_attr(ctx, v, "property");
        if (prop && strcmp(prop, "valid") != 0) continue;
        const char *label = pmml_attr_req(ctx, v, "value");
        int ignored;
        if (!label || pmml_class_index(ctx, v, label, &ignored) < 0)
            return -1;
    }
    ctx->classes.fixed = ctx->classes.n > 0;
    return 0;
}

static int bind_mining_field(pmml_ctx *ctx, const xmlNode *mf) {
    static const char *const usages[] = {
        "active", "predicted", "target", "supplementary", "group", "order",
        "frequencyWeight", "analysisWeight", NULL};
    enum { ACTIVE, PREDICTED, TARGET };
    const char *name = pmml_attr_req(ctx, mf, "name");
    int usage;
    if (!name || pmml_attr_enum(ctx, mf, "usageType", usages, ACTIVE,
                                &usage) < 0)
        return -1;
    const xmlNode *df = find_data_field(ctx, name);
    if (!df)
        return pmml_fail(ctx, mf, "MiningField '%s' is not declared in the "
                                  "DataDictionary", name);
    for (size_t i = 0; i < ctx->nfields; i++)
        if (strcmp(ctx->fields[i].name, name) == 0)
            return pmml_fail(ctx, mf, "MiningField '%s' appears twice", name);
    if (pmml_grow(ctx, (void **)&ctx->fields, &ctx->nfields_cap,
                  ctx->nfields + 1, sizeof *ctx->fields) < 0)
        return -1;
    pmml_field *f = &ctx->fields[ctx->nfields++];
    f->name = name;
    f->slot = -1;
    f->line = (int)xmlGetLineNo(mf);

    if (usage == ACTIVE) {
        if (check_active_field(ctx, mf, name, df) < 0) return -1;
        f->slot = ms_schema_slot(ctx->schema, name);
        if (f->slot < 0)
            return pmml_fail(ctx, mf, "MiningField '%s' is not a field of "
                                      "data type '%s'", name,
                             ctx->schema->data_type ? ctx->schema->data_type
                                                    : "?");
    } else if (usage == PREDICTED || usage == TARGET) {
        /* A segment's model may restate the target it inherited. */
        if (ctx->target && strcmp(ctx->target, name) != 0)
            return pmml_fail(ctx, mf, "more than one target field ('%s' and "
                                      "'%s')", ctx->target, name);
        ctx->target = name;
        return read_target_labels(ctx, df);
    }
    return 0;
}

/* Targets may only restate the target; rescaling or defaults change the
 * score and are not implemented yet. */
static int check_targets(pmml_ctx *ctx, const xmlNode *targets) {
    static const char *const changes[] = {"min", "max", "castInteger", NULL};
    for (const xmlNode *t = pmml_elem(targets->children); t;
         t = pmml_elem(t->next)) {
        if (!pmml_is(t, "Target")) return pmml_unsupported(ctx, t);
        double factor, constant;
        if (pmml_attr_double(ctx, t, "rescaleFactor", 1, &factor) < 0 ||
            pmml_attr_double(ctx, t, "rescaleConstant", 0, &constant) < 0)
            return -1;
        if (factor != 1 || constant != 0)
            return pmml_fail(ctx, t, "Target rescaleFactor/rescaleConstant "
                                     "is not supported yet");
        for (int i = 0; changes[i]; i++)
            if (pmml_attr(ctx, t, changes[i]))
                return pmml_fail(ctx, t, "Target attribute %s is not "
                                         "supported yet", changes[i]);
        const xmlNode *c = pmml_elem(t->children);
        if (c) return pmml_unsupported(ctx, c);
    }
    return 0;
}

int pmml_is_common_child(const xmlNode *el) {
    static const char *const common[] = {
        "MiningSchema", "Output", "ModelStats", "ModelExplanation", "Targets",
        "LocalTransformations", "ModelVerification", NULL};
    for (int i = 0; common[i]; i++)
        if (pmml_is(el, common[i])) return 1;
    return 0;
}

int pmml_bind_model(pmml_ctx *ctx, const xmlNode *model_el) {
    const xmlNode *schema_el = NULL;
    for (const xmlNode *c = pmml_elem(model_el->children); c;
         c = pmml_elem(c->next)) {
        if (pmml_is(c, "MiningSchema")) {
            if (schema_el)
                return pmml_fail(ctx, c, "%s has a second MiningSchema",
                                 model_el->name);
            schema_el = c;
        } else if (pmml_is(c, "Targets")) {
            if (check_targets(ctx, c) < 0) return -1;
        } else if (pmml_is(c, "LocalTransformations")) {
            const xmlNode *d = pmml_elem(c->children);
            if (d) return pmml_unsupported(ctx, d);
        }
        /* Output, ModelStats, ModelExplanation and ModelVerification
         * describe the model; they do not change its score. */
    }
    if (!schema_el)
        return pmml_fail(ctx, model_el, "%s has no MiningSchema",
                         model_el->name);
    for (const xmlNode *mf = pmml_elem(schema_el->children); mf;
         mf = pmml_elem(mf->next)) {
        if (!pmml_is(mf, "MiningField")) return pmml_unsupported(ctx, mf);
        if (bind_mining_field(ctx, mf) < 0) return -1;
    }
    return 0;
}

int pmml_input_slot(pmml_ctx *ctx, const xmlNode *el, const char *attr,
                    int *slot, const char **name_out) {
    const char *name = pmml_attr_req(ctx, el, attr);
    if (!name) return -1;
    if (name_out) *name_out = name;
    for (size_t i = 0; i < ctx->nfields; i++) {
        if (strcmp(ctx->fields[i].name, name) != 0) continue;
        if (ctx->fields[i].slot < 0)
            return pmml_fail(ctx, el, "%s on field '%s', which is not an "
                                      "active field of the MiningSchema",
                             el->name, name);
        *slot = ctx->fields[i].slot;
        return 0;
    }
    return pmml_fail(ctx, el, "%s on unknown field '%s'", el->name, name);
}

int pmml_class_index(pmml_ctx *ctx, const xmlNode *el, const char *label,
                     int *index) {
    pmml_classes *c = &ctx->classes;
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->labels[i], label) == 0) {
            *index = (int)i;
            return 0;
        }
    }
    /* el is NULL only from pmml_classes_copy, whose labels are not fixed
     * yet: the analyzer does not follow that. */
    if (c->fixed)
        return pmml_fail(ctx, el, "label '%s' of %s is not one of the "
                                  "values of target field '%s'", label,
                         el->name, ctx->target);  // NOLINT(clang-analyzer-core.NullDereference)
    if (pmml_grow(ctx, (void **)&c->labels, &c->cap, c->n + 1,
                  sizeof *c->labels) < 0)
        return -1;
    char *copy = strdup(label);
    if (!copy) {
        ctx->oom = 1;
        return pmml_fail(ctx, el, "out of memory");
    }
    c->labels[c->n] = copy;
    *index = (int)c->n++;
    return 0;
}

int pmml_classes_take(pmml_ctx *ctx, pmml_classes *out) {
    pmml_classes *c = &ctx->classes;
    c->values = malloc((c->n ? c->n : 1) * sizeof *c->values);
    if (!c->values) {
        ctx->oom = 1;
        return pmml_fail(ctx, NULL, "out of memory");
    }
    for (size_t i = 0; i < c->n; i++)
        if (pmml_parse_double(c->labels[i], &c->values[i]) < 0)
            c->values[i] = NAN;
    *out = *c;
    memset(c, 0, sizeof *c);
    return 0;
}

int pmml_classes_copy(pmml_ctx *ctx, const pmml_classes *src) {
    int ignored;
    pmml_classes_free(&ctx->classes);
    for (size_t i = 0; i < src->n; i++)
        if (pmml_class_index(ctx, NULL, src->labels[i], &ignored) < 0)
            return -1;
    ctx->classes.fixed = src->fixed;
    return 0;
}

void pmml_classes_free(pmml_classes *c) {
    for (size_t i = 0; i < c->n; i++) free(c->labels[i]);
    free(c->labels);
    free(c->values);
    memset(c, 0, sizeof *c);
}

void pmml_ctx_free(pmml_ctx *ctx) {
    for (size_t i = 0; i < ctx->nstrings; i++) xmlFree(ctx->strings[i]);
    free(ctx->strings);
    free(ctx->fields);
    pmml_classes_free(&ctx->classes);
}
