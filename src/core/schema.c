/* schema.c - the built-in data types and lenient field-name binding. */
#include "core/schema.h"

#include <ctype.h>
#include <string.h>

static const char *const wine_fields[] = {
    "fixed acidity",        "volatile acidity", "citric acid",
    "residual sugar",       "chlorides",        "free sulfur dioxide",
    "total sulfur dioxide", "density",          "pH",
    "sulphates",            "alcohol",
};

static const ms_schema wine_schema = {
    .data_type = "wine",
    .nfields = sizeof wine_fields / sizeof wine_fields[0],
    .fields = wine_fields,
};

const ms_schema *ms_schema_wine(void) { return &wine_schema; }

const ms_schema *ms_schema_find(const char *data_type) {
    if (data_type && strcmp(data_type, wine_schema.data_type) == 0)
        return &wine_schema;
    return NULL;
}

/* Compares two names ignoring case, spaces and underscores. */
static int names_match(const char *a, const char *b) {
    for (;;) {
        while (*a == ' ' || *a == '_') a++;
        while (*b == ' ' || *b == '_') b++;
        if (!*a || !*b) return *a == *b;
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
        a++, b++;
    }
}

int ms_schema_slot(const ms_schema *schema, const char *name) {
    for (size_t i = 0; i < schema->nfields; i++)
        if (names_match(schema->fields[i], name)) return (int)i;
    return -1;
}
