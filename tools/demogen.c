/*
 * demogen.c - makes the project's own demo data set and models from a seed.
 *
 * The demo (`make run`) serves wine-quality models, but the project may not
 * carry the original sample's data or PMML files. This program writes
 * stand-ins for them into OUTDIR:
 *
 *   winequality_demo.csv                 synthetic red wines in the original's
 *                                        format: ';', no header, 11 features,
 *                                        then an integer quality 3..8
 *   demoLinearRegression.pmml            least squares on the 11 features
 *   demoDecisionTreeClassification.pmml  CART (Gini), quality as a label
 *   demoDecisionTreeRegression.pmml      CART (variance), quality as a number
 *   demoSoftmaxRegression.pb             a TensorFlow frozen graph: softmax
 *                                        regression on standardised features
 *                                        over 9 outputs, the argmax being the
 *                                        quality (as in the seed's graph)
 *
 * The models are fitted on the generated rows, so what the demo serves is a
 * real model of real (if synthetic) data, and the PMML looks like what
 * JPMML-SparkML wrote for the original.
 *
 * A seed gives byte-identical files on every machine. That is why the random
 * numbers come from xoshiro256** instead of rand(), why only IEEE basic
 * operations are used (libm's exp/log/cos may differ in the last bit between
 * C libraries; CMake builds this file with -ffp-contract=off so that no fused
 * multiply-add changes a rounding either), why CSV values are put on decimal
 * grids and printed with integer arithmetic, and why the PMML carries no
 * timestamp. Numbers are printed in the C locale (setlocale is never called).
 */
#include "core/error.h"
#include "tf/tf_writer.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
    NFEAT = 11,
    QMIN = 3,
    QMAX = 8,
    NCLASS = QMAX - QMIN + 1,
    DEFAULT_ROWS = 1599, /* as many as the original */
    MIN_ROWS = 100,      /* enough for 12 coefficients and a few tree leaves */
    MAX_ROWS = 1000000,
    TREE_MAX_DEPTH = 5,  /* the root has depth 0 */
    TREE_MIN_LEAF = 20,
};
#define DEFAULT_SEED 20170502u

enum { FA, VA, CA, RS, CL, FSD, TSD, DENS, PH, SUL, ALC };

static const char *const feature_names[NFEAT] = {
    "fixed acidity", "volatile acidity", "citric acid", "residual sugar",
    "chlorides", "free sulfur dioxide", "total sulfur dioxide", "density",
    "pH", "sulphates", "alcohol",
};

/* Decimal places each column is rounded to, as in the original data. */
static const int feature_decimals[NFEAT] = {1, 2, 2, 1, 3, 0, 0, 4, 2, 2, 1};
static const double decimal_scale[] = {1, 10, 100, 1000, 10000};

typedef struct dataset {
    int rows;
    double *x; /* rows x NFEAT, row-major, exactly the values in the CSV */
    int *y;    /* quality, QMIN..QMAX */
} dataset;

/* ---- Random numbers ---------------------------------------------------- */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* xoshiro256** state from splitmix64, as its authors recommend: any seed,
 * including 0, gives a well-mixed non-zero state. */
