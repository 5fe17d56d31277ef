/*
 * fuzz_score.h - what every model-loader fuzz target does with a model
 * that loaded: score a few records (ordinary, zero, missing, extreme) into
 * scratch of exactly scratch_size bytes, so ASan sees any overrun, with and
 * without Output fields, and trap on a classifier label outside its
 * classes.
 */
#ifndef MS_FUZZ_SCORE_H
#define MS_FUZZ_SCORE_H

#include <stdlib.h>

#include "core/model.h"

/* records: n rows of width values each. Every other record asks for the
 * model's Output fields too, without probabilities, so both paths run. */
static inline void fuzz_score(const model *m, const double *records, size_t n,
                              size_t width) {
    ms_error err;
    void *scratch = malloc(m->scratch_size ? m->scratch_size : 1);
    double *probs = malloc((m->nclasses ? m->nclasses : 1) * sizeof *probs);
    double *outs = malloc((m->noutputs ? m->noutputs : 1) * sizeof *outs);
    const char **strs = malloc((m->noutputs ? m->noutputs : 1) * sizeof *strs);
    for (size_t i = 0; scratch && probs && outs && strs && i < n; i++) {
        model_output out = {.probabilities = i % 2 ? NULL : probs,
                            .outputs = i % 2 ? outs : NULL,
                            .output_strings = strs};
        if (model_score(m, records + i * width, scratch, &out, &err) == 0 &&
            m->nclasses && (out.label_index < 0 ||
                            (size_t)out.label_index >= m->nclasses))
            __builtin_trap();
    }
    free(scratch);
    free(probs);
    free(outs);
    free(strs);
}

#endif
