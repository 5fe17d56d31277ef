/*
 * pmml_expr.c - PMML expressions (the bodies of DerivedFields and
 * DefineFunctions) compiled into an array of nodes and evaluated over
 * numbers.
 *
 * A node is an operator with its operands: a field slot, a constant, a
 * range of child node indexes in kids[], or a range of numbers in data[]
 * (Discretize bins, MapValues rows). A MapValues reads its input fields
 * through FieldRef nodes, one per FieldColumnPair, and a row is those
 * columns' values then the output column's: it matches when every input
 * equals its column. Children are compiled before their parent, so the array is in evaluation order and a node only points
 * back. A call of a DefineFunction is inlined: its body is compiled with
 * each ParameterField standing for the node of the argument passed, so
 * functions cost nothing at scoring and cannot recurse (a function that
 * calls itself hits the nesting limit at load).
 *
 * Values are doubles and NaN is missing, as in records; booleans are 1
 * and 0. A string is its code in the document's string table
 * (pmml_strings.c): every node has a type (PMML_T_*) fixed at load, so a
 * string is never read as a number nor a number as a string; equality,
 * isIn, if, MapValues and NormDiscrete compare codes, and the string
 * built-ins are table lookups (pmml_strfn.c). Dates are refused at load.
 * Apply follows PMML 4.4: when an argument is
 * missing the result is mapMissingTo (or missing), except for the
 * functions that look at missingness (isMissing, isNotMissing, if,
 * isValid, isNotValid);
 * a result that is not a number (ln(-1), x/0) is invalid and handled by
 * invalidValueTreatment (returnInvalid fails the record, asMissing makes
 * it missing); a missing result becomes defaultValue when there is one.
 * isValid and isNotValid take a field and judge the value the model sees
 * (after its MiningField treatments) by the field's DataField
 * declarations, with pmml_prep.c's rules; a missing value is neither
 * valid nor invalid, so both are false for it, as in JPMML.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 32            /* per Apply: their values live on the stack */
#define MAX_INLINE_DEPTH 16    /* DefineFunction calls nested in calls */

enum fn {
    F_ADD, F_SUB, F_MUL, F_DIV, F_MIN, F_MAX, F_SUM, F_AVG, F_MEDIAN,
    F_PRODUCT, F_LOG10, F_LN, F_SQRT, F_ABS, F_EXP, F_POW, F_THRESHOLD,
    F_FLOOR, F_CEIL, F_ROUND, F_RINT, F_MODULO, F_EXPM1, F_LN1P, F_HYPOT,
    F_SIN, F_COS, F_TAN, F_ASIN, F_ACOS, F_ATAN, F_ATAN2, F_SINH, F_COSH,
    F_TANH, F_ERF, F_STD_NORMAL_CDF, F_STD_NORMAL_PDF, F_NORMAL_CDF,
    F_NORMAL_PDF, F_EQUAL, F_NOT_EQUAL, F_LESS_THAN, F_LESS_OR_EQUAL,
    F_GREATER_THAN, F_GREATER_OR_EQUAL, F_AND, F_OR, F_NOT, F_IS_IN,
    F_IS_NOT_IN, F_IF, F_IS_MISSING, F_IS_NOT_MISSING, F_IS_VALID,
    F_IS_NOT_VALID
};

static const struct {
    const char *name;
    int fn, min, max;     /* argument count; max -1: up to MAX_ARGS */
} functions[] = {
    {"+", F_ADD, 2, 2}, {"-", F_SUB, 2, 2}, {"*", F_MUL, 2, 2},
    {"/", F_DIV, 2, 2}, {"min", F_MIN, 1, -1}, {"max", F_MAX, 1, -1},
    {"sum", F_SUM, 1, -1}, {"avg", F_AVG, 1, -1},
    {"median", F_MEDIAN, 1, -1}, {"product", F_PRODUCT, 1, -1},
    {"log10", F_LOG10, 1, 1}, {"ln", F_LN, 1, 1}, {"sqrt", F_SQRT, 1, 1},
    {"abs", F_ABS, 1, 1}, {"exp", F_EXP, 1, 1}, {"pow", F_POW, 2, 2},
    {"threshold", F_THRESHOLD, 2, 2}, {"floor", F_FLOOR, 1, 1},
    {"ceil", F_CEIL, 1, 1}, {"round", F_ROUND, 1, 1}, {"rint", F_RINT, 1, 1},
    {"modulo", F_MODULO, 2, 2}, {"expm1", F_EXPM1, 1, 1},
    {"ln1p", F_LN1P, 1, 1}, {"hypot", F_HYPOT, 2, 2}, {"sin", F_SIN, 1, 1},
    {"cos", F_COS, 1, 1}, {"tan", F_TAN, 1, 1}, {"asin", F_ASIN, 1, 1},
    {"acos", F_ACOS, 1, 1}, {"atan", F_ATAN, 1, 1},
    {"atan2", F_ATAN2, 2, 2}, {"sinh", F_SINH, 1, 1},
    {"cosh", F_COSH, 1, 1}, {"tanh", F_TANH, 1, 1}, {"erf", F_ERF, 1, 1},
    {"stdNormalCDF", F_STD_NORMAL_CDF, 1, 1},
    {"stdNormalPDF", F_STD_NORMAL_PDF, 1, 1},
    {"normalCDF", F_NORMAL_CDF, 3, 3}, {"normalPDF", F_NORMAL_PDF, 3, 3},
    {"equal", F_EQUAL, 2, 2}, {"notEqual", F_NOT_EQUAL, 2, 2},
    {"lessThan", F_LESS_THAN, 2, 2}, {"lessOrEqual", F_LESS_OR_EQUAL, 2, 2},
    {"greaterThan", F_GREATER_THAN, 2, 2},
    {"greaterOrEqual", F_GREATER_OR_EQUAL, 2, 2},
    {"and", F_AND, 2, -1}, {"or", F_OR, 2, -1}, {"not", F_NOT, 1, 1},
    {"isIn", F_IS_IN, 2, -1}, {"isNotIn", F_IS_NOT_IN, 2, -1},
    {"if", F_IF, 2, 3}, {"isMissing", F_IS_MISSING, 1, 1},
    {"isNotMissing", F_IS_NOT_MISSING, 1, 1},
    {"isValid", F_IS_VALID, 1, 1}, {"isNotValid", F_IS_NOT_VALID, 1, 1},
};
#define NFUNCTIONS (sizeof functions / sizeof *functions)

