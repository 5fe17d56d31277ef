/*
 * model_update.h - turns one message from the models topic into the current
 * model of its data type: decode the descriptor, take the model by value or
 * fetch it by reference (a path, a file:// URL or an allowed http(s) URL;
 * see stream/location.h), compile, and swap into the store. The new model
 * is fully built before the swap; when anything fails the current model
 * keeps serving.
 */
#ifndef MS_STREAM_MODEL_UPDATE_H
#define MS_STREAM_MODEL_UPDATE_H

#include <stddef.h>

#include "core/error.h"
#include "core/store.h"
#include "stream/location.h"

typedef struct model_update_result {
    char name[STORE_NAME_MAX];
    char data_type[STORE_NAME_MAX];
    model_type type;
} model_update_result;

/* Applies one model message. policy says where a model sent by reference
 * may come from, and how large any model may be; stats, when not NULL, are
 * restored statistics to continue (a checkpoint). Returns 0 when the model
 * now serves its data type; -1 with err filled (the message's model name
 * and the reason) when it does not. out names the model and its data type
 * whenever the message decoded (data_type is "" when it did not). */
int model_update_apply(store *s, const void *msg, size_t len,
                       const location_policy *policy,
                       const serving_stats *stats, model_update_result *out,
                       ms_error *err);

#endif
