/*
 * pmml_output.c - the Output element of the top-level model: its
 * OutputFields compiled at load and computed after each prediction.
 *
 * Supported features: predictedValue (the prediction: a classifier's
 * label, or the number), predictedDisplayValue (the same, or the
 * TargetValue displayValue of the predicted class), probability (of the
 * class named by value, else of the predicted class), transformedValue (an
 * expression, which may read inputs, derived fields and the OutputFields
 * before it), decision (the same, as JPMML computes it; its Decisions
 * element only lists the possible values), confidence (a classification
 * TreeModel's ScoreDistribution confidence of the class named by value,
 * else of the predicted one, at the deciding Node), residual (actual
 * minus predicted, for a classifier 1 or 0 minus the predicted class's
 * probability; the records must carry the target), reasonCode (a
 * Scorecard's rank-th reason code, pmml_scorecard.c), entityId (a
 * TreeModel's deciding Node's id, a ClusteringModel's cluster id), and
 * for a ClusteringModel clusterId (its 1-based position) and affinity
 * (the distance or similarity to the cluster named by value, else to the
 * predicted one). With a segmentId, a MiningModel's predictedValue or
 * probability is that of one Segment (how selectAll reports each
 * segment's prediction). Every other feature (standardError, ...) is
 * rejected at load with the field's name and line.
 *
 * Each OutputField gets a slot in the scoring buffer (after the derived
 * fields), so a later transformedValue reads it with an ordinary
 * FieldRef. Outputs are computed only when the caller asks for them.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum feature { F_PREDICTED, F_DISPLAY, F_PROBABILITY, F_TRANSFORMED,
               F_ENTITY_ID, F_CLUSTER_ID, F_AFFINITY, F_DECISION,
               F_CONFIDENCE, F_RESIDUAL, F_REASON_CODE };
static const char *const features[] = {
    "predictedValue", "predictedDisplayValue", "probability",
    "transformedValue", "entityId", "clusterId", "affinity", "decision",
    "confidence", "residual", "reasonCode", NULL};

/* A decision's Decisions element only lists the values its expression
 * may take (for people reading the document); each must be a number,
 * as the expression's are. */
static int check_decisions(pmml_ctx *ctx, const xmlNode *el) {
    for (const xmlNode *d = pmml_elem(el->children); d; d = pmml_elem(d->next)) {
        const char *v;
        double ignored;
        if (!pmml_is(d, "Decision")) return pmml_unsupported(ctx, d);
        if (!(v = pmml_attr_req(ctx, d, "value"))) return -1;
        if (pmml_parse_double(v, &ignored) < 0)
            return pmml_fail(ctx, d, "Decision value '%s' is not a number "
                                     "(records carry numbers only)", v);
    }
    return 0;
}

/* The expression of a transformedValue or decision, after the
 * Decisions element a decision may have. */
static int compile_expression(pmml_ctx *ctx, pmml_exprs *e,
                              const xmlNode *el, const char *name,
                              int feature, uint32_t *root) {
    const xmlNode *expr = pmml_elem(el->children);
    if (feature == F_DECISION && pmml_is(expr, "Decisions")) {
        if (check_decisions(ctx, expr) < 0) return -1;
        expr = pmml_elem(expr->next);
    }
    if (!expr)
        return pmml_fail(ctx, el, "OutputField '%s' (%s) has no expression",
                         name, features[feature]);
    if (pmml_elem(expr->next))
        return pmml_unsupported(ctx, pmml_elem(expr->next));
    if (pmml_expr_compile(ctx, e, expr, root) < 0) return -1;
    int type = pmml_expr_type(e, *root);
    if (type == PMML_T_OPEN)
        return pmml_fail(ctx, el, "OutputField '%s' gives strings the "
                                  "document does not list, which cannot be "
                                  "reported", name);
    /* A string is reported by its text (pmml_output_eval). */
    if (type == PMML_T_STRING) e->strings = ctx->strtab;
    return 0;
}

/* confidence: a classification TreeModel's ScoreDistribution confidence
 * at the deciding Node (JPMML blends them under weightedConfidence and
 * aggregateNodes; we do not). */
static int check_confidence(pmml_ctx *ctx, const xmlNode *el,
                            const char *name, const model *m,
                            const xmlNode *model_el) {
    const char *strategy = pmml_attr(ctx, model_el, "missingValueStrategy");
    if (!pmml_is(model_el, "TreeModel") || m->nclasses == 0)
        return pmml_fail(ctx, el, "OutputField '%s': confidence is supported "
                                  "for classification TreeModel only", name);
    if (strategy && (strcmp(strategy, "weightedConfidence") == 0 ||
                     strcmp(strategy, "aggregateNodes") == 0))
        return pmml_fail(ctx, el, "OutputField '%s': confidence with "
                                  "missingValueStrategy '%s' is not "
                                  "supported", name, strategy);
    return 0;
}

