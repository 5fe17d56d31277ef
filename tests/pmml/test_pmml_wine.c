/*
 * test_pmml_wine.c - the seed's JPMML-SparkML wine models against
 * ../shared/data (path in MS_SHARED_DATA): each loads and scores all 1,599
 * rows of winequality_red.csv, and sample rows match values traced from the
 * documents independently of our evaluator.
 *
 * Without the data, each test calls skip() and the program exits 77 so
 * CTest reports "skipped", never "passed".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <stdlib.h>

#include "pmml_test.h"

#define NROWS 1599
#define NFEATURES 11

static double rows[NROWS][NFEATURES];
static _Alignas(16) unsigned char scratch[1 << 16];
static int have_data;

static int read_file(const char *name, char **bytes, size_t *len) {
    const char *dir = getenv("MS_SHARED_DATA");
    char path[4096];
    if (!dir) return -1;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    *bytes = malloc(n > 0 ? (size_t)n : 1);
    *len = *bytes ? fread(*bytes, 1, (size_t)n, f) : 0;
    fclose(f);
    return *bytes && *len == (size_t)n ? 0 : -1;
}

/* Reads the CSV (';'-separated, no header, 11 features then quality). */
static int read_rows(void) {
    char *text;
    size_t len;
    if (read_file("winequality_red.csv", &text, &len) < 0) return -1;
    char *end = text + len, *p = text;
    int r = 0;
    for (; r < NROWS && p < end; r++) {
        for (int k = 0; k < NFEATURES; k++) {
            rows[r][k] = strtod(p, &p);
            if (*p == ';') p++;
        }
        while (p < end && *p != '\n') p++;
        p++;
    }
    free(text);
    return r == NROWS ? 0 : -1;
}

static model *load_wine(const char *name) {
    char *bytes;
    size_t len;
    if (read_file(name, &bytes, &len) < 0) fail_msg("cannot read %s", name);
    ms_error err;
    model *m = pmml_load(bytes, len, ms_schema_wine(), &err);
    free(bytes);
    if (!m) fail_msg("%s: %s", name, err.msg);
    return m;
}

/* Scores every row; returns the model for sample checks. */
static model *load_and_score_all(const char *name) {
    if (!have_data) skip();
    model *m = load_wine(name);
    double probs[16];
    assert_true(m->nclasses <= 16);
    assert_true(m->scratch_size <= sizeof scratch);
    for (int r = 0; r < NROWS; r++) {
        ms_error err;
        model_output out = {.probabilities = probs};
        if (model_score(m, rows[r], scratch, &out, &err) < 0)
            fail_msg("%s row %d: %s", name, r + 1, err.msg);
        if (m->nclasses)
            assert_true(out.label_index >= 0 &&
                        (size_t)out.label_index < m->nclasses);
        else
            assert_int_equal(out.label_index, -1);
    }
    return m;
}

static model_output score_row(const model *m, int line, double *probs) {
    ms_error err;
    model_output out = {.probabilities = probs};
    if (model_score(m, rows[line - 1], scratch, &out, &err) < 0)
        fail_msg("CSV line %d: %s", line, err.msg);
    return out;
}

/* Sample rows, as 1-based CSV line numbers. */
static const int sample[] = {1, 2, 27, 199, 501, 1001, 1599};
#define NSAMPLE (sizeof sample / sizeof sample[0])

static void test_linear_regression(void **state) {
    (void)state;
    model *m = load_and_score_all("winequalityLinearRegression.pmml");
    /* Traced with a throwaway Python script that reads the RegressionTable
     * with xml.etree and sums intercept + coefficient * feature; line 1 by
     * hand as well: 3.2825195 + 0.0022750*7.4 - 0.9766327*0.7
     * - 0.2861434*0.076 - 0.00097175*34 + 0.4897193*0.56 + 0.2492509*9.4
     * = 5.178126. */
    static const double want[NSAMPLE] = {
        5.178126058334128, 5.123345969513968, 5.522626848746466,
        6.032303507036275, 5.293886620211609, 6.069210762816528,
        5.998402444182514};
    for (size_t i = 0; i < NSAMPLE; i++) {
        model_output out = score_row(m, sample[i], NULL);
        assert_int_equal(out.label_index, -1);
        assert_float_equal(out.value, want[i], 1e-12);
    }
    model_free(m);
}

