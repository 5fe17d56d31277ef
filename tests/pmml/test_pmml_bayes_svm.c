/*
 * test_pmml_bayes_svm.c - hand-written NaiveBayesModel and
 * SupportVectorMachineModel documents.
 *
 * Every expected value is worked out by hand from the PMML 4.4 formulas
 * written next to it (python3 used only as a calculator for exp and the
 * densities); none comes from running our evaluator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "pmml_test.h"

#define U NAN

/* ---- NaiveBayesModel --------------------------------------------------- */

/* Priors yes 6, no 4. a is discrete: a=0 counts yes 1, no 3; a=1 counts
 * yes 5, no 0 (so P(a=1|no) is the threshold 0.001); per-class sums over
 * a's PairCounts: yes 6, no 3. b is Gaussian: yes N(0, 1), no N(2, 4).
 * c is Poisson: yes mean 2, no mean 5. */
#define BAYES(B_DIST)                                                      \
    PMML_HEAD(TARGET_CATEGORICAL)                                          \
    "<NaiveBayesModel functionName=\"classification\" threshold=\"0.001\">" \
    "\n" MINING_SCHEMA                                                     \
    "<BayesInputs>\n"                                                      \
    "<BayesInput fieldName=\"a\">\n"                                       \
    "<PairCounts value=\"0\"><TargetValueCounts>"                          \
    "<TargetValueCount value=\"yes\" count=\"1\"/>"                        \
    "<TargetValueCount value=\"no\" count=\"3\"/>"                         \
    "</TargetValueCounts></PairCounts>\n"                                  \
    "<PairCounts value=\"1\"><TargetValueCounts>"                          \
    "<TargetValueCount value=\"yes\" count=\"5\"/>"                        \
    "<TargetValueCount value=\"no\" count=\"0\"/>"                         \
    "</TargetValueCounts></PairCounts>\n"                                  \
    "</BayesInput>\n"                                                      \
    "<BayesInput fieldName=\"b\"><TargetValueStats>\n"                     \
    "<TargetValueStat value=\"yes\">" B_DIST "</TargetValueStat>\n"        \
    "<TargetValueStat value=\"no\"><GaussianDistribution mean=\"2\" "      \
    "variance=\"4\"/></TargetValueStat>\n"                                 \
    "</TargetValueStats></BayesInput>\n"                                   \
    "<BayesInput fieldName=\"c\"><TargetValueStats>\n"                     \
    "<TargetValueStat value=\"yes\"><PoissonDistribution mean=\"2\"/>"     \
    "</TargetValueStat>\n"                                                 \
    "<TargetValueStat value=\"no\"><PoissonDistribution mean=\"5\"/>"      \
    "</TargetValueStat>\n"                                                 \
    "</TargetValueStats></BayesInput>\n"                                   \
    "</BayesInputs>\n"                                                     \
    "<BayesOutput fieldName=\"y\"><TargetValueCounts>"                     \
    "<TargetValueCount value=\"yes\" count=\"6\"/>"                        \
    "<TargetValueCount value=\"no\" count=\"4\"/>"                         \
    "</TargetValueCounts></BayesOutput>\n"                                 \
    "</NaiveBayesModel>\n</PMML>\n"

static const char bayes_doc[] =
    BAYES("<GaussianDistribution mean=\"0\" variance=\"1\"/>");

static void expect_yes(const model *m, double a, double b, double c,
                       double yes) {
    double probs[2];
    model_output out = {.probabilities = probs};
    ms_error err;
    if (score3(m, a, b, c, &out, &err) < 0) fail_msg("score: %s", err.msg);
    assert_float_equal(probs[0], yes, 1e-12);
    assert_float_equal(probs[1], 1 - yes, 1e-12);
    assert_int_equal(out.label_index, yes >= 0.5 ? 0 : 1);
}

