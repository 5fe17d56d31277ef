/*
 * fuzz_pmml.c - libFuzzer target for the PMML loader: any bytes must load
 * or be rejected with a reason, and whatever loads must score a few
 * records (ordinary, missing, extreme) without crashing, reading past its
 * scratch or leaking; and records of text, through model_encode(), for
 * the string fields a document may declare. Fields a, b, c are the inputs
 * the seeds use.
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
    /* Text as a CSV cell would give it: strings the seeds name, an
     * unknown one, an empty one and a number's text. */
    static const char *const texts[][3] = {
        {"red", "blue", "1"}, {"x", "", "2.5"}, {" blue ", "GREEN", "0"}};
    double coded[3][3];
    for (size_t r = 0; r < 3; r++)
        for (size_t i = 0; i < 3; i++)
            if (!model_encode(m, i, texts[r][i], &coded[r][i]))
                coded[r][i] = strtod(texts[r][i], NULL);
    fuzz_score(m, &coded[0][0], 3, 3);
    model_free(m);
    return 0;
}
