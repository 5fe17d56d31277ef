/*
 * tf_test.h - helpers for the TensorFlow tests: graphs come from our own
 * writer (tf/tf_writer.h), load against a 16-field schema x0..x15, and are
 * scored into plain vectors compared with hand-computed values.
 */
#ifndef MS_TESTS_TF_TEST_H
#define MS_TESTS_TF_TEST_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/model.h"
#include "tf/tf.h"
#include "tf/tf_writer.h"

static const char *const tf_test_fields[16] = {
    "x0", "x1", "x2",  "x3",  "x4",  "x5",  "x6",  "x7",
    "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15"};
static const ms_schema tf_test_schema = {.data_type = "t", .nfields = 16,
                                         .fields = tf_test_fields};

#define F32 1
#define I32 3
#define I64 9
#define BOOL 10
#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define FLOATS(...) ((const float[]){__VA_ARGS__})
#define INTS(...) ((const int32_t[]){__VA_ARGS__})

/* Loads the graph w writes, with parameters as key, value, ..., NULL. */
static inline model *tf_test_load_params(tf_writer *w, ms_error *err,
                                         const char *const *kv) {
    size_t len = 0;
    uint8_t *pb = tf_writer_graph(w, &len);
    model_param params[8];
    size_t n = 0;
    for (; kv && kv[2 * n] && n < 8; n++)
        params[n] = (model_param){kv[2 * n], kv[2 * n + 1]};
    model_source src = {.bytes = pb, .len = len, .params = params,
                        .nparams = n};
    model *m = tf_load_graph(&src, &tf_test_schema, err);
    free(pb);
    return m;
}

static inline model *tf_test_load(tf_writer *w, ms_error *err) {
    static const char *const vector[] = {"output_mode", "vector", NULL};
    return tf_test_load_params(w, err, vector);
}

/* Scores x; the output's values into y (max n). Returns their count, or -1
 * with err filled. */
static inline int tf_test_eval(const model *m, const double *x, double *y,
                               size_t n, ms_error *err) {
    double probs[256];
    model_output out = {.probabilities = probs};
    void *scratch = malloc(m->scratch_size + 1);
    int rc = model_score(m, x, scratch, &out, err);
    free(scratch);
    if (rc < 0) return -1;
    if (!m->nclasses) {
        y[0] = out.value;
        return 1;
    }
    for (size_t i = 0; i < m->nclasses && i < n; i++) y[i] = probs[i];
    return (int)m->nclasses;
}

/* Asserts the graph w writes loads and maps x to want (relative 1e-6, as
 * float32 rounds). */
#define TF_EXPECT(w, x, ...)                                                \
    do {                                                                    \
        const double want_[] = {__VA_ARGS__};                               \
        size_t nw_ = sizeof want_ / sizeof *want_;                          \
        ms_error err_;                                                      \
        model *m_ = tf_test_load(w, &err_);                                 \
        if (!m_) fail_msg("graph does not load: %s", err_.msg);             \
        double y_[256];                                                     \
        int n_ = tf_test_eval(m_, x, y_, 256, &err_);                       \
        if (n_ < 0) fail_msg("does not score: %s", err_.msg);               \
        if ((size_t)n_ != nw_)                                              \
            fail_msg("%d outputs, expected %zu", n_, nw_);                  \
        for (size_t i_ = 0; i_ < nw_; i_++)                                 \
            if (!(fabs(y_[i_] - want_[i_]) <=                               \
                  1e-6 * fmax(1, fabs(want_[i_]))))                         \
                fail_msg("output %zu is %.9g, expected %.9g", i_, y_[i_],   \
                         want_[i_]);                                        \
        model_free(m_);                                                     \
    } while (0)

/* Asserts the graph w writes is rejected with an error containing part. */
#define TF_REJECT(w, part)                                                  \
    do {                                                                    \
        ms_error err_;                                                      \
        model *m_ = tf_test_load(w, &err_);                                 \
        if (m_) {                                                           \
            model_free(m_);                                                 \
            fail_msg("graph loaded; expected an error with \"%s\"", part);  \
        }                                                                   \
        if (!strstr(err_.msg, part))                                        \
            fail_msg("expected \"%s\" in \"%s\"", part, err_.msg);          \
    } while (0)

/* A graph that starts with the float32 input x of shape [1, n]. */
static inline tf_writer *tf_test_graph(int64_t n) {
    tf_writer *w = tf_writer_new();
    tf_writer_placeholder(w, "x", DIMS(-1, n), 2);
    return w;
}

#endif
