/*
 * model.h - the model interface every format implements, and the registry
 * that maps a model type to the loader that builds it.
 *
 * Loading compiles a model document once into a form that scores by walking
 * arrays; model_score() is reentrant, takes caller-owned scratch space of
 * model->scratch_size bytes, and never allocates. A loaded model is immutable,
 * so any number of threads may score with it at once.
 *
 * Ownership: model_load() returns a model the caller owns and frees with
 * model_free(). Loaders never keep a pointer into the bytes they were given.
 */
#ifndef MS_CORE_MODEL_H
#define MS_CORE_MODEL_H

#include <stddef.h>

#include "core/error.h"
#include "core/schema.h"

/* The seed's ModelDescriptor.ModelType numbers; new types go after these. */
typedef enum model_type {
    MODEL_TYPE_TENSORFLOW = 0,        /* frozen GraphDef bytes */
    MODEL_TYPE_PMML = 1,
    MODEL_TYPE_TENSORFLOW_SAVED = 2,  /* SavedModel directory */
    MODEL_TYPE_COUNT
} model_type;

/* Name used in logs and JSON ("PMML", "TENSORFLOW"), or "UNKNOWN". */
const char *model_type_name(model_type type);

/* What one scoring produces. For a classifier, label_index names one of the
 * model's class labels, value is that label read as a number (the seed's
 * behaviour: "5" -> 5.0; NaN when the label is not numeric), and
 * probabilities[] (caller-provided, model->nclasses long, may be NULL) is
 * filled in class-label order. For a regression, label_index is -1. */
typedef struct model_output {
    double value;
    int label_index;
    double *probabilities;
    /* The model's output fields (PMML Output), model->noutputs long, in
     * model->output_names order; both caller-provided and may be NULL
     * (then they are not computed). A string-valued output (a class
     * label, a cluster id) sets output_strings[i] to a string the model
     * owns and outputs[i] to it read as a number (NaN if it is not one);
     * numbers set output_strings[i] to NULL. */
    double *outputs;
    const char **output_strings;
} model_output;

typedef struct model model;

typedef struct model_ops {
    /* Scores one record x (schema-slot order; NaN = missing). Returns 0, or
     * -1 with err filled (for example a missing value the model cannot
     * handle). Must not allocate or write anything but scratch and out. */
    int (*score)(const model *m, const double *x, void *scratch,
                 model_output *out, ms_error *err);
    /* Frees everything the loader allocated, including m itself. */
    void (*destroy)(model *m);
    /* Optional (NULL: every input is a number). For a model that reads
     * some inputs as strings (PMML string fields): when input slot takes
     * strings, sets *out to the value that stands for text and returns 1;
     * returns 0 when the slot takes numbers (parse text as one). Never
     * allocates. */
    int (*encode)(const model *m, size_t slot, const char *text,
                  double *out);
} model_ops;

/* The common head of every loaded model; formats embed it as their first
 * member and cast. */
struct model {
    const model_ops *ops;
    model_type type;
    size_t scratch_size;            /* bytes of scratch score() needs */
    size_t nclasses;                /* 0 for regression */
    const char *const *class_labels;/* nclasses labels, owned by the model */
    size_t noutputs;                /* output fields, 0 when none */
    const char *const *output_names;/* noutputs names, owned by the model */
};

/* A loader option from the model message ("input" = "dense_1_input"). */
typedef struct model_param {
    const char *key;
    const char *value;
} model_param;

/* What a loader builds from: the document's bytes (sent by value, or read
 * from a file), or a directory for formats that are directories (a
 * SavedModel); plus the message's options. All borrowed for the call. */
typedef struct model_source {
    const void *bytes;   /* NULL when the model is a directory */
    size_t len;
    const char *dir;     /* the directory, or NULL */
    const model_param *params;
    size_t nparams;
} model_source;

/* The value of an option, or NULL. */
const char *model_source_param(const model_source *src, const char *key);

/* Builds a model from its source, binding its inputs to the slots of
 * schema. Returns NULL with err filled on failure. */
typedef model *(*model_loader)(const model_source *src,
                               const ms_schema *schema, ms_error *err);

/* Registers the loader for a type (replacing any earlier one). Call before
 * threads start; formats_register_all() (formats/formats.h) registers every
 * format compiled into this binary. */
void model_register(model_type type, model_loader loader);

/* Loads through the registered loader; NULL with err filled when the type has
 * no loader or the document does not load. */
model *model_load(model_type type, const model_source *src,
                  const ms_schema *schema, ms_error *err);

static inline int model_score(const model *m, const double *x, void *scratch,
                              model_output *out, ms_error *err) {
    return m->ops->score(m, x, scratch, out, err);
}

/* The value standing for input text in slot: 1 with *out set when the
 * slot takes strings, 0 when it takes numbers. */
static inline int model_encode(const model *m, size_t slot, const char *text,
                               double *out) {
    return m->ops->encode ? m->ops->encode(m, slot, text, out) : 0;
}

void model_free(model *m);

#endif
