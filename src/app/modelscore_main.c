/*
 * modelscore_main.c - `modelscore MODEL [DATA]`: scores a CSV file offline
 * with any model the server can serve and writes the predictions as CSV.
 *
 * The model type comes from the file (".pmml", ".pb", a SavedModel
 * directory) or --type, and the model is loaded through model_load(), so
 * every format registered in formats_register_all() works here without this
 * file knowing it. The CSV header (or --columns) becomes the schema the
 * model binds its inputs to by name, which is why unused columns cost
 * nothing and column order does not matter.
 *
 * Records are numbers. A cell that is not one is an error only in a column
 * the model reads; which columns it reads is found out, the first time a
 * column holds text, by loading the model once more without that column.
 *
 * A TensorFlow model reads one tensor: its N values are the first N
 * columns, or the columns --features names (passed to the loader as its
 * features parameter, like --input and --output), so for it the columns
 * read are known without probing.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/model.h"
#include "formats/formats.h"
#include "tf/tf.h"
#include "util/csv.h"
#include "util/file.h"

#define MAX_COLUMNS 4096
#define MAX_MODEL_BYTES ((size_t)1 << 30)

/* Exit statuses, as documented in usage(). */
enum { EXIT_SCORED = 0, EXIT_SOME_ROWS = 1, EXIT_USAGE = 2 };

static void usage(FILE *out) {
    fputs(
        "Usage: modelscore [OPTIONS] MODEL [DATA]\n"
        "\n"
        "Scores every row of a CSV file with a model, offline, and writes the\n"
        "predictions as CSV to standard output.\n"
        "\n"
        "MODEL is a PMML document (*.pmml), a frozen TensorFlow graph (*.pb)\n"
        "or a TensorFlow SavedModel directory (or, with --type\n"
        "TENSORFLOWSAVED, a tar archive of one); --type overrides the guess.\n"
        "DATA is a CSV file; without it, or with '-', rows are read from\n"
        "standard input. Cells are separated by ',' or ';' (whichever the\n"
        "first line uses more) and may be quoted with '\"'. The first row names\n"
        "the columns, and the model picks its inputs by name (case, spaces and\n"
        "underscores do not matter: \"fixed acidity\" matches fixed_acidity);\n"
        "columns it does not use are ignored. An empty cell or NA is a missing\n"
        "value. A column a PMML string field reads (DataField dataType\n"
        "\"string\") takes the cell's text as it is, blanks included; every\n"
        "other column the model reads must hold numbers.\n"
        "\n"
        "Output: a header, then one row per input row, in order: the column\n"
        "prediction (the class label of a classifier, the number of a\n"
        "regression), then for a classifier one probability(<label>) column\n"
        "per class, then with --outputs one column per Output field of the\n"
        "model (PMML OutputFields, named as in the document).\n"
        "\n"
        "A TensorFlow model reads one input tensor of N values: the first N\n"
        "columns, or those --features names. Its prediction is the index of\n"
        "the largest output for a vector output, the value for a single one;\n"
        "--raw adds the outputs as columns output(0), output(1), ...\n"
        "\n"
        "Options:\n"
        "  --type TYPE        PMML, TENSORFLOW or TENSORFLOWSAVED\n"
        "  --no-header        the first row is data, not column names; give\n"
        "                     the names with --columns\n"
        "  --columns A,B,...  names of the columns, in order (with\n"
        "                     --no-header)\n"
        "  --outputs          also write the model's Output fields\n"
        "  --input NAME       TensorFlow: the Placeholder (or signature input)\n"
        "                     to feed; default: the only one\n"
        "  --output NAME      TensorFlow: the tensor (or signature output) to\n"
        "                     read, \"node\" or \"node:1\"; default: the only\n"
        "                     node nothing reads, or the signature's only one\n"
        "  --features A,B,... TensorFlow: the columns that feed the input, in\n"
        "                     order; default: the first N columns\n"
        "  --raw              TensorFlow: also write every output value\n"
        "  -h, --help         this text\n"
        "\n"
        "Exit status: 0 when every row was scored; 1 when some rows could not\n"
        "be (their cells are left empty and each reason, with its line\n"
        "number, goes to standard error); 2 for a usage error, or a model or\n"
        "data file that cannot be read or loaded.\n"
        "\n"
        "Examples:\n"
        "  modelscore winequalityRandonForrestClassification.pmml \\\n"
        "      winequality_red.csv > predictions.csv\n"
        "  modelscore --raw --no-header --columns a,b,c,d,e,f,g,h,i,j,k,q \\\n"
        "      optimized_WineQuality.pb winequality_red.csv\n",
        out);
}

typedef struct options {
    const char *model_path, *data_path, *type, *columns;
    const char *input, *output, *features;
    int no_header, outputs, raw;
} options;

