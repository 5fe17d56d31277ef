/*
 * test_pmml_models.c - small hand-written documents for the model types
 * beyond a single tree or linear regression: RegressionModel classification
 * and normalizations, PredictorTerm, MiningModel segmentations,
 * NeuralNetwork and GeneralRegressionModel.
 *
 * Every expected value is worked out by hand from the PMML 4.4 formulas
 * written next to it (python3 used only as a calculator for exp, erf and
 * friends); none comes from running our evaluator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "pmml_test.h"

#define U NAN

/* ---- RegressionModel classification ---------------------------------- */

/* Two tables: yes = 1 + 2a, no = 1. */
#define CLASSIFIER(NORM)                                                   \
    PMML_HEAD(TARGET_CATEGORICAL)                                          \
    "<RegressionModel functionName=\"classification\" "                    \
    "normalizationMethod=\"" NORM "\">\n" MINING_SCHEMA                    \
    "<RegressionTable intercept=\"1\" targetCategory=\"yes\">"             \
    "<NumericPredictor name=\"a\" coefficient=\"2\"/></RegressionTable>\n" \
    "<RegressionTable intercept=\"1\" targetCategory=\"no\"/>\n"           \
    "</RegressionModel>\n</PMML>\n"

static void test_regression_classification(void **state) {
    (void)state;
    /* a = 0.5: scores yes = 2, no = 1. */
    static const struct {
        const char *doc;
        double yes;
    } cases[] = {
        {CLASSIFIER("softmax"), 0.7310585786300049},   /* e^2/(e^2+e^1) */
        {CLASSIFIER("simplemax"), 2.0 / 3},            /* 2/(2+1) */
        {CLASSIFIER("logit"), 0.8807970779778823},     /* 1/(1+e^-2) */
        {CLASSIFIER("probit"), 0.9772498680518208},    /* Phi(2) */
        {CLASSIFIER("cloglog"), 0.9993820210106689},   /* 1-exp(-e^2) */
        {CLASSIFIER("none"), 2},                       /* as is; no = -1 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        model *m = must_load(cases[i].doc);
        assert_int_equal(m->nclasses, 2);
        assert_string_equal(m->class_labels[0], "yes");
        double probs[2];
        ms_error err;
        model_output out = {.probabilities = probs};
        assert_int_equal(score3(m, 0.5, 0, 0, &out, &err), 0);
        assert_float_equal(probs[0], cases[i].yes, 1e-15);
        /* Vector methods share by score; two-class ones complement. */
        assert_float_equal(probs[1], 1 - cases[i].yes, 1e-15);
        assert_int_equal(out.label_index, 0);
        assert_true(isnan(out.value));       /* "yes" is not a number */
        model_free(m);
    }
}

static void test_regression_terms_and_norms(void **state) {
    (void)state;
    /* 1 + 3*a*b: a=2, b=5 -> 31. */
    model *m = must_load(
        PMML_HEAD(TARGET_CONTINUOUS)
        "<RegressionModel functionName=\"regression\">\n" MINING_SCHEMA
        "<RegressionTable intercept=\"1\"><PredictorTerm coefficient=\"3\">"
        "<FieldRef field=\"a\"/><FieldRef field=\"b\"/></PredictorTerm>"
        "</RegressionTable>\n</RegressionModel>\n</PMML>\n");
    assert_true(value_of(m, 2, 5, 0) == 31);
    ms_error err;
    model_output out;
    assert_int_equal(score3(m, 2, U, 0, &out, &err), -1);
    assert_string_equal(err.msg, "RegressionModel: no prediction (input 'a' "
                                 "is missing)");
    model_free(m);
    /* A regression's normalization maps its one score: exp(0.5). */
    m = must_load(
        PMML_HEAD(TARGET_CONTINUOUS)
        "<RegressionModel functionName=\"regression\" "
        "normalizationMethod=\"exp\">\n" MINING_SCHEMA
        "<RegressionTable intercept=\"0\"><NumericPredictor name=\"a\" "
        "coefficient=\"1\"/></RegressionTable>\n</RegressionModel>\n"
        "</PMML>\n");
    assert_float_equal(value_of(m, 0.5, 0, 0), 1.6487212707001282, 1e-15);
    model_free(m);
    expect_rejected(
        PMML_HEAD(TARGET_CATEGORICAL)
        "<RegressionModel functionName=\"classification\" "
        "normalizationMethod=\"logit\">\n" MINING_SCHEMA
        "<RegressionTable intercept=\"1\" targetCategory=\"x\"/>"
        "<RegressionTable intercept=\"1\" targetCategory=\"y\"/>"
        "<RegressionTable intercept=\"1\" targetCategory=\"z\"/>"
        "</RegressionModel></PMML>",
        "normalizationMethod 'logit' needs exactly two classes");
}

