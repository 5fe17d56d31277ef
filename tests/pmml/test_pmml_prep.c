/*
 * test_pmml_prep.c - what happens around a model: MiningField missing-value
 * replacement, DataField validity (Values and Intervals),
 * invalidValueTreatment, outliers, and Targets, checked on every model
 * type; and the Output fields of the document's model.
 *
 * Every expected value is worked out by hand from the PMML 4.4 rules
 * written next to it; none comes from running our evaluator.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "pmml_test.h"

#define U NAN

/* a: missing -> 1; invalid (outside [-10, 10]) -> as missing -> 1;
 * valid outliers clamped to [-5, 5]. */
#define TREATED_A                                                          \
    "<MiningField name=\"a\" missingValueReplacement=\"1\" "               \
    "invalidValueTreatment=\"asMissing\" outliers=\"asExtremeValues\" "    \
    "lowValue=\"-5\" highValue=\"5\"/>"

#define SCHEMA_A(TARGET_FIELD)                                             \
    "<MiningSchema>" TARGET_FIELD TREATED_A "</MiningSchema>\n"
#define Y_TARGET "<MiningField name=\"y\" usageType=\"target\"/>"

/* Each model type, scoring a through the treatment above. */
static const char regression[] =
    HEAD_RULES(TARGET_CONTINUOUS)
    "<RegressionModel functionName=\"regression\">" SCHEMA_A(Y_TARGET)
    "<RegressionTable intercept=\"1\"><NumericPredictor name=\"a\" "
    "coefficient=\"3\"/></RegressionTable></RegressionModel></PMML>";

static const char tree[] =
    HEAD_RULES(TARGET_CONTINUOUS)
    "<TreeModel functionName=\"regression\">" SCHEMA_A(Y_TARGET)
    "<Node><True/>"
    "<Node score=\"0\"><SimplePredicate field=\"a\" operator=\"lessThan\" "
    "value=\"0\"/></Node>"
    "<Node score=\"10\"><SimplePredicate field=\"a\" "
    "operator=\"lessOrEqual\" value=\"1.5\"/></Node>"
    "<Node score=\"20\"><SimplePredicate field=\"a\" "
    "operator=\"lessOrEqual\" value=\"4\"/></Node>"
    "<Node score=\"30\"><True/></Node>"
    "</Node></TreeModel></PMML>";

static const char general[] =
    HEAD_RULES(TARGET_CONTINUOUS)
    "<GeneralRegressionModel functionName=\"regression\" "
    "modelType=\"regression\">" SCHEMA_A(Y_TARGET)
    "<ParameterList><Parameter name=\"p0\"/><Parameter name=\"p1\"/>"
    "</ParameterList><CovariateList><Predictor name=\"a\"/></CovariateList>"
    "<PPMatrix><PPCell value=\"1\" predictorName=\"a\" parameterName=\"p1\"/>"
    "</PPMatrix><ParamMatrix><PCell parameterName=\"p0\" beta=\"1\"/>"
    "<PCell parameterName=\"p1\" beta=\"3\"/></ParamMatrix>"
    "</GeneralRegressionModel></PMML>";

static const char neural[] =
    HEAD_RULES(TARGET_CONTINUOUS)
    "<NeuralNetwork functionName=\"regression\" "
    "activationFunction=\"identity\">" SCHEMA_A(Y_TARGET)
    "<NeuralInputs><NeuralInput id=\"i\"><DerivedField>"
    "<FieldRef field=\"a\"/></DerivedField></NeuralInput></NeuralInputs>"
    "<NeuralLayer><Neuron id=\"h\" bias=\"1\"><Con from=\"i\" weight=\"3\"/>"
    "</Neuron></NeuralLayer><NeuralOutputs><NeuralOutput outputNeuron=\"h\">"
    "<DerivedField><FieldRef field=\"y\"/></DerivedField></NeuralOutput>"
    "</NeuralOutputs></NeuralNetwork></PMML>";

/* 3a + 1 as a sum of a and 2a + 1; the treatment is the ensemble's, the
 * segments see the treated value. */
