/*
 * infer.c - synchronous inference in the Open Inference Protocol (KServe
 * v2) REST shape:
 *
 *   GET  /v2                       server metadata
 *   GET  /v2/models/{name}         model metadata: inputs in schema order
 *   GET  /v2/models/{name}/ready   200 when it serves, 404 when unknown
 *   POST /v2/models/{name}/infer   score a batch
 *
 * {name} is a data type or the name of the model serving one. Requests
 * come in two forms: one input tensor per feature, named by the field,
 * shape [N]; or a single [N, F] tensor in the data type's schema order.
 * Rows are scored on this HTTP thread with the data type's current model,
 * read from the same store as the stream (an RCU read-side section, as a
 * stream scorer does), and do not count in the stream's statistics. The
 * reply has "predict" [N] (the prediction as a number), and for a
 * classifier "label" [N] and "probabilities" [N, C] in class-label order.
 * Errors are {"error": "..."}, 400 for a bad request, 404 for an unknown
 * model.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/schema.h"
#include "http/http_internal.h"

/* Largest batch, whatever the body cap allows. */
#define MAX_ROWS 100000

/* HTTP threads take the store's read lock only here: each registers with
 * RCU on first use and unregisters when it exits (the key's destructor). */
static pthread_key_t rcu_key;
static pthread_once_t rcu_once = PTHREAD_ONCE_INIT;
static void rcu_offline(void *unused) {
    (void)unused;
    store_thread_offline();
}
static void rcu_key_make(void) { pthread_key_create(&rcu_key, rcu_offline); }
static void rcu_online(void) {
    pthread_once(&rcu_once, rcu_key_make);
    if (!pthread_getspecific(rcu_key)) {
        store_thread_online();
        pthread_setspecific(rcu_key, (void *)1);
    }
}

/* Finds the data type that {name} means: a data type with a model, or the
 * data type whose current model has that name. */
static int resolve(http_server *h, const char *name, store_snapshot *out) {
    size_t n;
    store_snapshot *snaps = http_snapshots(h, &n);
    int found = 0;
    for (size_t pass = 0; snaps && pass < 2 && !found; pass++)
        for (size_t i = 0; i < n && !found; i++)
            if (snaps[i].has_model &&
                strcmp(pass == 0 ? snaps[i].data_type : snaps[i].info.name, name) == 0) {
                *out = snaps[i];
                found = 1;
            }
    free(snaps);
    return found;
}

static int resolve_or_404(http_server *h, const http_request *rq,
                          store_snapshot *snap, http_reply *out) {
    if (resolve(h, rq->capture[0], snap)) return 1;
    reply_error(out, 404, "no model '%s': name a data type that has a model, "
                          "or the model serving one (GET /models lists them)",
                rq->capture[0]);
    return 0;
}

static const char *platform(model_type t) {
    return t == MODEL_TYPE_PMML ? "pmml"
           : t == MODEL_TYPE_TENSORFLOW ? "tensorflow_graphdef"
                                        : "tensorflow_savedmodel";
}

void http_handle_v2_server(http_server *h, const http_request *rq, http_reply *out) {
    (void)h, (void)rq;
    reply_json(out, 200, json_pack("{s:s, s:s, s:[]}", "name", "modelserver",
                                   "version", "1", "extensions"));
}

void http_handle_v2_model_ready(http_server *h, const http_request *rq,
                                http_reply *out) {
    store_snapshot snap;
    if (resolve_or_404(h, rq, &snap, out))
        reply_json(out, 200, json_pack("{s:s, s:b}", "name", rq->capture[0],
                                       "ready", 1));
}

/* The class labels of the current model of a data type (a new array, or
 * null for a regression). */
static json_t *labels_of(http_server *h, const char *data_type) {
    rcu_online();
    json_t *labels = json_null();
    store_read_lock();
    served_model *sm = store_current(h->src.store, data_type);
    if (sm && sm->model->nclasses) {
        labels = json_array();
        for (size_t i = 0; i < sm->model->nclasses; i++)
            json_array_append_new(labels, json_string(sm->model->class_labels[i]));
    }
    store_read_unlock();
    return labels;
}