/* ---- MiningModel ----------------------------------------------------- */

/* Segment with a constant regression: its model's value is VALUE. */
#define CONST_SEGMENT(PRED, WEIGHT, VALUE)                                 \
    "<Segment weight=\"" WEIGHT "\">" PRED                                 \
    "<RegressionModel functionName=\"regression\"><MiningSchema>"          \
    "<MiningField name=\"a\"/></MiningSchema>"                             \
    "<RegressionTable intercept=\"" VALUE "\"/></RegressionModel>"         \
    "</Segment>\n"

#define ENSEMBLE(METHOD)                                                   \
    PMML_HEAD(TARGET_CONTINUOUS)                                           \
    "<MiningModel functionName=\"regression\">\n" MINING_SCHEMA            \
    "<Segmentation multipleModelMethod=\"" METHOD "\">\n"                  \
    CONST_SEGMENT("<True/>", "1", "1")                                     \
    CONST_SEGMENT("<SimplePredicate field=\"a\" operator=\"greaterThan\" " \
                  "value=\"0\"/>", "1", "3")                               \
    CONST_SEGMENT("<True/>", "2", "8")                                     \
    "</Segmentation></MiningModel>\n</PMML>\n"

static void test_mining_regression(void **state) {
    (void)state;
    /* a = 1: values 1, 3, 8 with weights 1, 1, 2; a = -1: the second
     * segment's predicate is false, leaving 1 and 8. */
    static const struct {
        const char *doc;
        double all, two;
    } cases[] = {
        {ENSEMBLE("average"), 4, 4.5},            /* 12/3; 9/2 */
        {ENSEMBLE("weightedAverage"), 5, 17.0 / 3},  /* 20/4; 17/3 */
        {ENSEMBLE("median"), 3, 4.5},             /* middle; mean of two */
        {ENSEMBLE("weightedMedian"), 3, 8},       /* half of 4 reached at 3;
                                                     of 3 at 8 */
        {ENSEMBLE("sum"), 12, 9},
        {ENSEMBLE("weightedSum"), 20, 17},
        {ENSEMBLE("max"), 8, 8},
        {ENSEMBLE("selectFirst"), 1, 1},
        {ENSEMBLE("selectAll"), 1, 1},            /* the first one */
        {ENSEMBLE("modelChain"), 8, 8},           /* the last one */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        model *m = must_load(cases[i].doc);
        assert_float_equal(value_of(m, 1, 0, 0), cases[i].all, 1e-15);
        assert_float_equal(value_of(m, -1, 0, 0), cases[i].two, 1e-15);
        model_free(m);
    }
    expect_rejected(ENSEMBLE("majorityVote"),
                    "multipleModelMethod 'majorityVote' does not apply to "
                    "regression");
}

/* A classification tree whose root predicts LABEL with P(A) = PA. */
#define VOTE_SEGMENT(WEIGHT, LABEL, NA, NB)                                \
    "<Segment weight=\"" WEIGHT "\"><True/>"                               \
    "<TreeModel functionName=\"classification\"><MiningSchema>"            \
    "<MiningField name=\"a\"/></MiningSchema>"                             \
    "<Node score=\"" LABEL "\"><True/>"                                    \
    "<ScoreDistribution value=\"A\" recordCount=\"" NA "\"/>"              \
    "<ScoreDistribution value=\"B\" recordCount=\"" NB "\"/>"              \
    "</Node></TreeModel></Segment>\n"

