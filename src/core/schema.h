/*
 * schema.h - data types and their ordered field names.
 *
 * A record of a data type is a vector of doubles, one slot per schema field,
 * in schema order (NaN marks a missing value). Models name their inputs
 * ("fixed acidity"); at load time each input name is bound to a slot once, so
 * scoring reads x[slot] and never compares strings.
 *
 * The seed's "wine" type has a built-in, closed schema (the WineRecord
 * fields). Any other data type gets an open schema the first time a model
 * for it is loaded: binding a model input to a name the schema lacks
 * appends it, so the schema becomes the union of its models' inputs, and
 * generic or JSON records fill slots by name. Slots never move once given,
 * so models bound earlier stay valid. Schemas are never freed.
 *
 * Field names are matched leniently: case, spaces and underscores are
 * ignored, so the PMML DataField "fixed acidity" binds to the WineRecord
 * field fixed_acidity.
 */
#ifndef MS_CORE_SCHEMA_H
#define MS_CORE_SCHEMA_H

#include <stdatomic.h>
#include <stddef.h>

#include "core/record.h"

typedef struct ms_schema {
    const char *data_type;        /* "wine" */
    _Atomic size_t nfields;       /* grows for open schemas */
    const char *const *fields;    /* nfields names, in slot order */
    int open;                     /* new names may be appended */
} ms_schema;

/* The seed's wine schema: the 11 WineRecord features in field-number order. */
const ms_schema *ms_schema_wine(void);

/* The schema of a data type, or NULL when none exists yet. */
const ms_schema *ms_schema_find(const char *data_type);

/* The schema of a data type, made (open, empty) when it does not exist;
 * NULL when the registry is full or the name too long. */
const ms_schema *ms_schema_for(const char *data_type);

/* Longest field name an open schema appends (names are never freed). */
#define MS_SCHEMA_MAX_NAME 255

/* Slot of a field name, binding it: an open schema appends a name it lacks
 * (up to RECORD_MAX_FEATURES names of up to MS_SCHEMA_MAX_NAME bytes).
 * Returns -1 when the name is not in a closed schema, or an open one is
 * full or the name too long. For model loaders. */
int ms_schema_slot(const ms_schema *schema, const char *name);

/* Slot of a field name, or -1: never appends. For records. */
int ms_schema_lookup(const ms_schema *schema, const char *name);

#endif
