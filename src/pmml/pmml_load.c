/*
 * pmml_load.c - pmml_load(): the document walk and the table of model
 * compilers.
 *
 * A PMML document is Header, DataDictionary, an optional
 * TransformationDictionary, then one or more models; PMML says the first
 * model is the one to use. Its element name picks the compiler from
 * compilers[]; a model type without a compiler is rejected by name, so a
 * document is either scored faithfully or not loaded at all.
 */
#include "pmml/pmml.h"

#include "pmml/pmml_internal.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *element;
    pmml_compiler compile;
} compilers[] = {
    {"ClusteringModel", pmml_cluster_compile},
    {"GeneralRegressionModel", pmml_general_compile},
    {"MiningModel", pmml_mining_compile},
    {"NaiveBayesModel", pmml_bayes_compile},
    {"NeuralNetwork", pmml_neural_compile},
    {"RegressionModel", pmml_regression_compile},
    {"Scorecard", pmml_scorecard_compile},
    {"SupportVectorMachineModel", pmml_svm_compile},
    {"TreeModel", pmml_tree_compile},
};

#define NCOMPILERS (sizeof compilers / sizeof compilers[0])

static pmml_compiler find_compiler(const xmlNode *model_el) {
    for (size_t i = 0; i < NCOMPILERS; i++)
        if (pmml_is(model_el, compilers[i].element))
            return compilers[i].compile;
    return NULL;
}

static int reject_model(pmml_ctx *ctx, const xmlNode *model_el) {
    char list[256] = "";
    for (size_t i = 0; i < NCOMPILERS; i++)
        pmml_list_append(list, sizeof list, compilers[i].element);
    return pmml_fail(ctx, model_el, "%s is not supported (supported models: "
                                    "%s)", model_el->name, list);
}

/* Finds the DataDictionary and the first model; everything before the
 * model must be a part of the document we understand. */
static const xmlNode *find_model(pmml_ctx *ctx, const xmlNode *root) {
    for (const xmlNode *c = pmml_elem(root->children); c;
         c = pmml_elem(c->next)) {
        if (pmml_is(c, "Header") || pmml_is(c, "MiningBuildTask")) continue;
        if (pmml_is(c, "DataDictionary")) {
            ctx->dictionary = c;
        } else if (pmml_is(c, "TransformationDictionary")) {
            /* Its fields and functions compile where they are used. */
            for (const xmlNode *d = pmml_elem(c->children); d;
                 d = pmml_elem(d->next)) {
                if (!pmml_is(d, "DerivedField") &&
                    !pmml_is(d, "DefineFunction")) {
                    pmml_unsupported(ctx, d);
                    return NULL;
                }
            }
            ctx->transforms = c;
        } else if (!ctx->dictionary) {
            pmml_fail(ctx, c, "%s before the DataDictionary", c->name);
            return NULL;
        } else {
            return c;
        }
    }
    pmml_fail(ctx, root, "the document holds no model");
    return NULL;
}

void *pmml_model_new(pmml_ctx *ctx, const xmlNode *el, size_t size,
                     const model_ops *ops) {
    model *m = calloc(1, size);
    if (!m) {
        ctx->oom = 1;
        pmml_fail(ctx, el, "out of memory");
        return NULL;
    }
    m->ops = ops;
    m->type = MODEL_TYPE_PMML;
    return m;
}

model *pmml_compile_model(pmml_ctx *ctx, const xmlNode *model_el) {
    pmml_compiler compile = find_compiler(model_el);
    if (!compile) {
        reject_model(ctx, model_el);
        return NULL;
    }
    if (pmml_prep_begin(ctx, model_el) < 0) return NULL;
    if (pmml_bind_model(ctx, model_el) < 0) {
        pmml_prep_abort(ctx);
        return NULL;
    }
    return pmml_prep_finish(ctx, compile(ctx, model_el));
}

/* The enclosing model's derived fields, which a segment may read. */
static int inherit_derived(pmml_ctx *ctx, const pmml_field *fields,
                           size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (!fields[i].derived) continue;
        if (pmml_grow(ctx, (void **)&ctx->fields, &ctx->nfields_cap,
                      ctx->nfields + 1, sizeof *ctx->fields) < 0)
            return -1;
        ctx->fields[ctx->nfields++] = fields[i];
    }
    return 0;
}