#define VOTES(METHOD)                                                      \
    PMML_HEAD(TARGET_CATEGORICAL)                                          \
    "<MiningModel functionName=\"classification\">\n" MINING_SCHEMA        \
    "<Segmentation multipleModelMethod=\"" METHOD "\">\n"                  \
    VOTE_SEGMENT("3", "A", "8", "2")                                       \
    VOTE_SEGMENT("1", "B", "4", "6")                                       \
    VOTE_SEGMENT("1", "B", "2", "8")                                       \
    "</Segmentation></MiningModel>\n</PMML>\n"

static void test_mining_classification(void **state) {
    (void)state;
    /* Segments: A (0.8/0.2, weight 3), B (0.4/0.6), B (0.2/0.8). */
    static const struct {
        const char *doc;
        double pa;
    } cases[] = {
        {VOTES("majorityVote"), 1.0 / 3},          /* 1 vote of 3 */
        {VOTES("weightedMajorityVote"), 3.0 / 5},  /* 3 of 5 */
        {VOTES("average"), 1.4 / 3},               /* (.8+.4+.2)/3 */
        {VOTES("weightedAverage"), 0.6},           /* (2.4+.4+.2)/5 */
        {VOTES("max"), 0.8},                       /* surest: 0.8 */
        {VOTES("selectFirst"), 0.8},
        {VOTES("modelChain"), 0.2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        model *m = must_load(cases[i].doc);
        assert_int_equal(m->nclasses, 2);
        double probs[2];
        ms_error err;
        model_output out = {.probabilities = probs};
        assert_int_equal(score3(m, 0, 0, 0, &out, &err), 0);
        assert_float_equal(probs[0], cases[i].pa, 1e-15);
        assert_float_equal(probs[1], 1 - cases[i].pa, 1e-15);
        assert_int_equal(out.label_index, cases[i].pa > 0.5 ? 0 : 1);
        model_free(m);
    }
}

/* The segment that reads b cannot predict when b is missing. */
#define MISSING_ENSEMBLE(TREATMENT)                                        \
    PMML_HEAD(TARGET_CONTINUOUS)                                           \
    "<MiningModel functionName=\"regression\">\n" MINING_SCHEMA            \
    "<Segmentation multipleModelMethod=\"average\" "                       \
    "missingPredictionTreatment=\"" TREATMENT "\">\n"                      \
    CONST_SEGMENT("<True/>", "1", "2")                                     \
    "<Segment><True/><RegressionModel functionName=\"regression\">"        \
    "<MiningSchema><MiningField name=\"b\"/></MiningSchema>"               \
    "<RegressionTable intercept=\"0\"><NumericPredictor name=\"b\" "       \
    "coefficient=\"1\"/></RegressionTable></RegressionModel></Segment>\n"  \
    "</Segmentation></MiningModel>\n</PMML>\n"

static void test_mining_missing(void **state) {
    (void)state;
    model *m = must_load(MISSING_ENSEMBLE("returnMissing"));
    ms_error err;
    model_output out;
    assert_float_equal(value_of(m, 0, 4, 0), 3, 0);   /* (2+4)/2 */
    assert_int_equal(score3(m, 0, U, 0, &out, &err), -1);
    assert_non_null(strstr(err.msg, "input 'b' is missing"));
    model_free(m);
    m = must_load(MISSING_ENSEMBLE("skipSegment"));
    assert_float_equal(value_of(m, 0, U, 0), 2, 0);   /* the other alone */
    model_free(m);
}

/* ---- NeuralNetwork --------------------------------------------------- */

/* One hidden neuron with activation ACT (bias 0, weight W from a), read as
 * the regression output. */
#define ONE_NEURON(ATTRS, W)                                               \
    PMML_HEAD(TARGET_CONTINUOUS)                                           \
    "<NeuralNetwork functionName=\"regression\" " ATTRS ">\n"              \
    MINING_SCHEMA                                                          \
    "<NeuralInputs><NeuralInput id=\"i\"><DerivedField>"                   \
    "<FieldRef field=\"a\"/></DerivedField></NeuralInput></NeuralInputs>\n"\
    "<NeuralLayer><Neuron id=\"h\"><Con from=\"i\" weight=\"" W "\"/>"     \
    "</Neuron></NeuralLayer>\n"                                            \
    "<NeuralOutputs><NeuralOutput outputNeuron=\"h\"><DerivedField>"       \
    "<FieldRef field=\"y\"/></DerivedField></NeuralOutput>"                \
    "</NeuralOutputs>\n</NeuralNetwork>\n</PMML>\n"

static void test_neural_activations(void **state) {
    (void)state;
    /* a = 0.5, so z = 0.5. */
    static const struct {
        const char *doc;
        double want;
    } cases[] = {
        {ONE_NEURON("activationFunction=\"threshold\" threshold=\"0.4\"",
                    "1"), 1},                               /* 0.5 > 0.4 */
        {ONE_NEURON("activationFunction=\"logistic\"", "1"),
         0.6224593312018546},                               /* 1/(1+e^-z) */
        {ONE_NEURON("activationFunction=\"tanh\"", "1"), 0.46211715726000974},
        {ONE_NEURON("activationFunction=\"identity\"", "1"), 0.5},
        {ONE_NEURON("activationFunction=\"exponential\"", "1"),
         1.6487212707001282},
        {ONE_NEURON("activationFunction=\"reciprocal\"", "1"), 2},
        {ONE_NEURON("activationFunction=\"square\"", "1"), 0.25},
        {ONE_NEURON("activationFunction=\"Gauss\"", "1"),
         0.7788007830714049},                               /* e^-z^2 */
        {ONE_NEURON("activationFunction=\"sine\"", "1"), 0.479425538604203},
        {ONE_NEURON("activationFunction=\"cosine\"", "1"),
         0.8775825618903728},
        {ONE_NEURON("activationFunction=\"Elliott\"", "1"), 1.0 / 3},
        {ONE_NEURON("activationFunction=\"arctan\"", "1"),
         0.2951672353008665},                               /* 2atan(z)/pi */
        {ONE_NEURON("activationFunction=\"rectifier\"", "1"), 0.5},
        /* exp(fan-in * ln(altitude) - (0.5-1)^2 / (2 width^2)) =
         * 2 e^-0.125 */
        {ONE_NEURON("activationFunction=\"radialBasis\" width=\"1\" "
                    "altitude=\"2\"", "1"), 1.764993805169191},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        model *m = must_load(cases[i].doc);
        assert_float_equal(value_of(m, 0.5, 0, 0), cases[i].want, 1e-15);
        model_free(m);
    }
    model *m = must_load(cases[1].doc);
    ms_error err;
    model_output out;
    assert_int_equal(score3(m, U, 0, 0, &out, &err), -1);
    assert_string_equal(err.msg, "NeuralNetwork: no prediction (input 'a' "
                                 "is missing)");
    model_free(m);
}

static void test_neural_norms(void **state) {
    (void)state;
    /* h = tanh(0.5 + a + 2*norm(b) - disc(c)), norm(b) = b/10 on [0, 10],
     * disc(c) = (c == 3); o = 1 + 2h; y = 100 o (NormContinuous backwards:
     * norm 0..1 is orig 0..100). a = 0.1, b = 5, c = 3: z = 0.6,
     * y = 100 (1 + 2 tanh 0.6) = 207.40991339960706. */
    model *m = must_load(
        PMML_HEAD(TARGET_CONTINUOUS)
        "<NeuralNetwork functionName=\"regression\" "
        "activationFunction=\"tanh\">\n" MINING_SCHEMA
        "<NeuralInputs>"
        "<NeuralInput id=\"a\"><DerivedField><FieldRef field=\"a\"/>"
        "</DerivedField></NeuralInput>"
        "<NeuralInput id=\"b\"><DerivedField><NormContinuous field=\"b\">"
        "<LinearNorm orig=\"0\" norm=\"0\"/><LinearNorm orig=\"10\" "
        "norm=\"1\"/></NormContinuous></DerivedField></NeuralInput>"
        "<NeuralInput id=\"c\"><DerivedField><NormDiscrete field=\"c\" "
        "value=\"3\"/></DerivedField></NeuralInput></NeuralInputs>\n"
        "<NeuralLayer><Neuron id=\"h\" bias=\"0.5\"><Con from=\"a\" "
        "weight=\"1\"/><Con from=\"b\" weight=\"2\"/><Con from=\"c\" "
        "weight=\"-1\"/></Neuron></NeuralLayer>\n"
        "<NeuralLayer activationFunction=\"identity\"><Neuron id=\"o\" "
        "bias=\"1\"><Con from=\"h\" weight=\"2\"/></Neuron></NeuralLayer>\n"
        "<NeuralOutputs><NeuralOutput outputNeuron=\"o\"><DerivedField>"
        "<NormContinuous field=\"y\"><LinearNorm orig=\"0\" norm=\"0\"/>"
        "<LinearNorm orig=\"100\" norm=\"1\"/></NormContinuous>"
        "</DerivedField></NeuralOutput></NeuralOutputs>\n"
        "</NeuralNetwork>\n</PMML>\n");
    assert_float_equal(value_of(m, 0.1, 5, 3), 207.40991339960706, 1e-12);
    /* b = 20 is outside [0, 10]; outliers="asIs" extrapolates: norm 2,
     * z = 0.5 + 0.1 + 4 - 1 = 3.6. */
    assert_float_equal(value_of(m, 0.1, 20, 3),
                       100 * (1 + 2 * tanh(3.6)), 1e-12);
    model_free(m);

    /* Softmax output layer over identity neurons z1 = a, z2 = 0:
     * a = 1 -> e/(e+1). */
    m = must_load(
        PMML_HEAD(TARGET_CATEGORICAL)
        "<NeuralNetwork functionName=\"classification\" "
        "activationFunction=\"identity\">\n" MINING_SCHEMA
        "<NeuralInputs><NeuralInput id=\"a\"><DerivedField><FieldRef "
        "field=\"a\"/></DerivedField></NeuralInput></NeuralInputs>\n"
        "<NeuralLayer normalizationMethod=\"softmax\">"
        "<Neuron id=\"1\"><Con from=\"a\" weight=\"1\"/></Neuron>"
        "<Neuron id=\"2\"><Con from=\"a\" weight=\"0\"/></Neuron>"
        "</NeuralLayer>\n<NeuralOutputs>"
        "<NeuralOutput outputNeuron=\"1\"><DerivedField><NormDiscrete "
        "field=\"y\" value=\"hi\"/></DerivedField></NeuralOutput>"
        "<NeuralOutput outputNeuron=\"2\"><DerivedField><NormDiscrete "
        "field=\"y\" value=\"lo\"/></DerivedField></NeuralOutput>"
        "</NeuralOutputs>\n</NeuralNetwork>\n</PMML>\n");
    double probs[2];
    ms_error err;
    model_output out = {.probabilities = probs};
    assert_int_equal(score3(m, 1, 0, 0, &out, &err), 0);
    assert_string_equal(m->class_labels[out.label_index], "hi");
    assert_float_equal(probs[0], 0.7310585786300049, 1e-15);
    assert_float_equal(probs[1], 1 - 0.7310585786300049, 1e-15);
    model_free(m);

    expect_rejected(ONE_NEURON("activationFunction=\"relu\"", "1"),
                    "activationFunction 'relu' is not supported");
}

/* ---- GeneralRegressionModel ------------------------------------------ */

/* p0 intercept, p1 = a, p2 = a^2, p3 = (c == 3). */
#define GRM(ATTRS, BETAS)                                                  \
    PMML_HEAD(TARGET_CONTINUOUS)                                           \
    "<GeneralRegressionModel functionName=\"regression\" " ATTRS ">\n"     \
    MINING_SCHEMA                                                          \
    "<ParameterList><Parameter name=\"p0\"/><Parameter name=\"p1\"/>"     \
    "<Parameter name=\"p2\"/><Parameter name=\"p3\"/></ParameterList>\n"   \
    "<FactorList><Predictor name=\"c\"/></FactorList>\n"                   \
    "<CovariateList><Predictor name=\"a\"/></CovariateList>\n"             \
    "<PPMatrix><PPCell value=\"1\" predictorName=\"a\" "                   \
    "parameterName=\"p1\"/><PPCell value=\"2\" predictorName=\"a\" "       \
    "parameterName=\"p2\"/><PPCell value=\"3\" predictorName=\"c\" "       \
    "parameterName=\"p3\"/></PPMatrix>\n"                                  \
    "<ParamMatrix>" BETAS "</ParamMatrix>\n"                               \
    "</GeneralRegressionModel>\n</PMML>\n"

#define BETAS_1_2_HALF_10                                                  \
    "<PCell parameterName=\"p0\" beta=\"1\"/>"                             \
    "<PCell parameterName=\"p1\" beta=\"2\"/>"                             \
    "<PCell parameterName=\"p2\" beta=\"0.5\"/>"                           \
    "<PCell parameterName=\"p3\" beta=\"10\"/>"

#define BETA_HALF "<PCell parameterName=\"p0\" beta=\"0.5\"/>"

static void test_general_regression(void **state) {
    (void)state;
    model *m = must_load(GRM("modelType=\"regression\"", BETAS_1_2_HALF_10));
    /* a = 2, c = 3: 1 + 2*2 + 0.5*4 + 10 = 17; c = 4: 7. */
    assert_true(value_of(m, 2, 0, 3) == 17);
    assert_true(value_of(m, 2, 0, 4) == 7);
    ms_error err;
    model_output out;
    assert_int_equal(score3(m, U, 0, 3, &out, &err), -1);
    model_free(m);
    /* offsetValue adds to eta: 17 + 0.25. */
    m = must_load(GRM("modelType=\"generalLinear\" offsetValue=\"0.25\"",
                      BETAS_1_2_HALF_10));
    assert_true(value_of(m, 2, 0, 3) == 17.25);
    model_free(m);

    /* generalizedLinear: eta = 0.5, mu = inverse link (times trials). */
    static const struct {
        const char *attrs;
        double want;
    } links[] = {
        {"linkFunction=\"identity\"", 0.5},
        {"linkFunction=\"cloglog\"", 0.807704354452035},   /* 1-e^-e^eta */
        {"linkFunction=\"log\"", 1.6487212707001282},      /* e^eta */
        {"linkFunction=\"logc\"", -0.6487212707001282},    /* 1-e^eta */
        {"linkFunction=\"logit\"", 0.6224593312018546},
        {"linkFunction=\"loglog\"", 0.545239211892605},    /* e^-e^-eta */
        {"linkFunction=\"probit\"", 0.6914624612740131},   /* Phi(eta) */
        {"linkFunction=\"cauchit\"", 0.6475836176504333},  /* .5+atan/pi */
        {"linkFunction=\"power\" linkParameter=\"2\"", 0.7071067811865476},
        {"linkFunction=\"oddspower\" linkParameter=\"1\"", 0.6}, /* 1.5/2.5 */
        {"linkFunction=\"negbin\" distParameter=\"2\"",
         -1.2707470412683992},                 /* 1/(c(e^-eta - 1)) */
        {"linkFunction=\"log\" trialsValue=\"3\"", 3 * 1.6487212707001282},
    };
    for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
        char doc[4096];
        char attrs[128];
        snprintf(attrs, sizeof attrs, "modelType=\"generalizedLinear\" %s",
                 links[i].attrs);
        /* GRM() is a string literal; splice the attributes in by hand. */
        const char *tmpl = GRM("@", BETA_HALF);
        const char *at = strchr(tmpl, '@');
        snprintf(doc, sizeof doc, "%.*s%s%s", (int)(at - tmpl), tmpl, attrs,
                 at + 1);
        model *g = must_load(doc);
        assert_float_equal(value_of(g, 1, 0, 1), links[i].want, 1e-14);
        model_free(g);
    }
    expect_rejected(GRM("modelType=\"generalizedLinear\"", BETA_HALF),
                    "GeneralRegressionModel has no linkFunction attribute");
    expect_rejected(GRM("modelType=\"CoxRegression\"", BETA_HALF),
                    "'CoxRegression' is not supported");
}