/* segmentId: the predictedValue or probability of one Segment of a
 * MiningModel (not a modelChain); a probability's value is a class of
 * that segment's model. */
static int bind_segment(pmml_ctx *ctx, const xmlNode *el, const char *name,
                        const char *id, const model *m,
                        const xmlNode *model_el, pmml_outfield *f) {
    if (!pmml_is(model_el, "MiningModel"))
        return pmml_fail(ctx, el, "OutputField '%s': segmentId on a model "
                                  "that is not a MiningModel", name);
    if (f->feature != F_PREDICTED && f->feature != F_PROBABILITY)
        return pmml_fail(ctx, el, "OutputField '%s': only predictedValue and "
                                  "probability are supported with segmentId",
                         name);
    if ((f->segment = pmml_mining_segment_index(m, id)) < 0)
        return pmml_fail(ctx, el, "OutputField '%s': no Segment '%s' (or a "
                                  "modelChain, whose segments are not "
                                  "reported)", name, id);
    const model *seg = pmml_mining_segment_model(m, (size_t)f->segment);
    const char *value = pmml_attr(ctx, el, "value");
    if (f->feature == F_PROBABILITY && seg->nclasses == 0)
        return pmml_fail(ctx, el, "OutputField '%s': probability of a "
                                  "segment that is not a classifier", name);
    for (size_t i = 0; value && i < seg->nclasses; i++)
        if (strcmp(seg->class_labels[i], value) == 0) f->class_index = (int)i;
    if (f->feature == F_PROBABILITY && value && f->class_index < 0)
        return pmml_fail(ctx, el, "OutputField '%s': '%s' is not a class of "
                                  "segment '%s'", name, value, id);
    return 0;
}

/* The output f of one segment: its prediction (the label, *s, for a
 * classifier) or a class's probability; missing when the segment does
 * not predict. */
static double segment_output(const pmml_outfield *f, const model *inner,
                             void *scratch, const double *buf,
                             const char **s) {
    model_output o = {0};
    const model *seg = pmml_mining_segment_model(inner, (size_t)f->segment);
    double v;
    if (pmml_mining_segment_score(inner, buf, scratch, (size_t)f->segment,
                                  &o) < 0)
        return NAN;
    if (f->feature == F_PROBABILITY)
        return o.probabilities[f->class_index >= 0 ? f->class_index
                                                   : o.label_index];
    if (o.label_index < 0) return o.value;
    *s = seg->class_labels[o.label_index];
    return pmml_parse_double(*s, &v) < 0 ? NAN : v;
}

/* reasonCode: of a Scorecard, the rank-th (1 by default). */
static int check_reason(pmml_ctx *ctx, const xmlNode *el, const char *name,
                        const model *m, const xmlNode *model_el,
                        pmml_outfield *f) {
    double rank;
    if (!pmml_is(model_el, "Scorecard"))
        return pmml_fail(ctx, el, "OutputField '%s': reasonCode is supported "
                                  "for Scorecard only", name);
    if (pmml_attr_double(ctx, el, "rank", 1, &rank) < 0) return -1;
    if (!(rank >= 1 && rank <= 1000 && rank == floor(rank)))
        return pmml_fail(ctx, el, "OutputField '%s': rank must be a whole "
                                  "number from 1 to 1000", name);
    f->rank = (int)rank;
    return pmml_scorecard_check_reasons(ctx, el, m);
}

/* residual: the record must carry the target's actual value. */
static int bind_target(pmml_ctx *ctx, const xmlNode *el, const char *name,
                       pmml_outfield *f) {
    if (!ctx->target)
        return pmml_fail(ctx, el, "OutputField '%s': residual of a model "
                                  "without a target field", name);
    f->target_slot = ms_schema_slot(ctx->schema, ctx->target);
    if (f->target_slot < 0)
        return pmml_fail(ctx, el, "OutputField '%s': residual needs the "
                                  "target '%s' in the records, and data "
                                  "type '%s' has no such field", name,
                         ctx->target, ctx->schema->data_type
                                          ? ctx->schema->data_type : "?");
    return 0;
}

/* Actual minus predicted for a regression; for a classifier (1 if the
 * actual class is the predicted one, else 0) minus the predicted class's
 * probability, as JPMML computes it. Missing when the record has no
 * actual value. */
