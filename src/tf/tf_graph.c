/*
 * tf_graph.c - indexing a GraphDef by node name and ordering what an
 * output needs (see tf_graph.h).
 *
 * The order is a depth-first post-order from the output with an explicit
 * stack, so a deep chain of nodes cannot overflow the C stack; a node met
 * again while still on the stack closes a cycle.
 */
#include "tf/tf_graph.h"

#include <stdlib.h>
#include <string.h>

#include "tf/tf_internal.h"

static int by_name_cmp(const void *a, const void *b, void *def) {
    const Tensorflow__GraphDef *d = def;
    return strcmp(d->node[*(const int *)a]->name,
                  d->node[*(const int *)b]->name);
}

int tf_graph_find(const tf_graph *g, const char *name, size_t len) {
    int lo = 0, hi = g->n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        const char *s = g->def->node[g->by_name[mid]]->name;
        int c = strncmp(s, name, len);
        if (c == 0) c = s[len] ? 1 : 0;
        if (c == 0) return g->by_name[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

int tf_graph_tensor(const tf_graph *g, const char *ref, tf_edge *e,
                    ms_error *err) {
    size_t len = strlen(ref);
    const char *colon = strrchr(ref, ':');
    e->index = 0;
    if (colon) {
        char *end;
        long idx = strtol(colon + 1, &end, 10);
        if (colon[1] && !*end && idx >= 0 && idx < TF_MAX_OUTPUTS) {
            e->index = (int)idx;
            len = (size_t)(colon - ref);
        }
    }
    e->node = tf_graph_find(g, ref, len);
    if (e->node < 0)
        return ms_error_set(err, "no node is named '%.*s'", (int)len, ref);
    return 0;
}

int tf_graph_index(tf_graph *g, const Tensorflow__GraphDef *def,
                   ms_error *err) {
    memset(g, 0, sizeof *g);
    g->def = def;
    if (def->n_node > TF_MAX_NODES)
        return ms_error_set(err, "the graph has %zu nodes, more than %d",
                            def->n_node, TF_MAX_NODES);
    g->n = (int)def->n_node;
    g->by_name = malloc(((size_t)g->n + 1) * sizeof *g->by_name);
    g->inputs = calloc((size_t)g->n + 1, sizeof(tf_edge *));
    g->ninputs = calloc((size_t)g->n + 1, sizeof *g->ninputs);
    g->consumers = calloc((size_t)g->n + 1, sizeof *g->consumers);
    if (!g->by_name || !g->inputs || !g->ninputs || !g->consumers) {
        tf_graph_free(g);
        return ms_error_set(err, "out of memory indexing the graph");
    }
    for (int i = 0; i < g->n; i++) {
        if (!def->node[i]->name[0] || !def->node[i]->op[0]) {
            tf_graph_free(g);
            return ms_error_set(err, "node %d has no name or no op", i);
        }
        g->by_name[i] = i;
    }
    qsort_r(g->by_name, (size_t)g->n, sizeof *g->by_name, by_name_cmp,
            (void *)def);
    for (int i = 1; i < g->n; i++)
        if (strcmp(def->node[g->by_name[i]]->name,
                   def->node[g->by_name[i - 1]]->name) == 0) {
            ms_error_set(err, "two nodes are named '%s'",
                         def->node[g->by_name[i]]->name);
            tf_graph_free(g);
            return -1;
        }
    for (int i = 0; i < g->n; i++) {
        const Tensorflow__NodeDef *nd = def->node[i];
        g->inputs[i] = malloc((nd->n_input + 1) * sizeof **g->inputs);
        if (!g->inputs[i]) {
            tf_graph_free(g);
            return ms_error_set(err, "out of memory indexing the graph");
        }
        for (size_t k = 0; k < nd->n_input; k++) {
            const char *ref = nd->input[k];
            if (ref[0] == '^') {   /* control: orders side effects only */
                if (tf_graph_find(g, ref + 1, strlen(ref + 1)) < 0) {
                    ms_error_set(err, "node '%s': control input '%s' names "
                                      "no node", nd->name, ref);
                    tf_graph_free(g);
                    return -1;
                }
                continue;
            }
            tf_edge e;
            if (tf_graph_tensor(g, ref, &e, err) < 0) {
                ms_error_prefix(err, "node '%s': input '%s'", nd->name, ref);
                tf_graph_free(g);
                return -1;
            }
            g->inputs[i][g->ninputs[i]++] = e;
            g->consumers[e.node]++;
        }
    }
    return 0;
}

void tf_graph_free(tf_graph *g) {
    if (g->inputs)
        for (int i = 0; i < g->n; i++) free(g->inputs[i]);
    free(g->inputs);
    free(g->ninputs);
    free(g->by_name);
    free(g->consumers);
    memset(g, 0, sizeof *g);
}

int tf_graph_order(const tf_graph *g, int root, const char *stop, int **order,
                   int *norder, ms_error *err) {
    /* state: 0 unseen, 1 on the stack, 2 done. */
    char *state = calloc((size_t)g->n + 1, 1);
    int *stack = malloc(((size_t)g->n + 1) * sizeof *stack);
    int *next = calloc((size_t)g->n + 1, sizeof *next);  /* input cursor */
    int *out = malloc(((size_t)g->n + 1) * sizeof *out);
    int sp = 0, n = 0, rc = 0;
    if (!state || !stack || !next || !out) {
        rc = ms_error_set(err, "out of memory ordering the graph");
        goto done;
    }
    stack[sp++] = root;
    state[root] = 1;
    while (sp > 0) {
        int v = stack[sp - 1];
        int nin = stop && stop[v] ? 0 : g->ninputs[v];
        if (next[v] < nin) {
            int u = g->inputs[v][next[v]++].node;
            if (state[u] == 1) {
                rc = ms_error_set(err, "the graph has a cycle through node "
                                       "'%s'", g->def->node[u]->name);
                goto done;
            }
            if (state[u] == 0) {
                state[u] = 1;
                stack[sp++] = u;
            }
            continue;
        }
        state[v] = 2;
        out[n++] = v;
        sp--;
    }
done:
    free(state);
    free(stack);
    free(next);
    if (rc < 0) {
        free(out);
        return -1;
    }
    *order = out;
    *norder = n;
    return 0;
}