void http_handle_v2_model(http_server *h, const http_request *rq, http_reply *out) {
    store_snapshot snap;
    if (!resolve_or_404(h, rq, &snap, out)) return;
    const ms_schema *schema = ms_schema_find(snap.data_type);
    json_t *inputs = json_array();
    size_t nf = schema ? atomic_load(&schema->nfields) : 0;
    for (size_t i = 0; i < nf; i++)
        json_array_append_new(inputs, json_pack("{s:s, s:s, s:[i]}", "name",
                                                schema->fields[i], "datatype",
                                                "FP64", "shape", -1));
    json_t *labels = labels_of(h, snap.data_type);
    json_t *outputs = json_pack("[{s:s, s:s, s:[i]}]", "name", "predict",
                                "datatype", "FP64", "shape", -1);
    if (json_is_array(labels)) {
        json_array_append_new(outputs, json_pack("{s:s, s:s, s:[i]}", "name", "label",
                                                 "datatype", "BYTES", "shape", -1));
        json_array_append_new(outputs, json_pack("{s:s, s:s, s:[i, I]}", "name",
                                                 "probabilities", "datatype", "FP64",
                                                 "shape", -1,
                                                 (json_int_t)json_array_size(labels)));
    }
    reply_json(out, 200,
               json_pack("{s:s, s:[s], s:s, s:o, s:o, s:{s:s, s:s, s:s, s:o}}",
                         "name", rq->capture[0], "versions", snap.info.name,
                         "platform", platform(snap.info.type), "inputs", inputs,
                         "outputs", outputs, "parameters", "dataType",
                         snap.data_type, "model", snap.info.name, "description",
                         snap.info.description, "labels", labels));
}

/* A parsed request: rows of features in schema-slot order (NaN missing). */
typedef struct batch {
    size_t rows, nfields;
    double *x;           /* rows * nfields */
} batch;

/* Appends the numbers of a tensor's "data" (flat or nested, row-major) to
 * vals; -1 with a message on anything but numbers and nulls. */
static int flatten(json_t *data, double *vals, size_t cap, size_t *n,
                   char *msg, size_t msg_len) {
    if (json_is_array(data)) {
        size_t i;
        json_t *v;
        json_array_foreach(data, i, v) if (flatten(v, vals, cap, n, msg, msg_len)) return -1;
        return 0;
    }
    if (!json_is_number(data) && !json_is_null(data)) {
        snprintf(msg, msg_len, "tensor data must be numbers (or null for a missing "
                               "value)");
        return -1;
    }
    if (*n >= cap) {
        snprintf(msg, msg_len, "tensor data has more elements than its shape says");
        return -1;
    }
    vals[(*n)++] = json_is_null(data) ? NAN : json_number_value(data);
    return 0;
}

/* Reads one input's shape: 1 or 2 dimensions, each >= 0. */
static int shape_of(json_t *in, size_t dims[2], size_t *ndims, char *msg, size_t msg_len) {
    json_t *shape = json_object_get(in, "shape");
    *ndims = json_array_size(shape);
    if (!json_is_array(shape) || *ndims < 1 || *ndims > 2) {
        snprintf(msg, msg_len, "input '%s': shape must be [N] or [N, F]",
                 json_string_value(json_object_get(in, "name")));
        return -1;
    }
    for (size_t i = 0; i < *ndims; i++) {
        json_t *d = json_array_get(shape, i);
        if (!json_is_integer(d) || json_integer_value(d) < 0 ||
            json_integer_value(d) > MAX_ROWS * (json_int_t)RECORD_MAX_FEATURES) {
            snprintf(msg, msg_len, "input '%s': shape dimensions must be whole "
                                   "numbers from 0",
                     json_string_value(json_object_get(in, "name")));
            return -1;
        }
        dims[i] = (size_t)json_integer_value(d);
    }
    return 0;
}

static int check_datatype(json_t *in, char *msg, size_t msg_len) {
    const char *dt = json_string_value(json_object_get(in, "datatype"));
    static const char *const numeric[] = {"FP64", "FP32", "FP16", "INT8", "INT16",
                                          "INT32", "INT64", "UINT8", "UINT16",
                                          "UINT32", "UINT64"};
    for (size_t i = 0; dt && i < sizeof numeric / sizeof numeric[0]; i++)
        if (strcmp(dt, numeric[i]) == 0) return 0;
    snprintf(msg, msg_len, "input '%s': datatype must be a numeric type such as "
                           "FP64, not %s",
             json_string_value(json_object_get(in, "name")), dt ? dt : "missing");
    return -1;
}