static double residual(const model *m, const double *buf,
                       const pmml_outfield *f, const model_output *out) {
    double actual = buf[f->target_slot], label;
    if (isnan(actual)) return NAN;
    if (out->label_index < 0) return actual - out->value;
    if (pmml_parse_double(m->class_labels[out->label_index], &label) < 0)
        label = NAN;
    return (label == actual) - out->probabilities[out->label_index];
}

static int compile_field(pmml_ctx *ctx, pmml_outputs *o, pmml_exprs *e,
                         const xmlNode *el, const model *m,
                         const xmlNode *model_el, size_t *nhigh) {
    int clustering = pmml_is(model_el, "ClusteringModel");
    int tree = pmml_is(model_el, "TreeModel");
    pmml_outfield f = {.class_index = -1, .segment = -1};
    const char *name = pmml_attr_req(ctx, el, "name");
    int feature;
    if (!name || pmml_attr_enum(ctx, el, "feature", features, F_PREDICTED,
                                &feature) < 0)
        return -1;
    f.feature = feature;
    const char *segment_id = pmml_attr(ctx, el, "segmentId");
    if (segment_id && bind_segment(ctx, el, name, segment_id, m, model_el,
                                   &f) < 0)
        return -1;
    if ((feature == F_CLUSTER_ID || feature == F_AFFINITY) && !clustering)
        return pmml_fail(ctx, el, "OutputField '%s': %s is supported for "
                                  "ClusteringModel only", name,
                         features[feature]);
    if (feature == F_ENTITY_ID && !clustering && !tree)
        return pmml_fail(ctx, el, "OutputField '%s': entityId is supported "
                                  "for ClusteringModel and TreeModel only",
                         name);
    f.tree_entity = feature == F_ENTITY_ID && tree;
    if (feature == F_CONFIDENCE && check_confidence(ctx, el, name, m,
                                                    model_el) < 0)
        return -1;
    if (feature == F_RESIDUAL && bind_target(ctx, el, name, &f) < 0)
        return -1;
    if (feature == F_REASON_CODE && check_reason(ctx, el, name, m, model_el,
                                                 &f) < 0)
        return -1;
    if (f.segment < 0 && (feature == F_PROBABILITY || feature == F_AFFINITY ||
                          feature == F_CONFIDENCE)) {
        const char *value = pmml_attr(ctx, el, "value");
        if (m->nclasses == 0)
            return pmml_fail(ctx, el, "OutputField '%s': probability of a "
                                      "model that is not a classifier", name);
        for (size_t i = 0; value && i < m->nclasses; i++)
            if (strcmp(m->class_labels[i], value) == 0) f.class_index = (int)i;
        if (value && f.class_index < 0)
            return pmml_fail(ctx, el, "OutputField '%s': '%s' is not a class "
                                      "of the model", name, value);
    }
    if (feature == F_TRANSFORMED || feature == F_DECISION) {
        if (compile_expression(ctx, e, el, name, feature, &f.root) < 0)
            return -1;
    } else if (pmml_elem(el->children)) {
        return pmml_unsupported(ctx, pmml_elem(el->children));
    }
    for (size_t i = 0; i < ctx->nfields; i++)
        if (strcmp(ctx->fields[i].name, name) == 0)
            return pmml_fail(ctx, el, "OutputField '%s' has the name of a "
                                      "field already defined", name);
    f.slot = (int32_t)(PMML_DERIVED_BASE + (*nhigh)++);
    char *copy = strdup(name);
    if (!copy ||
        pmml_grow(ctx, (void **)&o->fields, &o->cap, o->n + 1,
                  sizeof *o->fields) < 0 ||
        pmml_grow(ctx, (void **)&o->names, &o->capnames, o->n + 1,
                  sizeof *o->names) < 0 ||
        pmml_grow(ctx, (void **)&ctx->fields, &ctx->nfields_cap,
                  ctx->nfields + 1, sizeof *ctx->fields) < 0) {
        free(copy);
        ctx->oom = 1;
        return pmml_fail(ctx, el, "out of memory");
    }
    o->names[o->n] = copy;
    o->fields[o->n++] = f;
    ctx->fields[ctx->nfields++] = (pmml_field){
        .name = name, .slot = f.slot, .line = (int)xmlGetLineNo(el),
        .derived = 1, .output = 1};
    return 0;
}

