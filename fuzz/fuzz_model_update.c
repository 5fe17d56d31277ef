/*
 * fuzz_model_update.c - libFuzzer target for the model message path
 * (stream/model_update.c): decode a ModelDescriptor, take its model by
 * value or by reference under an allow-list, compile it and swap it into a
 * store, as the server does with every message of the models topic.
 *
 * The allow-list holds one local directory, made at start-up with a PMML
 * document and an empty directory in it, so references can be followed;
 * remote URLs are refused (no network). Any input must end with the model
 * serving its data type under its name, or with a reason and the store as
 * it was; never crash or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/store.h"
#include "formats/formats.h"
#include "stream/model_update.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Fixed, so that seeds can name files in it. */
#define MODELS_DIR "/tmp/modelserver-fuzz-models"

static const char pmml[] =
    "<PMML xmlns=\"http://www.dmg.org/PMML-4_3\" version=\"4.3\">"
    "<DataDictionary numberOfFields=\"2\">"
    "<DataField name=\"a\" optype=\"continuous\" dataType=\"double\"/>"
    "<DataField name=\"y\" optype=\"continuous\" dataType=\"double\"/>"
    "</DataDictionary>"
    "<RegressionModel functionName=\"regression\"><MiningSchema>"
    "<MiningField name=\"a\"/><MiningField name=\"y\" usageType=\"target\"/>"
    "</MiningSchema><RegressionTable intercept=\"1\">"
    "<NumericPredictor name=\"a\" coefficient=\"2\"/>"
    "</RegressionTable></RegressionModel></PMML>";

static store *the_store;
static const char *const allowed[] = {MODELS_DIR "/"};
static const location_policy policy = {
    .allowed = allowed, .nallowed = 1, .max_bytes = 1 << 20,
    .connect_timeout_ms = 100, .total_timeout_ms = 100};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    formats_register_all();
    mkdir(MODELS_DIR, 0755);
    mkdir(MODELS_DIR "/dir", 0755);
    FILE *f = fopen(MODELS_DIR "/m.pmml", "w");
    if (!f || fwrite(pmml, 1, sizeof pmml - 1, f) != sizeof pmml - 1)
        __builtin_trap();
    fclose(f);
    the_store = store_new();
    store_thread_online();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    model_update_result res;
    ms_error err = {{0}};
    if (model_update_apply(the_store, data, size, &policy, NULL, &res,
                           &err) != 0) {
        if (!err.msg[0]) __builtin_trap();   /* every reject has a reason */
        return 0;
    }
    store_read_lock();
    served_model *sm = store_current(the_store, res.data_type);
    if (!sm || strcmp(sm->info.name, res.name) != 0 || !sm->model)
        __builtin_trap();
    store_read_unlock();
    return 0;
}