#define TARGET_ABC                                                         \
    "<DataField name=\"y\" optype=\"categorical\" dataType=\"string\">"    \
    "<Value value=\"A\"/><Value value=\"B\"/><Value value=\"C\"/>"         \
    "</DataField>\n"

#define GRM_CLASSES(ATTRS, BETAS)                                          \
    PMML_HEAD(TARGET_ABC)                                                  \
    "<GeneralRegressionModel functionName=\"classification\" " ATTRS ">\n" \
    MINING_SCHEMA                                                          \
    "<ParameterList><Parameter name=\"p0\"/><Parameter name=\"p1\"/>"     \
    "</ParameterList>\n<CovariateList><Predictor name=\"a\"/>"             \
    "</CovariateList>\n<PPMatrix><PPCell value=\"1\" predictorName=\"a\" " \
    "parameterName=\"p1\"/></PPMatrix>\n"                                  \
    "<ParamMatrix>" BETAS "</ParamMatrix>\n"                               \
    "</GeneralRegressionModel>\n</PMML>\n"

static void test_general_classification(void **state) {
    (void)state;
    double probs[3];
    ms_error err;
    model_output out = {.probabilities = probs};
    /* multinomialLogistic, reference C: eta_A = 1 + a, eta_B = 0.5,
     * eta_C = 0; a = 1: softmax(2, 0.5, 0). */
    model *m = must_load(GRM_CLASSES(
        "modelType=\"multinomialLogistic\"",
        "<PCell targetCategory=\"A\" parameterName=\"p0\" beta=\"1\"/>"
        "<PCell targetCategory=\"A\" parameterName=\"p1\" beta=\"1\"/>"
        "<PCell targetCategory=\"B\" parameterName=\"p0\" beta=\"0.5\"/>"));
    assert_int_equal(score3(m, 1, 0, 0, &out, &err), 0);
    assert_int_equal(out.label_index, 0);
    assert_float_equal(probs[0], 0.7361247243125939, 1e-15);
    assert_float_equal(probs[1], 0.16425162762508783, 1e-15);
    assert_float_equal(probs[2], 0.09962364806231833, 1e-15);
    model_free(m);
    /* ordinalMultinomial, logit: eta_A = -1 + 0.5a, eta_B = 1 + 0.5a;
     * a = 2: F = 0.5, 0.8807970779778823 -> 0.5, 0.38079..., 0.11920... */
    m = must_load(GRM_CLASSES(
        "modelType=\"ordinalMultinomial\" cumulativeLink=\"logit\"",
        "<PCell targetCategory=\"A\" parameterName=\"p0\" beta=\"-1\"/>"
        "<PCell targetCategory=\"B\" parameterName=\"p0\" beta=\"1\"/>"
        "<PCell parameterName=\"p1\" beta=\"0.5\"/>"));
    assert_int_equal(score3(m, 2, 0, 0, &out, &err), 0);
    assert_int_equal(out.label_index, 0);
    assert_float_equal(probs[0], 0.5, 1e-15);
    assert_float_equal(probs[1], 0.8807970779778823 - 0.5, 1e-15);
    assert_float_equal(probs[2], 1 - 0.8807970779778823, 1e-15);
    model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regression_classification),
        cmocka_unit_test(test_regression_terms_and_norms),
        cmocka_unit_test(test_mining_regression),
        cmocka_unit_test(test_mining_classification),
        cmocka_unit_test(test_mining_missing),
        cmocka_unit_test(test_neural_activations),
        cmocka_unit_test(test_neural_norms),
        cmocka_unit_test(test_general_regression),
        cmocka_unit_test(test_general_classification),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