static void test_tree_regression(void **state) {
    (void)state;
    model *m = load_and_score_all("winequalityDesisionTreeRegression.pmml");
    /* Traced by following the Nodes of the document (Python xml.etree
     * walk, first child whose SimplePredicate holds, checked by eye):
     *  line 1:    alcohol 9.4<=10.5, sulphates 0.56<=0.57, volatile
     *             acidity 0.7<=0.81, alcohol<=9.7, pH 3.51<=3.54
     *  line 2:    alcohol 9.8<=10.5, sulphates 0.68>0.57, volatile 0.88>0.4,
     *             alcohol<=9.8, total sulfur dioxide 67>39
     *  line 27:   ... volatile 0.41>0.4, alcohol 9.5<=9.8, total SO2 11<=39
     *  line 199:  alcohol 13>10.5, sulphates 0.85>0.64, alcohol>11.5,
     *             fixed acidity 5.4<=12.3, sulphates>0.68
     *  line 501:  ... alcohol 9<=9.8, total SO2 38<=39
     *  line 1001: alcohol 11.5>10.5, sulphates 0.72>0.64, alcohol 11.5<=11.5
     *             (boundary), volatile 0.43>0.39, chlorides 0.062<=0.092
     *  line 1599: alcohol 11>10.5, sulphates 0.66>0.64, alcohol<=11.5,
     *             volatile 0.31<=0.39, pH 3.39>3.25 */
    static const double want[NSAMPLE] = {
        5.073059360730594, 5.180124223602484, 5.456896551724138,
        6.7727272727272725, 5.456896551724138, 6.011494252873563,
        6.067796610169491};
    for (size_t i = 0; i < NSAMPLE; i++) {
        model_output out = score_row(m, sample[i], NULL);
        assert_int_equal(out.label_index, -1);
        assert_true(out.value == want[i]);
    }
    model_free(m);
}

static void test_tree_classification(void **state) {
    (void)state;
    model *m =
        load_and_score_all("winequalityDecisionTreeClassification.pmml");
    /* Class labels: the target DataField's Values, in document order. */
    static const char *const labels[] = {"5", "6", "7", "4", "8", "3"};
    assert_int_equal(m->nclasses, 6);
    for (int k = 0; k < 6; k++)
        assert_string_equal(m->class_labels[k], labels[k]);
    /* Traced like the regression tree; probabilities are the leaf's
     * ScoreDistribution recordCounts over their sum, in label order
     * 5, 6, 7, 4, 8, 3 (absent values are 0):
     *  line 1:    alcohol 9.4<=10.2, sulphates 0.56<=0.57, alcohol<=9.7,
     *             pH 3.51<=3.54, alcohol>9.1 -> "5": 181,25,1,10,0,1 / 218
     *  line 2:    alcohol<=10.2, sulphates 0.68>0.57, total SO2 67<=80,
     *             volatile 0.88>0.55, residual sugar 2.6>1.8
     *             -> "5": 61,47,5,4,0,1 / 118
     *  line 27:   ... volatile 0.41<=0.55, total SO2 11<=28
     *             -> "6": 20,62,7,0,1,0 / 90
     *  line 199:  alcohol 13>10.2, >11.5, sulphates 0.85>0.68, free SO2
     *             13<=18, >9 -> "7": 1,3,34,0,2,0 / 40
     *  line 501:  ... volatile 0.52<=0.55, total SO2 38>28
     *             -> "5" (tie 59/59, the node's score): 59,59,11,2,1,1 / 133
     *  line 1001: alcohol 11.5>10.2, <=11.5, volatile 0.43>0.37, sulphates
     *             0.72>0.58, residual sugar 2.2<=3 -> "6": 46,149,13,3,1,0
     *             / 212
     *  line 1599: alcohol 11, volatile 0.31<=0.37, pH 3.39>3.26, total SO2
     *             42<=62 -> "6": 12,33,13,0,0,0 / 58 */
    static const struct {
        int label;
        double counts[6], total;
    } want[NSAMPLE] = {
        {0, {181, 25, 1, 10, 0, 1}, 218}, {0, {61, 47, 5, 4, 0, 1}, 118},
        {1, {20, 62, 7, 0, 1, 0}, 90},    {2, {1, 3, 34, 0, 2, 0}, 40},
        {0, {59, 59, 11, 2, 1, 1}, 133},  {1, {46, 149, 13, 3, 1, 0}, 212},
        {1, {12, 33, 13, 0, 0, 0}, 58},
    };
    for (size_t i = 0; i < NSAMPLE; i++) {
        double probs[6];
        model_output out = score_row(m, sample[i], probs);
        assert_int_equal(out.label_index, want[i].label);
        assert_true(out.value == strtod(labels[want[i].label], NULL));
        for (int k = 0; k < 6; k++)
            assert_float_equal(probs[k], want[i].counts[k] / want[i].total,
                               1e-15);
    }
    model_free(m);
}