static void test_bayes(void **state) {
    (void)state;
    model *m = must_load(bayes_doc);
    assert_int_equal(m->nclasses, 2);
    assert_string_equal(m->class_labels[0], "yes");
    assert_string_equal(m->class_labels[1], "no");
    /* a=0, b=1, c missing (ignored):
     *   yes: 6 * 1/6 * N(1; 0, 1) = 0.24197072451914337
     *   no:  4 * 3/3 * N(1; 2, 4) = 4 * e^(-1/8) / sqrt(8 pi)
     *                             = 0.704130653528599
     *   P(yes) = 0.24197.. / (0.24197.. + 0.70413..) = 0.2557555988539454 */
    expect_yes(m, 0, 1, U, 0.2557555988539454);
    /* a=1, b and c missing: yes 6 * 5/6 = 5; no 4 * 0.001 (count 0 takes
     * the threshold) = 0.004; P(yes) = 5 / 5.004 = 0.9992006394884093. */
    expect_yes(m, 1, U, U, 5 / 5.004);
    /* a=7 is in no PairCounts: ignored like a missing value, so only the
     * priors remain: 6 / 10. */
    expect_yes(m, 7, U, U, 0.6);
    /* b=40: both densities (N(40;0,1) ~ e^-800, N(40;2,4) ~ e^-180) are
     * below the threshold, so both become 0.001: the priors again. */
    expect_yes(m, U, 40, U, 0.6);
    /* c=3 only: yes 6 * e^-2 2^3 / 3! = 1.0826822658929016, no 4 * e^-5
     * 5^3 / 3! = 0.5614955832571222; P(yes) = 0.658494618725466. */
    expect_yes(m, U, U, 3, 0.658494618725466);
    /* Everything missing: the priors. */
    expect_yes(m, U, U, U, 0.6);
    model_free(m);
}

static void test_bayes_rejects(void **state) {
    (void)state;
    expect_rejected(BAYES("<UniformDistribution lower=\"0\" upper=\"1\"/>"),
                    "UniformDistribution is not supported in a "
                    "NaiveBayesModel");
    expect_rejected(BAYES("<GaussianDistribution mean=\"0\" "
                          "variance=\"0\"/>"),
                    "variance must be a number > 0");
    static const char derived[] =
        PMML_HEAD(TARGET_CATEGORICAL)
        "<NaiveBayesModel functionName=\"classification\" threshold=\"0.1\">"
        MINING_SCHEMA
        "<BayesInputs><BayesInput fieldName=\"a\">\n"
        "<DerivedField optype=\"categorical\" dataType=\"string\"/>"
        "</BayesInput></BayesInputs>"
        "<BayesOutput fieldName=\"y\"><TargetValueCounts>"
        "<TargetValueCount value=\"yes\" count=\"6\"/>"
        "</TargetValueCounts></BayesOutput></NaiveBayesModel></PMML>";
    expect_unsupported(derived, "DerivedField", "BayesInput");
    /* A class the BayesOutput does not count. */
    static const char unknown[] =
        PMML_HEAD(TARGET_CATEGORICAL)
        "<NaiveBayesModel functionName=\"classification\" threshold=\"0.1\">"
        MINING_SCHEMA
        "<BayesInputs><BayesInput fieldName=\"a\"><PairCounts value=\"0\">"
        "<TargetValueCounts><TargetValueCount value=\"maybe\" count=\"1\"/>"
        "</TargetValueCounts></PairCounts></BayesInput></BayesInputs>"
        "<BayesOutput fieldName=\"y\"><TargetValueCounts>"
        "<TargetValueCount value=\"yes\" count=\"6\"/>"
        "</TargetValueCounts></BayesOutput></NaiveBayesModel></PMML>";
    expect_rejected(unknown, "label 'maybe' of TargetValueCount is not one");
}

/* ---- SupportVectorMachineModel ---------------------------------------- */

