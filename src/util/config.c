/* config.c - option values from defaults, file, environment and flags, with
 * their precedence, typed getters and --help text (see config.h). */
#include "util/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/duration.h"
#include "util/hocon.h"

/* In order of strength: a value is only replaced from an equal or stronger
 * source. */
typedef enum source {
    SOURCE_DEFAULT,
    SOURCE_FILE,
    SOURCE_ENV,
    SOURCE_FLAG
} source;

static const char *const source_names[] = {"default", "file", "env", "flag"};

typedef struct setting {
    char *value;  /* NULL: unset, the default applies */
    char *origin; /* for messages: "app.conf:12", "env PORT", "--port" */
    source source;
} setting;

struct config {
    const config_option *options;
    size_t n;
    setting *settings; /* one per option, same order */
};

config *config_new(const config_option *options, size_t n) {
    config *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->settings = calloc(n ? n : 1, sizeof *c->settings);
    if (!c->settings) {
        free(c);
        return NULL;
    }
    c->options = options;
    c->n = n;
    return c;
}

void config_free(config *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->settings[i].value);
        free(c->settings[i].origin);
    }
    free(c->settings);
    free(c);
}

static int find_key(const config *c, const char *key) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->options[i].key, key) == 0) return (int)i;
    return -1;
}

static int set_value(config *c, int i, source src, const char *value,
                     const char *origin, ms_error *err) {
    setting *s = &c->settings[i];
    if (s->value && src < s->source) return 0;
    char *v = strdup(value), *o = strdup(origin);
    if (!v || !o) {
        free(v);
        free(o);
        return ms_error_set(err, "out of memory");
    }
    free(s->value);
    free(s->origin);
    s->value = v;
    s->origin = o;
    s->source = src;
    return 0;
}

