/*
 * fuzz_score.h - what every model-loader fuzz target does with a model
 * that loaded: score a few records (ordinary, zero, missing, extreme) into
 * scratch of exactly scratch_size bytes, so ASan sees any overrun, and
 * trap on a classifier label outside its classes.
 */
#ifndef MS_FUZZ_SCORE_H
#define MS_FUZZ_SCORE_H

#include <stdlib.h>

#include "core/model.h"

/* records: n rows of width values each. */
static inline void fuzz_score(const model *m, const double *records, size_t n,
                              size_t width) {
    ms_error err;
    void *scratch = malloc(m->scratch_size ? m->scratch_size : 1);
    double *probs = malloc((m->nclasses ? m->nclasses : 1) * sizeof *probs);
    for (size_t i = 0; scratch && probs && i < n; i++) {
        model_output out = {.probabilities = probs};
        if (model_score(m, records + i * width, scratch, &out, &err) == 0 &&
            m->nclasses && (out.label_index < 0 ||
                            (size_t)out.label_index >= m->nclasses))
            __builtin_trap();
    }
    free(scratch);
    free(probs);
}

#endif
