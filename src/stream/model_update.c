/* model_update.c - model message -> compiled model -> store (see .h). */
#include "stream/model_update.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/wire.h"

int model_update_apply(store *s, const void *msg, size_t len,
                       const location_policy *policy,
                       const serving_stats *stats, model_update_result *out,
                       ms_error *err) {
    wire_model wm;
    memset(out, 0, sizeof *out);
    if (wire_decode_model(msg, len, &wm, err) != 0) return -1;
    out->type = wm.type;
    snprintf(out->name, sizeof out->name, "%s", wm.name);
    snprintf(out->data_type, sizeof out->data_type, "%s", wm.data_type);

    int rc = -1;
    location_content fetched = {0};
    model_source src = {.bytes = wm.data, .len = wm.data_len,
                        .params = wm.params, .nparams = wm.nparams};
    const ms_schema *schema = ms_schema_for(wm.data_type);
    if (!schema) {
        ms_error_set(err, "model '%s': no schema for data type '%s'", wm.name,
                     wm.data_type);
        goto done;
    }
    if (wm.location) {
        if (location_fetch(wm.location, policy, &fetched, err) != 0) {
            ms_error_prefix(err, "model '%s'", wm.name);
            goto done;
        }
        src.bytes = fetched.bytes;
        src.len = fetched.len;
        src.dir = fetched.dir;
    } else if (src.len > policy->max_bytes) {
        ms_error_set(err, "model '%s' is %zu bytes, over the %zu-byte limit "
                          "(model.max_bytes); raise the limit or publish a "
                          "smaller model", wm.name, src.len,
                     policy->max_bytes);
        goto done;
    }

    model *m = model_load(wm.type, &src, schema, err);
    if (!m) {
        ms_error_prefix(err, "model '%s' (%s)", wm.name,
                        model_type_name(wm.type));
        goto done;
    }
    /* Records reach the server as numbers (WineRecords, JSON numbers, the
     * infer endpoint's FP64 tensors): a field the model reads as text
     * would get a number standing for some other string, and be scored
     * wrong without a word. Such a model is for modelscore, which reads
     * text from CSV. model_encode() says 1 for a text slot whatever the
     * text, 0 for a number slot. */
    size_t nfields = schema->nfields;
    for (size_t slot = 0; slot < nfields; slot++) {
        double code;
        if (model_encode(m, slot, "", &code)) {
            ms_error_set(err, "model '%s' reads field '%s' as text, and records "
                              "carry numbers only; score it offline with "
                              "modelscore, or make the field numeric",
                         wm.name, schema->fields[slot]);
            model_free(m);
            goto done;
        }
    }
    model_info info = {.type = wm.type};
    snprintf(info.name, sizeof info.name, "%s", wm.name);
    snprintf(info.description, sizeof info.description, "%s", wm.description);
    rc = store_swap(s, wm.data_type, m, &info, msg, len, stats, err);

done:
    location_content_release(&fetched);
    wire_model_release(&wm);
    return rc;
}