/* Reads one tensor's data into a new array of count numbers. */
static double *tensor_values(json_t *in, size_t count, char *msg, size_t msg_len) {
    double *vals = malloc((count ? count : 1) * sizeof *vals);
    size_t got = 0;
    if (!vals) {
        snprintf(msg, msg_len, "out of memory");
        return NULL;
    }
    json_t *data = json_object_get(in, "data");
    if (!json_is_array(data)) {
        snprintf(msg, msg_len, "input '%s': data must be an array",
                 json_string_value(json_object_get(in, "name")));
    } else if (flatten(data, vals, count, &got, msg, msg_len) == 0) {
        if (got == count) return vals;
        snprintf(msg, msg_len, "input '%s': shape says %zu element(s), data has %zu",
                 json_string_value(json_object_get(in, "name")), count, got);
    }
    free(vals);
    return NULL;
}

/* Builds the batch from either request form; -1 with a message. */
static int parse_batch(json_t *inputs, const ms_schema *schema, batch *b,
                       char *msg, size_t msg_len) {
    size_t nin = json_array_size(inputs);
    b->nfields = atomic_load(&schema->nfields);
    if (!json_is_array(inputs) || nin == 0) {
        snprintf(msg, msg_len, "the request needs \"inputs\": a non-empty array of "
                               "tensors");
        return -1;
    }
    size_t dims[2], ndims;
    json_t *first = json_array_get(inputs, 0);
    if (!json_is_object(first) || !json_is_string(json_object_get(first, "name"))) {
        snprintf(msg, msg_len, "every input needs a \"name\"");
        return -1;
    }
    if (shape_of(first, dims, &ndims, msg, msg_len) || check_datatype(first, msg, msg_len))
        return -1;
    if (ndims == 2) { /* one [N, F] tensor in schema order */
        if (nin != 1 || dims[1] != b->nfields) {
            snprintf(msg, msg_len, nin != 1 ? "an [N, F] tensor must be the only input"
                                            : "an [N, F] tensor needs F = %zu (the "
                                              "fields of the data type, in the order "
                                              "GET /v2/models/{name} lists)",
                     b->nfields);
            return -1;
        }
        if (dims[0] > MAX_ROWS) goto too_many;
        b->rows = dims[0];
        b->x = tensor_values(first, dims[0] * dims[1], msg, msg_len);
        return b->x ? 0 : -1;
    }
    b->rows = dims[0];
    if (b->rows > MAX_ROWS) goto too_many;
    b->x = malloc((b->rows ? b->rows : 1) * (b->nfields ? b->nfields : 1) * sizeof *b->x);
    if (!b->x) {
        snprintf(msg, msg_len, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < b->rows * b->nfields; i++) b->x[i] = NAN;
    size_t k;
    json_t *in;
    json_array_foreach(inputs, k, in) {
        const char *name = json_string_value(json_object_get(in, "name"));
        if (!json_is_object(in) || !name) {
            snprintf(msg, msg_len, "every input needs a \"name\"");
            return -1;
        }
        if (shape_of(in, dims, &ndims, msg, msg_len) || check_datatype(in, msg, msg_len))
            return -1;
        if (ndims != 1 || dims[0] != b->rows) {
            snprintf(msg, msg_len, "input '%s': shape must be [%zu] like the first "
                                   "input's",
                     name, b->rows);
            return -1;
        }
        int slot = ms_schema_lookup(schema, name);
        if (slot < 0 || (size_t)slot >= b->nfields) {
            snprintf(msg, msg_len, "input '%s' is not a field of data type '%s' (GET "
                                   "/v2/models/{name} lists them)",
                     name, schema->data_type);
            return -1;
        }
        double *vals = tensor_values(in, b->rows, msg, msg_len);
        if (!vals) return -1;
        for (size_t r = 0; r < b->rows; r++) b->x[r * b->nfields + (size_t)slot] = vals[r];
        free(vals);
    }
    return 0;
too_many:
    snprintf(msg, msg_len, "at most %d rows per request", MAX_ROWS);
    return -1;
}

static json_t *number_or_null(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* Scores every row with the current model; the reply's outputs, or NULL
 * with a message (a row the model cannot score fails the request). */
static json_t *score_batch(http_server *h, const char *data_type, const batch *b,
                           char *model_name, size_t name_len, char *msg, size_t msg_len) {
    rcu_online();
    json_t *outputs = NULL;
    store_read_lock();
    served_model *sm = store_current(h->src.store, data_type);
    const model *m = sm ? sm->model : NULL;
    void *scratch = m ? malloc(m->scratch_size ? m->scratch_size : 1) : NULL;
    double *probs = m ? malloc((m->nclasses ? m->nclasses : 1) * sizeof *probs) : NULL;
    if (!m) {
        snprintf(msg, msg_len, "data type '%s' has no model any more", data_type);
    } else if (!scratch || !probs) {
        snprintf(msg, msg_len, "out of memory");
    } else {
        snprintf(model_name, name_len, "%s", sm->info.name);
        json_t *pred = json_array(), *labels = json_array(), *pr = json_array();
        size_t r = 0;
        for (; r < b->rows; r++) {
            model_output out = {.probabilities = probs};
            ms_error err;
            if (model_score(m, b->x + r * b->nfields, scratch, &out, &err) != 0) {
                snprintf(msg, msg_len, "row %zu: %.500s", r, err.msg);
                break;
            }
            json_array_append_new(pred, number_or_null(out.value));
            if (m->nclasses && out.label_index >= 0) {
                json_array_append_new(labels, json_string(m->class_labels[out.label_index]));
                for (size_t c = 0; c < m->nclasses; c++)
                    json_array_append_new(pr, number_or_null(probs[c]));
            }
        }
        if (r == b->rows) {
            outputs = json_pack("[{s:s, s:s, s:[I], s:o}]", "name", "predict",
                                "datatype", "FP64", "shape", (json_int_t)b->rows,
                                "data", pred);
            if (m->nclasses) {
                json_array_append_new(outputs, json_pack("{s:s, s:s, s:[I], s:o}",
                                                         "name", "label", "datatype",
                                                         "BYTES", "shape",
                                                         (json_int_t)b->rows, "data",
                                                         labels));
                json_array_append_new(
                    outputs, json_pack("{s:s, s:s, s:[I, I], s:o}", "name",
                                       "probabilities", "datatype", "FP64", "shape",
                                       (json_int_t)b->rows, (json_int_t)m->nclasses,
                                       "data", pr));
            } else {
                json_decref(labels);
                json_decref(pr);
            }
        } else {
            json_decref(pred);
            json_decref(labels);
            json_decref(pr);
        }
    }
    store_read_unlock();
    free(scratch);
    free(probs);
    return outputs;
}

void http_handle_v2_infer(http_server *h, const http_request *rq, http_reply *out) {
    store_snapshot snap;
    if (!resolve_or_404(h, rq, &snap, out)) return;
    json_error_t jerr;
    json_t *doc = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(doc)) {
        if (doc)
            reply_error(out, 400, "the request must be a JSON object");
        else
            reply_error(out, 400, "malformed JSON at line %d column %d: %s",
                        jerr.line, jerr.column, jerr.text);
        json_decref(doc);
        return;
    }
    const ms_schema *schema = ms_schema_find(snap.data_type);
    char msg[640] = "", model_name[STORE_NAME_MAX];
    batch b = {0};
    json_t *outputs = NULL;
    if (!schema) snprintf(msg, sizeof msg, "data type '%s' has no schema", snap.data_type);
    else if (parse_batch(json_object_get(doc, "inputs"), schema, &b, msg, sizeof msg) == 0)
        outputs = score_batch(h, snap.data_type, &b, model_name, sizeof model_name,
                              msg, sizeof msg);
    free(b.x);
    if (!outputs) {
        json_decref(doc);
        reply_error(out, 400, "%s", msg);
        return;
    }
    json_t *reply = json_pack("{s:s, s:s, s:{s:s}, s:o}", "model_name", rq->capture[0],
                              "model_version", model_name, "parameters", "dataType",
                              snap.data_type, "outputs", outputs);
    json_t *id = json_object_get(doc, "id");
    if (json_is_string(id)) json_object_set(reply, "id", id);
    json_decref(doc);
    reply_json(out, 200, reply);
}
