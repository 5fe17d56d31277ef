/*
 * config.h - the configuration store every program uses.
 *
 * A program declares its options once, in a static table; each option can be
 * set by the seed's configuration key in a HOCON file, by an environment
 * variable and by a command-line flag:
 *
 *   static const config_option options[] = {
 *       {"kafka.brokers", "KAFKA_BROKERS_LIST", "brokers", 'b', "LIST",
 *        NULL, "Kafka bootstrap servers"},
 *       {"model_server.port", "MODEL_SERVER_PORT", "port", 'p', "PORT",
 *        "5500", "HTTP port of the queryable state"},
 *   };
 *
 * Every value remembers where it came from, and a source only replaces a
 * value from the same or a weaker source. The precedence is therefore always
 * default < file < environment < flag, whatever order the loaders run in.
 *
 * Values are kept as text; the typed getters convert on each call and say
 * which key, which source and which text was wrong.
 */
#ifndef MS_UTIL_CONFIG_H
#define MS_UTIL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

typedef struct config_option {
    const char *key;           /* seed config key, "kafka.brokers" */
    const char *env;           /* "KAFKA_BROKERS_LIST", or NULL */
    const char *flag;          /* long flag without dashes, or NULL */
    char short_flag;           /* 'b', or 0 */
    const char *arg_name;      /* "LIST" in the help; NULL: boolean switch */
    const char *default_value; /* or NULL */
    const char *help;          /* one sentence for --help */
} config_option;

typedef struct config config;

/* A store for the n options of the table, which must outlive it. "-h" and
 * "--help" are reserved (see config_wants_help). Returns NULL when out of
 * memory. */
config *config_new(const config_option *options, size_t n);
void config_free(config *c);

/* Loads a HOCON file, the subset that real application.conf files use:
 *
 *   kafka {                         # nested blocks, any depth
 *     brokers = "localhost:9092"    // '=' or ':', quoted or not
 *     brokers = ${?KAFKA_BROKERS_LIST}
 *   }
 *   model_server.port : 5500, grafana.host = localhost
 *
 * Quoted strings take JSON escapes; unquoted values run to the end of the
 * line, ',', '}' or a comment ('#' or '//', also inside unquoted text, as in
 * HOCON: quote URLs). Pieces of a value next to each other are joined
 * ("${HOME}/data"). ${VAR} is replaced by the environment variable VAR and
 * is an error when VAR is unset; ${?VAR} is optional: when VAR is unset a
 * value made of it alone leaves the key as it was, as in the seed's config
 * (an empty variable counts as unset, as for config_load_env).
 * Substitutions come from the environment only, never from other keys.
 * Arrays and include are not supported. Keys not in the table, and syntax
 * errors, fail with "path:line: ...". */
int config_load_file(config *c, const char *path, ms_error *err);

/* Reads each option's environment variable. An empty variable counts as
 * unset, as container specs often export empty placeholders. */
int config_load_env(config *c, ms_error *err);

/* Applies flags: "--flag value", "--flag=value", "-x value", "-xvalue",
 * grouped switches "-vq"; a boolean switch alone means "true" ("--flag=no"
 * also works). "--" ends the options, and so does the first argument that
 * is not an option; *first_positional receives the index of the first
 * argument left over. With first_positional NULL, left-over arguments are an
 * error. Unknown options and missing option arguments are errors. */
int config_parse_args(config *c, int argc, char **argv, int *first_positional,
                      ms_error *err);

/* Whether argv asks for help ("-h" or "--help" before any "--"). The program
 * decides what to print; see config_print_help. */
bool config_wants_help(int argc, char **argv);

/* The usual start-up: flags, then the environment, then the file named by
 * the option config_file_key (from a flag, the environment or its default;
 * no file when that option is unset or config_file_key is NULL). Sources
 * keep their precedence; the order only lets a flag name the file. */
int config_load_all(config *c, int argc, char **argv,
                    const char *config_file_key, int *first_positional,
                    ms_error *err);

/* The value of key, its default when unset, or NULL. Valid until the key is
 * set again or the store is freed. */
const char *config_get(const config *c, const char *key);

/* Typed getters: return 0, or -1 with a sentence naming the key, where the
 * value came from and the text when it is unset (and has no default) or
 * malformed. An unset boolean switch (arg_name NULL) reads as false. */
int config_get_int(const config *c, const char *key, long *out, ms_error *err);
int config_get_bool(const config *c, const char *key, bool *out, ms_error *err);
int config_get_duration(const config *c, const char *key, int64_t *out_ns,
                        ms_error *err); /* see util/duration.h */

/* Where the value of key comes from: "default", "file", "env" or "flag"
 * ("default" also when unset; NULL for a key not in the table). */
const char *config_source(const config *c, const char *key);

/* A man-page-like help text: the usage line, the description and every
 * option with its environment variable, key and default, wrapped at 80
 * columns. Options without a flag are listed as settings. */
void config_print_help(const config *c, FILE *out, const char *usage_line,
                       const char *description);

#endif
