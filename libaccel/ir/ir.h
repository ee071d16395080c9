/* SPDX-License-Identifier: MIT */
/*
 * libaccel graph IR: what the ONNX loader produces and what the CPU
 * executor and the ISA compiler consume.
 *
 * A graph owns every string and buffer it points to (ir_graph_free() frees
 * them).  Nodes are stored in topological order; tensors are referenced by
 * index into graph->tensors.  Shapes in the graph are the declared ones and
 * may be symbolic; concrete shapes live in struct ir_value, computed per
 * input shape by the planner.
 */
#ifndef LIBACCEL_IR_H
#define LIBACCEL_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define IR_MAX_RANK 8

/* Element types use ONNX TensorProto.DataType numbering. */
enum ir_dtype {
	IR_UNDEFINED = 0,
	IR_F32 = 1,
	IR_U8 = 2,
	IR_I8 = 3,
	IR_U16 = 4,
	IR_I16 = 5,
	IR_I32 = 6,
	IR_I64 = 7,
	IR_STRING = 8,
	IR_BOOL = 9,
	IR_F16 = 10,
	IR_F64 = 11,
	IR_U32 = 12,
	IR_U64 = 13,
};

/* Size in bytes of one element, 0 for types the executor cannot hold. */
size_t ir_dtype_size(int dtype);
const char *ir_dtype_name(int dtype);

/* A concrete tensor: type, shape and (optionally) data. */
struct ir_value {
	int dtype;
	int rank;
	int64_t dims[IR_MAX_RANK];
	void *data;		/* NULL until bound or computed */
};

/* Element count of v, or -1 on overflow past INT64_MAX/element size. */
int64_t ir_value_numel(const struct ir_value *v);
/* Byte size of v (numel * element size), -1 on overflow. */
int64_t ir_value_nbytes(const struct ir_value *v);

enum ir_tensor_kind {
	IR_TENSOR_ACTIVATION = 0,	/* produced by a node */
	IR_TENSOR_INPUT,		/* graph input fed by the caller */
	IR_TENSOR_CONST,		/* initializer or Constant node output */
};

struct ir_tensor {
	char *name;
	enum ir_tensor_kind kind;
	bool is_output;		/* listed in graph.output */
	int dtype;		/* IR_UNDEFINED when unknown before planning */
	int rank;		/* -1 when unknown */
	int64_t dims[IR_MAX_RANK];	/* -1 for symbolic/unknown dims */
	char *dim_param[IR_MAX_RANK];	/* symbolic name or NULL */
	void *data;		/* IR_TENSOR_CONST: owned, dense, nbytes long */
	size_t nbytes;
	int producer;		/* node index, -1 for inputs and constants */
};

enum ir_attr_type {
	IR_ATTR_FLOAT = 1,
	IR_ATTR_INT = 2,
	IR_ATTR_STRING = 3,
	IR_ATTR_TENSOR = 4,
	IR_ATTR_GRAPH = 5,
	IR_ATTR_FLOATS = 6,
	IR_ATTR_INTS = 7,
	IR_ATTR_STRINGS = 8,
	IR_ATTR_GRAPHS = 10,
};

struct ir_graph;

struct ir_attr {
	char *name;
	enum ir_attr_type type;
	float f;
	int64_t i;
	char *s;
	float *floats;
	int64_t *ints;
	char **strings;		/* IR_ATTR_STRINGS: @n NUL-terminated strings */
	size_t n;		/* element count of floats / ints / strings / graphs */
	struct ir_value t;	/* IR_ATTR_TENSOR: owned data */
	struct ir_graph *g;	/* IR_ATTR_GRAPH: owned subgraph */
	struct ir_graph **graphs;	/* IR_ATTR_GRAPHS: n owned subgraphs */
};

struct ir_node {
	char *name;		/* never NULL: "" when the model has none */
	char *op_type;
	char *domain;		/* "" for the default ONNX domain */
	/*
	 * Tensor indices, -1 for an omitted optional input.  A node with
	 * subgraph attributes (If, Loop, Scan) lists after its declared inputs
	 * the @n_captured values of enclosing graphs its subgraphs read, so
	 * that ordering, liveness and folding see them like any input.
	 */
	int *inputs;
	int n_inputs;		/* declared + captured */
	int n_captured;
	int *outputs;		/* tensor indices, -1 for an omitted output */
	int n_outputs;
	struct ir_attr *attrs;
	int n_attrs;
	int64_t opset;		/* opset version of the node's domain (0: unknown) */
};

