/*
 * schema.h - data types and their ordered field names.
 *
 * A record of a data type is a vector of doubles, one slot per schema field,
 * in schema order (NaN marks a missing value). Models name their inputs
 * ("fixed acidity"); at load time each input name is bound to a slot once, so
 * scoring reads x[slot] and never compares strings.
 *
 * Field names are matched leniently: case, spaces and underscores are
 * ignored, so the PMML DataField "fixed acidity" binds to the WineRecord
 * field fixed_acidity.
 */
#ifndef MS_CORE_SCHEMA_H
#define MS_CORE_SCHEMA_H

#include <stddef.h>

typedef struct ms_schema {
    const char *data_type;      /* "wine" */
    size_t nfields;
    const char *const *fields;  /* nfields names, in slot order */
} ms_schema;

/* The seed's wine schema: the 11 WineRecord features in field-number order. */
const ms_schema *ms_schema_wine(void);

/* The built-in schema for a data type, or NULL when the type is unknown.
 * The returned pointer is static; do not free. */
const ms_schema *ms_schema_find(const char *data_type);

/* Slot of a field name in the schema (lenient match, see above), or -1. */
int ms_schema_slot(const ms_schema *schema, const char *name);

#endif
