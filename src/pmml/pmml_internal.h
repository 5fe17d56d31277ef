/*
 * pmml_internal.h - what the files of the PMML loader share; not part of the
 * module's front door (pmml.h).
 *
 * Loading runs in stages, each in its own file:
 *
 *   pmml_xml.c        bytes -> libxml2 tree, with the safety limits (no DTD,
 *                     no entities, no network, capped size, depth and count);
 *                     attribute, number and error helpers for the others
 *   pmml_load.c       pmml_load(): walks the document and hands the model
 *                     element to its compiler from a table
 *   pmml_fields.c     DataDictionary + MiningSchema -> field bindings (PMML
 *                     field name -> schema slot), target, class labels; the
 *                     model children every model type shares
 *   pmml_array.c      Array / REAL-SparseArray elements -> doubles
 *   pmml_predicate.c  predicates -> flat array, three-valued evaluation
 *   pmml_expr.c       expressions (DerivedField, DefineFunction bodies)
 *   pmml_prep.c       what happens around a model: MiningField treatments
 *                     (replacement, validity, outliers), derived fields,
 *                     Targets; a wrapper model that applies them
 *   pmml_normcont.c   NormContinuous, shared by model inputs and outputs
 *   pmml_math.c       normalizations, link inverses, argmax
 *   pmml_tree.c       TreeModel compiler and scorer
 *   pmml_regression.c RegressionModel compiler and scorer
 *   pmml_general.c    GeneralRegressionModel compiler and scorer
 *   pmml_neural.c     NeuralNetwork compiler and scorer
 *   pmml_mining.c     MiningModel (Segmentation) compiler and scorer; its
 *                     segments' models come from the same table
 *   pmml_bayes.c      NaiveBayesModel compiler and scorer
 *   pmml_svm.c        SupportVectorMachineModel compiler and scorer
 *   pmml_scorecard.c  Scorecard compiler and scorer
 *   pmml_cluster.c    ClusteringModel (center-based) compiler and scorer
 *   pmml_strings.c    string values as codes of the document's string
 *                     table, their domains, the wrapper that encodes input
 *                     text (model_encode)
 *   pmml_strfn.c      the string built-ins, tabled at load
 *
 * A compiler gets a pmml_ctx whose fields are already bound, compiles its
 * model element into flat arrays and returns a core model. Adding a model
 * type = one new file + one line in the table of pmml_load.c.
 *
 * Every loading function returns 0 / -1 (or a pointer / NULL) and, on
 * failure, has already written a sentence naming the line into ctx->err.
 */
#ifndef MS_PMML_INTERNAL_H
#define MS_PMML_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "core/error.h"
#include "core/model.h"
#include "core/record.h"
#include "core/schema.h"

/* Limits on what a document may be; beyond them it is rejected unread. */
#define PMML_MAX_BYTES ((size_t)64 << 20)
#define PMML_MAX_DEPTH 200         /* element nesting (libxml2 stops at 256) */
#define PMML_MAX_ELEMENTS 2000000  /* more than any 64 MiB model needs */
#define PMML_MAX_DERIVING 64       /* TransformationDictionary fields that
                                      depend on one another in a chain */

/* Derived fields live in the scoring buffer after every record slot, so
 * a record field bound later (open schemas grow) cannot collide with one. */
#define PMML_DERIVED_BASE RECORD_MAX_FEATURES

/* One field the model may read: a MiningField bound to the data type's
 * schema, or a derived field (LocalTransformations, TransformationDictionary,
 * or an enclosing model's) with its slot in the scoring buffer. */
typedef struct pmml_field {
    const char *name;   /* owned by the load context's string pool */
    int slot;           /* schema or buffer slot; -1 for non-active fields */
    int type;           /* PMML_T_*: numbers, or string codes */
    uint32_t dom_first; /* PMML_T_STRING: the codes it can hold, */
    uint32_t dom_count; /* ctx->dom.v[dom_first ..] */
    int line;           /* of the MiningField, for messages */
    int derived;        /* a derived field: slot >= PMML_DERIVED_BASE */
    int output;         /* an OutputField of the model (also derived) */
} pmml_field;