static int parse_args(int argc, char **argv, options *o) {
    enum { OPT_TYPE = 1000, OPT_NO_HEADER, OPT_COLUMNS, OPT_OUTPUTS,
           OPT_INPUT, OPT_OUTPUT, OPT_FEATURES, OPT_RAW };
    static const struct option longs[] = {
        {"type", required_argument, NULL, OPT_TYPE},
        {"no-header", no_argument, NULL, OPT_NO_HEADER},
        {"columns", required_argument, NULL, OPT_COLUMNS},
        {"outputs", no_argument, NULL, OPT_OUTPUTS},
        {"input", required_argument, NULL, OPT_INPUT},
        {"output", required_argument, NULL, OPT_OUTPUT},
        {"features", required_argument, NULL, OPT_FEATURES},
        {"raw", no_argument, NULL, OPT_RAW},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", longs, NULL)) != -1) {
        switch (c) {
        case OPT_TYPE: o->type = optarg; break;
        case OPT_NO_HEADER: o->no_header = 1; break;
        case OPT_COLUMNS: o->columns = optarg; break;
        case OPT_OUTPUTS: o->outputs = 1; break;
        case OPT_INPUT: o->input = optarg; break;
        case OPT_OUTPUT: o->output = optarg; break;
        case OPT_FEATURES: o->features = optarg; break;
        case OPT_RAW: o->raw = 1; break;
        case 'h': usage(stdout); exit(EXIT_SCORED);
        default:
            fprintf(stderr, "modelscore: unknown option '%s' (see "
                            "modelscore --help)\n", argv[optind - 1]);
            return -1;
        }
    }
    if (argc - optind < 1 || argc - optind > 2) {
        fprintf(stderr, "modelscore: expected MODEL [DATA] (see modelscore "
                        "--help)\n");
        return -1;
    }
    o->model_path = argv[optind];
    o->data_path = argc - optind == 2 ? argv[optind + 1] : "-";
    if (o->no_header != (o->columns != NULL)) {
        fprintf(stderr, "modelscore: --no-header and --columns go together: "
                        "without a header row, --columns names the "
                        "columns\n");
        return -1;
    }
    return 0;
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* The type named by --type, else guessed from the path. */
static int pick_type(const options *o, int is_dir, model_type *type) {
    if (o->type) {
        for (int t = 0; t < MODEL_TYPE_COUNT; t++)
            if (strcasecmp(o->type, model_type_name((model_type)t)) == 0) {
                *type = (model_type)t;
                return 0;
            }
        fprintf(stderr, "modelscore: --type '%s' is not a model type (PMML, "
                        "TENSORFLOW, TENSORFLOWSAVED)\n", o->type);
        return -1;
    }
    if (is_dir) *type = MODEL_TYPE_TENSORFLOW_SAVED;
    else if (ends_with(o->model_path, ".pmml") || ends_with(o->model_path, ".xml"))
        *type = MODEL_TYPE_PMML;
    else if (ends_with(o->model_path, ".pb")) *type = MODEL_TYPE_TENSORFLOW;
    else {
        fprintf(stderr, "modelscore: cannot tell the type of '%s' from its "
                        "name; use --type\n", o->model_path);
        return -1;
    }
    return 0;
}

static int is_tensorflow(const model *m) {
    return m->type == MODEL_TYPE_TENSORFLOW ||
           m->type == MODEL_TYPE_TENSORFLOW_SAVED;
}

/* Loads the model bound to schema; quiet when probing (a failure is then
 * an answer, not an error to report). */
static model *load_model(const options *o, const ms_schema *schema,
                         int quiet) {
    struct stat st;
    if (stat(o->model_path, &st) != 0) {
        fprintf(stderr, "modelscore: cannot open model '%s': %s\n",
                o->model_path, strerror(errno));
        return NULL;
    }
    model_type type;
    if (pick_type(o, S_ISDIR(st.st_mode), &type) < 0) return NULL;
    model_param params[3];
    model_source src = {.params = params};
    const char *keys[3] = {"input", "output", "features"};
    const char *values[3] = {o->input, o->output, o->features};
    for (int i = 0; i < 3; i++)
        if (values[i]) params[src.nparams++] = (model_param){keys[i], values[i]};
    uint8_t *bytes = NULL;
    ms_error err;
    if (S_ISDIR(st.st_mode)) {
        src.dir = o->model_path;
    } else if (file_read_all(o->model_path, MAX_MODEL_BYTES, &bytes, &src.len,
                             &err) < 0) {
        fprintf(stderr, "modelscore: %s\n", err.msg);
        return NULL;
    } else {
        src.bytes = bytes;
    }
    model *m = model_load(type, &src, schema, &err);
    free(bytes);
    if (m && !is_tensorflow(m) && (o->input || o->output || o->features ||
                                   o->raw)) {
        fprintf(stderr, "modelscore: --input, --output, --features and --raw "
                        "are for TensorFlow models\n");
        model_free(m);
        return NULL;
    }
    if (!m && !quiet)
        fprintf(stderr, "modelscore: model '%s' does not load: %s\n",
                o->model_path, err.msg);
    return m;
}

/* A cell as a CSV field: quoted when it holds a separator, quote or line
 * break. */
static void put_field(const char *s) {
    if (!strpbrk(s, ",;\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"') putchar('"');
        putchar(*s);
    }
    putchar('"');
}

/* The shortest of %.15g and %.17g that reads back as the same double. */
static void put_number(double v) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
    fputs(buf, stdout);
}

/* How many values follow the prediction: per class, or per output. */
static size_t extra_columns(const model *m, const options *o) {
    if (!is_tensorflow(m)) return m->nclasses;
    return o->raw ? (m->nclasses ? m->nclasses : 1) : 0;
}

static void put_header(const model *m, const options *o, size_t noutputs) {
    fputs("prediction", stdout);
    char name[512];
    for (size_t i = 0; i < extra_columns(m, o); i++) {
        if (is_tensorflow(m)) snprintf(name, sizeof name, "output(%zu)", i);
        else snprintf(name, sizeof name, "probability(%s)", m->class_labels[i]);
        putchar(',');
        put_field(name);
    }
    for (size_t i = 0; i < noutputs; i++) {
        putchar(',');
        put_field(m->output_names[i]);
    }
    putchar('\n');
}

typedef struct run {
    csv_reader reader;
    char sep;
    char *names_line;       /* owns the column names */
    char *columns[MAX_COLUMNS];
    int ncolumns;
    ms_schema schema;
    const options *opts;
    char used[MAX_COLUMNS]; /* per column: 0 unknown, 'y' read, 'n' not */
    size_t tf_width;        /* a TensorFlow model's first columns read */
    size_t noutputs;        /* Output fields written: 0 without --outputs */
    double *outputs;        /* their values for one row */
    const char **output_strings;
} run;

/* Whether the model reads column i: it does if it no longer loads once the
 * column's name is one no field can have. */
static int column_used(run *r, int i) {
    if (r->tf_width && !r->opts->features) return (size_t)i < r->tf_width;
    if (!r->used[i]) {
        const char *name = r->columns[i];
        r->columns[i] = "\x01";
        model *m = load_model(r->opts, &r->schema, 1);
        r->columns[i] = (char *)name;
        r->used[i] = m ? 'n' : 'y';
        model_free(m);
    }
    return r->used[i] == 'y';
}

/* Cells to a record in column order; NaN for missing. A column the model
 * reads as strings (a PMML string field) takes the cell's text as it is,
 * blanks included (model_encode); the others take numbers. */
static int parse_row(run *r, const model *m, char **cells, int ncells,
                     double *x, long line_no) {
    if (ncells != r->ncolumns) {
        fprintf(stderr, "modelscore: line %ld has %d cells, expected %d\n",
                line_no, ncells, r->ncolumns);
        return -1;
    }
    for (int i = 0; i < ncells; i++) {
        const char *s = cells[i];
        while (*s == ' ' || *s == '\t') s++;
        if (*s == '\0' || strcmp(s, "NA") == 0) {
            x[i] = NAN;
            continue;
        }
        if (model_encode(m, (size_t)i, cells[i], &x[i])) continue;
        char *end;
        errno = 0;
        x[i] = strtod(s, &end);
        while (*end == ' ' || *end == '\t') end++;
        if (*end || errno == ERANGE || !isfinite(x[i])) {
            x[i] = NAN;
            if (!column_used(r, i)) continue;
            fprintf(stderr, "modelscore: line %ld, column '%s': '%s' is not a "
                            "number\n", line_no, r->columns[i], cells[i]);
            return -1;
        }
    }
    return 0;
}

static int score_row(const run *r, const model *m, const double *x,
                     void *scratch, double *probs, long line_no) {
    ms_error err;
    model_output out = {.probabilities = probs,
                        .outputs = r->noutputs ? r->outputs : NULL,
                        .output_strings = r->output_strings};
    if (model_score(m, x, scratch, &out, &err) < 0) {
        fprintf(stderr, "modelscore: line %ld: %s\n", line_no, err.msg);
        return -1;
    }
    if (m->nclasses) put_field(m->class_labels[out.label_index]);
    else put_number(out.value);
    for (size_t i = 0; i < extra_columns(m, r->opts); i++) {
        putchar(',');
        put_number(m->nclasses ? probs[i] : out.value);
    }
    for (size_t i = 0; i < r->noutputs; i++) {
        putchar(',');
        if (r->output_strings[i])
            put_field(r->output_strings[i]);
        else if (!isnan(r->outputs[i]))
            put_number(r->outputs[i]);   /* a missing output stays empty */
    }
    putchar('\n');
    return 0;
}

/* The empty cells of a row that was not scored. */
static void put_empty_row(const run *r, const model *m) {
    size_t n = extra_columns(m, r->opts) + r->noutputs;
    for (size_t i = 0; i < n; i++) putchar(',');
    putchar('\n');
}


/* Reads the header (or takes --columns) into the schema. first is the
 * first line of the input, or NULL if there is none. */
static int read_columns(run *r, const options *o, const char *first) {
    r->sep = csv_detect_separator(first ? first : o->columns);
    /* The caller has refused input without a header and without
     * --columns: one of them is there. */
    r->names_line = strdup(o->columns ? o->columns : first);  // NOLINT(clang-analyzer-core.NonNullParamChecker)
    if (!r->names_line) {
        fprintf(stderr, "modelscore: out of memory\n");
        return -1;
    }
    char sep = r->sep;
    if (o->columns) sep = ',';
    r->ncolumns = csv_split(r->names_line, sep, r->columns, MAX_COLUMNS);
    if (r->ncolumns < 0) {
        fprintf(stderr, "modelscore: more than %d columns\n", MAX_COLUMNS);
        return -1;
    }
    r->schema = (ms_schema){.data_type = "CSV columns",
                            .nfields = (size_t)r->ncolumns,
                            .fields = (const char *const *)r->columns};
    return 0;
}

static int score_stream(run *r, const options *o, FILE *in) {
    ms_error err;
    char *line;
    long line_no;
    csv_reader_init(&r->reader, in);
    int got = csv_reader_next(&r->reader, &line, &line_no, &err);
    if (got < 0 || (got == 0 && !o->columns)) {
        fprintf(stderr, "modelscore: %s\n", got < 0 ? err.msg
                                                    : "the data has no header "
                                                      "row");
        return EXIT_USAGE;
    }
    if (read_columns(r, o, got ? line : NULL) < 0) return EXIT_USAGE;
    model *m = load_model(o, &r->schema, 0);
    if (!m) return EXIT_USAGE;
    r->tf_width = tf_model_input_width(m);
    double *x = malloc((size_t)r->ncolumns * sizeof *x);
    double *probs = malloc((m->nclasses + 1) * sizeof *probs);
    void *scratch = malloc(m->scratch_size + 1);
    char **cells = malloc(MAX_COLUMNS * sizeof *cells);
    r->noutputs = o->outputs ? m->noutputs : 0;
    r->outputs = malloc((r->noutputs + 1) * sizeof *r->outputs);
    r->output_strings = malloc((r->noutputs + 1) * sizeof *r->output_strings);
    int status = EXIT_SCORED;
    if (!x || !probs || !scratch || !cells || !r->outputs ||
        !r->output_strings) {
        fprintf(stderr, "modelscore: out of memory\n");
        status = EXIT_USAGE;
    } else {
        put_header(m, o, r->noutputs);
        /* Without a header the first line read is already data. */
        if (!o->no_header) got = csv_reader_next(&r->reader, &line, &line_no,
                                                 &err);
        for (; got == 1;
             got = csv_reader_next(&r->reader, &line, &line_no, &err)) {
            int n = csv_split(line, r->sep, cells, MAX_COLUMNS);
            if (parse_row(r, m, cells, n, x, line_no) < 0 ||
                score_row(r, m, x, scratch, probs, line_no) < 0) {
                put_empty_row(r, m);
                status = EXIT_SOME_ROWS;
            }
        }
        if (got < 0) {
            fprintf(stderr, "modelscore: %s\n", err.msg);
            status = EXIT_USAGE;
        }
    }
    free(x);
    free(probs);
    free(scratch);
    free(cells);
    free(r->outputs);
    free(r->output_strings);
    model_free(m);
    return status;
}

int main(int argc, char **argv) {
    options o = {0};
    if (parse_args(argc, argv, &o) < 0) return EXIT_USAGE;
    formats_register_all();
    FILE *in = strcmp(o.data_path, "-") == 0 ? stdin : fopen(o.data_path, "r");
    if (!in) {
        fprintf(stderr, "modelscore: cannot open data '%s': %s\n", o.data_path,
                strerror(errno));
        return EXIT_USAGE;
    }
    run r = {.opts = &o};
    int status = score_stream(&r, &o, in);
    csv_reader_free(&r.reader);
    free(r.names_line);
    if (in != stdin) fclose(in);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "modelscore: writing the output failed: %s\n",
                strerror(errno));
        return EXIT_USAGE;
    }
    return status;
}