enum { INVALID_RETURN, INVALID_AS_IS, INVALID_AS_MISSING };

/* ---- evaluation -------------------------------------------------------- */

static double eval(const pmml_exprs *e, uint32_t i, const double *x,
                   int *invalid);

static double median_of(double *v, int n) {
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double std_normal_pdf(double x) {
    return exp(-x * x / 2) / sqrt(2 * M_PI);
}

/* The function of fn over arguments v[0..n), none of them missing. */
static double apply(int fn, double *v, int n) {
    double acc;
    switch (fn) {
    case F_ADD: return v[0] + v[1];
    case F_SUB: return v[0] - v[1];
    case F_MUL: return v[0] * v[1];
    case F_DIV: return v[0] / v[1];
    case F_MIN:
    case F_MAX:
        acc = v[0];
        for (int i = 1; i < n; i++)
            acc = (fn == F_MIN ? v[i] < acc : v[i] > acc) ? v[i] : acc;
        return acc;
    case F_SUM:
    case F_AVG:
        acc = 0;
        for (int i = 0; i < n; i++) acc += v[i];
        return fn == F_SUM ? acc : acc / n;
    case F_MEDIAN: return median_of(v, n);
    case F_PRODUCT:
        acc = 1;
        for (int i = 0; i < n; i++) acc *= v[i];
        return acc;
    case F_LOG10: return log10(v[0]);
    case F_LN: return log(v[0]);
    case F_SQRT: return sqrt(v[0]);
    case F_ABS: return fabs(v[0]);
    case F_EXP: return exp(v[0]);
    case F_POW: return pow(v[0], v[1]);
    case F_THRESHOLD: return v[0] > v[1];
    case F_FLOOR: return floor(v[0]);
    case F_CEIL: return ceil(v[0]);
    case F_ROUND: return floor(v[0] + 0.5);   /* Java's Math.round */
    case F_RINT: return nearbyint(v[0]);      /* half to even */
    case F_MODULO: return v[0] - floor(v[0] / v[1]) * v[1];
    case F_EXPM1: return expm1(v[0]);
    case F_LN1P: return log1p(v[0]);
    case F_HYPOT: return hypot(v[0], v[1]);
    case F_SIN: return sin(v[0]);
    case F_COS: return cos(v[0]);
    case F_TAN: return tan(v[0]);
    case F_ASIN: return asin(v[0]);
    case F_ACOS: return acos(v[0]);
    case F_ATAN: return atan(v[0]);
    case F_ATAN2: return atan2(v[0], v[1]);
    case F_SINH: return sinh(v[0]);
    case F_COSH: return cosh(v[0]);
    case F_TANH: return tanh(v[0]);
    case F_ERF: return erf(v[0]);
    case F_STD_NORMAL_CDF: return pmml_normal_cdf(v[0]);
    case F_STD_NORMAL_PDF: return std_normal_pdf(v[0]);
    case F_NORMAL_CDF: return pmml_normal_cdf((v[0] - v[1]) / v[2]);
    case F_NORMAL_PDF: return std_normal_pdf((v[0] - v[1]) / v[2]) / v[2];
    case F_EQUAL: return v[0] == v[1];
    case F_NOT_EQUAL: return v[0] != v[1];
    case F_LESS_THAN: return v[0] < v[1];
    case F_LESS_OR_EQUAL: return v[0] <= v[1];
    case F_GREATER_THAN: return v[0] > v[1];
    case F_GREATER_OR_EQUAL: return v[0] >= v[1];
    case F_AND:
    case F_OR:
        for (int i = 0; i < n; i++)
            if ((v[i] != 0) == (fn == F_OR)) return fn == F_OR;
        return fn == F_AND;
    case F_NOT: return v[0] == 0;
    default: {                                /* isIn, isNotIn */
        int found = 0;
        for (int i = 1; i < n && !found; i++) found = v[0] == v[i];
        return found == (fn == F_IS_IN);
    }
    }
}

/* isValid / isNotValid of the field in nd->slot; naux 0: the field
 * declares nothing, every value is valid. */
static double eval_validity(const pmml_exprs *e, const pmml_enode *nd,
                            const double *x) {
    double v = x[nd->slot];
    int missing = 0;
    if (isnan(v)) return 0;
    int valid = !nd->naux ||
                pmml_prep_is_valid(e, &e->checks[nd->aux], v, &missing);
    if (missing) return 0;
    return valid == (nd->fn == F_IS_VALID);
}

static double eval_apply(const pmml_exprs *e, const pmml_enode *nd,
                         const double *x, int *invalid) {
    const uint32_t *kids = e->kids + nd->first;
    double v[MAX_ARGS];
    int n = (int)nd->count;
    /* compile_apply() gives every Apply 1 to MAX_ARGS arguments, each
     * function as many as it takes; checked here so that the reads of
     * v[] below are visibly in bounds. */
    if (n < 1 || n > MAX_ARGS) return NAN;
    if (nd->fn == F_IF) {
        double c = eval(e, kids[0], x, invalid);
        if (isnan(c)) return nd->missing_to;
        if (c != 0) return eval(e, kids[1], x, invalid);
        return n > 2 ? eval(e, kids[2], x, invalid) : NAN;
    }
    if (nd->fn == F_IS_MISSING || nd->fn == F_IS_NOT_MISSING)
        return isnan(eval(e, kids[0], x, invalid)) == (nd->fn == F_IS_MISSING);
    if (nd->fn == F_IS_VALID || nd->fn == F_IS_NOT_VALID)
        return eval_validity(e, nd, x);
    for (int i = 0; i < n; i++) {
        v[i] = eval(e, kids[i], x, invalid);
        if (isnan(v[i])) return nd->missing_to;
    }
    /* Functions of fixed arity (up to 3: normalCDF) read v[0..2]; their
     * count was checked at load, and the padding keeps every read of a
     * fixed position defined whatever the node says. */
    for (int i = n; i < 3; i++) v[i] = NAN;
    double r = nd->op == PMML_E_STRFN ? pmml_strfn_score(e, nd, v)
                                      : apply(nd->fn, v, n);
    if (isfinite(r)) return r;
    if (nd->invalid == INVALID_RETURN) *invalid = 1;
    return nd->invalid == INVALID_AS_IS ? r : NAN;
}

/* Discretize bins: (left, right, closure, binValue) per bin. */
static double eval_discretize(const pmml_exprs *e, const pmml_enode *nd,
                              double v) {
    for (uint32_t b = 0; b < nd->naux; b++) {
        const double *bin = e->data.v + nd->aux + 4 * (size_t)b;
        int closure = (int)bin[2];   /* bit 1: left closed, bit 0: right */
        int left = closure & 2 ? v >= bin[0] : v > bin[0];
        int right = closure & 1 ? v <= bin[1] : v < bin[1];
        if (left && right) return bin[3];
    }
    return nd->dflt;
}

/* MapValues: count inputs (kids), naux rows of count + 1 numbers. */
static double eval_map_values(const pmml_exprs *e, const pmml_enode *nd,
                              const double *x, int *invalid) {
    double in[MAX_ARGS];
    size_t k = nd->count;
    for (size_t i = 0; i < k; i++) {
        in[i] = eval(e, e->kids[nd->first + i], x, invalid);
        if (isnan(in[i])) return nd->missing_to;
    }
    for (uint32_t row = 0; row < nd->naux; row++) {
        const double *cells = e->data.v + nd->aux + (k + 1) * (size_t)row;
        size_t i = 0;
        while (i < k && cells[i] == in[i]) i++;
        if (i == k) return cells[k];
    }
    return nd->dflt;
}

static double eval(const pmml_exprs *e, uint32_t i, const double *x,
                   int *invalid) {
    const pmml_enode *nd = &e->nodes[i];
    double v, r;
    switch (nd->op) {
    case PMML_E_CONST: return nd->value;
    case PMML_E_FIELD:
        v = x[nd->slot];
        return isnan(v) ? nd->missing_to : v;
    case PMML_E_APPLY:
    case PMML_E_STRFN:
        r = eval_apply(e, nd, x, invalid);
        return isnan(r) ? nd->dflt : r;
    case PMML_E_MAP_VALUES: return eval_map_values(e, nd, x, invalid);
    default: break;
    }
    v = x[nd->slot];
    if (isnan(v)) return nd->missing_to;
    switch (nd->op) {
    case PMML_E_NORM_CONT: return pmml_normcont_eval(&e->norms[nd->aux], v);
    case PMML_E_NORM_DISC: return v == nd->value;
    default: return eval_discretize(e, nd, v);
    }
}

double pmml_expr_eval(const pmml_exprs *e, uint32_t root, const double *x,
                      int *invalid) {
    return eval(e, root, x, invalid);
}

int pmml_expr_type(const pmml_exprs *e, uint32_t root) {
    return e->nodes[root].type;
}

void pmml_exprs_free(pmml_exprs *e) {
    for (size_t i = 0; i < e->nnorms; i++) pmml_normcont_free(&e->norms[i]);
    free(e->norms);
    free(e->nodes);
    free(e->kids);
    free(e->data.v);
    free(e->rules);
    free(e->checks);
    memset(e, 0, sizeof *e);
}

/* ---- compiling --------------------------------------------------------- */

/* What a DefineFunction body sees: its parameters, bound to the nodes of
 * the arguments of the call being inlined. */
typedef struct scope {
    const char **names;
    const uint32_t *nodes;
    size_t n;
    int depth;
} scope;

static int compile(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                   const scope *sc, uint32_t *out);

static int add_node(pmml_ctx *ctx, pmml_exprs *e, const pmml_enode *nd,
                    uint32_t *out) {
    if (pmml_grow(ctx, (void **)&e->nodes, &e->cap, e->n + 1,
                  sizeof *e->nodes) < 0)
        return -1;
    e->nodes[e->n] = *nd;
    *out = (uint32_t)e->n++;
    return 0;
}

static int add_data(pmml_ctx *ctx, pmml_exprs *e, double v) {
    if (pmml_grow(ctx, (void **)&e->data.v, &e->data.cap, e->data.n + 1,
                  sizeof *e->data.v) < 0)
        return -1;
    e->data.v[e->data.n++] = v;
    return 0;
}

/* A fallback attribute in the node's type (NaN when absent). */
static int read_typed(pmml_ctx *ctx, const xmlNode *el, const char *name,
                      int type, double *v) {
    const char *text = pmml_attr(ctx, el, name);
    *v = NAN;
    if (!text) return ctx->oom ? -1 : 0;
    return pmml_operand(ctx, el, type, text, v);
}

int pmml_expr_fallbacks(pmml_ctx *ctx, const xmlNode *el, pmml_enode *nd) {
    return read_typed(ctx, el, "mapMissingTo", nd->type, &nd->missing_to) < 0 ||
                   read_typed(ctx, el, "defaultValue", nd->type, &nd->dflt) < 0
               ? -1 : 0;
}

/* Whether el declares dataType="string". */
static int string_typed(pmml_ctx *ctx, const xmlNode *el) {
    const char *t = pmml_attr(ctx, el, "dataType");
    return t && strcmp(t, "string") == 0;
}

/* The type of the values an element lists (MapValues cells, Discretize
 * bins): strings when it says dataType="string", or when it says nothing
 * and the first of them (text) is not a number. */
static int listed_type(pmml_ctx *ctx, const xmlNode *el, const char *text);

/* Ends the domain begun at start with node nd's fallbacks and gives it to
 * the node at index node of e. */
static int end_domain(pmml_ctx *ctx, const pmml_exprs *e, uint32_t node,
                      const pmml_enode *nd, size_t start) {
    if (pmml_domain_add(ctx, start, nd->missing_to) < 0 ||
        pmml_domain_add(ctx, start, nd->dflt) < 0)
        return -1;
    return pmml_domain_set(ctx, e, node, start,
                           pmml_domain_begin(ctx) - start);
}

/* A closed string node's domain from cells of data: n values at
 * data[at + k * stride]. */
static int data_domain(pmml_ctx *ctx, const pmml_exprs *e, uint32_t node,
                       size_t at, size_t stride, size_t n) {
    const pmml_enode *nd = &e->nodes[node];
    size_t start = pmml_domain_begin(ctx);
    if (nd->type != PMML_T_STRING) return 0;
    for (size_t k = 0; k < n; k++)
        if (pmml_domain_add(ctx, start, e->data.v[at + k * stride]) < 0)
            return -1;
    return end_domain(ctx, e, node, nd, start);
}

/* A closed string node's domain: the union of the domains of nodes
 * src[0..n); none when one of them has none. */
static int union_domain(pmml_ctx *ctx, const pmml_exprs *e, uint32_t node,
                        const uint32_t *src, size_t n) {
    const pmml_enode *nd = &e->nodes[node];
    size_t start = pmml_domain_begin(ctx);
    for (size_t k = 0; k < n; k++) {
        uint32_t first, count;
        if (pmml_domain_of(ctx, e, src[k], &first, &count) < 0) return 0;
        for (uint32_t i = first; i < first + count; i++)
            if (pmml_domain_add(ctx, start, pmml_domain_code(ctx, i)) < 0)
                return -1;
    }
    return end_domain(ctx, e, node, nd, start);
}

static int listed_type(pmml_ctx *ctx, const xmlNode *el, const char *text) {
    double ignored;
    if (string_typed(ctx, el)) return PMML_T_STRING;
    if (!pmml_attr(ctx, el, "dataType") && text &&
        pmml_parse_double(text, &ignored) < 0)
        return PMML_T_STRING;
    return PMML_T_NUMBER;
}

/* The slot of the field named by attribute attr. */
static int field_slot(pmml_ctx *ctx, const xmlNode *el, const char *attr,
                      int32_t *slot) {
    int s;
    if (pmml_input_slot(ctx, el, attr, &s, NULL) < 0) return -1;
    *slot = s;
    return 0;
}

static int compile_field_ref(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                             const scope *sc, uint32_t *out) {
    pmml_enode nd = {.op = PMML_E_FIELD, .dflt = NAN};
    const char *name = pmml_attr_req(ctx, el, "field");
    int slot;
    pmml_field info;
    if (!name) return -1;
    for (size_t i = 0; sc && i < sc->n; i++) {
        if (strcmp(sc->names[i], name) != 0) continue;
        if (!pmml_attr(ctx, el, "mapMissingTo") && !ctx->oom) {
            *out = sc->nodes[i];       /* the argument itself */
            return 0;
        }
        return pmml_fail(ctx, el, "FieldRef mapMissingTo on a function "
                                  "parameter is not supported");
    }
    if (pmml_input_field(ctx, el, "field", &slot, &info) < 0) return -1;
    nd.slot = slot;
    nd.type = (uint8_t)info.type;
    nd.missing_to = NAN;
    if (read_typed(ctx, el, "mapMissingTo", info.type, &nd.missing_to) < 0 ||
        add_node(ctx, e, &nd, out) < 0)
        return -1;
    if (info.type != PMML_T_STRING) return 0;
    size_t start = pmml_domain_begin(ctx);
    for (uint32_t i = info.dom_first; i < info.dom_first + info.dom_count; i++)
        if (pmml_domain_add(ctx, start, pmml_domain_code(ctx, i)) < 0)
            return -1;
    return end_domain(ctx, e, *out, &nd, start);
}

static int compile_constant(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                            uint32_t *out) {
    static const char *const booleans[] = {"false", "true", NULL};
    pmml_enode nd = {.op = PMML_E_CONST, .value = NAN, .missing_to = NAN,
                     .dflt = NAN};
    int missing;
    if (pmml_attr_enum(ctx, el, "missing", booleans, 0, &missing) < 0)
        return -1;
    if (string_typed(ctx, el)) nd.type = PMML_T_STRING;
    if (!missing) {
        xmlChar *text = xmlNodeGetContent(el);
        if (!text) {
            ctx->oom = 1;
            return pmml_fail(ctx, el, "out of memory");
        }
        /* A Constant without a dataType is a number if it reads as one,
         * as JPMML infers it. */
        if (pmml_parse_double((const char *)text, &nd.value) < 0 &&
            !pmml_attr(ctx, el, "dataType"))
            nd.type = PMML_T_STRING;
        int rc = nd.type == PMML_T_STRING
                     ? pmml_string_code(ctx, el, (const char *)text, &nd.value)
                     : pmml_operand(ctx, el, PMML_T_NUMBER,
                                    (const char *)text, &nd.value);
        xmlFree(text);
        if (rc < 0) return -1;
    }
    if (add_node(ctx, e, &nd, out) < 0) return -1;
    if (nd.type != PMML_T_STRING) return 0;
    size_t start = pmml_domain_begin(ctx);
    return pmml_domain_add(ctx, start, nd.value) < 0
               ? -1 : end_domain(ctx, e, *out, &nd, start);
}

static int compile_norm_cont(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                             uint32_t *out) {
    pmml_enode nd = {.op = PMML_E_NORM_CONT, .dflt = NAN};
    if (field_slot(ctx, el, "field", &nd.slot) < 0 ||
        pmml_grow(ctx, (void **)&e->norms, &e->capnorms, e->nnorms + 1,
                  sizeof *e->norms) < 0)
        return -1;
    pmml_normcont *nc = &e->norms[e->nnorms];
    memset(nc, 0, sizeof *nc);
    e->nnorms++;                   /* freed with e even if compiling fails */
    if (pmml_normcont_compile(ctx, el, 0, nc) < 0) return -1;
    nd.aux = (uint32_t)(e->nnorms - 1);
    nd.missing_to = nc->missing_to;
    return add_node(ctx, e, &nd, out);
}

static int compile_norm_disc(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                             uint32_t *out) {
    pmml_enode nd = {.op = PMML_E_NORM_DISC, .dflt = NAN};
    int slot;
    pmml_field info;
    const char *value;
    if (pmml_input_field(ctx, el, "field", &slot, &info) < 0 ||
        !(value = pmml_attr_req(ctx, el, "value")) ||
        pmml_operand(ctx, el, info.type, value, &nd.value) < 0 ||
        pmml_expr_fallbacks(ctx, el, &nd) < 0)   /* the result is a number */
        return -1;
    nd.slot = slot;
    return add_node(ctx, e, &nd, out);
}

static int compile_bin(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *bin,
                       int type) {
    static const char *const closures[] = {"openOpen", "openClosed",
                                           "closedOpen", "closedClosed",
                                           NULL};
    const xmlNode *iv = pmml_elem(bin->children);
    double value, left, right;
    int closure;
    const char *text;
    if (!pmml_is(bin, "DiscretizeBin")) return pmml_unsupported(ctx, bin);
    if (!pmml_is(iv, "Interval"))
        return pmml_fail(ctx, bin, "DiscretizeBin has no Interval");
    if (!(text = pmml_attr_req(ctx, bin, "binValue")) ||
        pmml_operand(ctx, bin, type, text, &value) < 0 ||
        pmml_attr_enum_req(ctx, iv, "closure", closures, &closure) < 0 ||
        pmml_attr_double(ctx, iv, "leftMargin", -INFINITY, &left) < 0 ||
        pmml_attr_double(ctx, iv, "rightMargin", INFINITY, &right) < 0)
        return -1;
    /* openOpen 0, openClosed 1, closedOpen 2, closedClosed 3: bit 1 is a
     * closed left end, bit 0 a closed right end. */
    if (add_data(ctx, e, left) < 0 || add_data(ctx, e, right) < 0 ||
        add_data(ctx, e, closure) < 0 || add_data(ctx, e, value) < 0)
        return -1;
    return 0;
}

static int compile_discretize(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                              uint32_t *out) {
    pmml_enode nd = {.op = PMML_E_DISCRETIZE};
    const xmlNode *first = pmml_elem(el->children);
    nd.type = (uint8_t)listed_type(ctx, el, first ? pmml_attr(ctx, first,
                                                              "binValue")
                                                  : NULL);
    if (field_slot(ctx, el, "field", &nd.slot) < 0 ||
        pmml_expr_fallbacks(ctx, el, &nd) < 0)
        return -1;
    nd.aux = (uint32_t)e->data.n;
    for (const xmlNode *b = first; b; b = pmml_elem(b->next)) {
        if (compile_bin(ctx, e, b, nd.type) < 0) return -1;
        nd.naux++;
    }
    if (add_node(ctx, e, &nd, out) < 0) return -1;
    return data_domain(ctx, e, *out, nd.aux + 3, 4, nd.naux);
}

/* The text of the child element named column of an InlineTable row
 * (the caller xmlFree()s it), or NULL with ctx->err filled. */
static xmlChar *cell_text(pmml_ctx *ctx, const xmlNode *row,
                          const char *column) {
    for (const xmlNode *c = pmml_elem(row->children); c; c = pmml_elem(c->next)) {
        if (!pmml_is(c, column)) continue;
        xmlChar *text = xmlNodeGetContent(c);
        if (!text) {
            ctx->oom = 1;
            pmml_fail(ctx, c, "out of memory");
        }
        return text;
    }
    pmml_fail(ctx, row, "InlineTable row has no '%s' column", column);
    return NULL;
}

/* The value, of type, in the child element named column of a row. */
static int row_cell(pmml_ctx *ctx, const xmlNode *row, const char *column,
                    int type, double *v) {
    xmlChar *text = cell_text(ctx, row, column);
    if (!text) return -1;
    int rc = pmml_operand(ctx, row, type, (const char *)text, v);
    xmlFree(text);
    return rc;
}

/* Adds the nodes n[0 .. count) as kids; *first gets where they start. */
static int add_kids(pmml_ctx *ctx, pmml_exprs *e, const uint32_t *n,
                    size_t count, uint32_t *first) {
    *first = (uint32_t)e->nkids;
    if (count == 0) return 0;   /* kids may still be NULL */
    if (pmml_grow(ctx, (void **)&e->kids, &e->capkids, e->nkids + count,
                  sizeof *e->kids) < 0)
        return -1;
    memcpy(e->kids + e->nkids, n, count * sizeof *n);
    e->nkids += count;
    return 0;
}

static int compile_map_values(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                              uint32_t *out) {
    pmml_enode nd = {.op = PMML_E_MAP_VALUES};
    const char *output = pmml_attr_req(ctx, el, "outputColumn");
    const char *columns[MAX_ARGS];
    int types[MAX_ARGS + 1];
    uint32_t inputs[MAX_ARGS];
    size_t k = 0;
    const xmlNode *c = pmml_elem(el->children);
    if (!output) return -1;
    for (; pmml_is(c, "FieldColumnPair"); c = pmml_elem(c->next)) {
        pmml_enode field = {.op = PMML_E_FIELD, .missing_to = NAN, .dflt = NAN};
        int slot;
        pmml_field info;
        if (k == MAX_ARGS)
            return pmml_fail(ctx, c, "MapValues has more than %d "
                                     "FieldColumnPairs", MAX_ARGS);
        if (!(columns[k] = pmml_attr_req(ctx, c, "column")) ||
            pmml_input_field(ctx, c, "field", &slot, &info) < 0)
            return -1;
        types[k] = info.type;
        field.slot = slot;
        field.type = (uint8_t)types[k];
        if (add_node(ctx, e, &field, &inputs[k]) < 0) return -1;
        k++;
    }
    if (k == 0) return pmml_fail(ctx, el, "MapValues has no FieldColumnPair");
    if (!pmml_is(c, "InlineTable"))
        return c ? pmml_unsupported(ctx, c)
                 : pmml_fail(ctx, el, "MapValues has no InlineTable");
    /* The output column's type: from dataType, else its first cell. */
    const xmlNode *first = pmml_elem(c->children);
    xmlChar *text = pmml_is(first, "row") ? cell_text(ctx, first, output)
                                          : NULL;
    nd.type = (uint8_t)listed_type(ctx, el, (const char *)text);
    xmlFree(text);
    if (ctx->oom || pmml_expr_fallbacks(ctx, el, &nd) < 0) return -1;
    types[k] = nd.type;
    nd.count = (uint32_t)k;
    if (add_kids(ctx, e, inputs, k, &nd.first) < 0) return -1;
    nd.aux = (uint32_t)e->data.n;
    for (const xmlNode *row = pmml_elem(c->children); row;
         row = pmml_elem(row->next)) {
        double v;
        if (!pmml_is(row, "row")) return pmml_unsupported(ctx, row);
        for (size_t i = 0; i <= k; i++)
            if (row_cell(ctx, row, i < k ? columns[i] : output, types[i],
                         &v) < 0 ||
                add_data(ctx, e, v) < 0)
                return -1;
        nd.naux++;
    }
    if (add_node(ctx, e, &nd, out) < 0) return -1;
    return data_domain(ctx, e, *out, nd.aux + k, k + 1, nd.naux);
}

static const xmlNode *find_function(pmml_ctx *ctx, const char *name) {
    if (!ctx->transforms) return NULL;
    for (const xmlNode *d = pmml_elem(ctx->transforms->children); d;
         d = pmml_elem(d->next)) {
        if (!pmml_is(d, "DefineFunction")) continue;
        const char *n = pmml_attr(ctx, d, "name");
        if (n && strcmp(n, name) == 0) return d;
    }
    return NULL;
}

/* Inlines a DefineFunction: its ParameterFields name args[] in order. */
static int inline_call(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *call,
                       const xmlNode *def, const uint32_t *args, size_t n,
                       const scope *outer, uint32_t *out) {
    const char *names[MAX_ARGS];
    size_t nparams = 0;
    const xmlNode *body = NULL;
    int depth = outer ? outer->depth + 1 : 1;
    if (depth > MAX_INLINE_DEPTH)
        return pmml_fail(ctx, call, "DefineFunction calls nest more than %d "
                                    "deep (a recursive function?)",
                         MAX_INLINE_DEPTH);
    for (const xmlNode *c = pmml_elem(def->children); c; c = pmml_elem(c->next)) {
        if (pmml_is(c, "ParameterField")) {
            if (nparams == MAX_ARGS)
                return pmml_fail(ctx, c, "DefineFunction has more than %d "
                                         "parameters", MAX_ARGS);
            if (!(names[nparams++] = pmml_attr_req(ctx, c, "name")))
                return -1;
        } else if (body) {
            return pmml_unsupported(ctx, c);
        } else {
            body = c;
        }
    }
    if (!body) return pmml_fail(ctx, def, "DefineFunction has no expression");
    if (nparams != n)
        return pmml_fail(ctx, call, "function '%s' takes %zu arguments, not "
                                    "%zu", pmml_attr(ctx, def, "name"),
                         nparams, n);
    scope sc = {.names = names, .nodes = args, .n = n, .depth = depth};
    return compile(ctx, e, body, &sc, out);
}

static int lookup_builtin(pmml_ctx *ctx, const xmlNode *el, const char *name,
                          size_t n, int *index) {
    for (size_t i = 0; i < NFUNCTIONS; i++) {
        if (strcmp(functions[i].name, name) != 0) continue;
        int max = functions[i].max < 0 ? MAX_ARGS : functions[i].max;
        if ((int)n < functions[i].min || (int)n > max)
            return pmml_fail(ctx, el, "function '%s' takes %d to %d "
                                      "arguments, not %zu", name,
                             functions[i].min, max, n);
        *index = (int)i;
        return 0;
    }
    return pmml_fail(ctx, el, "function '%s' is not supported (neither a "
                              "built-in nor a DefineFunction)", name);
}

/* The types of a built-in's arguments, and so of its result (nd->type):
 * isMissing and the like take anything; equality and isIn compare
 * numbers with numbers or strings with strings, of which one at most may
 * be a string the document does not know (two unknown strings would
 * compare equal as codes); if chooses between values of one kind; every
 * other built-in takes numbers. */
static int check_types(pmml_ctx *ctx, const pmml_exprs *e, const xmlNode *el,
                       const char *name, const uint32_t *args, size_t n,
                       pmml_enode *nd) {
    int strings = 0, open = 0;
    size_t from = nd->fn == F_IF ? 1 : 0;
    if (n < 1) return 0;   /* every built-in takes an argument at least */
    switch (nd->fn) {
    case F_IS_MISSING: case F_IS_NOT_MISSING: case F_IS_VALID:
    case F_IS_NOT_VALID:
        return 0;
    default: break;
    }
    if (nd->fn == F_IF && e->nodes[args[0]].type != PMML_T_NUMBER)
        return pmml_fail(ctx, el, "the condition of 'if' is a string");
    for (size_t i = from; i < n; i++) {
        int t = e->nodes[args[i]].type;
        strings += t != PMML_T_NUMBER;
        open += t == PMML_T_OPEN;
    }
    int compares = nd->fn == F_EQUAL || nd->fn == F_NOT_EQUAL ||
                   nd->fn == F_IS_IN || nd->fn == F_IS_NOT_IN;
    if (!strings) return 0;
    if (!compares && nd->fn != F_IF)
        return pmml_fail(ctx, el, "function '%s' takes numbers, and an "
                                  "argument is a string", name);
    if ((size_t)strings != n - from)
        return pmml_fail(ctx, el, "function '%s' mixes strings and "
                                  "numbers", name);
    if (compares && open > 1)
        return pmml_fail(ctx, el, "function '%s' compares two strings the "
                                  "document cannot list (fields without "
                                  "valid Values)", name);
    if (nd->fn == F_IF)
        nd->type = open ? PMML_T_OPEN : PMML_T_STRING;
    return 0;
}

/* isValid / isNotValid judge a field's value: the argument must be one
 * (arg is its node); nd gets the field's declarations. */
static int bind_validity(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                         const char *name, const uint32_t *args, size_t n,
                         pmml_enode *nd) {
    pmml_validity vd;
    const pmml_enode *arg = n == 1 ? &e->nodes[args[0]] : NULL;
    if (!arg || arg->op != PMML_E_FIELD)
        return pmml_fail(ctx, el, "function '%s' takes a field (a "
                                  "FieldRef), not an expression", name);
    nd->slot = arg->slot;
    if (!pmml_prep_validity(ctx, arg->slot, &vd)) return 0;
    if (pmml_grow(ctx, (void **)&e->checks, &e->capchecks, e->nchecks + 1,
                  sizeof *e->checks) < 0)
        return -1;
    e->checks[e->nchecks] = vd;
    nd->aux = (uint32_t)e->nchecks++;
    nd->naux = 1;
    return 0;
}

static int compile_apply(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                         const scope *sc, uint32_t *out) {
    static const char *const treatments[] = {"returnInvalid", "asIs",
                                             "asMissing", NULL};
    pmml_enode nd = {.op = PMML_E_APPLY};
    uint32_t args[MAX_ARGS];
    size_t n = 0;
    int inv;
    const char *name = pmml_attr_req(ctx, el, "function");
    if (!name ||
        pmml_attr_enum(ctx, el, "invalidValueTreatment", treatments,
                       INVALID_RETURN, &inv) < 0)
        return -1;
    nd.invalid = inv;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (n == MAX_ARGS)
            return pmml_fail(ctx, c, "Apply has more than %d arguments",
                             MAX_ARGS);
        if (compile(ctx, e, c, sc, &args[n++]) < 0) return -1;
    }
    const xmlNode *def = find_function(ctx, name);
    if (def) {
        uint32_t body;
        if (inline_call(ctx, e, el, def, args, n, sc, &body) < 0) return -1;
        /* The call's own mapMissingTo and defaultValue would wrap the
         * body. */
        if (!pmml_attr(ctx, el, "mapMissingTo") &&
            !pmml_attr(ctx, el, "defaultValue") && !ctx->oom) {
            *out = body;
            return 0;
        }
        return pmml_fail(ctx, el, "mapMissingTo or defaultValue on a call of "
                                  "DefineFunction '%s' is not supported",
                         name);
    }
    nd.count = (uint32_t)n;
    if (add_kids(ctx, e, args, n, &nd.first) < 0) return -1;
    int sf = pmml_strfn_lookup(ctx, el, name, n);
    if (sf == -2) return -1;
    if (sf >= 0) {
        nd.op = PMML_E_STRFN;
        if (pmml_strfn_compile(ctx, e, el, sf, &nd, (uint32_t)e->n) < 0)
            return -1;
        e->strings = ctx->strtab;
        return add_node(ctx, e, &nd, out);
    }
    int index = 0;
    if (lookup_builtin(ctx, el, name, n, &index) < 0) return -1;
    nd.fn = (uint8_t)functions[index].fn;
    if ((nd.fn == F_IS_VALID || nd.fn == F_IS_NOT_VALID) &&
        bind_validity(ctx, e, el, name, args, n, &nd) < 0)
        return -1;
    if (check_types(ctx, e, el, name, args, n, &nd) < 0 ||
        pmml_expr_fallbacks(ctx, el, &nd) < 0 || add_node(ctx, e, &nd, out) < 0)
        return -1;
    /* A string result is if's (2 or 3 arguments): its branches'. */
    return nd.type == PMML_T_STRING && n >= 2
               ? union_domain(ctx, e, *out, args + 1, n - 1) : 0;
}