typedef struct pmml_prep pmml_prep;   /* pmml_prep.c */
typedef struct pmml_strtab pmml_strtab;   /* pmml_strings.c */

/* Class labels of a classifier, in the order the model reports them. */
typedef struct pmml_classes {
    size_t n, cap;
    char **labels;      /* n strdup'ed labels */
    double *values;     /* label as a number, NaN if it is not one */
    int fixed;          /* labels came from the target's DataField: no more
                           may be added */
} pmml_classes;

/* State of one load. Lives on pmml_load()'s stack. */
typedef struct pmml_ctx {
    const ms_schema *schema;
    ms_error *err;
    int oom;                        /* sticky: an allocation failed */
    xmlChar **strings;              /* attribute values handed out by */
    size_t nstrings, capstrings;    /* pmml_attr(), freed at the end */
    const xmlNode *dictionary;      /* the DataDictionary element */
    const xmlNode *transforms;      /* TransformationDictionary, or NULL */
    pmml_prep *prep;                /* what the model being compiled does
                                       to its inputs and target */
    size_t nderived;                /* derived slots in use on the path of
                                       enclosing models */
    int depth;                      /* of the model being compiled: 0 is
                                       the document's, segments deeper */
    int deriving;                   /* TransformationDictionary fields being
                                       compiled inside one another */
    int export_outputs;             /* the model being compiled is a
                                       modelChain segment: its Output
                                       fields feed the segments after it */
    pmml_field *fields;             /* MiningSchema of the model */
    size_t nfields, nfields_cap;
    const char *target;             /* target field name, or NULL */
    pmml_classes classes;           /* labels gathered so far */
    pmml_strtab *strtab;            /* the document's strings, or NULL */
    struct pmml_domains *domains;   /* which codes string values can take */
} pmml_ctx;

/* ---- pmml_xml.c: parsing and helpers -------------------------------- */

/* Parses bytes into a tree, enforcing the limits above. Returns a document
 * the caller frees with xmlFreeDoc(), or NULL with err filled. */
xmlDoc *pmml_parse(const void *bytes, size_t len, ms_error *err);

/* Formats "PMML line N: <message>" into ctx->err. pmml_fail is worth -1,
 * visibly to static analysers, as ms_error_set is (core/error.h). */
