/*
 * pmml.h - PMML documents compiled into fast, reentrant evaluators.
 *
 * pmml_load() parses a PMML document with libxml2 (no network, no DTD, no
 * entity expansion), checks it, and compiles the model it holds into flat
 * arrays bound to the slots of the given schema. The result is a core model
 * (core/model.h) that scores without allocating.
 */
#ifndef MS_PMML_H
#define MS_PMML_H

#include <stddef.h>

#include "core/model.h"

/* Loads a PMML document (bytes need not be NUL-terminated). Returns a model
 * the caller frees with model_free(), or NULL with err filled, naming the
 * element and line at fault. */
model *pmml_load(const void *bytes, size_t len, const ms_schema *schema,
                 ms_error *err);

#endif