/* Levenshtein distance, or SIZE_MAX for words too long to bother. */
static size_t edit_distance(const char *a, const char *b) {
    size_t row[64], lb = strlen(b);
    if (lb >= sizeof row / sizeof *row) return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; a[i - 1]; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/* The key (or long flag) closest to word, if close enough to be a typo. */
static const char *closest(const config *c, const char *word, bool by_flag) {
    const char *best = NULL;
    size_t best_distance = SIZE_MAX;
    for (size_t i = 0; i < c->n; i++) {
        const char *name = by_flag ? c->options[i].flag : c->options[i].key;
        if (!name) continue;
        size_t d = edit_distance(word, name);
        if (d < best_distance && d <= 1 + strlen(name) / 4) {
            best = name;
            best_distance = d;
        }
    }
    return best;
}

/* ---- file and environment ---- */

typedef struct file_load {
    config *c;
    const char *path;
} file_load;

static int visit_file_value(void *ctx, const char *key, const char *value,
                            int line, ms_error *err) {
    file_load *load = ctx;
    int i = find_key(load->c, key);
    if (i < 0) {
        const char *guess = closest(load->c, key, false);
        if (guess)
            return ms_error_set(err, "unknown key '%s' (did you mean '%s'?)",
                                key, guess);
        return ms_error_set(err, "unknown key '%s'", key);
    }
    if (!value) return 0; /* an unset ${?VAR}: keep what was there */
    char origin[MS_ERROR_MAX];
    snprintf(origin, sizeof origin, "%s:%d", load->path, line);
    return set_value(load->c, i, SOURCE_FILE, value, origin, err);
}

int config_load_file(config *c, const char *path, ms_error *err) {
    file_load load = {c, path};
    return hocon_parse_file(path, visit_file_value, &load, err);
}

int config_load_env(config *c, ms_error *err) {
    for (size_t i = 0; i < c->n; i++) {
        const char *name = c->options[i].env;
        const char *value = name ? getenv(name) : NULL;
        if (!value || !*value) continue;
        char origin[256];
        snprintf(origin, sizeof origin, "env %s", name);
        if (set_value(c, (int)i, SOURCE_ENV, value, origin, err) < 0)
            return -1;
    }
    return 0;
}

/* ---- command line ---- */

static const char *switch_or_argument(const config_option *o,
                                      const char *spelling, int argc,
                                      char **argv, int *i, ms_error *err) {
    if (!o->arg_name) return "true";
    if (*i + 1 < argc) return argv[++*i];
    ms_error_set(err, "option '%s' needs an argument (%s)", spelling,
                 o->arg_name);
    return NULL;
}

/* Applies argv[*i], "--name", "--name=value" or "--name value", leaving *i
 * at the last argument used. */
static int long_option(config *c, int argc, char **argv, int *i,
                       ms_error *err) {
    const char *name = argv[*i] + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    for (size_t k = 0; k < c->n; k++) {
        const config_option *o = &c->options[k];
        if (!o->flag || strlen(o->flag) != len || strncmp(o->flag, name, len) != 0)
            continue;
        char spelling[128];
        snprintf(spelling, sizeof spelling, "--%s", o->flag);
        const char *value =
            eq ? eq + 1 : switch_or_argument(o, spelling, argc, argv, i, err);
        if (!value) return -1;
        return set_value(c, (int)k, SOURCE_FLAG, value, spelling, err);
    }
    char word[128];
    snprintf(word, sizeof word, "%.*s", (int)len, name);
    const char *guess = closest(c, word, true);
    if (guess)
        return ms_error_set(err, "unknown option '--%s' (did you mean "
                                 "'--%s'? see --help)", word, guess);
    return ms_error_set(err, "unknown option '--%s' (see --help)", word);
}

/* Applies argv[*i], "-x", "-x value", "-xvalue" or grouped switches "-vq",
 * leaving *i at the last argument used. */
static int short_options(config *c, int argc, char **argv, int *i,
                         ms_error *err) {
    for (const char *p = argv[*i] + 1; *p; p++) {
        int k = 0;
        while ((size_t)k < c->n && c->options[k].short_flag != *p) k++;
        if ((size_t)k == c->n)
            return ms_error_set(err, "unknown option '-%c' (see --help)", *p);
        const config_option *o = &c->options[k];
        char spelling[3] = {'-', *p, '\0'};
        const char *value = o->arg_name && p[1]
                                ? p + 1
                                : switch_or_argument(o, spelling, argc, argv,
                                                     i, err);
        if (!value || set_value(c, k, SOURCE_FLAG, value, spelling, err) < 0)
            return -1;
        if (o->arg_name) return 0; /* the rest was its argument */
    }
    return 0;
}

int config_parse_args(config *c, int argc, char **argv, int *first_positional,
                      ms_error *err) {
    int i = 1;
    for (; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) {
            i++;
            break;
        }
        if (arg[0] != '-' || arg[1] == '\0') break; /* "-" is stdin */
        int rc = arg[1] == '-' ? long_option(c, argc, argv, &i, err)
                               : short_options(c, argc, argv, &i, err);
        if (rc < 0) return -1;
    }
    if (first_positional) *first_positional = i;
    else if (i < argc)
        return ms_error_set(err, "unexpected argument '%s' (see --help)",
                            argv[i]);
    return 0;
}