/*
 * The values of @n's inputs, in order, from @vals (indexed by graph tensor):
 * an omitted optional input (index < 0) is IR_UNDEFINED with rank -1.
 */
void ir_node_inputs(const struct ir_node *n, const struct ir_value *vals,
		    struct ir_value *in);
/*
 * The values @n's outputs are bound to: @outs[k] indexes @vals, or is < 0
 * for an output nobody reads (zeroed, rank -1).
 */
void ir_node_outputs(const struct ir_node *n, const int *outs,
		     const struct ir_value *vals, struct ir_value *out);

/* What the ModelProto says about itself (strings never NULL). */
struct ir_model_meta {
	char *producer_name;
	char *producer_version;
	char *domain;
	char *doc;
	int64_t ir_version;
	int64_t model_version;
};

struct ir_graph {
	struct ir_tensor *tensors;
	int n_tensors;
	struct ir_node *nodes;	/* topological order */
	int n_nodes;
	/*
	 * Graph inputs (not initializers), in order.  A subgraph lists after
	 * its declared inputs the @n_captures values of enclosing graphs it
	 * reads (directly or from its own subgraphs): capture k is input
	 * n_inputs - n_captures + k, fed from input @capture_src[k] of the
	 * node that owns the subgraph.
	 */
	int *inputs;
	int n_inputs;		/* declared + captures */
	int n_captures;
	int *capture_src;
	int *outputs;		/* graph outputs, in order */
	int n_outputs;
	int64_t opset;		/* default-domain opset version */
	char *name;
	struct ir_model_meta meta;
};

/*
 * Attributes, the one API for every layer.  ir_attr_find(): NULL when absent.
 * ir_get_*(): the default when absent, -EINVAL (message naming the node in
 * @e) when present with another type; ir_get_ints() sets @v and @cnt
 * (NULL/0 when absent) and returns 1 when present, 0 when absent.
 */
const struct ir_attr *ir_attr_find(const struct ir_node *n, const char *name);
int ir_get_int(const struct ir_node *n, const char *name, int64_t def,
	       int64_t *v, struct accel_err *e);
int ir_get_float(const struct ir_node *n, const char *name, float def,
		 float *v, struct accel_err *e);
int ir_get_string(const struct ir_node *n, const char *name,
		  const char *def, const char **v, struct accel_err *e);
int ir_get_ints(const struct ir_node *n, const char *name,
		const int64_t **v, size_t *cnt, struct accel_err *e);
/* ir_get_ints() for FLOATS and STRINGS attributes. */
int ir_get_floats(const struct ir_node *n, const char *name,
		  const float **v, size_t *cnt, struct accel_err *e);
int ir_get_strings(const struct ir_node *n, const char *name,
		   const char *const **v, size_t *cnt, struct accel_err *e);
/* Unchecked forms (after validation): the default when absent or mistyped. */
int64_t ir_attr_int(const struct ir_node *n, const char *name, int64_t def);
float ir_attr_float(const struct ir_node *n, const char *name, float def);
const char *ir_attr_string(const struct ir_node *n, const char *name,
			   const char *def);
/* INTS attribute: returns element count (0 when absent), *out the array. */
size_t ir_attr_ints(const struct ir_node *n, const char *name,
		    const int64_t **out);

/* IR_ATTR_GRAPH attribute @name of @n, or NULL when absent or mistyped. */
const struct ir_graph *ir_attr_graph(const struct ir_node *n, const char *name);

int ir_tensor_find(const struct ir_graph *g, const char *name);
/* Free what node @n owns (its subgraphs too) and zero it. */
void ir_node_release(struct ir_node *n);
void ir_graph_free(struct ir_graph *g);

/*
 * The ONNX loader (libaccel/onnx/onnx_load.c).  Parses an untrusted ModelProto from
 * memory; on failure returns NULL, sets *err to a negative errno and fills
 * @e with a message naming the node or tensor at fault.
 */
struct ir_graph *ir_load_onnx(const void *buf, size_t len, struct accel_err *e,
			      int *err);
/*
 * ir_load_onnx() for a model read from a file: @dirfd is its directory,
 * where external data files (initializers stored outside the model) are
 * looked up; -1 refuses external data, as ir_load_onnx() does.
 */
struct ir_graph *ir_load_onnx_at(const void *buf, size_t len, int dirfd,
				 struct accel_err *e, int *err);

#endif /* LIBACCEL_IR_H */