static void check_glm(const char *name, const double *want) {
    model *m = load_and_score_all(name);
    for (size_t i = 0; i < NSAMPLE; i++) {
        model_output out = score_row(m, sample[i], NULL);
        assert_int_equal(out.label_index, -1);
        assert_float_equal(out.value, want[i], 1e-12);
    }
    model_free(m);
}

/* Both GLMs are generalizedLinear with linkFunction="identity", so the
 * prediction is the linear predictor: p0 + sum of beta(pN) * feature, each
 * PPCell value being 1 (the power of the covariate). Traced with
 * tests/pmml/trace_wine.py; line 1 of the Gaussian by hand as well:
 * 37.788275 + 0.0251609*7.4 - 0.8082809*0.7 + 0 + 0.0155087*1.9
 * - 1.4501498*0.076 + 0.0015603*11 - 0.0023427*34 - 33.920495*0.9978
 * - 0.1478565*3.51 + 0.6945636*0.56 + 0.1956684*9.4 = 5.128829. */
static void test_glm_gamma(void **state) {
    (void)state;
    static const double want[NSAMPLE] = {
        5.2760146676116655, 5.372579850898291, 5.4016557166125345,
        5.913896069426412,  5.23750720498878,  5.9437317231443325,
        5.722796209549944};
    check_glm("winequalityGeneralizedLinearRegressionGamma.pmml", want);
}

static void test_glm_gaussian(void **state) {
    (void)state;
    static const double want[NSAMPLE] = {
        5.128828620526595, 5.158261346557742, 5.567748692478151,
        5.958798953453925, 5.284823272158157, 6.091323342341887,
        5.9879767148134375};
    check_glm("winequalityGeneralizedLinearRegressionGaussian.pmml", want);
}

static void check_classifier(const char *name, const double want[][6]) {
    model *m = load_and_score_all(name);
    static const char *const labels[] = {"5", "6", "7", "4", "8", "3"};
    assert_int_equal(m->nclasses, 6);
    for (int k = 0; k < 6; k++)
        assert_string_equal(m->class_labels[k], labels[k]);
    for (size_t i = 0; i < NSAMPLE; i++) {
        double probs[6];
        model_output out = score_row(m, sample[i], probs);
        int best = 0;
        for (int k = 0; k < 6; k++) {
            assert_float_equal(probs[k], want[i][k], 1e-12);
            if (want[i][k] > want[i][best]) best = k;
        }
        assert_int_equal(out.label_index, best);
        assert_true(out.value == strtod(labels[best], NULL));
    }
    model_free(m);
}