bool config_wants_help(int argc, char **argv) {
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

int config_load_all(config *c, int argc, char **argv,
                    const char *config_file_key, int *first_positional,
                    ms_error *err) {
    if (config_parse_args(c, argc, argv, first_positional, err) < 0 ||
        config_load_env(c, err) < 0)
        return -1;
    const char *path = config_file_key ? config_get(c, config_file_key) : NULL;
    if (!path) return 0;
    /* A copy: loading the file may replace the setting that holds it. */
    char *copy = strdup(path);
    if (!copy) return ms_error_set(err, "out of memory");
    int rc = config_load_file(c, copy, err);
    free(copy);
    return rc;
}

/* ---- getters ---- */

/* The current text of option i: its value, its default, "false" for a
 * boolean switch, or NULL. */
static const char *current(const config *c, int i) {
    const config_option *o = &c->options[i];
    if (c->settings[i].value) return c->settings[i].value;
    if (o->default_value) return o->default_value;
    return o->arg_name ? NULL : "false";
}

const char *config_get(const config *c, const char *key) {
    int i = find_key(c, key);
    return i < 0 ? NULL : current(c, i);
}

const char *config_source(const config *c, const char *key) {
    int i = find_key(c, key);
    return i < 0 ? NULL : source_names[c->settings[i].source];
}

/* The text of key for a typed getter; NULL with a sentence in err when key
 * is not declared or has no value. */
static const char *required(const config *c, const char *key, int *index,
                            ms_error *err) {
    int i = find_key(c, key);
    if (i < 0) {
        ms_error_set(err, "no option has the key '%s'", key);
        return NULL;
    }
    const char *text = current(c, i);
    if (!text) {
        const config_option *o = &c->options[i];
        char via[256] = "";
        if (o->flag) snprintf(via, sizeof via, "--%s, ", o->flag);
        if (o->env)
            snprintf(via + strlen(via), sizeof via - strlen(via), "env %s, ",
                     o->env);
        ms_error_set(err, "%s is not set (use %s%sthe config file)", key, via,
                     *via ? "or " : "");
    }
    *index = i;
    return text;
}

/* Prefixes the sentence in err with the key and where its value came from:
 * "model_server.port (from env MODEL_SERVER_PORT): 'x' is not an integer". */
static int bad_value(const config *c, int i, ms_error *err) {
    const setting *s = &c->settings[i];
    return ms_error_prefix(err, "%s (from %s)", c->options[i].key,
                           s->value ? s->origin : "the default");
}

int config_get_int(const config *c, const char *key, long *out,
                   ms_error *err) {
    int i;
    const char *text = required(c, key, &i, err);
    if (!text) return -1;
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0') {
        ms_error_set(err, "'%s' is not an integer", text);
        return bad_value(c, i, err);
    }
    if (errno == ERANGE) {
        ms_error_set(err, "'%s' is out of range", text);
        return bad_value(c, i, err);
    }
    *out = v;
    return 0;
}

int config_get_bool(const config *c, const char *key, bool *out,
                    ms_error *err) {
    static const char *const truths[] = {"true", "yes", "on", "1"};
    static const char *const lies[] = {"false", "no", "off", "0"};
    int i;
    const char *text = required(c, key, &i, err);
    if (!text) return -1;
    for (size_t k = 0; k < sizeof truths / sizeof *truths; k++) {
        bool yes = strcasecmp(text, truths[k]) == 0;
        if (yes || strcasecmp(text, lies[k]) == 0) {
            *out = yes;
            return 0;
        }
    }
    ms_error_set(err, "'%s' is not a boolean (use true/false, yes/no, on/off "
                      "or 1/0)", text);
    return bad_value(c, i, err);
}

int config_get_duration(const config *c, const char *key, int64_t *out_ns,
                        ms_error *err) {
    int i;
    const char *text = required(c, key, &i, err);
    if (!text) return -1;
    if (duration_parse(text, out_ns, err) < 0) return bad_value(c, i, err);
    return 0;
}

/* ---- help ---- */

#define HELP_WIDTH 80
#define HELP_MAX_LABEL 28 /* longer labels put their text on the next line */
/* Joins words that wrap keeps on one line ("env NAME"); printed as a space. */
#define GLUE "\x1f"

/* The pseudo-option that config_wants_help answers. */
static const config_option help_option = {
    .flag = "help", .short_flag = 'h', .help = "Show this help and exit."};

static bool has_flag(const config_option *o) {
    return o->flag || o->short_flag;
}

/* "-b, --brokers LIST", "    --verbose", "-q", or for a setting without a
 * flag its key: "grafana.host HOST". */