static int compile(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                   const scope *sc, uint32_t *out) {
    if (pmml_is(el, "Constant")) return compile_constant(ctx, e, el, out);
    if (pmml_is(el, "FieldRef")) return compile_field_ref(ctx, e, el, sc, out);
    if (pmml_is(el, "Apply")) return compile_apply(ctx, e, el, sc, out);
    /* Field-reading transformations inside a function body would read a
     * parameter through a slot, which parameters do not have. */
    if (sc && (pmml_is(el, "NormContinuous") || pmml_is(el, "NormDiscrete") ||
               pmml_is(el, "Discretize") || pmml_is(el, "MapValues")))
        return pmml_fail(ctx, el, "%s inside a DefineFunction is not "
                                  "supported", el->name);
    if (pmml_is(el, "NormContinuous")) return compile_norm_cont(ctx, e, el, out);
    if (pmml_is(el, "NormDiscrete")) return compile_norm_disc(ctx, e, el, out);
    if (pmml_is(el, "Discretize")) return compile_discretize(ctx, e, el, out);
    if (pmml_is(el, "MapValues")) return compile_map_values(ctx, e, el, out);
    return pmml_unsupported(ctx, el);   /* Aggregate, Lag, TextIndex, ... */
}

int pmml_expr_compile(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                      uint32_t *root) {
    return compile(ctx, e, el, NULL, root);
}
