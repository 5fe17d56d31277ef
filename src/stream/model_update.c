/* model_update.c - model message -> compiled model -> store (see .h). */
#include "stream/model_update.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/file.h"
#include "wire/wire.h"

/* Resolves a model stored by reference into src: a file is read into
 * *fetched (malloc'd; the caller frees it), a directory (a SavedModel) is
 * passed on as a path. Only local locations for now: a bare path or a
 * file:// URL. */
static int resolve_location(const char *location, model_source *src,
                            uint8_t **fetched, ms_error *err) {
    const char *path = location;
    if (strncmp(location, "file://", 7) == 0) path = location + 7;
    else if (strstr(location, "://"))
        return ms_error_set(err, "model location '%s': only file paths and "
                                 "file:// URLs are supported", location);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        src->dir = path;
        return 0;
    }
    if (file_read_all(path, MODEL_UPDATE_MAX_BYTES, fetched, &src->len, err))
        return -1;
    src->bytes = *fetched;
    return 0;
}

int model_update_apply(store *s, const void *msg, size_t len,
                       const serving_stats *stats, model_update_result *out,
                       ms_error *err) {
    wire_model wm;
    if (wire_decode_model(msg, len, &wm, err) != 0) return -1;

    int rc = -1;
    uint8_t *fetched = NULL;
    model_source src = {.bytes = wm.data, .len = wm.data_len,
                        .params = wm.params, .nparams = wm.nparams};
    const ms_schema *schema = ms_schema_find(wm.data_type);
    if (!schema) {
        ms_error_set(err, "model '%s': no schema for data type '%s'", wm.name,
                     wm.data_type);
        goto done;
    }
    if (wm.location) {
        if (resolve_location(wm.location, &src, &fetched, err) != 0) {
            ms_error_prefix(err, "model '%s'", wm.name);
            goto done;
        }
    } else if (src.len > MODEL_UPDATE_MAX_BYTES) {
        ms_error_set(err, "model '%s' is %zu bytes; the limit is %u", wm.name,
                     src.len, MODEL_UPDATE_MAX_BYTES);
        goto done;
    }

    model *m = model_load(wm.type, &src, schema, err);
    if (!m) {
        ms_error_prefix(err, "model '%s' (%s)", wm.name,
                        model_type_name(wm.type));
        goto done;
    }
    model_info info = {.type = wm.type};
    snprintf(info.name, sizeof info.name, "%s", wm.name);
    snprintf(info.description, sizeof info.description, "%s", wm.description);
    out->type = wm.type;
    snprintf(out->name, sizeof out->name, "%s", wm.name);
    snprintf(out->data_type, sizeof out->data_type, "%s", wm.data_type);
    rc = store_swap(s, wm.data_type, m, &info, msg, len, stats, err);

done:
    free(fetched);
    wire_model_release(&wm);
    return rc;
}
