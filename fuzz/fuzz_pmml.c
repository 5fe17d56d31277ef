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

#include "fuzz_score.h"
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
    fuzz_score(m, &records[0][0], sizeof records / sizeof *records, 3);
    model_free(m);
    return 0;
}