static void format_label(const config_option *o, char *buf, size_t len) {
    const char *arg_space = o->arg_name ? " " : "";
    const char *arg = o->arg_name ? o->arg_name : "";
    if (!has_flag(o))
        snprintf(buf, len, "%s%s%s", o->key, arg_space, arg);
    else if (!o->flag)
        snprintf(buf, len, "-%c%s%s", o->short_flag, arg_space, arg);
    else if (!o->short_flag)
        snprintf(buf, len, "    --%s%s%s", o->flag, arg_space, arg);
    else
        snprintf(buf, len, "-%c, --%s%s%s", o->short_flag, o->flag, arg_space,
                 arg);
}

/* "(env KAFKA_BROKERS_LIST, key kafka.brokers; default: x)", the key only
 * when the label does not show it; empty when there is nothing to say. */
static void format_sources(const config_option *o, char *buf, size_t len) {
    const char *key = has_flag(o) ? o->key : NULL;
    char where[256] = "";
    if (o->env && key)
        snprintf(where, sizeof where, "env" GLUE "%s, key" GLUE "%s", o->env,
                 key);
    else if (o->env) snprintf(where, sizeof where, "env" GLUE "%s", o->env);
    else if (key) snprintf(where, sizeof where, "key" GLUE "%s", key);
    const char *def = o->default_value;
    if (!*where && !def) buf[0] = '\0';
    else
        snprintf(buf, len, "(%s%s%s%s)", where, *where && def ? "; " : "",
                 def ? "default:" GLUE : "", def ? def : "");
}

/* Prints the words of text from column col, breaking lines before
 * HELP_WIDTH (never at GLUE) and where text has '\n', indenting
 * continuation lines to indent. Returns the column where it stopped. */
static size_t wrap(FILE *out, const char *text, size_t col, size_t indent) {
    for (const char *p = text; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        if (*p == '\n') {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
            p++;
            continue;
        }
        size_t word = strcspn(p, " \n");
        size_t space = col > indent ? 1 : 0;
        if (col > indent && col + space + word >= HELP_WIDTH) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
            space = 0;
        }
        fputs(space ? " " : "", out);
        for (size_t k = 0; k < word; k++)
            fputc(p[k] == GLUE[0] ? ' ' : p[k], out);
        col += space + word;
        p += word;
    }
    return col;
}

static void print_option(FILE *out, const config_option *o, size_t column) {
    char label[256], sources[768];
    format_label(o, label, sizeof label);
    format_sources(o, sources, sizeof sources);
    size_t col = (size_t)fprintf(out, "  %s", label);
    if (col + 2 > column) {
        fprintf(out, "\n");
        col = 0;
    }
    fprintf(out, "%*s", (int)(column - col), "");
    col = wrap(out, o->help ? o->help : "", column, column);
    wrap(out, sources, col, column);
    fprintf(out, "\n");
}

void config_print_help(const config *c, FILE *out, const char *usage_line,
                       const char *description) {
    char label[256];
    size_t widest = strlen("-h, --help");
    bool any_setting = false;
    for (size_t i = 0; i < c->n; i++) {
        format_label(&c->options[i], label, sizeof label);
        size_t len = strlen(label);
        if (len <= HELP_MAX_LABEL && len > widest) widest = len;
        any_setting |= !has_flag(&c->options[i]);
    }
    size_t column = 2 + widest + 3;

    fprintf(out, "Usage: %s\n", usage_line);
    if (description) {
        fprintf(out, "\n");
        wrap(out, description, 0, 0);
        fprintf(out, "\n");
    }
    fprintf(out, "\nOptions:\n");
    for (size_t i = 0; i < c->n; i++)
        if (has_flag(&c->options[i]))
            print_option(out, &c->options[i], column);
    print_option(out, &help_option, column);
    if (any_setting) {
        fprintf(out, "\nSettings (config file or environment only):\n");
        for (size_t i = 0; i < c->n; i++)
            if (!has_flag(&c->options[i]))
                print_option(out, &c->options[i], column);
    }
}
