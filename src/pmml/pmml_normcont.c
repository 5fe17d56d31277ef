/*
 * pmml_normcont.c - NormContinuous: the piecewise-linear normalization of a
 * number that NeuralNetwork inputs and outputs (and derived fields) use.
 */
#include "pmml/pmml_internal.h"

#include <math.h>
#include <stdlib.h>

enum { AS_IS, AS_MISSING, AS_EXTREME };

static int add_pair(pmml_ctx *ctx, pmml_normcont *nc, size_t *cap,
                    double orig, double norm) {
    if (pmml_grow(ctx, (void **)&nc->orig, cap, nc->n + 1,
                  sizeof *nc->orig) < 0)
        return -1;
    double *grown = realloc(nc->norm, *cap * sizeof *nc->norm);
    if (!grown) {
        ctx->oom = 1;
        return pmml_fail(ctx, NULL, "out of memory");
    }
    nc->norm = grown;
    nc->orig[nc->n] = orig;
    nc->norm[nc->n++] = norm;
    return 0;
}

int pmml_normcont_compile(pmml_ctx *ctx, const xmlNode *el, int inverse,
                          pmml_normcont *nc) {
    static const char *const outliers[] = {"asIs", "asMissingValues",
                                           "asExtremeValues", NULL};
    size_t cap = 0;
    if (pmml_attr_enum(ctx, el, "outliers", outliers, AS_IS,
                       &nc->outliers) < 0 ||
        pmml_attr_double(ctx, el, "mapMissingTo", NAN, &nc->missing_to) < 0)
        return -1;
    for (const xmlNode *c = pmml_elem(el->children); c; c = pmml_elem(c->next)) {
        if (!pmml_is(c, "LinearNorm")) return pmml_unsupported(ctx, c);
        double orig, norm;
        if (pmml_attr_double_req(ctx, c, "orig", &orig) < 0 ||
            pmml_attr_double_req(ctx, c, "norm", &norm) < 0)
            return -1;
        if (!isfinite(orig) || !isfinite(norm))
            return pmml_fail(ctx, c, "LinearNorm orig and norm must be finite");
        if (add_pair(ctx, nc, &cap, inverse ? norm : orig,
                     inverse ? orig : norm) < 0)
            return -1;
        if (nc->n > 1 && !(nc->orig[nc->n - 1] > nc->orig[nc->n - 2]))
            return pmml_fail(ctx, c, "LinearNorm %s values must increase",
                             inverse ? "norm" : "orig");
    }
    if (nc->n < 2)
        return pmml_fail(ctx, el, "NormContinuous needs at least two "
                                  "LinearNorm elements");
    return 0;
}

double pmml_normcont_eval(const pmml_normcont *nc, double x) {
    if (isnan(x)) return nc->missing_to;
    size_t last = nc->n - 1, i = 0;
    if (x < nc->orig[0] || x > nc->orig[last]) {
        if (nc->outliers == AS_MISSING) return NAN;
        if (nc->outliers == AS_EXTREME)
            return x < nc->orig[0] ? nc->norm[0] : nc->norm[last];
        i = x < nc->orig[0] ? 0 : last - 1;  /* extrapolate the end segment */
    } else {
        while (i + 1 < last && x > nc->orig[i + 1]) i++;
    }
    return nc->norm[i] + (x - nc->orig[i]) * (nc->norm[i + 1] - nc->norm[i]) /
                             (nc->orig[i + 1] - nc->orig[i]);
}

void pmml_normcont_free(pmml_normcont *nc) {
    free(nc->orig);
    free(nc->norm);
    nc->orig = nc->norm = NULL;
    nc->n = 0;
}
