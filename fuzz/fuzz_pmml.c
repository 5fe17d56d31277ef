/*
 * fuzz_pmml.c - libFuzzer target for the PMML loader: any bytes must load
 * or be rejected with a reason, and whatever loads must score a few
 * records (ordinary, missing, extreme) without crashing, reading past its
 * scratch or leaking. Fields a, b, c are the inputs the seeds use.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pmml/pmml.h"

static const char *const fields[] = {"a", "b", "c"};
static const ms_schema schema = {.data_type = "fuzz", .nfields = 3,
                                 .fields = fields};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const double records[][3] = {
        {1, 2, 3}, {0, 0, 0}, {NAN, NAN, NAN}, {-1e300, 1e-300, 1e300},
        {3, NAN, -2}};
    ms_error err = {{0}};
    model *m = pmml_load(data, size, &schema, &err);
    if (!m) {
        if (!err.msg[0]) __builtin_trap();   /* every reject has a reason */
        return 0;
    }
    /* Exactly scratch_size bytes, so ASan sees any overrun. */
    void *scratch = malloc(m->scratch_size ? m->scratch_size : 1);
    double *probs = malloc((m->nclasses ? m->nclasses : 1) * sizeof *probs);
    double *outs = malloc((m->noutputs ? m->noutputs : 1) * sizeof *outs);
    const char **strs = malloc((m->noutputs ? m->noutputs : 1) * sizeof *strs);
    for (size_t i = 0; scratch && probs && outs && strs &&
                       i < sizeof records / sizeof *records;
         i++) {
        /* Every other record asks for the Output fields too, without
         * probabilities, so both paths run. */
        model_output out = {.probabilities = i % 2 ? NULL : probs,
                            .outputs = i % 2 ? outs : NULL,
                            .output_strings = strs};
        if (model_score(m, records[i], scratch, &out, &err) == 0 &&
            m->nclasses && (out.label_index < 0 ||
                            (size_t)out.label_index >= m->nclasses))
            __builtin_trap();
    }
    free(scratch);
    free(probs);
    free(outs);
    free(strs);
    model_free(m);
    return 0;
}