/* Vectors over (a, b): v1 = (0, 0) (as a sparse array with no entries),
 * v2 = (1, 1) (sparse, both set). f = 2 K(x, v1) - K(x, v2) + 0.5. */
#define SVM_REGRESSION(KERNEL)                                             \
    PMML_HEAD(TARGET_CONTINUOUS)                                           \
    "<SupportVectorMachineModel functionName=\"regression\">\n"            \
    MINING_SCHEMA KERNEL "\n"                                              \
    "<VectorDictionary><VectorFields><FieldRef field=\"a\"/>"              \
    "<FieldRef field=\"b\"/></VectorFields>\n"                             \
    "<VectorInstance id=\"v1\"><REAL-SparseArray n=\"2\"/>"                \
    "</VectorInstance>\n"                                                  \
    "<VectorInstance id=\"v2\"><REAL-SparseArray n=\"2\">"                 \
    "<Indices>1 2</Indices><REAL-Entries>1 1</REAL-Entries>"               \
    "</REAL-SparseArray></VectorInstance>\n"                               \
    "</VectorDictionary>\n"                                                \
    "<SupportVectorMachine><SupportVectors>"                               \
    "<SupportVector vectorId=\"v1\"/><SupportVector vectorId=\"v2\"/>"     \
    "</SupportVectors><Coefficients absoluteValue=\"0.5\">"                \
    "<Coefficient value=\"2\"/><Coefficient value=\"-1\"/>"                \
    "</Coefficients></SupportVectorMachine>\n"                             \
    "</SupportVectorMachineModel>\n</PMML>\n"

static void test_svm_regression_kernels(void **state) {
    (void)state;
    static const struct {
        const char *doc;
        double at_10;   /* x = (1, 0) */
    } cases[] = {
        /* <x,v1> = 0, <x,v2> = 1: f = 2*0 - 1 + 0.5 */
        {SVM_REGRESSION("<LinearKernelType/>"), -0.5},
        /* (2*0 + 1)^2 = 1, (2*1 + 1)^2 = 9: f = 2 - 9 + 0.5 */
        {SVM_REGRESSION("<PolynomialKernelType gamma=\"2\" coef0=\"1\" "
                        "degree=\"2\"/>"), -6.5},
        /* |x-v1|^2 = |x-v2|^2 = 1, K = e^-0.5: f = e^-0.5 + 0.5 */
        {SVM_REGRESSION("<RadialBasisKernelType gamma=\"0.5\"/>"),
         1.1065306597126334},
        /* tanh(0) = 0, tanh(1): f = -tanh(1) + 0.5 */
        {SVM_REGRESSION("<SigmoidKernelType gamma=\"1\" coef0=\"0\"/>"),
         -0.26159415595576485},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        model *m = must_load(cases[i].doc);
        assert_int_equal(m->nclasses, 0);
        assert_float_equal(value_of(m, 1, 0, U), cases[i].at_10, 1e-12);
        model_free(m);
    }
    /* RBF at x = (0, 0): K1 = 1, K2 = e^-1: f = 2 - e^-1 + 0.5. */
    model *m = must_load(SVM_REGRESSION("<RadialBasisKernelType "
                                        "gamma=\"0.5\"/>"));
    assert_float_equal(value_of(m, 0, 0, 9), 2.1321205588285577, 1e-12);
    /* A missing vector field: no prediction, naming it. */
    model_output out = {0};
    ms_error err;
    assert_int_equal(score3(m, U, 0, 0, &out, &err), -1);
    assert_non_null(strstr(err.msg, "input 'a' is missing"));
    model_free(m);
}

/* Linear kernel, vectors e1 = (1, 0), e2 = (0, 1) over (a, b). */
#define SVM_VECTORS                                                        \
    "<LinearKernelType/>\n"                                                \
    "<VectorDictionary><VectorFields><FieldRef field=\"a\"/>"              \
    "<FieldRef field=\"b\"/></VectorFields>\n"                             \
    "<VectorInstance id=\"e1\"><Array type=\"real\" n=\"2\">1 0</Array>"   \
    "</VectorInstance>\n"                                                  \
    "<VectorInstance id=\"e2\"><Array type=\"real\" n=\"2\">0 1</Array>"   \
    "</VectorInstance>\n"                                                  \
    "</VectorDictionary>\n"
