/*
 * model_update.h - turns one message from the models topic into the current
 * model of its data type: decode the descriptor, fetch the model bytes (by
 * value, or by reference from a file path or file:// URL), compile, and swap
 * into the store. The new model is fully built before the swap; when
 * anything fails the current model keeps serving.
 */
#ifndef MS_STREAM_MODEL_UPDATE_H
#define MS_STREAM_MODEL_UPDATE_H

#include <stddef.h>

#include "core/error.h"
#include "core/store.h"

/* Largest model accepted, by value or by reference. */
#define MODEL_UPDATE_MAX_BYTES (256u * 1024 * 1024)

typedef struct model_update_result {
    char name[STORE_NAME_MAX];
    char data_type[STORE_NAME_MAX];
    model_type type;
} model_update_result;

/* Applies one model message. stats, when not NULL, are restored statistics
 * to continue (a checkpoint). Returns 0 and fills out when the model now
 * serves its data type; -1 with err filled (the message's model name and
 * the reason) when it does not. */
int model_update_apply(store *s, const void *msg, size_t len,
                       const serving_stats *stats, model_update_result *out,
                       ms_error *err);

#endif
