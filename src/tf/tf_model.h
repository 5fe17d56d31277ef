/*
 * tf_model.h - a planned graph as a model (core/model.h): input binding to
 * schema slots, scoring, output post-processing. Shared by the frozen-graph
 * and SavedModel loaders.
 */
#ifndef MS_TF_MODEL_H
#define MS_TF_MODEL_H

#include "core/model.h"
#include "tf/tf_plan.h"

/* Plans def for spec and binds it to schema with src's parameters
 * (features, output_mode). */
model *tf_model_build(const Tensorflow__GraphDef *def,
                      const tf_plan_spec *spec, const model_source *src,
                      const ms_schema *schema, ms_error *err);

/* Reads the input_shape parameter ("1,11") into spec, or marks it
 * absent. */
int tf_model_input_shape(const model_source *src, tf_plan_spec *spec,
                         ms_error *err);

#endif
