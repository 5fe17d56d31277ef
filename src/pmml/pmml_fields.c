/*
 * pmml_fields.c - the step every model type shares: bind the model's
 * MiningSchema to the data type's schema, find the target, read the class
 * labels, and check the model children that are not model-specific.
 *
 * Binding happens once, here: after it, compilers turn a field name into a
 * schema slot with pmml_input_slot() and scoring reads x[slot]. A field
 * of dataType string holds string codes (pmml_strings.c): only readers
 * that compare strings (predicates, expressions) bind it, through
 * pmml_input_field(); every other reader takes numbers and is refused it,
 * so a code is never read as a number.
 *
 * What changes a field before the model sees it (missing-value
 * replacement, validity, outliers, derived fields) and the Targets are
 * handed to pmml_prep.c, which wraps the model in their treatment.
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
    for (size_t i = 0; i < ctx->nfields; i++) {
        if (strcmp(ctx->fields[i].name, name) != 0) continue;
        /* A segment's MiningSchema may list a field the enclosing model
         * derives; it reads that field's slot. */
        if (ctx->fields[i].derived && usage == ACTIVE)
            return pmml_prep_field(ctx, mf, NULL, ctx->fields[i].slot,
                                   &ctx->fields[i].type);
        return pmml_fail(ctx, mf, "MiningField '%s' appears twice", name);
    }
    const xmlNode *df = find_data_field(ctx, name);
    if (!df)
        return pmml_fail(ctx, mf, "MiningField '%s' is not declared in the "
                                  "DataDictionary", name);
    if (pmml_grow(ctx, (void **)&ctx->fields, &ctx->nfields_cap,
                  ctx->nfields + 1, sizeof *ctx->fields) < 0)
        return -1;
    pmml_field *f = &ctx->fields[ctx->nfields++];
    f->name = name;
    f->slot = -1;
    f->line = (int)xmlGetLineNo(mf);
    f->derived = 0;
    f->output = 0;
    const char *type = pmml_attr(ctx, df, "dataType");
    f->type = type && strcmp(type, "string") == 0 ? PMML_T_OPEN
                                                  : PMML_T_NUMBER;

    if (usage == ACTIVE) {
        f->slot = ms_schema_slot(ctx->schema, name);
        if (f->slot < 0)
            return pmml_fail(ctx, mf, "MiningField '%s' is not a field of "
                                      "data type '%s'", name,
                             ctx->schema->data_type ? ctx->schema->data_type
                                                    : "?");
        int kind = f->type != PMML_T_NUMBER ? PMML_INPUT_STRING
                   : type && strcmp(type, "boolean") == 0 ? PMML_INPUT_BOOLEAN
                                                          : PMML_INPUT_NUMBER;
        if (kind != PMML_INPUT_NUMBER &&
            pmml_strings_input(ctx, f->slot, kind) < 0)
            return -1;
        /* f may move as fields are added: pass a copy of its type. */
        int t = f->type;
        int slot = f->slot;
        size_t start = pmml_domain_begin(ctx);
        if (pmml_prep_field(ctx, mf, df, slot, &t) < 0 ||
            (t == PMML_T_STRING && pmml_prep_domain(ctx, slot, start) < 0))
            return -1;
        for (size_t i = 0; i < ctx->nfields; i++)
            if (ctx->fields[i].slot == slot && !ctx->fields[i].derived) {
                ctx->fields[i].type = t;
                ctx->fields[i].dom_first = (uint32_t)start;
                ctx->fields[i].dom_count =
                    (uint32_t)(pmml_domain_begin(ctx) - start);
            }
        return 0;
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

int pmml_is_common_child(const xmlNode *el) {
    static const char *const common[] = {
        "MiningSchema", "Output", "ModelStats", "ModelExplanation", "Targets",
        "LocalTransformations", "ModelVerification", NULL};
    for (int i = 0; common[i]; i++)
        if (pmml_is(el, common[i])) return 1;
    return 0;
}

int pmml_bind_model(pmml_ctx *ctx, const xmlNode *model_el) {
    const xmlNode *schema_el = NULL, *local = NULL;
    for (const xmlNode *c = pmml_elem(model_el->children); c;
         c = pmml_elem(c->next)) {
        if (pmml_is(c, "MiningSchema")) {
            if (schema_el)
                return pmml_fail(ctx, c, "%s has a second MiningSchema",
                                 model_el->name);
            schema_el = c;
        } else if (pmml_is(c, "Targets")) {
            if (pmml_prep_targets(ctx, c) < 0) return -1;
        } else if (pmml_is(c, "LocalTransformations")) {
            local = c;
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
    /* The model's own derived fields, in document order: each may use the
     * ones before it. */
    for (const xmlNode *d = local ? pmml_elem(local->children) : NULL; d;
         d = pmml_elem(d->next)) {
        int ignored;
        if (!pmml_is(d, "DerivedField")) return pmml_unsupported(ctx, d);
        if (pmml_prep_derive(ctx, d, &ignored) < 0) return -1;
    }
    return 0;
}

/* A DerivedField of the TransformationDictionary, or NULL. */
static const xmlNode *find_global_derived(pmml_ctx *ctx, const char *name) {
    if (!ctx->transforms) return NULL;
    for (const xmlNode *d = pmml_elem(ctx->transforms->children); d;
         d = pmml_elem(d->next)) {
        if (!pmml_is(d, "DerivedField")) continue;
        const char *n = pmml_attr(ctx, d, "name");
        if (n && strcmp(n, name) == 0) return d;
    }
    return NULL;
}

/* The field named by attribute attr of el: its slot, name and type. */
static int bind_field(pmml_ctx *ctx, const xmlNode *el, const char *attr,
                      int *slot, const char **name_out, pmml_field *info) {
    const char *name = pmml_attr_req(ctx, el, attr);
    *info = (pmml_field){.slot = -1};
    if (!name) return -1;
    if (name_out) *name_out = name;
    /* A TransformationDictionary field is compiled into the model that
     * first reads it; fields it never reads are never looked at. */
    int known = 0;
    for (size_t i = 0; i < ctx->nfields && !known; i++)
        known = strcmp(ctx->fields[i].name, name) == 0;
    const xmlNode *global = known ? NULL : find_global_derived(ctx, name);
    if (global) {
        /* A field defined through itself would recurse forever. */
        if (ctx->deriving >= PMML_MAX_DERIVING)
            return pmml_fail(ctx, el, "DerivedField '%s' depends on itself "
                                      "(or on more than %d others in a "
                                      "chain)", name, PMML_MAX_DERIVING);
        ctx->deriving++;
        int rc = pmml_prep_derive(ctx, global, slot);
        ctx->deriving--;
        /* pmml_prep_derive() appended the field. */
        if (rc == 0) *info = ctx->fields[ctx->nfields - 1];
        return rc;
    }
    for (size_t i = 0; i < ctx->nfields; i++) {
        if (strcmp(ctx->fields[i].name, name) != 0) continue;
        if (ctx->fields[i].slot < 0)
            return pmml_fail(ctx, el, "%s on field '%s', which is not an "
                                      "active field of the MiningSchema",
                             el->name, name);
        *slot = ctx->fields[i].slot;
        *info = ctx->fields[i];
        return 0;
    }
    return pmml_fail(ctx, el, "%s on unknown field '%s'", el->name, name);
}

int pmml_input_field(pmml_ctx *ctx, const xmlNode *el, const char *attr,
                     int *slot, pmml_field *info) {
    return bind_field(ctx, el, attr, slot, NULL, info);
}

int pmml_input_slot(pmml_ctx *ctx, const xmlNode *el, const char *attr,
                    int *slot, const char **name_out) {
    const char *name = NULL;
    pmml_field info;
    if (bind_field(ctx, el, attr, slot, &name, &info) < 0) return -1;
    if (name_out) *name_out = name;
    if (info.type != PMML_T_NUMBER)
        return pmml_fail(ctx, el, "%s reads numbers, but field '%s' holds "
                                  "strings", el->name, name);
    return 0;
}

int pmml_operand(pmml_ctx *ctx, const xmlNode *el, int type,
                 const char *text, double *v) {
    if (type != PMML_T_NUMBER) return pmml_string_code(ctx, el, text, v);
    if (pmml_parse_double(text, v) < 0)
        return pmml_fail(ctx, el, "%s value '%.40s' is not a number (the "
                                  "field or expression holds numbers)",
                         el->name, text);
    return 0;
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
    pmml_strings_free(ctx->strtab);
    pmml_domains_free(ctx);
    for (size_t i = 0; i < ctx->nstrings; i++) xmlFree(ctx->strings[i]);
    free(ctx->strings);
    free(ctx->fields);
    pmml_classes_free(&ctx->classes);
}