static const char mining[] =
    HEAD_RULES(TARGET_CONTINUOUS)
    "<MiningModel functionName=\"regression\">" SCHEMA_A(Y_TARGET)
    "<Segmentation multipleModelMethod=\"sum\">"
    "<Segment><True/><RegressionModel functionName=\"regression\">"
    "<MiningSchema><MiningField name=\"a\"/></MiningSchema>"
    "<RegressionTable intercept=\"0\"><NumericPredictor name=\"a\" "
    "coefficient=\"1\"/></RegressionTable></RegressionModel></Segment>"
    "<Segment><True/><RegressionModel functionName=\"regression\">"
    "<MiningSchema><MiningField name=\"a\"/></MiningSchema>"
    "<RegressionTable intercept=\"1\"><NumericPredictor name=\"a\" "
    "coefficient=\"2\"/></RegressionTable></RegressionModel></Segment>"
    "</Segmentation></MiningModel></PMML>";

static const char svm[] =
    HEAD_RULES(TARGET_CONTINUOUS)
    "<SupportVectorMachineModel functionName=\"regression\">"
    SCHEMA_A(Y_TARGET) "<LinearKernelType/>"
    "<VectorDictionary><VectorFields><FieldRef field=\"a\"/></VectorFields>"
    "<VectorInstance id=\"e\"><Array type=\"real\">1</Array>"
    "</VectorInstance></VectorDictionary>"
    "<SupportVectorMachine><SupportVectors><SupportVector vectorId=\"e\"/>"
    "</SupportVectors><Coefficients absoluteValue=\"1\">"
    "<Coefficient value=\"3\"/></Coefficients></SupportVectorMachine>"
    "</SupportVectorMachineModel></PMML>";

static const char scorecard[] =
    HEAD_RULES(TARGET_CONTINUOUS)
    "<Scorecard functionName=\"regression\">" SCHEMA_A(Y_TARGET)
    "<Characteristics><Characteristic>"
    "<Attribute partialScore=\"-1\"><SimplePredicate field=\"a\" "
    "operator=\"lessThan\" value=\"0\"/></Attribute>"
    "<Attribute partialScore=\"1\"><SimplePredicate field=\"a\" "
    "operator=\"lessThan\" value=\"1.5\"/></Attribute>"
    "<Attribute partialScore=\"2\"><SimplePredicate field=\"a\" "
    "operator=\"lessThan\" value=\"4\"/></Attribute>"
    "<Attribute partialScore=\"5\"><True/></Attribute>"
    "</Characteristic></Characteristics></Scorecard></PMML>";

/* Clusters at -5, 1, 2 and 5, labelled so. */
static const char clustering[] =
    HEAD_RULES("")
    "<ClusteringModel functionName=\"clustering\" modelClass=\"centerBased\">"
    SCHEMA_A("") "<ComparisonMeasure kind=\"distance\"><euclidean/>"
    "</ComparisonMeasure><ClusteringField field=\"a\"/>"
    "<Cluster id=\"-5\"><Array type=\"real\">-5</Array></Cluster>"
    "<Cluster id=\"1\"><Array type=\"real\">1</Array></Cluster>"
    "<Cluster id=\"2\"><Array type=\"real\">2</Array></Cluster>"
    "<Cluster id=\"5\"><Array type=\"real\">5</Array></Cluster>"
    "</ClusteringModel></PMML>";