void pmml_fail_format(pmml_ctx *ctx, const xmlNode *el, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define pmml_fail(ctx, el, ...) \
    ({ pmml_fail_format((ctx), (el), __VA_ARGS__); -1; })

/* The standard rejection of an element we do not support: -1. */
void pmml_unsupported_format(pmml_ctx *ctx, const xmlNode *el);
#define pmml_unsupported(ctx, el) \
    ({ pmml_unsupported_format((ctx), (el)); -1; })

/* Local name of an element (namespaces are ignored: PMML 3.x and 4.x
 * documents differ only in their namespace URI). */
int pmml_is(const xmlNode *el, const char *name);

/* The next element sibling from el on (el included), or NULL. Use as
 * for (c = pmml_elem(el->children); c; c = pmml_elem(c->next)). */
const xmlNode *pmml_elem(const xmlNode *el);

/* Value of an attribute, or NULL when absent. The string belongs to ctx
 * and lives until the load ends. Also NULL when memory ran out; then
 * ctx->oom is set and ctx->err filled. */
const char *pmml_attr(pmml_ctx *ctx, const xmlNode *el, const char *name);

/* Like pmml_attr but absence is an error naming the element. */
const char *pmml_attr_req(pmml_ctx *ctx, const xmlNode *el, const char *name);

/* Parses a whole string as a number (C locale; INF, -INF, NaN allowed).
 * Returns 0, or -1 when it is not a number. */
int pmml_parse_double(const char *s, double *out);

/* Numeric attribute: dflt when absent; a non-number is an error. */
int pmml_attr_double(pmml_ctx *ctx, const xmlNode *el, const char *name,
                     double dflt, double *out);

/* Index of the attribute's value in a NULL-terminated list of keywords,
 * dflt when absent; anything else is an error naming the attribute and the
 * allowed values. */
int pmml_attr_enum(pmml_ctx *ctx, const xmlNode *el, const char *name,
                   const char *const *allowed, int dflt, int *out);

/* The same two for attributes that must be present. */
int pmml_attr_double_req(pmml_ctx *ctx, const xmlNode *el, const char *name,
                         double *out);
int pmml_attr_enum_req(pmml_ctx *ctx, const xmlNode *el, const char *name,
                       const char *const *allowed, int *out);

/* Appends item to a ", "-separated list in buf (truncating quietly: the
 * list only goes into messages). */
void pmml_list_append(char *list, size_t size, const char *item);

/* Makes room for need elements of size elsize in *arr (capacity *cap,
 * grown geometrically). Returns 0, or -1 with ctx->err filled. */
int pmml_grow(pmml_ctx *ctx, void **arr, size_t *cap, size_t need,
              size_t elsize);

/* ---- pmml_fields.c: field binding and shared model children ---------- */

/* Binds the model element's MiningSchema to the schema, finds the target,
 * reads class labels from the target DataField and checks the children
 * every model type may carry (Targets, LocalTransformations, ...). */
int pmml_bind_model(pmml_ctx *ctx, const xmlNode *model_el);

/* True for the children pmml_bind_model() handled (MiningSchema, Output,
 * ModelStats, ...); a compiler skips them and rejects what it does not
 * know. */
int pmml_is_common_child(const xmlNode *el);

/* Schema slot of the active field named by attribute attr of el, and (if
 * name is not NULL) that name, valid until the load ends. An unknown or
 * non-active field is an error naming the element, and so is a field
 * that holds strings: its reader takes numbers. */
int pmml_input_slot(pmml_ctx *ctx, const xmlNode *el, const char *attr,
                    int *slot, const char **name);

/* The same for readers that take strings too: *info gets a copy of the
 * field (its type, its domain). */
int pmml_input_field(pmml_ctx *ctx, const xmlNode *el, const char *attr,
                     int *slot, pmml_field *info);

/* An operand given as text for a field of type (PMML_T_*): its string
 * code for a string field, else the number it must be. */
int pmml_operand(pmml_ctx *ctx, const xmlNode *el, int type,
                 const char *text, double *v);

/* Index of label in ctx->classes; when absent, appended unless the labels
 * are fixed (then it is an error naming el). */
int pmml_class_index(pmml_ctx *ctx, const xmlNode *el, const char *label,
                     int *index);

/* Moves the labels into *out (the model now owns them) and fills values. */
int pmml_classes_take(pmml_ctx *ctx, pmml_classes *out);

void pmml_classes_free(pmml_classes *c);

/* Replaces ctx->classes with a copy of src (labels only, fixed kept). */
int pmml_classes_copy(pmml_ctx *ctx, const pmml_classes *src);

void pmml_ctx_free(pmml_ctx *ctx);

/* ---- pmml_array.c: Array and REAL-SparseArray ---------------------- */

/* A growable run of doubles. */
typedef struct pmml_values {
    double *v;
    size_t n, cap;
} pmml_values;

/* Appends the numbers of an Array element to v (checking its n). */
int pmml_array_read(pmml_ctx *ctx, const xmlNode *arr, pmml_values *v);

/* Appends the members of an Array of strings to v, as string codes. */
int pmml_array_read_codes(pmml_ctx *ctx, const xmlNode *arr, pmml_values *v);

/* Appends the n values of a REAL-SparseArray element (zeros but at its
 * Indices) to v. */
int pmml_sparse_read(pmml_ctx *ctx, const xmlNode *arr, pmml_values *v);

/* ---- pmml_predicate.c ------------------------------------------------ */

/* PMML's three-valued logic: a comparison with a missing value is
 * UNKNOWN, and compound predicates propagate it. */
typedef enum pmml_truth {
    PMML_FALSE = 0,
    PMML_TRUE = 1,
    PMML_UNKNOWN = 2
} pmml_truth;

typedef struct pmml_pred {
    uint8_t op;            /* enum pred_op in pmml_predicate.c */
    int32_t slot;          /* field of simple and set predicates */
    uint32_t first, count; /* compound: children; set: range of values[] */
    double value;          /* operand of a simple predicate */
} pmml_pred;

/* All predicates of one model; a compound predicate's children sit next
 * to each other, so it is an index range, not a list of pointers. */
typedef struct pmml_preds {
    pmml_pred *preds;
    size_t n, cap;
    pmml_values values;    /* members of SimpleSetPredicate arrays */
} pmml_preds;

/* True when el is one of the predicate elements. */
int pmml_is_predicate(const xmlNode *el);

/* Compiles predicate element el; *index receives its position. */
int pmml_predicate_compile(pmml_ctx *ctx, pmml_preds *p, const xmlNode *el,
                           uint32_t *index);

pmml_truth pmml_predicate_eval(const pmml_preds *p, uint32_t index,
                               const double *x);

void pmml_preds_free(pmml_preds *p);

/* ---- pmml_normcont.c: NormContinuous --------------------------------- */

/* A piecewise-linear map from LinearNorm (orig, norm) pairs, orig strictly
 * increasing. Inputs outside the pairs are extrapolated from the end
 * segment (outliers="asIs"), made missing ("asMissingValues") or clamped
 * ("asExtremeValues"); a missing input becomes missing_to (NaN when the
 * element has no mapMissingTo). */
typedef struct pmml_normcont {
    double *orig, *norm;
    size_t n;
    int outliers;
    double missing_to;
} pmml_normcont;

/* Compiles a NormContinuous element; with inverse set, the map goes from
 * norm back to orig (a NeuralOutput turning a neuron into the target), which
 * needs norm strictly increasing too. */
int pmml_normcont_compile(pmml_ctx *ctx, const xmlNode *el, int inverse,
                          pmml_normcont *out);

double pmml_normcont_eval(const pmml_normcont *nc, double x);

void pmml_normcont_free(pmml_normcont *nc);

/* ---- pmml_expr.c: expressions ---------------------------------------- */

/* Expression node operators. */
enum { PMML_E_CONST, PMML_E_FIELD, PMML_E_NORM_CONT, PMML_E_NORM_DISC,
       PMML_E_DISCRETIZE, PMML_E_MAP_VALUES, PMML_E_APPLY, PMML_E_STRFN };

/* What a node's (or field's) value is: a number, or a string code that is
 * always one of the document's strings ("closed"), or a string code that
 * may be PMML_STRING_UNKNOWN ("open": an input field that does not limit
 * itself to listed Values, a formatNumber result). */
enum { PMML_T_NUMBER, PMML_T_STRING, PMML_T_OPEN };

typedef struct pmml_enode {
    uint8_t op;             /* PMML_E_* */
    uint8_t invalid;        /* Apply invalidValueTreatment */
    uint8_t type;           /* PMML_T_* of the value */
    uint8_t fn;             /* Apply: the built-in */
    int32_t slot;           /* the field read */
    uint32_t first, count;  /* Apply arguments: kids[first ..] */
    uint32_t aux, naux;     /* data[] range, or index into norms[] */
    double value;           /* Constant, NormDiscrete value */
    double missing_to;      /* mapMissingTo, NaN when none */
    double dflt;            /* defaultValue, NaN when none */
} pmml_enode;

/* One validity declaration of a DataField: a Value (valid, invalid or
 * missing; the value in lo) or an Interval (closure bit 1: left end
 * closed, bit 0: right end closed). */
enum { PMML_RULE_VALID, PMML_RULE_INVALID, PMML_RULE_MISSING,
       PMML_RULE_INTERVAL };
typedef struct pmml_rule {
    int kind;
    int closure;
    double lo, hi;
} pmml_rule;

/* What a DataField's dataType lets through: integer fields take whole
 * numbers only, boolean fields 0 and 1 (as JPMML parses a value by its
 * dataType, 1.5 is not an integer: an invalid value); the others any
 * number. */
enum { PMML_VALUES_ANY, PMML_VALUES_INTEGER, PMML_VALUES_BOOLEAN };

/* What decides the validity of one field: its dataType and its rules,
 * rules[first .. first + count) of the model's pmml_exprs. */
typedef struct pmml_validity {
    uint32_t first, count;
    uint8_t restrict_values;    /* valid Values listed: others are invalid */
    uint8_t has_intervals;      /* continuous: only the Intervals are valid */
    uint8_t values;             /* PMML_VALUES_*: the dataType's */
} pmml_validity;

/* The expressions of one model, nodes in evaluation order. */
typedef struct pmml_exprs {
    pmml_enode *nodes;
    size_t n, cap;
    uint32_t *kids;
    size_t nkids, capkids;
    pmml_values data;
    pmml_normcont *norms;
    size_t nnorms, capnorms;
    pmml_rule *rules;       /* the model's fields' validity declarations */
    size_t nrules, caprules;
    pmml_validity *checks;  /* what isValid / isNotValid nodes test (aux) */
    size_t nchecks, capchecks;
    const struct pmml_strtab *strings;  /* the document's strings, for
                                           formatNumber lookups and string
                                           Output fields; NULL when no node
                                           needs them */
} pmml_exprs;

/* Type (PMML_T_*) of node root. */
int pmml_expr_type(const pmml_exprs *e, uint32_t root);

/* Reads el's mapMissingTo and defaultValue into nd, in nd->type. */
int pmml_expr_fallbacks(pmml_ctx *ctx, const xmlNode *el, pmml_enode *nd);

/* Compiles expression element el (Constant, FieldRef, NormContinuous,
 * NormDiscrete, Discretize, MapValues, Apply); *root is its node. */
int pmml_expr_compile(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                      uint32_t *root);

/* Value of node root over buffer x; NaN is missing. Sets *invalid when
 * an Apply with invalidValueTreatment="returnInvalid" went invalid. */
double pmml_expr_eval(const pmml_exprs *e, uint32_t root, const double *x,
                      int *invalid);

void pmml_exprs_free(pmml_exprs *e);

/* pmml_tree.c: the id of the Node that decides for record x in TreeModel
 * m, or NULL (no id, no single node, no prediction). */
const char *pmml_tree_entity(const model *m, const double *x);

/* pmml_tree.c: the ScoreDistribution confidence of class cls at the Node
 * that decides for x in TreeModel m; NaN when it gives none. */
double pmml_tree_confidence(const model *m, const double *x, int cls);

/* pmml_scorecard.c: the rank-th (from 1) reason code of Scorecard m for
 * record x, or NULL (no score, or fewer codes); scratch is m's. */
const char *pmml_scorecard_reason(const model *m, const double *x,
                                  void *scratch, int rank);

/* Whether Scorecard m can report reason codes; an error naming el if not. */
int pmml_scorecard_check_reasons(pmml_ctx *ctx, const xmlNode *el,
                                 const model *m);

/* pmml_mining.c: the index of the Segment of MiningModel m whose id (or
 * 1-based position) is id, -1 if none or m is a modelChain; that
 * segment's model; and its result for record x (scratch is m's; the
 * probabilities go there): 0, or -1 when its predicate is not true or
 * it cannot predict. */
int pmml_mining_segment_index(const model *m, const char *id);
const model *pmml_mining_segment_model(const model *m, size_t seg);
int pmml_mining_segment_score(const model *m, const double *x, void *scratch,
                              size_t seg, model_output *o);

/* pmml_cluster.c: the distance (or similarity) of record x to cluster
 * number cluster of ClusteringModel m; NaN when it has none. */
double pmml_cluster_measure(const model *m, const double *x, size_t cluster);

/* ---- pmml_strings.c, pmml_strfn.c: strings as codes ------------------ */

#define PMML_STRING_UNKNOWN (-1.0) /* a string the document does not name */
#define PMML_MAX_STRINGS 100000    /* distinct strings of one document */
#define PMML_MAX_STRING_BYTES 4096 /* longest string a function may make */
#define PMML_MAX_TABLE_CELLS (1 << 22) /* string function tables, in all */

struct pmml_strtab {
    char **text;            /* code -> string */
    size_t n, cap;
    uint32_t *slots;        /* hash of code + 1 (0: empty) */
    size_t nslots;
    uint8_t input[RECORD_MAX_FEATURES];  /* PMML_INPUT_* of each slot */
};

/* What a record slot takes as text (model_encode). */
enum { PMML_INPUT_NUMBER, PMML_INPUT_STRING, PMML_INPUT_BOOLEAN };

/* The code of string s, added to the document's table if new. */
int pmml_string_code(pmml_ctx *ctx, const xmlNode *el, const char *s,
                     double *code);

/* The string of a code, NULL when code is none (t may be NULL). */
const char *pmml_string_text(const pmml_strtab *t, double code);

/* The code of s, or PMML_STRING_UNKNOWN; never allocates. */
double pmml_string_find(const pmml_strtab *t, const char *s);

/* Notes what record slot takes as text, PMML_INPUT_* (model_encode). */
int pmml_strings_input(pmml_ctx *ctx, int slot, int kind);

/* Domains: the codes a closed string value can take, known at load. One
 * is built with pmml_domain_begin / pmml_domain_add (duplicates and NaN
 * are dropped), from start to pmml_domain_begin() again, and given to a
 * node (pmml_domain_set) or to a field (its dom_first, dom_count). */
size_t pmml_domain_begin(pmml_ctx *ctx);
int pmml_domain_add(pmml_ctx *ctx, size_t start, double code);
int pmml_domain_set(pmml_ctx *ctx, const pmml_exprs *e, uint32_t node,
                    size_t first, size_t count);
/* Counts cells more string function table entries against
 * PMML_MAX_TABLE_CELLS (a document could otherwise ask for gigabytes);
 * -1 with ctx->err filled beyond it. */
int pmml_domain_cells(pmml_ctx *ctx, const xmlNode *el, size_t cells);

/* The domain of node of e into *first, *count: 0, or -1 when it has
 * none (an open string). */
int pmml_domain_of(const pmml_ctx *ctx, const pmml_exprs *e, uint32_t node,
                   uint32_t *first, uint32_t *count);
/* Code i of a domain range. */
double pmml_domain_code(const pmml_ctx *ctx, uint32_t i);

/* Wraps m (the document's model) in a model that owns the strings and
 * encodes input text; m as it is when the document has no strings. NULL
 * on failure (m is freed). */
model *pmml_strings_finish(pmml_ctx *ctx, model *m);

void pmml_strings_free(pmml_strtab *t);
void pmml_domains_free(pmml_ctx *ctx);

/* Which string built-in name is: its index, -1 when it is none, -2 (err
 * filled) for a wrong argument count or a date function. */
int pmml_strfn_lookup(pmml_ctx *ctx, const xmlNode *el, const char *name,
                      size_t n);

/* Compiles string built-in sf over the arguments of nd (nd->first, count
 * in e): checks them, and for a tabled function computes its table over
 * the domain of its varying argument into e->data (aux, naux) and the
 * domain of its result. Sets nd's slot (the function), fn (the varying
 * argument), type and value. node is the index nd will have. */
int pmml_strfn_compile(pmml_ctx *ctx, pmml_exprs *e, const xmlNode *el,
                       int sf, pmml_enode *nd, uint32_t node);

/* The value of string function node nd over its arguments v (none
 * missing); NaN when it cannot be computed (invalid). */
double pmml_strfn_score(const pmml_exprs *e, const pmml_enode *nd,
                        const double *v);

/* ---- pmml_output.c: OutputFields ------------------------------------- */

typedef struct pmml_outfield {
    int feature;            /* enum feature in pmml_output.c */
    int class_index;        /* probability, affinity: the class, -1 the
                               predicted one */
    int tree_entity;        /* entityId of a TreeModel: its Node's id */
    int32_t target_slot;    /* residual: where the record has the target */
    int rank;               /* reasonCode: which one, from 1 */
    int32_t segment;        /* segmentId: the MiningModel's segment, or
                               -1 (the model's own result) */
    uint32_t root;          /* transformedValue: its expression */
    int32_t slot;           /* where later expressions read it */
} pmml_outfield;

typedef struct pmml_outputs {
    pmml_outfield *fields;
    size_t n, cap;
    char **names;           /* strdup'ed, for model->output_names */
    size_t capnames;
    char **display;         /* ndisplay (one per class): TargetValue
                               displayValue, or NULL (the label shows) */
    size_t ndisplay;
} pmml_outputs;

/* Compiles the OutputFields of output for model m (already compiled),
 * giving each the next derived slot (*nhigh counts them) and adding it to
 * ctx->fields; expressions go into e. */
int pmml_output_compile(pmml_ctx *ctx, pmml_outputs *o, pmml_exprs *e,
                        const xmlNode *output, const model *m,
                        const xmlNode *model_el, size_t *nhigh);

/* Fills out->outputs (and output_strings, if given) from the prediction
 * in out, writing each value to its slot of buf too. out->probabilities
 * must be set for a classifier. m has the labels; inner is the compiled
 * model itself (for affinity, a ClusteringModel) and inner_scratch its
 * scratch, free again once it has scored. */
void pmml_output_eval(const pmml_outputs *o, const pmml_exprs *e,
                      const model *m, const model *inner,
                      void *inner_scratch, double *buf, model_output *out);

void pmml_outputs_free(pmml_outputs *o);

/* ---- pmml_prep.c: inputs and target around a model -------------------- */

/* Starts the preparation of the model about to be bound (ctx->prep). */
int pmml_prep_begin(pmml_ctx *ctx, const xmlNode *model_el);

/* Records the treatments of active MiningField mf (DataField df, slot):
 * missing-value replacement, validity from df's Values and Intervals,
 * invalidValueTreatment, outliers. df is NULL for a field an enclosing
 * model derives (it has no validity rules). *type is the field's
 * PMML_T_*; a string field (PMML_T_OPEN) that only lets its listed
 * Values through becomes PMML_T_STRING. */
int pmml_prep_field(pmml_ctx *ctx, const xmlNode *mf, const xmlNode *df,
                    int slot, int *type);

/* Adds the codes the closed string field in slot can hold (its valid
 * Values, its replacements) to the domain begun at start. */
int pmml_prep_domain(pmml_ctx *ctx, int32_t slot, size_t start);

/* Reads the model's Targets. */
int pmml_prep_targets(pmml_ctx *ctx, const xmlNode *targets);

/* Compiles DerivedField df into the model's preparation, giving it the
 * next derived slot and adding it to ctx->fields. */
int pmml_prep_derive(pmml_ctx *ctx, const xmlNode *df, int *slot);

/* Whether non-missing value v is valid by the dataType and declarations
 * of field vd (rules in e); *missing is set when a Value declares it
 * missing. */
int pmml_prep_is_valid(const pmml_exprs *e, const pmml_validity *vd,
                       double v, int *missing);

/* The validity declarations of the model's active field in slot, copied
 * to *out; 0 when it has none (then every non-missing value is valid).
 * A restrictive dataType (integer, boolean) counts as one. */
int pmml_prep_validity(const pmml_ctx *ctx, int32_t slot,
                       pmml_validity *out);

/* Wraps the compiled model m in its preparation (or returns m as it is
 * when there is nothing to do) and ends ctx->prep. NULL on failure (m is
 * freed). */
model *pmml_prep_finish(pmml_ctx *ctx, model *m);

/* Drops ctx->prep after a failed compile. */
void pmml_prep_abort(pmml_ctx *ctx);

/* ---- model compilers ------------------------------------------------- */

typedef model *(*pmml_compiler)(pmml_ctx *ctx, const xmlNode *model_el);

model *pmml_tree_compile(pmml_ctx *ctx, const xmlNode *model_el);
model *pmml_regression_compile(pmml_ctx *ctx, const xmlNode *model_el);
model *pmml_mining_compile(pmml_ctx *ctx, const xmlNode *model_el);
model *pmml_neural_compile(pmml_ctx *ctx, const xmlNode *model_el);
model *pmml_general_compile(pmml_ctx *ctx, const xmlNode *model_el);
model *pmml_bayes_compile(pmml_ctx *ctx, const xmlNode *model_el);
model *pmml_svm_compile(pmml_ctx *ctx, const xmlNode *model_el);
model *pmml_scorecard_compile(pmml_ctx *ctx, const xmlNode *model_el);
model *pmml_cluster_compile(pmml_ctx *ctx, const xmlNode *model_el);

/* pmml_load.c: binds and compiles any model element by its name. */
model *pmml_compile_model(pmml_ctx *ctx, const xmlNode *model_el);

/* The same for a model inside another (a Segment's): it gets its own
 * MiningSchema bindings and a copy of the enclosing model's target and
 * labels, so its class_labels may be a superset of them, in another order;
 * the enclosing model's state is restored before returning. With
 * export_outputs (modelChain), the model's Output fields are compiled and
 * stay visible to the enclosing model's later segments: their slots go to
 * out_slots (m->noutputs of them, the caller frees). */
model *pmml_compile_nested(pmml_ctx *ctx, const xmlNode *model_el,
                           int export_outputs, int32_t **out_slots);

/* Allocates an empty model of size bytes (its head zeroed, ops set), or
 * NULL with ctx->err filled. */
void *pmml_model_new(pmml_ctx *ctx, const xmlNode *el, size_t size,
                     const model_ops *ops);

/* ---- pmml_math.c: shared numeric pieces ------------------------------ */

/* Standard normal cumulative distribution function. */
double pmml_normal_cdf(double x);

/* RegressionModel/GeneralRegressionModel "normalizationMethod"s and link
 * inverses that map one score to a probability-like value. */
enum pmml_norm {
    PMML_NORM_NONE, PMML_NORM_SIMPLEMAX, PMML_NORM_SOFTMAX, PMML_NORM_LOGIT,
    PMML_NORM_PROBIT, PMML_NORM_CLOGLOG, PMML_NORM_EXP, PMML_NORM_LOGLOG,
    PMML_NORM_CAUCHIT
};

/* The keywords, in enum pmml_norm order, NULL-terminated. */
extern const char *const pmml_norm_names[];

/* Applies a one-value normalization (logit .. cauchit; none and exp too). */
double pmml_norm_apply(int norm, double y);

/* Turns scores y[0..n) into probabilities in place: softmax, simplemax,
 * or the per-value ones above (then the last is 1 - the rest when
 * binary). */
void pmml_norm_vector(int norm, double *y, size_t n);

/* Index of the largest of v[0..n) (the first on a tie). */
size_t pmml_argmax(const double *v, size_t n);

#endif
