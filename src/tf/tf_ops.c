/* tf_ops.c - the op table: every op the executor knows, by name, from the
 * per-kind tables of tf_ops_*.c. */
#include <string.h>

#include "tf/tf_internal.h"

const tf_op *tf_op_find(const char *name) {
    static const tf_op *const tables[] = {tf_ops_shape, tf_ops_elementwise,
                                          tf_ops_matrix, tf_ops_reduce,
                                          tf_ops_slice, NULL};
    for (const tf_op *const *t = tables; *t; t++)
        for (const tf_op *op = *t; op->name; op++)
            if (strcmp(op->name, name) == 0) return op;
    return NULL;
}
