/*
 * bench_score.c - single-threaded scoring speed of models of every format.
 *
 *   bench_score CSV MODEL...
 *
 * A MODEL is a PMML document (*.pmml, named pmml.<file>), a frozen
 * TensorFlow graph (*.pb, tf.<file>) or a SavedModel directory
 * (tf.<parent directory>, as in saved_wine/1).
 *
 * For each model: the median load time over 5 loads, the median over 21
 * passes of the mean ns per record over every CSV row, and records/s with
 * one thread per core all scoring with the one model (as the store engine's
 * workers do), best of 3 runs of ALL_CORES_PASSES passes each, with its
 * ratio to the single thread's records/s (the scaling). As a baseline measured
 * in the same run, the same loop computes an 11-term dot product per record;
 * the ratio to it is the figure to compare across machines, which differ
 * more in raw speed than in ratios.
 *
 * Prints `bench <name> <value> <unit>` lines.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/model.h"
#include "core/stats.h"
#include "formats/formats.h"
#include "util/csv.h"
#include "util/file.h"

#define PASSES 21
#define LOADS 5
#define FEATURES 11
#define ALL_CORES_PASSES 20
#define MAX_THREADS 256

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static double *load_rows(const char *path, size_t *nrows) {
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    csv_reader r;
    csv_reader_init(&r, f);
    size_t n = 0, cap = 2048;
    double *rows = malloc(cap * FEATURES * sizeof *rows);
    char *line;
    long no;
    ms_error err;
    while (rows && csv_reader_next(&r, &line, &no, &err) == 1) {
        double v[64];
        int count;
        if (csv_parse_doubles(line, csv_detect_separator(line), v, 64, &count,
                              &err) || count < FEATURES)
            continue;
        if (n == cap) {
            double *grown = realloc(rows, (cap *= 2) * FEATURES * sizeof *rows);
            if (!grown) break;
            rows = grown;
        }
        memcpy(rows + n * FEATURES, v, FEATURES * sizeof *v);
        n++;
    }
    csv_reader_free(&r);
    fclose(f);
    *nrows = n;
    return rows;
}

/* The baseline: as much work per record as reading it and one dot product. */
static volatile double sink;

static double dot11_ns(const double *rows, size_t n) {
    static const double w[FEATURES] = {0.1, -1.1, 0.2, 0.01, -2, 0.003,
                                       -0.003, -18, -0.4, 0.9, 0.28};
    double passes[PASSES];
    for (int p = 0; p < PASSES; p++) {
        int64_t t0 = clock_mono_ns();
        double acc = 0;
        for (size_t i = 0; i < n; i++) {
            const double *x = rows + i * FEATURES;
            double s = 0;
            for (int j = 0; j < FEATURES; j++) s += w[j] * x[j];
            acc += s;
        }
        sink = acc;
        passes[p] = (double)(clock_mono_ns() - t0) / (double)n;
    }
    return median(passes, PASSES);
}

/* The model's type and bench name ("pmml.tree", "tf.saved_wine"). */
static model_type name_model(const char *path, int is_dir, char *name,
                             size_t len) {
    char copy[1024];
    snprintf(copy, sizeof copy, "%s", path);
    size_t n = strlen(copy);
    while (n > 1 && copy[n - 1] == '/') copy[--n] = '\0';
    char *base = strrchr(copy, '/');
    if (is_dir && base && base > copy) {   /* saved_wine/1 -> saved_wine */
        *base = '\0';
        base = strrchr(copy, '/');
    }
    base = base ? base + 1 : copy;
    char *dot = is_dir ? NULL : strrchr(base, '.');
    model_type type = is_dir ? MODEL_TYPE_TENSORFLOW_SAVED
                      : dot && strcmp(dot, ".pb") == 0 ? MODEL_TYPE_TENSORFLOW
                                                        : MODEL_TYPE_PMML;
    if (dot) *dot = '\0';
    snprintf(name, len, "%s.%s", type == MODEL_TYPE_PMML ? "pmml" : "tf", base);
    return type;
}

/* One thread of the all-cores run: its own buffers, the shared model. */
typedef struct scoring_thread {
    pthread_t thread;
    const model *m;
    const double *rows;
    size_t n;
} scoring_thread;

static void *score_passes(void *arg) {
    scoring_thread *t = arg;
    void *scratch = malloc(t->m->scratch_size ? t->m->scratch_size : 1);
    double *probs = calloc(t->m->nclasses ? t->m->nclasses : 1, sizeof *probs);
    double acc = 0;
    ms_error err;
    /* Failures were counted by the single-threaded passes: the same rows. */
    for (int p = 0; scratch && probs && p < ALL_CORES_PASSES; p++)
        for (size_t i = 0; i < t->n; i++) {
            model_output out = {.probabilities = probs};
            if (model_score(t->m, t->rows + i * FEATURES, scratch, &out, &err) == 0)
                acc += out.value;
        }
    sink = acc;
    free(scratch);
    free(probs);
    return NULL;
}

