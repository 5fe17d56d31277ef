/*
 * pmml_predicate.c - PMML predicates compiled into one flat array and
 * evaluated with PMML's three-valued logic.
 *
 * Each predicate is a (slot, operator, operand) triple. A CompoundPredicate
 * owns an index range: its children are reserved as one block before any of
 * them is compiled, so nested compounds append their own blocks after it and
 * the parent only stores (first, count). SimpleSetPredicate members live in
 * a separate array of doubles (pmml_array.c reads them), also as a range.
 *
 * An operand is read in the field's type: a number, or for a field of
 * strings its code in the document's string table (pmml_strings.c), so
 * equal, notEqual, isIn and isNotIn compare codes; a string the document
 * does not know equals none of them. Ordering a string field (lessThan
 * ...) is refused at load.
 *
 * Evaluation recurses over compound predicates only; depth is bounded by
 * the parser's nesting limit. It reads x and nothing else.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The simple operators come first, in the order of simple_ops[]. */
enum pred_op {
    OP_EQUAL, OP_NOT_EQUAL, OP_LESS_THAN, OP_LESS_OR_EQUAL, OP_GREATER_THAN,
    OP_GREATER_OR_EQUAL, OP_IS_MISSING, OP_IS_NOT_MISSING,
    OP_IS_IN, OP_IS_NOT_IN,                     /* order of set_ops[] */
    OP_AND, OP_OR, OP_XOR, OP_SURROGATE,        /* order of bool_ops[] */
    OP_TRUE, OP_FALSE
};

static const char *const simple_ops[] = {
    "equal", "notEqual", "lessThan", "lessOrEqual", "greaterThan",
    "greaterOrEqual", "isMissing", "isNotMissing", NULL};
static const char *const set_ops[] = {"isIn", "isNotIn", NULL};
static const char *const bool_ops[] = {"and", "or", "xor", "surrogate", NULL};

int pmml_is_predicate(const xmlNode *el) {
    return pmml_is(el, "SimplePredicate") || pmml_is(el, "CompoundPredicate") ||
           pmml_is(el, "SimpleSetPredicate") || pmml_is(el, "True") ||
           pmml_is(el, "False");
}

static int reserve(pmml_ctx *ctx, pmml_preds *p, size_t n, uint32_t *first) {
    if (pmml_grow(ctx, (void **)&p->preds, &p->cap, p->n + n,
                  sizeof *p->preds) < 0)
        return -1;
    *first = (uint32_t)p->n;
    p->n += n;
    return 0;
}

static int compile_set(pmml_ctx *ctx, pmml_preds *p, const xmlNode *el,
                       pmml_pred *q) {
    int op, slot;
    pmml_field info;
    if (pmml_input_field(ctx, el, "field", &slot, &info) < 0 ||
        pmml_attr_enum_req(ctx, el, "booleanOperator", set_ops, &op) < 0)
        return -1;
    q->slot = slot;
    q->op = (uint8_t)(OP_IS_IN + op);
    const xmlNode *arr = pmml_elem(el->children);
    if (!pmml_is(arr, "Array"))
        return pmml_fail(ctx, el, "SimpleSetPredicate has no Array");
    q->first = (uint32_t)p->values.n;
    if ((info.type == PMML_T_NUMBER ? pmml_array_read(ctx, arr, &p->values)
                               : pmml_array_read_codes(ctx, arr,
                                                       &p->values)) < 0)
        return -1;
    q->count = (uint32_t)(p->values.n - q->first);
    return 0;
}

static int compile_at(pmml_ctx *ctx, pmml_preds *p, const xmlNode *el,
                      uint32_t at);

static int compile_compound(pmml_ctx *ctx, pmml_preds *p, const xmlNode *el,
                            pmml_pred *q) {
    int op;
    if (pmml_attr_enum_req(ctx, el, "booleanOperator", bool_ops, &op) < 0)
        return -1;
    q->op = (uint8_t)(OP_AND + op);
    size_t n = 0;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next))
        n++;
    if (n < 2)
        return pmml_fail(ctx, el, "CompoundPredicate needs at least two "
                                  "predicates, it has %zu", n);
    if (reserve(ctx, p, n, &q->first) < 0) return -1;
    q->count = (uint32_t)n;
    uint32_t at = q->first;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next))
        if (compile_at(ctx, p, c, at++) < 0) return -1;
    return 0;
}

/* Compiles el into p->preds[at], which is already reserved. p->preds may
 * move while children are compiled, so the result is built in a local and
 * stored at the end. */
