/*
 * pmml_math.c - the numeric pieces several model types share: turning
 * scores into probabilities (RegressionModel's normalizationMethod, the
 * inverse link functions of GeneralRegressionModel, a NeuralNetwork
 * layer's normalization) and picking the winning class.
 */
#include "pmml/pmml_internal.h"

#include <math.h>

const char *const pmml_norm_names[] = {
    "none", "simplemax", "softmax", "logit", "probit", "cloglog", "exp",
    "loglog", "cauchit", NULL};

double pmml_normal_cdf(double x) { return 0.5 * erfc(-x / M_SQRT2); }

double pmml_norm_apply(int norm, double y) {
    switch (norm) {
    case PMML_NORM_SOFTMAX:   /* of one value: the logistic function */
    case PMML_NORM_LOGIT:   return 1 / (1 + exp(-y));
    case PMML_NORM_PROBIT:  return pmml_normal_cdf(y);
    case PMML_NORM_CLOGLOG: return 1 - exp(-exp(y));
    case PMML_NORM_EXP:     return exp(y);
    case PMML_NORM_LOGLOG:  return exp(-exp(-y));
    case PMML_NORM_CAUCHIT: return 0.5 + atan(y) / M_PI;
    default:                return y;
    }
}

void pmml_norm_vector(int norm, double *y, size_t n) {
    double sum = 0;
    if (norm == PMML_NORM_SOFTMAX) {
        /* Shifted by the largest score so exp() cannot overflow. */
        double top = y[pmml_argmax(y, n)];
        for (size_t i = 0; i < n; i++) sum += y[i] = exp(y[i] - top);
        for (size_t i = 0; i < n; i++) y[i] /= sum;
        return;
    }
    if (norm == PMML_NORM_SIMPLEMAX) {
        for (size_t i = 0; i < n; i++) sum += y[i];
        for (size_t i = 0; i < n; i++) y[i] /= sum;
        return;
    }
    /* The per-value methods (and none) on two classes, as JPMML reads the
     * spec: the first score gives the first probability, the second is its
     * complement. More classes are only allowed with none: then the scores
     * are the probabilities. */
    if (n == 2) {
        y[0] = pmml_norm_apply(norm, y[0]);
        y[1] = 1 - y[0];
    }
}

size_t pmml_argmax(const double *v, size_t n) {
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}