static void rng_seed(rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform on [0, 1) with 53 random bits. */
static double rng_uniform(rng *r) {
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Standard normal, approximately: the sum of 12 uniforms minus 6 has mean 0,
 * variance 1 and needs no transcendental function. Its tails stop at +-6,
 * which suits data that must stay in realistic ranges anyway. */
static double rng_normal(rng *r) {
    double sum = 0;
    for (int i = 0; i < 12; i++) sum += rng_uniform(r);
    return sum - 6.0;
}

/* e^x from basic operations only (see the top of the file): argument
 * reduction by powers of two, which ldexp applies exactly, then a Taylor
 * series on |r| <= ln(2)/2, good to about an ulp for the range used here. */
static double det_exp(double x) {
    const double ln2 = 0x1.62e42fefa39efp-1;
    double k = floor(x / ln2 + 0.5);
    double r = x - k * ln2, term = 1, sum = 1;
    for (int i = 1; i <= 16; i++) {
        term *= r / i;
        sum += term;
    }
    return ldexp(sum, (int)k);
}

/* Right-skewed positive variate with the given median: e^(sigma*z). */
static double lognormal(double median, double sigma, double z) {
    return median * det_exp(sigma * z);
}

static double clamp(double v, double lo, double hi) {
    return v < lo ? lo : v > hi ? hi : v;
}

/* ---- The data set ------------------------------------------------------- */

/* Rounds v to the column's decimal grid. n / 10^d is the double nearest the
 * printed decimal, i.e. exactly what any reader of the CSV will parse, so the
 * models are fitted on the same numbers their users will see. */
static double to_grid(double v, int col, int64_t *units) {
    int d = feature_decimals[col];
    *units = (int64_t)floor(v * decimal_scale[d] + 0.5);
    return (double)*units / decimal_scale[d];
}

/* One wine. Shared latent factors give the correlations of the real data:
 * an acidity factor (fixed acidity and citric acid up, pH down), a salt
 * factor (chlorides with sulphates), sulfur dioxide total following free,
 * density rising with acid and sugar and falling with alcohol. Medians,
 * spreads and ranges are close to those of the original red wines. */
static void make_wine(rng *r, double *f) {
    double z_acid = rng_normal(r), z_volatile = rng_normal(r);
    double z_salt = rng_normal(r);

    f[FA] = clamp(lognormal(7.9, 0.2, z_acid), 4.6, 15.9);
    f[VA] = clamp(lognormal(0.52, 0.32, 0.95 * z_volatile - 0.3 * z_acid),
                  0.12, 1.58);
    f[CA] = clamp(0.26 + 0.19 * (0.65 * z_acid - 0.45 * z_volatile +
                                 0.6 * rng_normal(r)),
                  0.0, 1.0);
    f[RS] = clamp(lognormal(2.2, 0.42, rng_normal(r)), 0.9, 15.5);
    f[CL] = clamp(lognormal(0.079, 0.3, 0.55 * z_salt + 0.83 * rng_normal(r)),
                  0.012, 0.611);
    f[FSD] = clamp(lognormal(13.0, 0.6, rng_normal(r)), 1.0, 72.0);
    f[TSD] = clamp(f[FSD] * lognormal(2.5, 0.45, rng_normal(r)), 6.0, 289.0);
    f[ALC] = clamp(8.4 + lognormal(1.8, 0.5,
                                   0.95 * rng_normal(r) - 0.3 * z_volatile),
                   8.4, 14.9);
    f[DENS] = clamp(0.99675 + 0.00072 * (f[FA] - 8.3) +
                        0.00035 * (f[RS] - 2.5) - 0.00085 * (f[ALC] - 10.4) +
                        0.0008 * rng_normal(r),
                    0.99007, 1.00369);
    f[PH] = clamp(3.31 - 0.062 * (f[FA] - 8.3) - 0.1 * (f[CA] - 0.27) +
                      0.1 * rng_normal(r),
                  2.74, 4.01);
    f[SUL] = clamp(lognormal(0.62, 0.22, 0.6 * z_salt + 0.8 * rng_normal(r)),
                   0.33, 2.0);
}

/* The hidden truth behind the quality score: a noisy, mostly linear taste
 * panel that likes alcohol and sulphates (up to a point, so the trees find
 * something the linear model cannot) and dislikes volatile acidity, salt
 * and sulfur. The panel mostly agrees within half a point but now and then
 * is far off, which gives the rare 3s and 8s of the real data. Rounded and
 * clamped, most wines come out 5 or 6. */
static int taste(rng *r, const double *f) {
    double noise = 0.4 * rng_normal(r);
    if (rng_uniform(r) < 0.12) noise += rng_normal(r);
    double q = 5.52 + 0.42 * (f[ALC] - 10.4) - 1.1 * (f[VA] - 0.53) +
               1.3 * (fmin(f[SUL], 0.8) - 0.64) - 1.6 * (f[CL] - 0.087) -
               0.0035 * (f[TSD] - 46.0) - 0.4 * (f[PH] - 3.31) + noise;
    return (int)clamp(floor(q + 0.5), QMIN, QMAX);
}

/* Prints units / 10^decimals without trailing zeros ("0.7", "0", "11"),
 * as the original file does. */
static void print_decimal(FILE *f, int64_t units, int decimals) {
    int64_t scale = (int64_t)decimal_scale[decimals];
    int64_t whole = units / scale, frac = units % scale;
    fprintf(f, "%lld", (long long)whole);
    if (frac == 0) return;
    while (frac % 10 == 0) {
        frac /= 10;
        decimals--;
    }
    fprintf(f, ".%0*lld", decimals, (long long)frac);
}

/* Draws the rows, keeps them in ds and writes them as CSV. */
static void generate(dataset *ds, uint64_t seed, FILE *out) {
    rng r;
    rng_seed(&r, seed);
    for (int i = 0; i < ds->rows; i++) {
        double wine[NFEAT], *row = ds->x + (size_t)i * NFEAT;
        make_wine(&r, wine);
        for (int j = 0; j < NFEAT; j++) {
            int64_t units;
            row[j] = to_grid(wine[j], j, &units);
            print_decimal(out, units, feature_decimals[j]);
            fputc(';', out);
        }
        /* Quality is judged on the wine as recorded, not on hidden digits. */
        ds->y[i] = taste(&r, row);
        fprintf(out, "%d\n", ds->y[i]);
    }
}

/* ---- Output files ------------------------------------------------------- */

/* A file written under a temporary name and renamed into place when
 * complete, so an interrupted run never leaves a truncated model behind. */
typedef struct outfile {
    FILE *f;
    char path[PATH_MAX], tmp[PATH_MAX];
} outfile;

static int out_open(outfile *o, const char *dir, const char *name,
                    ms_error *err) {
    if (snprintf(o->path, sizeof o->path, "%s/%s", dir, name) >=
            (int)sizeof o->path ||
        snprintf(o->tmp, sizeof o->tmp, "%s.tmp", o->path) >=
            (int)sizeof o->tmp)
        return ms_error_set(err, "%s/%s: path too long", dir, name);
    o->f = fopen(o->tmp, "w");
    if (!o->f)
        return ms_error_set(err, "cannot create %s: %s", o->tmp,
                            strerror(errno));
    return 0;
}

static int out_commit(outfile *o, ms_error *err) {
    int failed = ferror(o->f);
    if (fclose(o->f) != 0) failed = 1;
    o->f = NULL;
    if (failed || rename(o->tmp, o->path) != 0) {
        ms_error_set(err, "cannot write %s: %s", o->path, strerror(errno));
        remove(o->tmp);
        return -1;
    }
    return 0;
}

/* The PMML prologue up to the model element. JPMML-SparkML names the
 * target first; so do we. */
static void pmml_begin(FILE *f, int categorical_target) {
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
          "<PMML xmlns=\"http://www.dmg.org/PMML-4_3\" version=\"4.3\">\n"
          "    <Header>\n"
          "        <Application name=\"modelserver demogen\" version=\"1\"/>\n"
          "    </Header>\n"
          "    <DataDictionary>\n",
          f);
    if (categorical_target) {
        fputs("        <DataField name=\"quality\" optype=\"categorical\" "
              "dataType=\"string\">\n",
              f);
        for (int c = QMIN; c <= QMAX; c++)
            fprintf(f, "            <Value value=\"%d\"/>\n", c);
        fputs("        </DataField>\n", f);
    } else {
        fputs("        <DataField name=\"quality\" optype=\"continuous\" "
              "dataType=\"double\"/>\n",
              f);
    }
    for (int j = 0; j < NFEAT; j++)
        fprintf(f,
                "        <DataField name=\"%s\" optype=\"continuous\" "
                "dataType=\"double\"/>\n",
                feature_names[j]);
    fputs("    </DataDictionary>\n", f);
}

static void mining_schema(FILE *f) {
    fputs("        <MiningSchema>\n"
          "            <MiningField name=\"quality\" usageType=\"target\"/>\n",
          f);
    for (int j = 0; j < NFEAT; j++)
        fprintf(f, "            <MiningField name=\"%s\"/>\n",
                feature_names[j]);
    fputs("        </MiningSchema>\n", f);
}

static double quality_sst(const dataset *ds) {
    double mean = 0, sst = 0;
    for (int i = 0; i < ds->rows; i++) mean += ds->y[i];
    mean /= ds->rows;
    for (int i = 0; i < ds->rows; i++)
        sst += (ds->y[i] - mean) * (ds->y[i] - mean);
    return sst;
}

/* ---- Ordinary least squares --------------------------------------------- */

/* Fits quality = b0 + sum b_j x_j. The normal equations are formed on
 * centred, unit-scaled columns: raw density (about 0.997 +- 0.002) is nearly
 * collinear with the intercept, and scaling keeps the Gram matrix a
 * correlation matrix whose condition number is modest, so a plain Cholesky
 * in double is accurate to many digits and no ridge term is needed. A
 * non-positive pivot means truly collinear features and is reported. */
static int fit_ols(const dataset *ds, double *b0, double *b, double *r2,
                   ms_error *err) {
    int n = ds->rows;
    double mean[NFEAT] = {0}, scale[NFEAT], ymean = 0;
    double a[NFEAT][NFEAT] = {{0}}, rhs[NFEAT] = {0}, z[NFEAT];

    for (int i = 0; i < n; i++) {
        for (int j = 0; j < NFEAT; j++) mean[j] += ds->x[(size_t)i * NFEAT + j];
        ymean += ds->y[i];
    }
    for (int j = 0; j < NFEAT; j++) mean[j] /= n;
    ymean /= n;

    for (int i = 0; i < n; i++) {
        const double *row = ds->x + (size_t)i * NFEAT;
        double c[NFEAT], yc = ds->y[i] - ymean;
        for (int j = 0; j < NFEAT; j++) c[j] = row[j] - mean[j];
        for (int j = 0; j < NFEAT; j++) {
            for (int k = 0; k <= j; k++) a[j][k] += c[j] * c[k];
            rhs[j] += c[j] * yc;
        }
    }
    for (int j = 0; j < NFEAT; j++) {
        if (!(a[j][j] > 0))
            return ms_error_set(err, "OLS: '%s' is constant",
                                feature_names[j]);
        scale[j] = sqrt(a[j][j]);
    }
    for (int j = 0; j < NFEAT; j++) {
        for (int k = 0; k <= j; k++) a[j][k] /= scale[j] * scale[k];
        rhs[j] /= scale[j];
    }

    /* Cholesky, in place in the lower triangle: a = L L^T. */
    for (int j = 0; j < NFEAT; j++) {
        for (int k = 0; k < j; k++) a[j][j] -= a[j][k] * a[j][k];
        if (!(a[j][j] > 1e-12))
            return ms_error_set(err, "OLS: features are collinear at '%s'",
                                feature_names[j]);
        a[j][j] = sqrt(a[j][j]);
        for (int i = j + 1; i < NFEAT; i++) {
            for (int k = 0; k < j; k++) a[i][j] -= a[i][k] * a[j][k];
            a[i][j] /= a[j][j];
        }
    }
    /* Forward (L w = rhs) then back (L^T z = w) substitution. */
    for (int j = 0; j < NFEAT; j++) {
        z[j] = rhs[j];
        for (int k = 0; k < j; k++) z[j] -= a[j][k] * z[k];
        z[j] /= a[j][j];
    }
    for (int j = NFEAT - 1; j >= 0; j--) {
        for (int k = j + 1; k < NFEAT; k++) z[j] -= a[k][j] * z[k];
        z[j] /= a[j][j];
    }

    *b0 = ymean;
    for (int j = 0; j < NFEAT; j++) {
        b[j] = z[j] / scale[j];
        *b0 -= b[j] * mean[j];
    }
    double sse = 0;
    for (int i = 0; i < n; i++) {
        double e = ds->y[i] - *b0;
        for (int j = 0; j < NFEAT; j++)
            e -= b[j] * ds->x[(size_t)i * NFEAT + j];
        sse += e * e;
    }
    *r2 = 1 - sse / quality_sst(ds);
    return 0;
}

static void write_ols(FILE *f, double b0, const double *b) {
    pmml_begin(f, 0);
    fputs("    <RegressionModel functionName=\"regression\">\n", f);
    mining_schema(f);
    fprintf(f, "        <RegressionTable intercept=\"%.17g\">\n", b0);
    for (int j = 0; j < NFEAT; j++)
        fprintf(f,
                "            <NumericPredictor name=\"%s\" "
                "coefficient=\"%.17g\"/>\n",
                feature_names[j], b[j]);
    fputs("        </RegressionTable>\n"
          "    </RegressionModel>\n"
          "</PMML>\n",
          f);
}

/* ---- CART --------------------------------------------------------------- */

/* A value of one feature with its row, for sorting a node's rows. */
typedef struct keyed {
    double v;
    int row;
} keyed;

/* Ties are broken by row so the order never depends on the qsort. */
static int keyed_cmp(const void *pa, const void *pb) {
    const keyed *a = pa, *b = pb;
    if (a->v != b->v) return a->v < b->v ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

/* The tree is written depth first as it grows; nothing else needs it, so
 * it is never stored. Training fit is summed over the leaves on the way. */
typedef struct tree {
    const dataset *ds;
    int classify; /* 1: Gini on quality as a label; 0: variance of quality */
    int *idx;     /* row numbers; each node owns a contiguous range */
    int *scratch; /* for partitioning a range */
    keyed *sorted;
    FILE *f;
    long correct; /* classification: training rows predicted right */
    double sse;   /* regression: training squared error */
    int leaves, depth;
} tree;

typedef struct split {
    int feature; /* -1: no split worth making */
    double threshold, gain;
} split;

static double sum_squares(const long *counts) {
    double s = 0;
    for (int c = 0; c < NCLASS; c++) s += (double)counts[c] * counts[c];
    return s;
}

/* Both criteria come down to maximising a sum over the two children:
 * Gini impurity of a child of n rows with class counts n_k is
 * n - sum n_k^2 / n, and its squared error is sum y^2 - (sum y)^2 / n, so
 * the best split maximises sum n_k^2 / n (Gini) or (sum y)^2 / n (variance)
 * summed over both sides. The gain is that sum minus the parent's. */
static void find_split(tree *t, int lo, int hi, const long *counts,
                       double sum, split *best) {
    int n = hi - lo;
    double parent = t->classify ? sum_squares(counts) / n : sum * sum / n;

    best->feature = -1;
    best->gain = 1e-12 * parent; /* ignore rounding noise as a gain */
    for (int j = 0; j < NFEAT; j++) {
        for (int k = 0; k < n; k++) {
            int row = t->idx[lo + k];
            t->sorted[k] = (keyed){t->ds->x[(size_t)row * NFEAT + j], row};
        }
        qsort(t->sorted, (size_t)n, sizeof *t->sorted, keyed_cmp);

        long left[NCLASS] = {0}, right[NCLASS];
        double lsum = 0;
        for (int k = 0; k + 1 < n; k++) {
            int y = t->ds->y[t->sorted[k].row], nl = k + 1, nr = n - nl;
            left[y - QMIN]++;
            lsum += y;
            if (nr < TREE_MIN_LEAF) break;
            if (nl < TREE_MIN_LEAF || t->sorted[k].v == t->sorted[k + 1].v)
                continue;
            double score;
            if (t->classify) {
                for (int c = 0; c < NCLASS; c++) right[c] = counts[c] - left[c];
                score = sum_squares(left) / nl + sum_squares(right) / nr;
            } else {
                score = lsum * lsum / nl + (sum - lsum) * (sum - lsum) / nr;
            }
            if (score - parent > best->gain) {
                double a = t->sorted[k].v, b = t->sorted[k + 1].v;
                best->feature = j;
                best->gain = score - parent;
                /* The midpoint, kept strictly below b should it round up. */
                best->threshold = a + (b - a) / 2 < b ? a + (b - a) / 2 : a;
            }
        }
    }
}

/* Nodes nest inside TreeModel, 4 spaces a level, as JPMML indents. */
static void indent(FILE *f, int depth) {
    fprintf(f, "%*s", 4 * depth + 8, "");
}

/* Writes the node owning rows idx[lo, hi), reached from its parent by
 * `feature <= threshold` (op "lessOrEqual") or `>` ("greaterThan"), or the
 * root when op is NULL, then grows its children. */
static void grow(tree *t, int lo, int hi, int depth, int feature,
                 const char *op, double threshold) {
    const dataset *ds = t->ds;
    int n = hi - lo, majority = 0;
    long counts[NCLASS] = {0};
    double sum = 0;
    for (int k = lo; k < hi; k++) {
        counts[ds->y[t->idx[k]] - QMIN]++;
        sum += ds->y[t->idx[k]];
    }
    /* Ties go to the lower quality, a fixed rule for deterministic output. */
    for (int c = 1; c < NCLASS; c++)
        if (counts[c] > counts[majority]) majority = c;
    double mean = sum / n;

    indent(t->f, depth);
    if (t->classify)
        fprintf(t->f, "<Node score=\"%d\" recordCount=\"%d\">\n",
                majority + QMIN, n);
    else
        fprintf(t->f, "<Node score=\"%.17g\">\n", mean);
    indent(t->f, depth + 1);
    if (op)
        fprintf(t->f,
                "<SimplePredicate field=\"%s\" operator=\"%s\" "
                "value=\"%.17g\"/>\n",
                feature_names[feature], op, threshold);
    else
        fputs("<True/>\n", t->f);
    if (t->classify)
        for (int c = 0; c < NCLASS; c++) {
            indent(t->f, depth + 1);
            fprintf(t->f,
                    "<ScoreDistribution value=\"%d\" recordCount=\"%ld\"/>\n",
                    c + QMIN, counts[c]);
        }

    /* A pure node (one quality only) has nothing to gain under either
     * criterion. */
    split s = {.feature = -1};
    if (depth < TREE_MAX_DEPTH && n >= 2 * TREE_MIN_LEAF &&
        counts[majority] < n)
        find_split(t, lo, hi, counts, sum, &s);
    if (s.feature < 0) {
        t->leaves++;
        if (depth > t->depth) t->depth = depth;
        t->correct += counts[majority];
        for (int k = lo; k < hi; k++)
            t->sse += (ds->y[t->idx[k]] - mean) * (ds->y[t->idx[k]] - mean);
    } else {
        /* Stable partition: rows <= threshold first, in their old order. */
        int nl = 0, nr = 0;
        for (int k = lo; k < hi; k++) {
            int row = t->idx[k];
            if (ds->x[(size_t)row * NFEAT + s.feature] <= s.threshold)
                t->idx[lo + nl++] = row;
            else
                t->scratch[nr++] = row;
        }
        memcpy(t->idx + lo + nl, t->scratch, (size_t)nr * sizeof *t->scratch);
        grow(t, lo, lo + nl, depth + 1, s.feature, "lessOrEqual", s.threshold);
        grow(t, lo + nl, hi, depth + 1, s.feature, "greaterThan", s.threshold);
    }
    indent(t->f, depth);
    fputs("</Node>\n", t->f);
}

/* Grows and writes a whole TreeModel document. */
static int write_tree(FILE *f, const dataset *ds, int classify, tree *t,
                      ms_error *err) {
    *t = (tree){.ds = ds, .classify = classify, .f = f};
    t->idx = malloc((size_t)ds->rows * sizeof *t->idx);
    t->scratch = malloc((size_t)ds->rows * sizeof *t->scratch);
    t->sorted = malloc((size_t)ds->rows * sizeof *t->sorted);
    if (!t->idx || !t->scratch || !t->sorted) {
        free(t->idx);
        free(t->scratch);
        free(t->sorted);
        return ms_error_set(err, "out of memory");
    }
    for (int i = 0; i < ds->rows; i++) t->idx[i] = i;

    pmml_begin(f, classify);
    fprintf(f,
            "    <TreeModel functionName=\"%s\" "
            "splitCharacteristic=\"binarySplit\">\n",
            classify ? "classification" : "regression");
    mining_schema(f);
    /* Like JPMML's, the classifier declares its per-class probabilities
     * (the leaf's ScoreDistribution shares) as outputs. */
    if (classify) {
        fputs("        <Output>\n", f);
        for (int c = QMIN; c <= QMAX; c++)
            fprintf(f,
                    "            <OutputField name=\"probability(%d)\" "
                    "optype=\"continuous\" dataType=\"double\" "
                    "feature=\"probability\" value=\"%d\"/>\n",
                    c, c);
        fputs("        </Output>\n", f);
    }
    grow(t, 0, ds->rows, 0, -1, NULL, 0);
    fputs("    </TreeModel>\n"
          "</PMML>\n",
          f);
    free(t->idx);
    free(t->scratch);
    free(t->sorted);
    return 0;
}

/* ---- Softmax regression, as a TensorFlow graph ------------------------- */

enum { SM_CLASSES = 9, SM_STEPS = 400 };   /* outputs 0..8: index = quality */
#define SM_RATE 0.5
#define SM_L2 1e-4

typedef struct softmax {
    float mean[NFEAT], inv_std[NFEAT];
    float w[NFEAT * SM_CLASSES], b[SM_CLASSES];   /* w row-major [11, 9] */
    long correct;
} softmax;

/* p = softmax(z) with det_exp, so every machine computes the same. */
static void sm_probs(const double *z, double *p) {
    double mx = z[0], sum = 0;
    for (int c = 1; c < SM_CLASSES; c++) if (z[c] > mx) mx = z[c];
    for (int c = 0; c < SM_CLASSES; c++) sum += p[c] = det_exp(z[c] - mx);
    for (int c = 0; c < SM_CLASSES; c++) p[c] /= sum;
}

/* Full-batch gradient descent on the mean cross-entropy (plus a little L2)
 * from zero weights: no randomness, a fixed number of steps. The weights
 * are rounded to float32 as the graph stores them, and the training
 * accuracy is that of the rounded model, computed as the graph does. */
static int fit_softmax(const dataset *ds, softmax *sm, ms_error *err) {
    int n = ds->rows;
    double mean[NFEAT] = {0}, sd[NFEAT] = {0};
    for (int i = 0; i < n; i++)
        for (int j = 0; j < NFEAT; j++) mean[j] += ds->x[i * NFEAT + j] / n;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < NFEAT; j++) {
            double d = ds->x[i * NFEAT + j] - mean[j];
            sd[j] += d * d / n;
        }
    double *z = malloc((size_t)n * NFEAT * sizeof *z);
    if (!z) return ms_error_set(err, "out of memory fitting the softmax");
    for (int j = 0; j < NFEAT; j++) {
        sm->mean[j] = (float)mean[j];
        sm->inv_std[j] = (float)(sd[j] > 0 ? 1 / sqrt(sd[j]) : 1);
    }
    for (int i = 0; i < n; i++)   /* standardised as the graph will */
        for (int j = 0; j < NFEAT; j++)
            z[i * NFEAT + j] =
                (float)((double)(float)((double)(float)ds->x[i * NFEAT + j] -
                                        sm->mean[j]) * sm->inv_std[j]);
    double w[NFEAT * SM_CLASSES] = {0}, b[SM_CLASSES] = {0};
    for (int step = 0; step < SM_STEPS; step++) {
        double gw[NFEAT * SM_CLASSES] = {0}, gb[SM_CLASSES] = {0};
        for (int i = 0; i < n; i++) {
            double logit[SM_CLASSES], p[SM_CLASSES];
            for (int c = 0; c < SM_CLASSES; c++) {
                logit[c] = b[c];
                for (int j = 0; j < NFEAT; j++)
                    logit[c] += z[i * NFEAT + j] * w[j * SM_CLASSES + c];
            }
            sm_probs(logit, p);
            p[ds->y[i]] -= 1;   /* the gradient of the loss in the logits */
            for (int c = 0; c < SM_CLASSES; c++) {
                gb[c] += p[c] / n;
                for (int j = 0; j < NFEAT; j++)
                    gw[j * SM_CLASSES + c] += p[c] * z[i * NFEAT + j] / n;
            }
        }
        for (int c = 0; c < SM_CLASSES; c++) b[c] -= SM_RATE * gb[c];
        for (int k = 0; k < NFEAT * SM_CLASSES; k++)
            w[k] -= SM_RATE * (gw[k] + SM_L2 * w[k]);
    }
    for (int c = 0; c < SM_CLASSES; c++) sm->b[c] = (float)b[c];
    for (int k = 0; k < NFEAT * SM_CLASSES; k++) sm->w[k] = (float)w[k];
    sm->correct = 0;
    for (int i = 0; i < n; i++) {
        int best = 0;
        double top = 0;
        for (int c = 0; c < SM_CLASSES; c++) {
            double acc = 0;   /* MatMul in double, then BiasAdd in float */
            for (int j = 0; j < NFEAT; j++)
                acc += z[i * NFEAT + j] * sm->w[j * SM_CLASSES + c];
            double logit = (float)((double)(float)acc + sm->b[c]);
            if (c == 0 || logit > top) {
                top = logit;
                best = c;
            }
        }
        sm->correct += best == ds->y[i];
    }
    free(z);
    return 0;
}

/* x -> (x - mean) * inv_std -> MatMul W -> BiasAdd b -> Softmax. */
static int write_softmax(FILE *f, const softmax *sm, ms_error *err) {
    static const int64_t feat[] = {NFEAT}, wdims[] = {NFEAT, SM_CLASSES},
                         bdims[] = {SM_CLASSES}, in[] = {-1, NFEAT};
    tf_writer *w = tf_writer_new();
    if (!w) return ms_error_set(err, "out of memory writing the graph");
    tf_writer_placeholder(w, "wine", in, 2);
    tf_writer_const(w, "standardise/mean", 1, feat, 1, sm->mean);
    tf_writer_const(w, "standardise/inv_std", 1, feat, 1, sm->inv_std);
    tf_writer_node(w, "standardise/sub", "Sub", "wine", "standardise/mean",
                   NULL);
    tf_writer_attr_type(w, "T", 1);
    tf_writer_node(w, "standardise/z", "Mul", "standardise/sub",
                   "standardise/inv_std", NULL);
    tf_writer_attr_type(w, "T", 1);
    tf_writer_const(w, "softmax/kernel", 1, wdims, 2, sm->w);
    tf_writer_const(w, "softmax/bias", 1, bdims, 1, sm->b);
    tf_writer_node(w, "softmax/MatMul", "MatMul", "standardise/z",
                   "softmax/kernel", NULL);
    tf_writer_attr_type(w, "T", 1);
    tf_writer_node(w, "softmax/BiasAdd", "BiasAdd", "softmax/MatMul",
                   "softmax/bias", NULL);
    tf_writer_attr_type(w, "T", 1);
    tf_writer_node(w, "quality", "Softmax", "softmax/BiasAdd", NULL);
    tf_writer_attr_type(w, "T", 1);
    size_t len;
    uint8_t *pb = tf_writer_graph(w, &len);
    if (!pb) return ms_error_set(err, "out of memory writing the graph");
    size_t wrote = fwrite(pb, 1, len, f);
    free(pb);
    return wrote == len ? 0 : ms_error_set(err, "writing the graph failed");
}

/* ---- Command line ------------------------------------------------------- */

static void usage(FILE *f) {
    fprintf(f,
            "usage: demogen [--rows N] [--seed S] OUTDIR\n"
            "\n"
            "Writes a synthetic wine-quality data set, three PMML models and\n"
            "a TensorFlow frozen graph fitted on it into OUTDIR (created if\n"
            "missing):\n"
            "  winequality_demo.csv, demoLinearRegression.pmml,\n"
            "  demoDecisionTreeClassification.pmml, "
            "demoDecisionTreeRegression.pmml,\n"
            "  demoSoftmaxRegression.pb\n"
            "The same seed gives byte-identical files on every machine.\n"
            "\n"
            "  --rows N   rows to generate, %d..%d (default %d)\n"
            "  --seed S   64-bit seed, decimal or 0x hex (default %llu)\n"
            "  -h, --help this text\n"
            "\n"
            "Exit status: 0 done, 1 failed, 2 bad usage.\n",
            MIN_ROWS, MAX_ROWS, DEFAULT_ROWS,
            (unsigned long long)DEFAULT_SEED);
}

static int parse_u64(const char *s, unsigned long long *v) {
    char *end;
    if (*s == '-' || *s == '\0') return -1;
    errno = 0;
    *v = strtoull(s, &end, 0);
    return errno || *end ? -1 : 0;
}

/* Writes the five files in turn, saying on stderr what each holds. */
static int run(const char *dir, int rows, uint64_t seed, ms_error *err) {
    dataset ds = {.rows = rows};
    outfile o;
    int rc = -1;

    ds.x = malloc((size_t)rows * NFEAT * sizeof *ds.x);
    ds.y = malloc((size_t)rows * sizeof *ds.y);
    if (!ds.x || !ds.y) {
        ms_error_set(err, "out of memory for %d rows", rows);
        goto done;
    }

    if (out_open(&o, dir, "winequality_demo.csv", err) < 0) goto done;
    generate(&ds, seed, o.f);
    if (out_commit(&o, err) < 0) goto done;
    long hist[NCLASS] = {0};
    for (int i = 0; i < rows; i++) hist[ds.y[i] - QMIN]++;
    fprintf(stderr, "demogen: %s: %d rows, seed %llu, quality 3..8 counts "
            "%ld/%ld/%ld/%ld/%ld/%ld\n", o.path, rows, (unsigned long long)seed,
            hist[0], hist[1], hist[2], hist[3], hist[4], hist[5]);

    double b0 = 0, b[NFEAT] = {0}, r2 = 0; /* set by fit_ols */
    if (fit_ols(&ds, &b0, b, &r2, err) < 0) goto done;
    if (out_open(&o, dir, "demoLinearRegression.pmml", err) < 0) goto done;
    write_ols(o.f, b0, b);
    if (out_commit(&o, err) < 0) goto done;
    fprintf(stderr, "demogen: %s: least squares on %d features, "
            "training R^2 %.6f\n", o.path, NFEAT, r2);

    for (int classify = 1; classify >= 0; classify--) {
        tree t;
        if (out_open(&o, dir, classify ? "demoDecisionTreeClassification.pmml"
                                       : "demoDecisionTreeRegression.pmml",
                     err) < 0)
            goto done;
        if (write_tree(o.f, &ds, classify, &t, err) < 0) {
            fclose(o.f);
            remove(o.tmp);
            goto done;
        }
        if (out_commit(&o, err) < 0) goto done;
        if (classify)
            fprintf(stderr, "demogen: %s: %d leaves, depth %d, training "
                    "accuracy %.6f (%ld/%d)\n", o.path, t.leaves, t.depth,
                    (double)t.correct / rows, t.correct, rows);
        else
            fprintf(stderr, "demogen: %s: %d leaves, depth %d, training "
                    "R^2 %.6f\n", o.path, t.leaves, t.depth,
                    1 - t.sse / quality_sst(&ds));
    }

    softmax *sm = calloc(1, sizeof *sm);
    if (!sm || fit_softmax(&ds, sm, err) < 0 ||
        out_open(&o, dir, "demoSoftmaxRegression.pb", err) < 0) {
        if (!sm) ms_error_set(err, "out of memory");
        free(sm);
        goto done;
    }
    if (write_softmax(o.f, sm, err) < 0) {
        fclose(o.f);
        remove(o.tmp);
        free(sm);
        goto done;
    }
    if (out_commit(&o, err) < 0) {
        free(sm);
        goto done;
    }
    fprintf(stderr, "demogen: %s: softmax regression on %d standardised "
            "features, %d outputs, training accuracy %.6f (%ld/%d)\n", o.path,
            NFEAT, SM_CLASSES, (double)sm->correct / rows, sm->correct, rows);
    free(sm);
    rc = 0;
done:
    free(ds.x);
    free(ds.y);
    return rc;
}

int main(int argc, char **argv) {
    static const struct option options[] = {
        {"rows", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long long rows = DEFAULT_ROWS, seed = DEFAULT_SEED;
    int opt;

    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (parse_u64(optarg, &rows) < 0 || rows < MIN_ROWS ||
                rows > MAX_ROWS) {
                fprintf(stderr, "demogen: --rows must be %d..%d, not '%s'\n",
                        MIN_ROWS, MAX_ROWS, optarg);
                return 2;
            }
            break;
        case 's':
            if (parse_u64(optarg, &seed) < 0) {
                fprintf(stderr, "demogen: --seed must be an unsigned 64-bit "
                        "number, not '%s'\n", optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default: /* getopt_long has said what was wrong */
            usage(stderr);
            return 2;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "demogen: expected one OUTDIR, got %d arguments\n",
                argc - optind);
        usage(stderr);
        return 2;
    }

    const char *dir = argv[optind];
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "demogen: cannot create %s: %s\n", dir,
                strerror(errno));
        return 1;
    }
    ms_error err = {{0}};
    if (run(dir, (int)rows, seed, &err) < 0) {
        fprintf(stderr, "demogen: %s\n", err.msg);
        return 1;
    }
    return 0;
}