/* The forest is Segmentation multipleModelMethod="average" over 10
 * classification TreeModels: each tree is walked to its leaf (first child
 * whose SimplePredicate holds) and the leaf's recordCount shares are
 * averaged over the 10 trees. Traced with tests/pmml/trace_wine.py; labels
 * in order 5, 6, 7, 4, 8, 3. */
static void test_random_forest(void **state) {
    (void)state;
    static const double want[NSAMPLE][6] = {
        {0.6685303778860141, 0.26750542112612363, 0.014801389682913687,
         0.04168404065468367, 0.0, 0.007478770650265034},
        {0.6167529109283122, 0.3157336480237615, 0.02458196177104663,
         0.0368460463470478, 0.00046948356807511736, 0.005615949361756809},
        {0.47859200092302756, 0.4336900212960686, 0.04498165563848498,
         0.034398637527028285, 0.0034771094972563476, 0.004860575118134196},
        {0.09848903872576756, 0.29001130199838954, 0.552123073536273,
         0.00754985754985755, 0.051826728189712415, 0.0},
        {0.4174572720980902, 0.49667166961776876, 0.04902047624192337,
         0.023383562873371826, 0.0021777504105090313, 0.011289268758336728},
        {0.12243527354656686, 0.4281373870373665, 0.3675137531560467,
         0.021928716608594658, 0.05162250031344621, 0.008362369337979094},
        {0.1885946473509803, 0.43496678182627563, 0.3433889882608055,
         0.006653889967979577, 0.02639569259395897, 0.0},
    };
    check_classifier("winequalityRandonForrestClassification.pmml", want);
}

/* The MLP: 11 inputs (FieldRef), two logistic hidden layers of 20, an
 * identity output layer of 6 with softmax; each output neuron is the
 * probability of its NormDiscrete label. Traced with
 * tests/pmml/trace_wine.py. */
static void test_mlp(void **state) {
    (void)state;
    static const double want[NSAMPLE][6] = {
        {0.5576736255216269, 0.3495964213647388, 0.044074423979252854,
         0.04014808229789202, 0.003930650932106072, 0.0045767959043832435},
        {0.834739534308514, 0.11441604597636418, 0.019498637408841727,
         0.026046971133618844, 0.0032118713814430428, 0.002086939791218123},
        {0.4912045136918039, 0.29960704655472215, 0.07472570259285764,
         0.10422404149385765, 0.013658908650182877, 0.016579787016575673},
        {0.42311984380323836, 0.46800286345525743, 0.05612049715141379,
         0.04626643915762444, 0.003541521144658188, 0.002948835287807922},
        {0.5582227330127889, 0.3323777742388742, 0.05923926857562561,
         0.03777193353492478, 0.006438480020058657, 0.005949810617727982},
        {0.10582707879651297, 0.44207876798584406, 0.29525317419431746,
         0.09214677102261916, 0.03308911474763435, 0.031605093253071904},
        {0.07702206967935017, 0.649042640555808, 0.23269714987832937,
         0.02390420679388469, 0.009922962586678317, 0.007410970505949419},
    };
    check_classifier("winequalityMultilayerPerceptron.pmml", want);
}

int main(void) {
    have_data = read_rows() == 0;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linear_regression),
        cmocka_unit_test(test_tree_regression),
        cmocka_unit_test(test_tree_classification),
        cmocka_unit_test(test_glm_gamma),
        cmocka_unit_test(test_glm_gaussian),
        cmocka_unit_test(test_random_forest),
        cmocka_unit_test(test_mlp),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (failed == 0 && !have_data) {
        fprintf(stderr, "test_pmml_wine: no wine data under MS_SHARED_DATA; "
                        "skipped\n");
        return 77;
    }
    return failed;
}