/* The Targets' TargetValue displayValues, per class of m. */
static int read_display(pmml_ctx *ctx, pmml_outputs *o, const model *m,
                        const xmlNode *model_el) {
    const xmlNode *target = NULL;
    for (const xmlNode *c = pmml_elem(model_el->children); c && !target;
         c = pmml_elem(c->next))
        if (pmml_is(c, "Targets")) target = pmml_elem(c->children);
    if (!target || m->nclasses == 0) return 0;
    o->display = calloc(m->nclasses, sizeof *o->display);
    if (!o->display) {
        ctx->oom = 1;
        return pmml_fail(ctx, target, "out of memory");
    }
    o->ndisplay = m->nclasses;
    for (const xmlNode *v = pmml_elem(target->children); v;
         v = pmml_elem(v->next)) {
        const char *label = pmml_attr(ctx, v, "value");
        const char *shown = pmml_attr(ctx, v, "displayValue");
        for (size_t i = 0; label && shown && i < m->nclasses; i++) {
            if (strcmp(m->class_labels[i], label) != 0 || o->display[i])
                continue;
            if (!(o->display[i] = strdup(shown))) {
                ctx->oom = 1;
                return pmml_fail(ctx, v, "out of memory");
            }
        }
    }
    return 0;
}

int pmml_output_compile(pmml_ctx *ctx, pmml_outputs *o, pmml_exprs *e,
                        const xmlNode *output, const model *m,
                        const xmlNode *model_el, size_t *nhigh) {
    if (read_display(ctx, o, m, model_el) < 0) return -1;
    for (const xmlNode *c = pmml_elem(output->children); c;
         c = pmml_elem(c->next)) {
        if (!pmml_is(c, "OutputField")) return pmml_unsupported(ctx, c);
        if (compile_field(ctx, o, e, c, m, model_el, nhigh) < 0) return -1;
    }
    return 0;
}

void pmml_output_eval(const pmml_outputs *o, const pmml_exprs *e,
                      const model *m, const model *inner,
                      void *inner_scratch, double *buf, model_output *out) {
    int invalid = 0;
    for (size_t i = 0; i < o->n; i++) {
        const pmml_outfield *f = &o->fields[i];
        const char *s = NULL;
        double v;
        int label = out->label_index;
        if (f->segment >= 0) {
            v = segment_output(f, inner, inner_scratch, buf, &s);
            goto store;
        }
        switch (f->feature) {
        case F_PROBABILITY:
            v = out->probabilities[f->class_index >= 0 ? f->class_index
                                                       : label];
            break;
        case F_TRANSFORMED:
        case F_DECISION:
            /* An invalid result has no value; it must not fail the
             * prediction it describes. */
            v = pmml_expr_eval(e, f->root, buf, &invalid);
            if (pmml_expr_type(e, f->root) == PMML_T_STRING) {
                /* Later expressions read the string as a number, as
                 * every other string output. */
                s = pmml_string_text(e->strings, v);
                if (!s || pmml_parse_double(s, &v) < 0) v = NAN;
            }
            break;
        case F_CLUSTER_ID: v = label + 1; break;
        case F_CONFIDENCE:
            v = pmml_tree_confidence(inner, buf, f->class_index >= 0
                                                     ? f->class_index : label);
            break;
        case F_RESIDUAL: v = residual(m, buf, f, out); break;
        case F_REASON_CODE:
            /* A code is a string: the value is its number, if it is one. */
            s = pmml_scorecard_reason(inner, buf, inner_scratch, f->rank);
            if (!s || pmml_parse_double(s, &v) < 0) v = NAN;
            break;
        case F_ENTITY_ID:
            if (!f->tree_entity) goto predicted;   /* a cluster's id */
            s = pmml_tree_entity(inner, buf);
            if (!s || pmml_parse_double(s, &v) < 0) v = NAN;
            break;
        case F_AFFINITY:
            v = pmml_cluster_measure(inner, buf, (size_t)(
                f->class_index >= 0 ? f->class_index : label));
            break;
        case F_DISPLAY:
            if (label >= 0 && o->display && o->display[label]) {
                s = o->display[label];
                if (pmml_parse_double(s, &v) < 0) v = NAN;
                break;
            }
            goto predicted;
        default:            /* predicted value */
        predicted:
            if (label >= 0) {
                s = m->class_labels[label];
                if (pmml_parse_double(s, &v) < 0) v = NAN;
            } else {
                v = out->value;
            }
        }
    store:
        buf[f->slot] = v;
        out->outputs[i] = v;
        if (out->output_strings) out->output_strings[i] = s;
    }
}

void pmml_outputs_free(pmml_outputs *o) {
    for (size_t i = 0; i < o->ndisplay; i++) free(o->display[i]);
    free(o->display);
    for (size_t i = 0; i < o->n; i++) free(o->names[i]);
    free(o->names);
    free(o->fields);
    memset(o, 0, sizeof *o);
}