/* Records/s of nthreads threads scoring at once, best of 3 runs. */
static double all_cores_rate(const model *m, const double *rows, size_t n,
                             int nthreads) {
    double best = 0;
    for (int run = 0; run < 3; run++) {
        scoring_thread t[MAX_THREADS];
        int started = 0;
        int64_t t0 = clock_mono_ns();
        for (; started < nthreads; started++) {
            t[started] = (scoring_thread){.m = m, .rows = rows, .n = n};
            if (pthread_create(&t[started].thread, NULL, score_passes, &t[started]))
                break;
        }
        for (int i = 0; i < started; i++) pthread_join(t[i].thread, NULL);
        double rate = (double)started * ALL_CORES_PASSES * (double)n /
                      ((double)(clock_mono_ns() - t0) / 1e9);
        if (rate > best) best = rate;
    }
    return best;
}

static int bench_model(const char *path, const double *rows, size_t n,
                       double baseline_ns, int nthreads) {
    uint8_t *doc = NULL;
    size_t len = 0;
    ms_error err;
    struct stat st;
    int is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    if (!is_dir && file_read_all(path, 1u << 30, &doc, &len, &err)) {
        fprintf(stderr, "bench_score: %s\n", err.msg);
        return -1;
    }
    char name[256];
    model_type type = name_model(path, is_dir, name, sizeof name);

    double loads[LOADS];
    model *m = NULL;
    for (int i = 0; i < LOADS; i++) {
        model_free(m);
        int64_t t0 = clock_mono_ns();
        model_source src = {.bytes = doc, .len = len,
                            .dir = is_dir ? path : NULL};
        m = model_load(type, &src, ms_schema_wine(), &err);
        loads[i] = (double)(clock_mono_ns() - t0) / 1e6;
        if (!m) {
            printf("# %s does not load: %s\n", name, err.msg);
            free(doc);
            return 0;
        }
    }
    free(doc);
    void *scratch = malloc(m->scratch_size ? m->scratch_size : 1);
    double *probs = calloc(m->nclasses ? m->nclasses : 1, sizeof *probs);
    double passes[PASSES];
    size_t failures = 0;
    for (int p = 0; p < PASSES; p++) {
        int64_t t0 = clock_mono_ns();
        double acc = 0;
        for (size_t i = 0; i < n; i++) {
            model_output out = {.probabilities = probs};
            if (model_score(m, rows + i * FEATURES, scratch, &out, &err))
                failures++;
            acc += out.value;
        }
        sink = acc;
        passes[p] = (double)(clock_mono_ns() - t0) / (double)n;
    }
    double score_ns = median(passes, PASSES);
    printf("bench %s.load_ms %.3f ms\n", name, median(loads, LOADS));
    printf("bench %s.score_ns %.1f ns\n", name, score_ns);
    printf("bench %s.ratio_to_dot11 %.2f x\n", name, score_ns / baseline_ns);
    double rate = all_cores_rate(m, rows, n, nthreads);
    printf("bench %s.all_cores.records_per_s %.0f records/s\n", name, rate);
    printf("bench %s.all_cores.scaling %.2f x\n", name, rate * score_ns / 1e9);
    if (failures) printf("# %s: %zu scoring failures\n", name, failures);
    model_free(m);
    free(scratch);
    free(probs);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc < 3 ? stderr : stdout,
                "usage: bench_score CSV MODEL...\n"
                "MODEL: a .pmml file, a frozen TensorFlow graph (.pb) or a "
                "SavedModel directory.\n"
                "Median load time and ns/record of each model over every CSV "
                "row, the ratio to an 11-term dot product per record, and\n"
                "records/s with one scoring thread per core.\n");
        return argc < 3 ? 2 : 0;
    }
    formats_register_all();
    size_t n;
    double *rows = load_rows(argv[1], &n);
    if (!rows || n == 0) {
        fprintf(stderr, "bench_score: no rows in '%s'\n", argv[1]);
        free(rows);
        return 1;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int nthreads = cores < 1 ? 1 : cores > MAX_THREADS ? MAX_THREADS : (int)cores;
    printf("# bench_score over %zu rows of %s, %d passes single-threaded, "
           "then %d threads\n", n, argv[1], PASSES, nthreads);
    double baseline = dot11_ns(rows, n);
    printf("bench baseline.dot11.score_ns %.2f ns\n", baseline);
    int rc = 0;
    for (int i = 2; i < argc; i++) rc |= bench_model(argv[i], rows, n, baseline, nthreads);
    free(rows);
    return rc ? 1 : 0;
}
