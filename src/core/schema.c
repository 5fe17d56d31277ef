/*
 * schema.c - the built-in data types, open schemas for the others, and
 * lenient field-name binding (see schema.h).
 *
 * Open schemas append under one mutex; readers see a name only after its
 * slot count is published (an atomic store after the name is written), so
 * lookups take no lock.
 */
#include "core/schema.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const wine_fields[] = {
    "fixed acidity",        "volatile acidity", "citric acid",
    "residual sugar",       "chlorides",        "free sulfur dioxide",
    "total sulfur dioxide", "density",          "pH",
    "sulphates",            "alcohol",
};

static ms_schema wine_schema = {
    .data_type = "wine",
    .nfields = sizeof wine_fields / sizeof wine_fields[0],
    .fields = wine_fields,
};

#define MAX_OPEN_SCHEMAS 64
#define MAX_DATA_TYPE_NAME 128

typedef struct open_schema {
    ms_schema schema;
    char data_type[MAX_DATA_TYPE_NAME];
    const char *names[RECORD_MAX_FEATURES];
} open_schema;

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static open_schema open_schemas[MAX_OPEN_SCHEMAS];
static _Atomic size_t nopen;

const ms_schema *ms_schema_wine(void) { return &wine_schema; }

const ms_schema *ms_schema_find(const char *data_type) {
    if (!data_type) return NULL;
    if (strcmp(data_type, wine_schema.data_type) == 0) return &wine_schema;
    size_t n = atomic_load(&nopen);
    for (size_t i = 0; i < n; i++)
        if (strcmp(open_schemas[i].data_type, data_type) == 0)
            return &open_schemas[i].schema;
    return NULL;
}

const ms_schema *ms_schema_for(const char *data_type) {
    const ms_schema *s = ms_schema_find(data_type);
    if (s || !data_type || strlen(data_type) >= MAX_DATA_TYPE_NAME) return s;
    pthread_mutex_lock(&registry_lock);
    s = ms_schema_find(data_type);
    size_t n = atomic_load(&nopen);
    if (!s && n < MAX_OPEN_SCHEMAS) {
        open_schema *o = &open_schemas[n];
        snprintf(o->data_type, sizeof o->data_type, "%s", data_type);
        o->schema.data_type = o->data_type;
        o->schema.fields = o->names;
        o->schema.open = 1;
        atomic_store(&o->schema.nfields, 0);
        atomic_store(&nopen, n + 1);
        s = &o->schema;
    }
    pthread_mutex_unlock(&registry_lock);
    return s;
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

int ms_schema_lookup(const ms_schema *schema, const char *name) {
    size_t n = atomic_load(&schema->nfields);
    for (size_t i = 0; i < n; i++)
        if (names_match(schema->fields[i], name)) return (int)i;
    return -1;
}

int ms_schema_slot(const ms_schema *schema, const char *name) {
    int slot = ms_schema_lookup(schema, name);
    if (slot >= 0 || !schema->open) return slot;
    /* Appended names are kept for the life of the process: a model with a
     * megabyte-long field name must not keep that megabyte. */
    if (strlen(name) > MS_SCHEMA_MAX_NAME) return -1;
    /* The schema is one of ours (open_schemas): appending is allowed. */
    open_schema *o = (open_schema *)schema;
    pthread_mutex_lock(&registry_lock);
    slot = ms_schema_lookup(schema, name);
    size_t n = atomic_load(&o->schema.nfields);
    if (slot < 0 && n < RECORD_MAX_FEATURES) {
        char *copy = strdup(name);
        if (copy) {
            o->names[n] = copy;
            atomic_store(&o->schema.nfields, n + 1);
            slot = (int)n;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    return slot;
}
