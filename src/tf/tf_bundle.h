/*
 * tf_bundle.h - TensorFlow checkpoints in the TensorBundle format, as a
 * SavedModel's variables/ holds them: the variables.index table says, per
 * variable name, the dtype, shape, shard, offset, size and CRC of its
 * bytes in the variables.data-NNNNN-of-MMMMM shards.
 */
#ifndef MS_TF_BUNDLE_H
#define MS_TF_BUNDLE_H

#include "tf/tf_files.h"
#include "tf/tf_internal.h"

typedef struct tf_bundle tf_bundle;

/* Opens prefix (".../variables/variables") among files: reads the index
 * and every data shard. */
tf_bundle *tf_bundle_open(const tf_files *files, const char *prefix,
                          ms_error *err);

/* The variable name into v and a malloc'd *data; fails when absent, of an
 * unsupported dtype, or its bytes do not match the index's size or CRC. */
int tf_bundle_get(const tf_bundle *b, const char *name, tf_value *v,
                  void **data, ms_error *err);

void tf_bundle_free(tf_bundle *b);

/* CRC32C of n bytes, masked as TensorBundle and table blocks store it. */
uint32_t tf_crc32c_masked(const uint8_t *p, size_t n);

#endif