static void test_treatments_every_model(void **state) {
    (void)state;
    /* The model sees: a = 2 -> 2; missing -> 1; 20 (invalid) -> 1;
     * 7 -> 5 and -7 -> -5 (clamped). Expected scores at 2, 1, 5, -5:
     *   3a + 1 (regression, GLM, NN, mining sum, SVM): 7, 4, 16, -14
     *   tree (a<0: 0, <=1.5: 10, <=4: 20, else 30):      20, 10, 30, 0
     *   scorecard (<0: -1, <1.5: 1, <4: 2, else 5):      2, 1, 5, -1
     *   clustering (nearest centre's id):                2, 1, 5, -5 */
    static const struct {
        const char *doc;
        double at2, at1, at5, atm5;
    } cases[] = {
        {regression, 7, 4, 16, -14}, {general, 7, 4, 16, -14},
        {neural, 7, 4, 16, -14},     {mining, 7, 4, 16, -14},
        {svm, 7, 4, 16, -14},        {tree, 20, 10, 30, 0},
        {scorecard, 2, 1, 5, -1},    {clustering, 2, 1, 5, -5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        model *m = must_load(cases[i].doc);
        assert_float_equal(value_of(m, 2, U, U), cases[i].at2, 1e-12);
        assert_float_equal(value_of(m, U, U, U), cases[i].at1, 1e-12);
        assert_float_equal(value_of(m, 20, U, U), cases[i].at1, 1e-12);
        assert_float_equal(value_of(m, -11, U, U), cases[i].at1, 1e-12);
        assert_float_equal(value_of(m, 7, U, U), cases[i].at5, 1e-12);
        assert_float_equal(value_of(m, 10, U, U), cases[i].at5, 1e-12);
        assert_float_equal(value_of(m, -7, U, U), cases[i].atm5, 1e-12);
        model_free(m);
    }
}

/* NaiveBayes: a Gaussian, yes N(0, 1), no N(5, 1), equal priors:
 * P(yes) = 1 / (1 + e^(5a - 12.5)). */
static const char bayes[] =
    HEAD_RULES(TARGET_CATEGORICAL)
    "<NaiveBayesModel functionName=\"classification\" threshold=\"1e-100\">"
    SCHEMA_A(Y_TARGET) "<BayesInputs><BayesInput fieldName=\"a\">"
    "<TargetValueStats><TargetValueStat value=\"yes\"><GaussianDistribution "
    "mean=\"0\" variance=\"1\"/></TargetValueStat><TargetValueStat "
    "value=\"no\"><GaussianDistribution mean=\"5\" variance=\"1\"/>"
    "</TargetValueStat></TargetValueStats></BayesInput></BayesInputs>"
    "<BayesOutput fieldName=\"y\"><TargetValueCounts>"
    "<TargetValueCount value=\"yes\" count=\"1\"/>"
    "<TargetValueCount value=\"no\" count=\"1\"/>"
    "</TargetValueCounts></BayesOutput></NaiveBayesModel></PMML>";

static double p_yes(const model *m, double a) {
    double probs[2];
    model_output out = {.probabilities = probs};
    ms_error err;
    if (score3(m, a, U, U, &out, &err) < 0) fail_msg("score: %s", err.msg);
    return probs[0];
}

static void test_treatments_bayes(void **state) {
    (void)state;
    model *m = must_load(bayes);
    /* a = 2: 1/(1+e^-2.5); a = 1 (missing, invalid): 1/(1+e^-7.5);
     * a = 5 (7 clamped): 1/(1+e^12.5). Without the replacement a missing
     * a would leave the priors, 0.5. */
    assert_float_equal(p_yes(m, 2), 0.9241418199787566, 1e-12);
    assert_float_equal(p_yes(m, U), 0.9994472213630764, 1e-12);
    assert_float_equal(p_yes(m, 20), 0.9994472213630764, 1e-12);
    assert_float_equal(p_yes(m, 7), 3.726639284186561e-06, 1e-15);
    model_free(m);
}

/* RegressionModel y = 10 b + c, with b's treatment TREAT_B. */
#define REG_B(TREAT_B)                                                     \
    HEAD_RULES(TARGET_CONTINUOUS)                                          \
    "<RegressionModel functionName=\"regression\"><MiningSchema>" Y_TARGET \
    "<MiningField name=\"b\" " TREAT_B "/><MiningField name=\"c\"/>"       \
    "</MiningSchema><RegressionTable intercept=\"0\">"                     \
    "<NumericPredictor name=\"b\" coefficient=\"10\"/>"                    \
    "<NumericPredictor name=\"c\" coefficient=\"1\"/>"                     \
    "</RegressionTable></RegressionModel></PMML>"

static void expect_fails(const model *m, double b, const char *needle) {
    model_output out = {0};
    ms_error err;
    assert_int_equal(score3(m, U, b, 0, &out, &err), -1);
    if (!strstr(err.msg, needle))
        fail_msg("expected \"%s\" in \"%s\"", needle, err.msg);
}

static void test_invalid_treatments(void **state) {
    (void)state;
    /* returnInvalid (the default): 9 is listed invalid, 3 is not listed
     * for a categorical field with a list; both fail. -1 means missing:
     * without a replacement the regression has no prediction. */
    model *m = must_load(REG_B(""));
    assert_float_equal(value_of(m, U, 2, 0.5), 20.5, 0);
    expect_fails(m, 9, "input 'b' = 9 is not a valid value");
    expect_fails(m, 3, "input 'b' = 3 is not a valid value");
    expect_fails(m, -1, "input 'b' is missing");
    model_free(m);
    /* asIs: invalid values go through: 10*9, 10*3. */
    m = must_load(REG_B("invalidValueTreatment=\"asIs\""));
    assert_float_equal(value_of(m, U, 9, 0), 90, 0);
    assert_float_equal(value_of(m, U, 3, 0), 30, 0);
    model_free(m);
    /* asValue 2: 9 -> 2. */
    m = must_load(REG_B("invalidValueTreatment=\"asValue\" "
                        "invalidValueReplacement=\"2\""));
    assert_float_equal(value_of(m, U, 9, 0), 20, 0);
    model_free(m);
    /* asMissing with a replacement 1: 9, 3, -1 and NaN all -> 1. */
    m = must_load(REG_B("invalidValueTreatment=\"asMissing\" "
                        "missingValueReplacement=\"1\""));
    assert_float_equal(value_of(m, U, 9, 0), 10, 0);
    assert_float_equal(value_of(m, U, 3, 0), 10, 0);
    assert_float_equal(value_of(m, U, -1, 0), 10, 0);
    assert_float_equal(value_of(m, U, U, 0), 10, 0);
    assert_float_equal(value_of(m, U, 1, 0), 10, 0);
    model_free(m);
    expect_rejected(REG_B("invalidValueTreatment=\"asValue\""),
                    "needs an invalidValueReplacement");
}

static void test_outliers_as_missing(void **state) {
    (void)state;
    /* c beyond [0, 1] becomes missing, then its replacement 0.5. */
    static const char doc[] =
        HEAD_RULES(TARGET_CONTINUOUS)
        "<RegressionModel functionName=\"regression\"><MiningSchema>"
        Y_TARGET "<MiningField name=\"c\" outliers=\"asMissingValues\" "
        "lowValue=\"0\" highValue=\"1\" missingValueReplacement=\"0.5\"/>"
        "</MiningSchema><RegressionTable intercept=\"0\">"
        "<NumericPredictor name=\"c\" coefficient=\"2\"/>"
        "</RegressionTable></RegressionModel></PMML>";
    model *m = must_load(doc);
    assert_float_equal(value_of(m, U, U, 0.25), 0.5, 0);   /* 2 * 0.25 */
    assert_float_equal(value_of(m, U, U, 1), 2, 0);        /* edge: kept */
    assert_float_equal(value_of(m, U, U, 3), 1, 0);        /* 2 * 0.5 */
    assert_float_equal(value_of(m, U, U, -3), 1, 0);
    model_free(m);
}

/* ---- Targets ------------------------------------------------------------ */

/* y = a, through TARGET. */
#define REG_TARGET(TARGET)                                                 \
    PMML_HEAD(TARGET_CONTINUOUS)                                           \
    "<RegressionModel functionName=\"regression\">" MINING_SCHEMA          \
    "<Targets>" TARGET "</Targets>"                                        \
    "<RegressionTable intercept=\"0\"><NumericPredictor name=\"a\" "       \
    "coefficient=\"1\"/></RegressionTable></RegressionModel></PMML>"

static void test_targets(void **state) {
    (void)state;
    /* Clamp to [0, 10] first, then * 2 + 1, then castInteger. */
    model *m = must_load(REG_TARGET("<Target field=\"y\" min=\"0\" "
                                    "max=\"10\" rescaleFactor=\"2\" "
                                    "rescaleConstant=\"1\"/>"));
    assert_float_equal(value_of(m, 3.3, 0, 0), 7.6, 1e-12);   /* 3.3*2+1 */
    assert_float_equal(value_of(m, -4, 0, 0), 1, 0);          /* 0*2+1 */
    assert_float_equal(value_of(m, 40, 0, 0), 21, 0);         /* 10*2+1 */
    model_free(m);
    static const struct {
        const char *cast;
        double at;      /* of a = 2.5 * 1 + 0.25 = 2.75 and -2.5 */
        double neg;
    } casts[] = {
        {"round", 3, -2},       /* floor(x + 0.5), as Java rounds */
        {"ceiling", 3, -2},
        {"floor", 2, -3},
    };
    for (size_t i = 0; i < sizeof casts / sizeof *casts; i++) {
        char doc[2048];
        snprintf(doc, sizeof doc,
                 REG_TARGET("<Target field=\"y\" rescaleConstant=\"0.25\" "
                            "castInteger=\"%s\"/>"), casts[i].cast);
        m = must_load(doc);
        assert_float_equal(value_of(m, 2.5, 0, 0), casts[i].at, 0);
        assert_float_equal(value_of(m, -2.75, 0, 0), casts[i].neg, 0);
        model_free(m);
    }
    /* defaultValue: the prediction when the model has none (a missing). */
    m = must_load(REG_TARGET("<Target field=\"y\"><TargetValue "
                             "defaultValue=\"42\"/></Target>"));
    assert_float_equal(value_of(m, U, 0, 0), 42, 0);
    assert_float_equal(value_of(m, 3, 0, 0), 3, 0);
    model_free(m);
}

static void test_target_priors(void **state) {
    (void)state;
    /* A tree whose only leaf needs b > 0: no prediction for b <= 0, so
     * the priors answer: no 0.7 is the most probable. */
    static const char doc[] =
        PMML_HEAD(TARGET_CATEGORICAL)
        "<TreeModel functionName=\"classification\">" MINING_SCHEMA
        "<Output><OutputField name=\"shown\" "
        "feature=\"predictedDisplayValue\"/></Output>"
        "<Targets><Target field=\"y\"><TargetValue value=\"yes\" "
        "displayValue=\"Yes!\" priorProbability=\"0.3\"/><TargetValue "
        "value=\"no\" priorProbability=\"0.7\"/></Target></Targets>"
        "<Node><True/><Node score=\"yes\"><SimplePredicate field=\"b\" "
        "operator=\"greaterThan\" value=\"0\"/>"
        "<ScoreDistribution value=\"yes\" recordCount=\"1\"/>"
        "<ScoreDistribution value=\"no\" recordCount=\"0\"/></Node></Node>"
        "</TreeModel></PMML>";
    model *m = must_load(doc);
    double probs[2], shown_v;
    const char *shown = NULL;
    model_output out = {.probabilities = probs, .outputs = &shown_v,
                        .output_strings = &shown};
    ms_error err;
    assert_int_equal(score3(m, 0, 1, 0, &out, &err), 0);
    assert_string_equal(m->class_labels[out.label_index], "yes");
    assert_string_equal(shown, "Yes!");     /* its displayValue */
    assert_int_equal(score3(m, 0, -1, 0, &out, &err), 0);
    assert_string_equal(m->class_labels[out.label_index], "no");
    assert_string_equal(shown, "no");       /* no displayValue: the label */
    assert_float_equal(probs[0], 0.3, 0);
    assert_float_equal(probs[1], 0.7, 0);
    model_free(m);
    expect_rejected(REG_TARGET("<Target field=\"y\"><TargetValue "
                               "value=\"1\" priorProbability=\"1\"/>"
                               "</Target>"),
                    "priorProbability applies to classifiers only");
    expect_rejected(REG_TARGET("<Target field=\"y\" min=\"3\" max=\"1\"/>"),
                    "min <= max");
}

/* ---- Output ------------------------------------------------------------ */

/* yes = 1 + 2a, no = 1, softmax; outputs in document order. */
#define CLASSIFIER_OUTPUT(FIELDS)                                          \
    PMML_HEAD(TARGET_CATEGORICAL)                                          \
    "<RegressionModel functionName=\"classification\" "                    \
    "normalizationMethod=\"softmax\">" MINING_SCHEMA                        \
    "<Output>" FIELDS "</Output>"                                          \
    "<RegressionTable intercept=\"1\" targetCategory=\"yes\">"             \
    "<NumericPredictor name=\"a\" coefficient=\"2\"/></RegressionTable>"   \
    "<RegressionTable intercept=\"1\" targetCategory=\"no\"/>"             \
    "</RegressionModel></PMML>"

static void test_outputs(void **state) {
    (void)state;
    model *m = must_load(CLASSIFIER_OUTPUT(
        "<OutputField name=\"label\"/>"
        "<OutputField name=\"shown\" feature=\"predictedDisplayValue\"/>"
        "<OutputField name=\"p_no\" feature=\"probability\" value=\"no\"/>"
        "<OutputField name=\"p_top\" feature=\"probability\"/>"
        "<OutputField name=\"odds\" feature=\"transformedValue\">"
        "<Apply function=\"/\"><FieldRef field=\"p_top\"/>"
        "<FieldRef field=\"p_no\"/></Apply></OutputField>"));
    assert_int_equal(m->noutputs, 5);
    assert_string_equal(m->output_names[4], "odds");
    double outs[5];
    const char *strs[5];
    model_output out = {.outputs = outs, .output_strings = strs};
    ms_error err;
    /* a = 0.5: scores yes 2, no 1; P(yes) = e^2/(e^2+e) = 0.7310585786300049,
     * P(no) = 0.2689414213699951; odds = e^1 = 2.718281828459045. The
     * caller passed no probabilities: the wrapper finds room itself. */
    assert_int_equal(score3(m, 0.5, 0, 0, &out, &err), 0);
    assert_string_equal(strs[0], "yes");
    assert_true(isnan(outs[0]));            /* "yes" is not a number */
    assert_string_equal(strs[1], "yes");
    assert_null(strs[2]);
    assert_float_equal(outs[2], 0.2689414213699951, 1e-15);
    assert_float_equal(outs[3], 0.7310585786300049, 1e-15);
    assert_float_equal(outs[4], M_E, 1e-12);
    /* Without outputs asked for, nothing is written. */
    model_output plain = {0};
    assert_int_equal(score3(m, 0.5, 0, 0, &plain, &err), 0);
    assert_int_equal(plain.label_index, 0);
    model_free(m);

    expect_rejected(CLASSIFIER_OUTPUT("<OutputField name=\"d\" "
                                      "feature=\"standardError\"/>"),
                    "OutputField feature 'standardError' is not supported");
    expect_rejected(CLASSIFIER_OUTPUT("<OutputField name=\"d\" "
                                      "feature=\"probability\" "
                                      "value=\"maybe\"/>"),
                    "'maybe' is not a class of the model");
    expect_rejected(CLASSIFIER_OUTPUT("<OutputField name=\"d\" "
                                      "feature=\"entityId\"/>"),
                    "entityId is supported for ClusteringModel and "
                    "TreeModel only");
}

/* A regression's predictedValue is its number, after the Target. */
static void test_output_regression(void **state) {
    (void)state;
    model *m = must_load(REG_TARGET("<Target field=\"y\" "
                                    "rescaleFactor=\"10\"/>"));
    assert_int_equal(m->noutputs, 0);
    model_free(m);
    static const char doc[] =
        PMML_HEAD(TARGET_CONTINUOUS)
        "<RegressionModel functionName=\"regression\">" MINING_SCHEMA
        "<Output><OutputField name=\"v\"/></Output>"
        "<Targets><Target field=\"y\" rescaleFactor=\"10\"/></Targets>"
        "<RegressionTable intercept=\"0\"><NumericPredictor name=\"a\" "
        "coefficient=\"1\"/></RegressionTable></RegressionModel></PMML>";
    m = must_load(doc);
    double outs[1];
    const char *strs[1];
    model_output out = {.outputs = outs, .output_strings = strs};
    ms_error err;
    assert_int_equal(score3(m, 0.25, 0, 0, &out, &err), 0);
    assert_float_equal(out.value, 2.5, 0);       /* 0.25 * 10 */
    assert_float_equal(outs[0], 2.5, 0);
    assert_null(strs[0]);
    model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_treatments_every_model),
        cmocka_unit_test(test_treatments_bayes),
        cmocka_unit_test(test_invalid_treatments),
        cmocka_unit_test(test_outliers_as_missing),
        cmocka_unit_test(test_targets),
        cmocka_unit_test(test_target_priors),
        cmocka_unit_test(test_outputs),
        cmocka_unit_test(test_output_regression),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
