/*
 * tf.h - TensorFlow models without the TensorFlow runtime: frozen graphs
 * (GraphDef .pb) and SavedModels (a directory, or a tar archive of one),
 * compiled at load time into a plan that scores one record without
 * allocating.
 *
 * The model reads one float32 input tensor (the only Placeholder, or the
 * model message's `input` parameter) and produces one output (the only
 * node nothing reads, the signature's output, or `output`). The input's N
 * elements come from the record's first N schema fields, or from the
 * fields named by the `features` parameter (comma-separated), in order.
 * `output_mode` is argmax (a vector output becomes a classifier over the
 * labels "0".."N-1"; the default for a vector), vector (the same labels,
 * with the value the largest output), or scalar (a regression on a
 * one-element output; the default for one).
 */
#ifndef MS_TF_H
#define MS_TF_H

#include "core/model.h"

/* A frozen GraphDef: src->bytes. */
model *tf_load_graph(const model_source *src, const ms_schema *schema,
                     ms_error *err);

/* A SavedModel: the directory src->dir, or src->bytes holding a tar
 * archive of it. The `signature` parameter picks a SignatureDef (default
 * serving_default, or the only one) and `tag` a MetaGraph (default
 * serve, or the first). */
model *tf_load_saved(const model_source *src, const ms_schema *schema,
                     ms_error *err);

/* The number of values a loaded TensorFlow model reads per record, or 0
 * when m is another kind of model. For modelscore. */
size_t tf_model_input_width(const model *m);

#endif
