/*
 * tf_graph.h - a GraphDef's nodes indexed by name, their data inputs
 * resolved to (node, output) edges, and the topological order of the part
 * of the graph an output needs.
 */
#ifndef MS_TF_GRAPH_H
#define MS_TF_GRAPH_H

#include "core/error.h"
#include "tensorflow.pb-c.h"

typedef struct tf_edge {
    int node;
    int index;   /* which output of the node */
} tf_edge;

typedef struct tf_graph {
    const Tensorflow__GraphDef *def;
    int n;
    int *by_name;       /* node indices sorted by name */
    tf_edge **inputs;   /* per node, its data inputs (control inputs dropped) */
    int *ninputs;
    int *consumers;     /* per node, how many data edges read it */
} tf_graph;

/* Indexes def (which must outlive g): fails on duplicate names, inputs
 * naming no node, and graphs past TF_MAX_NODES. */
int tf_graph_index(tf_graph *g, const Tensorflow__GraphDef *def,
                   ms_error *err);
void tf_graph_free(tf_graph *g);

/* Node index of a name (len bytes), or -1. */
int tf_graph_find(const tf_graph *g, const char *name, size_t len);

/* Resolves a tensor name ("node", "node:1") to an edge. */
int tf_graph_tensor(const tf_graph *g, const char *ref, tf_edge *e,
                    ms_error *err);

/* The nodes root needs, inputs before the nodes that read them, into
 * *order (malloc'd); nodes in stop[] (may be NULL) are needed but their
 * inputs are not. Fails naming a node on a cycle. */
int tf_graph_order(const tf_graph *g, int root, const char *stop, int **order,
                   int *norder, ms_error *err);

#endif
