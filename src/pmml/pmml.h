/*
 * pmml.h - PMML documents compiled into fast, reentrant evaluators.
 *
 * pmml_load() parses a PMML document with libxml2 (no network, no DTD, no
 * entity expansion), checks it, and compiles the model it holds into flat
 * arrays bound to the slots of the given schema. The result is a core model
 * (core/model.h) that scores without allocating.
 *
 * Supported models: TreeModel, RegressionModel, GeneralRegressionModel,
 * NeuralNetwork, MiningModel (Segmentation of any of these, nested),
 * NaiveBayesModel, SupportVectorMachineModel, Scorecard and center-based
 * ClusteringModel; around them MiningSchema treatments (missing-value
 * replacement, Value/Interval validity, invalidValueTreatment, outliers),
 * derived fields (LocalTransformations, TransformationDictionary, every
 * numeric built-in and DefineFunction), Targets and Output fields (the
 * README lists every element and attribute). The first model of the
 * document is used. Anything that would change a score and is not
 * implemented makes the load fail with the element and line at fault: a
 * document is scored faithfully or not at all.
 *
 * Inputs are numbers (a record is a vector of doubles, NaN = missing); a
 * string field's value is a code of the document's string table, which
 * model_encode() gives for input text (pmml_strings.c). pmml_load() may
 * run on several threads at once.
 */
#ifndef MS_PMML_H
#define MS_PMML_H

#include <stddef.h>

#include "core/model.h"

/* Loads a PMML document (bytes need not be NUL-terminated). Returns a model
 * the caller frees with model_free(), or NULL with err filled, naming the
 * element and line at fault. */
model *pmml_load(const void *bytes, size_t len, const ms_schema *schema,
                 ms_error *err);

#endif