static int compile_at(pmml_ctx *ctx, pmml_preds *p, const xmlNode *el,
                      uint32_t at) {
    pmml_pred q = {.slot = -1};
    if (pmml_is(el, "True")) {
        q.op = OP_TRUE;
    } else if (pmml_is(el, "False")) {
        q.op = OP_FALSE;
    } else if (pmml_is(el, "SimplePredicate")) {
        int op, slot;
        pmml_field info;
        const char *value;
        if (pmml_input_field(ctx, el, "field", &slot, &info) < 0 ||
            pmml_attr_enum_req(ctx, el, "operator", simple_ops, &op) < 0)
            return -1;
        q.slot = slot;
        q.op = (uint8_t)op;
        if (info.type != PMML_T_NUMBER && op >= OP_LESS_THAN &&
            op <= OP_GREATER_OR_EQUAL)
            return pmml_fail(ctx, el, "SimplePredicate %s on field '%s', "
                                      "which holds strings, is not "
                                      "supported", simple_ops[op],
                             pmml_attr(ctx, el, "field"));
        if (op != OP_IS_MISSING && op != OP_IS_NOT_MISSING &&
            (!(value = pmml_attr_req(ctx, el, "value")) ||
             pmml_operand(ctx, el, info.type, value, &q.value) < 0))
            return -1;
    } else if (pmml_is(el, "SimpleSetPredicate")) {
        if (compile_set(ctx, p, el, &q) < 0) return -1;
    } else if (pmml_is(el, "CompoundPredicate")) {
        if (compile_compound(ctx, p, el, &q) < 0) return -1;
    } else {
        return pmml_unsupported(ctx, el);
    }
    p->preds[at] = q;
    return 0;
}

int pmml_predicate_compile(pmml_ctx *ctx, pmml_preds *p, const xmlNode *el,
                           uint32_t *index) {
    if (reserve(ctx, p, 1, index) < 0) return -1;
    return compile_at(ctx, p, el, *index);
}

static pmml_truth truth(int b) { return b ? PMML_TRUE : PMML_FALSE; }

static pmml_truth eval_compound(const pmml_preds *p, const pmml_pred *q,
                                const double *x) {
    pmml_truth acc = q->op == OP_AND ? PMML_TRUE : PMML_FALSE;
    for (uint32_t i = q->first; i < q->first + q->count; i++) {
        pmml_truth t = pmml_predicate_eval(p, i, x);
        switch (q->op) {
        case OP_AND:   /* false wins; else unknown taints */
            if (t == PMML_FALSE) return PMML_FALSE;
            if (t == PMML_UNKNOWN) acc = PMML_UNKNOWN;
            break;
        case OP_OR:    /* true wins; else unknown taints */
            if (t == PMML_TRUE) return PMML_TRUE;
            if (t == PMML_UNKNOWN) acc = PMML_UNKNOWN;
            break;
        case OP_XOR:   /* any unknown makes the parity unknown */
            if (t == PMML_UNKNOWN) return PMML_UNKNOWN;
            acc = truth(acc != t);
            break;
        default:       /* surrogate: the first answer that is known */
            if (t != PMML_UNKNOWN) return t;
            acc = PMML_UNKNOWN;
            break;
        }
    }
    return acc;
}

pmml_truth pmml_predicate_eval(const pmml_preds *p, uint32_t index,
                               const double *x) {
    const pmml_pred *q = &p->preds[index];
    if (q->op >= OP_AND) {
        if (q->op == OP_TRUE) return PMML_TRUE;
        if (q->op == OP_FALSE) return PMML_FALSE;
        return eval_compound(p, q, x);
    }
    double v = x[q->slot];
    if (q->op == OP_IS_MISSING) return truth(isnan(v));
    if (q->op == OP_IS_NOT_MISSING) return truth(!isnan(v));
    if (isnan(v)) return PMML_UNKNOWN;
    switch (q->op) {
    case OP_EQUAL:            return truth(v == q->value);
    case OP_NOT_EQUAL:        return truth(v != q->value);
    case OP_LESS_THAN:        return truth(v < q->value);
    case OP_LESS_OR_EQUAL:    return truth(v <= q->value);
    case OP_GREATER_THAN:     return truth(v > q->value);
    case OP_GREATER_OR_EQUAL: return truth(v >= q->value);
    default: {                /* isIn / isNotIn */
        int found = 0;
        for (uint32_t i = q->first; i < q->first + q->count && !found; i++)
            found = v == p->values.v[i];
        return truth(found == (q->op == OP_IS_IN));
    }
    }
}

void pmml_preds_free(pmml_preds *p) {
    free(p->preds);
    free(p->values.v);
    memset(p, 0, sizeof *p);
}