/* A SupportVectorMachineModel with ATTRS over a, b, c, target y. */
#define SVM_DOC(TARGET, ATTRS, BODY)                                       \
    PMML_HEAD(TARGET)                                                      \
    "<SupportVectorMachineModel " ATTRS ">\n" MINING_SCHEMA BODY           \
    "</SupportVectorMachineModel>\n</PMML>\n"
#define MACHINE(ATTRS, VECTORS, COEFS, B)                                  \
    "<SupportVectorMachine " ATTRS "><SupportVectors>" VECTORS             \
    "</SupportVectors><Coefficients absoluteValue=\"" B "\">" COEFS        \
    "</Coefficients></SupportVectorMachine>\n"
#define SV(ID) "<SupportVector vectorId=\"" ID "\"/>"
#define CO(V) "<Coefficient value=\"" V "\"/>"

/* One against one, three classes:
 *   M1 (A vs B): f = a - b   votes A when f < 0, else B
 *   M2 (A vs C): f = a - 1   votes A when f < 0, else C
 *   M3 (B vs C): f = b - 1   votes B when f < 0, else C */
static const char svm_ovo[] = SVM_DOC(
    TARGET_CATEGORICAL,
    "functionName=\"classification\" classificationMethod=\"OneAgainstOne\"",
    SVM_VECTORS
    MACHINE("targetCategory=\"A\" alternateTargetCategory=\"B\"",
            SV("e1") SV("e2"), CO("1") CO("-1"), "0")
    MACHINE("targetCategory=\"A\" alternateTargetCategory=\"C\"",
            SV("e1"), CO("1"), "-1")
    MACHINE("targetCategory=\"B\" alternateTargetCategory=\"C\"",
            SV("e2"), CO("1"), "-1"));

static void expect_votes(const model *m, double a, double b, int label,
                         double pa, double pb, double pc) {
    double probs[3];
    model_output out = {.probabilities = probs};
    ms_error err;
    if (score3(m, a, b, 0, &out, &err) < 0) fail_msg("score: %s", err.msg);
    assert_int_equal(out.label_index, label);
    assert_float_equal(probs[0], pa, 1e-12);
    assert_float_equal(probs[1], pb, 1e-12);
    assert_float_equal(probs[2], pc, 1e-12);
}

static void test_svm_one_against_one(void **state) {
    (void)state;
    model *m = must_load(svm_ovo);
    assert_int_equal(m->nclasses, 3);
    assert_string_equal(m->class_labels[2], "C");
    /* (0, 0.5): M1 -0.5 A, M2 -1 A, M3 -0.5 B: A 2 votes of 3. */
    expect_votes(m, 0, 0.5, 0, 2.0 / 3, 1.0 / 3, 0);
    /* (2, 0.5): M1 1.5 B, M2 1 C (1 < 0 is false), M3 -0.5 B. */
    expect_votes(m, 2, 0.5, 1, 0, 2.0 / 3, 1.0 / 3);
    /* (2, 3): M1 -1 A, M2 1 C, M3 2 C. */
    expect_votes(m, 2, 3, 2, 1.0 / 3, 0, 2.0 / 3);
    model_free(m);
}

/* One against all: A f = a, B f = b, C f = 0.5 (no vectors). The
 * classificationMethod is left out: machines without an alternate
 * category imply OneAgainstAll. */