/* The output fields the nested model just added to ctx->fields (from
 * index first on): their slots, and entries the enclosing model keeps. */
static int export_outputs(pmml_ctx *ctx, const pmml_field *nested,
                          size_t n, const model *m, int32_t **out_slots) {
    size_t k = 0;
    *out_slots = malloc((m->noutputs ? m->noutputs : 1) * sizeof **out_slots);
    if (!*out_slots) {
        ctx->oom = 1;
        return pmml_fail(ctx, NULL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        if (!nested[i].output) continue;
        if (pmml_grow(ctx, (void **)&ctx->fields, &ctx->nfields_cap,
                      ctx->nfields + 1, sizeof *ctx->fields) < 0)
            return -1;
        ctx->fields[ctx->nfields] = nested[i];
        ctx->fields[ctx->nfields++].output = 0;   /* not the parent's own */
        if (k < m->noutputs) (*out_slots)[k++] = nested[i].slot;
    }
    return 0;
}

/* A segment's model has a MiningSchema of its own but predicts the same
 * target: it starts from the enclosing model's target, a copy of its
 * labels and its derived fields, and the enclosing model's bindings and
 * preparation come back afterwards. */
model *pmml_compile_nested(pmml_ctx *ctx, const xmlNode *model_el,
                           int export, int32_t **out_slots) {
    pmml_field *fields = ctx->fields;
    size_t nfields = ctx->nfields, cap = ctx->nfields_cap;
    pmml_classes classes = ctx->classes;
    pmml_prep *prep = ctx->prep;
    size_t nderived = ctx->nderived;
    int was_exporting = ctx->export_outputs;
    model *m = NULL;
    ctx->fields = NULL;
    ctx->nfields = ctx->nfields_cap = 0;
    memset(&ctx->classes, 0, sizeof ctx->classes);
    ctx->depth++;
    ctx->export_outputs = export;
    if (pmml_classes_copy(ctx, &classes) == 0 &&
        inherit_derived(ctx, fields, nfields) == 0)
        m = pmml_compile_model(ctx, model_el);
    ctx->export_outputs = was_exporting;
    ctx->depth--;
    pmml_field *nested = ctx->fields;
    size_t nnested = ctx->nfields;
    pmml_classes_free(&ctx->classes);
    ctx->fields = fields;
    ctx->nfields = nfields;
    ctx->nfields_cap = cap;
    ctx->classes = classes;
    ctx->prep = prep;
    /* A chain's later segments read the outputs in slots after this
     * segment's; other siblings reuse the same slots. */
    if (!m || !export) ctx->nderived = nderived;
    if (m && export && export_outputs(ctx, nested, nnested, m, out_slots) < 0) {
        model_free(m);
        m = NULL;
    }
    free(nested);
    return m;
}

static model *load_document(pmml_ctx *ctx, const xmlNode *root) {
    if (!pmml_is(root, "PMML")) {
        pmml_fail(ctx, root, "the root element is %s, not PMML", root->name);
        return NULL;
    }
    const xmlNode *model_el = find_model(ctx, root);
    if (!model_el) return NULL;
    return pmml_compile_model(ctx, model_el);
}

model *pmml_load(const void *bytes, size_t len, const ms_schema *schema,
                 ms_error *err) {
    if (!schema) {
        ms_error_set(err, "PMML: no schema to bind the model's fields to");
        return NULL;
    }
    xmlDoc *doc = pmml_parse(bytes, len, err);
    if (!doc) return NULL;
    pmml_ctx ctx = {.schema = schema, .err = err};
    model *m = pmml_strings_finish(&ctx,
                                   load_document(&ctx,
                                                 xmlDocGetRootElement(doc)));
    if (m && ctx.oom) {
        /* A failed allocation may have been read as an absent optional
         * attribute (err says so); the model cannot be trusted. */
        model_free(m);
        m = NULL;
    }
    pmml_ctx_free(&ctx);
    xmlFreeDoc(doc);
    return m;
}