#define SVM_OVA(MAXWINS)                                                   \
    SVM_DOC(TARGET_CATEGORICAL, "functionName=\"classification\" " MAXWINS, \
            SVM_VECTORS                                                    \
            MACHINE("targetCategory=\"A\"", SV("e1"), CO("1"), "0")        \
            MACHINE("targetCategory=\"B\"", SV("e2"), CO("1"), "0")        \
            MACHINE("targetCategory=\"C\"", "", "", "0.5"))

static void test_svm_one_against_all(void **state) {
    (void)state;
    /* (1, 2): A 1, B 2, C 0.5: the smallest (C) wins. */
    model *m = must_load(SVM_OVA(""));
    expect_votes(m, 1, 2, 2, 0, 0, 1);
    /* (0, 2): A 0 is now the smallest. */
    expect_votes(m, 0, 2, 0, 1, 0, 0);
    model_free(m);
    /* maxWins: the largest (B 2) wins. */
    m = must_load(SVM_OVA("maxWins=\"true\""));
    expect_votes(m, 1, 2, 1, 0, 1, 0);
    model_free(m);
}

/* alternateBinaryTargetCategory: one machine f = a, rounded; 1 is yes,
 * 0 is no, anything else no prediction. */
static const char svm_binary[] = SVM_DOC(
    TARGET_CATEGORICAL,
    "functionName=\"classification\" alternateBinaryTargetCategory=\"no\"",
    SVM_VECTORS MACHINE("targetCategory=\"yes\"", SV("e1"), CO("1"), "0"));

static void test_svm_binary(void **state) {
    (void)state;
    model *m = must_load(svm_binary);
    double probs[2];
    model_output out = {.probabilities = probs};
    ms_error err;
    assert_int_equal(m->nclasses, 2);
    assert_string_equal(m->class_labels[0], "no");   /* declared first */
    assert_int_equal(score3(m, 1.2, 0, 0, &out, &err), 0);  /* round 1 */
    assert_string_equal(m->class_labels[out.label_index], "yes");
    assert_int_equal(score3(m, 0.3, 0, 0, &out, &err), 0);  /* round 0 */
    assert_string_equal(m->class_labels[out.label_index], "no");
    assert_int_equal(score3(m, 3, 0, 0, &out, &err), -1);   /* round 3 */
    assert_non_null(strstr(err.msg, "does not round to 0 or 1"));
    model_free(m);
}

#define SVM_REG(ATTRS, BODY) \
    SVM_DOC(TARGET_CONTINUOUS, "functionName=\"regression\" " ATTRS, BODY)

static void test_svm_rejects(void **state) {
    (void)state;
    expect_rejected(SVM_REG("svmRepresentation=\"Coefficients\"",
                            SVM_VECTORS MACHINE("", SV("e1"), CO("1"), "0")),
                    "svmRepresentation 'Coefficients' is not supported");
    expect_rejected(SVM_REG("", SVM_VECTORS MACHINE("", SV("e9"), CO("1"),
                                                    "0")),
                    "SupportVector 'e9' is not in the VectorDictionary");
    expect_rejected(
        SVM_REG("", "<LinearKernelType/><VectorDictionary><VectorFields>"
                    "<FieldRef field=\"a\"/><FieldRef field=\"b\"/>"
                    "</VectorFields><VectorInstance id=\"e1\"><Array "
                    "type=\"real\">1</Array></VectorInstance>"
                    "</VectorDictionary>"
                    MACHINE("", SV("e1"), CO("1"), "0")),
        "VectorInstance 'e1' has 1 values for 2 VectorFields");
    expect_rejected(SVM_REG("", SVM_VECTORS MACHINE("", SV("e1") SV("e2"),
                                                    CO("1"), "0")),
                    "SupportVectors and Coefficients differ");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bayes),
        cmocka_unit_test(test_bayes_rejects),
        cmocka_unit_test(test_svm_regression_kernels),
        cmocka_unit_test(test_svm_one_against_one),
        cmocka_unit_test(test_svm_one_against_all),
        cmocka_unit_test(test_svm_binary),
        cmocka_unit_test(test_svm_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
