// SPDX-License-Identifier: MIT
/*
 * Graph IR helpers: element types, value sizes, attribute lookups and
 * freeing a graph built by the ONNX loader.
 */
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"

size_t ir_dtype_size(int dtype)
{
	switch (dtype) {
	case IR_F32:
	case IR_I32:
	case IR_U32:
		return 4;
	case IR_U8:
	case IR_I8:
	case IR_BOOL:
		return 1;
	case IR_U16:
	case IR_I16:
	case IR_F16:
		return 2;
	case IR_I64:
	case IR_U64:
	case IR_F64:
		return 8;
	default:
		return 0;
	}
}

const char *ir_dtype_name(int dtype)
{
	static const char *const names[] = {
		[IR_UNDEFINED] = "undefined", [IR_F32] = "float32",
		[IR_U8] = "uint8", [IR_I8] = "int8", [IR_U16] = "uint16",
		[IR_I16] = "int16", [IR_I32] = "int32", [IR_I64] = "int64",
		[IR_STRING] = "string", [IR_BOOL] = "bool",
		[IR_F16] = "float16", [IR_F64] = "float64",
		[IR_U32] = "uint32", [IR_U64] = "uint64",
		[14] = "complex64", [15] = "complex128", [16] = "bfloat16",
		[17] = "float8e4m3fn", [18] = "float8e4m3fnuz",
		[19] = "float8e5m2", [20] = "float8e5m2fnuz", [21] = "uint4",
		[22] = "int4", [23] = "float4e2m1",
	};

	if (dtype < 0 || (size_t)dtype >= sizeof(names) / sizeof(names[0]) ||
	    !names[dtype])
		return "unknown";
	return names[dtype];
}

int64_t ir_value_numel(const struct ir_value *v)
{
	int64_t n = 1;
	int i;

	if (v->rank < 0 || v->rank > IR_MAX_RANK)
		return -1;
	for (i = 0; i < v->rank; i++) {
		if (v->dims[i] < 0)
			return -1;
		if (v->dims[i] == 0)
			return 0;
	}
	for (i = 0; i < v->rank; i++)
		if (__builtin_mul_overflow(n, v->dims[i], &n))
			return -1;
	return n;
}

int64_t ir_value_nbytes(const struct ir_value *v)
{
	int64_t n = ir_value_numel(v), b;
	size_t es = ir_dtype_size(v->dtype);

	if (n < 0 || es == 0)
		return -1;
	if (__builtin_mul_overflow(n, (int64_t)es, &b))
		return -1;
	return b;
}

const struct ir_attr *ir_attr_find(const struct ir_node *n, const char *name)
{
	int i;

	for (i = 0; i < n->n_attrs; i++)
		if (n->attrs[i].name && !strcmp(n->attrs[i].name, name))
			return &n->attrs[i];
	return NULL;
}

static int attr_type_err(const struct ir_node *n, const char *name,
			 const char *want, struct accel_err *e)
{
	return accel_seterr(e, -EINVAL, "node '%s' (%s): attribute '%s' must be %s",
			    n->name ? n->name : "", n->op_type, name, want);
}

int ir_get_int(const struct ir_node *n, const char *name, int64_t def,
	       int64_t *v, struct accel_err *e)
{
	const struct ir_attr *a = ir_attr_find(n, name);

	*v = def;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_INT)
		return attr_type_err(n, name, "an int", e);
	*v = a->i;
	return 0;
}

int ir_get_float(const struct ir_node *n, const char *name, float def,
		 float *v, struct accel_err *e)
{
	const struct ir_attr *a = ir_attr_find(n, name);

	*v = def;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_FLOAT)
		return attr_type_err(n, name, "a float", e);
	*v = a->f;
	return 0;
}

int ir_get_string(const struct ir_node *n, const char *name,
		  const char *def, const char **v, struct accel_err *e)
{
	const struct ir_attr *a = ir_attr_find(n, name);

	*v = def;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_STRING || !a->s)
		return attr_type_err(n, name, "a string", e);
	*v = a->s;
	return 0;
}

int ir_get_ints(const struct ir_node *n, const char *name,
		const int64_t **v, size_t *cnt, struct accel_err *e)
{
	const struct ir_attr *a = ir_attr_find(n, name);

	*v = NULL;
	*cnt = 0;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_INTS || (a->n && !a->ints))
		return attr_type_err(n, name, "a list of ints", e);
	*v = a->ints;
	*cnt = a->n;
	return 1;
}

int ir_get_floats(const struct ir_node *n, const char *name,
		  const float **v, size_t *cnt, struct accel_err *e)
{
	const struct ir_attr *a = ir_attr_find(n, name);

	*v = NULL;
	*cnt = 0;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_FLOATS || (a->n && !a->floats))
		return attr_type_err(n, name, "a list of floats", e);
	*v = a->floats;
	*cnt = a->n;
	return 1;
}

int ir_get_strings(const struct ir_node *n, const char *name,
		   const char *const **v, size_t *cnt, struct accel_err *e)
{
	const struct ir_attr *a = ir_attr_find(n, name);

	*v = NULL;
	*cnt = 0;
	if (!a)
		return 0;
	if (a->type != IR_ATTR_STRINGS || (a->n && !a->strings))
		return attr_type_err(n, name, "a list of strings", e);
	*v = (const char *const *)a->strings;
	*cnt = a->n;
	return 1;
}

/*
 * The unchecked forms, for code that runs after the float plan validated
 * every attribute (the int8 compiler): the default on any mismatch.
 */
int64_t ir_attr_int(const struct ir_node *n, const char *name, int64_t def)
{
	struct accel_err e;
	int64_t v;

	return ir_get_int(n, name, def, &v, &e) ? def : v;
}

float ir_attr_float(const struct ir_node *n, const char *name, float def)
{
	struct accel_err e;
	float v;

	return ir_get_float(n, name, def, &v, &e) ? def : v;
}

const char *ir_attr_string(const struct ir_node *n, const char *name,
			   const char *def)
{
	struct accel_err e;
	const char *v;

	return ir_get_string(n, name, def, &v, &e) ? def : v;
}

size_t ir_attr_ints(const struct ir_node *n, const char *name,
		    const int64_t **out)
{
	struct accel_err e;
	size_t cnt;

	if (ir_get_ints(n, name, out, &cnt, &e) < 0) {
		*out = NULL;
		return 0;
	}
	return cnt;
}

int ir_tensor_find(const struct ir_graph *g, const char *name)
{
	int i;

	for (i = 0; i < g->n_tensors; i++)
		if (g->tensors[i].name && !strcmp(g->tensors[i].name, name))
			return i;
	return -1;
}

const struct ir_graph *ir_attr_graph(const struct ir_node *n, const char *name)
{
	const struct ir_attr *a = ir_attr_find(n, name);

	return a && a->type == IR_ATTR_GRAPH ? a->g : NULL;
}

static void ir_attr_release(struct ir_attr *a)
{
	size_t k;

	ir_graph_free(a->g);
	if (a->graphs)
		for (k = 0; k < a->n; k++)
			ir_graph_free(a->graphs[k]);
	free(a->graphs);
	free(a->name);
	free(a->s);
	free(a->floats);
	free(a->ints);
	if (a->strings)
		for (size_t i = 0; i < a->n; i++)
			free(a->strings[i]);
	free(a->strings);
	free(a->t.data);
}

void ir_node_release(struct ir_node *n)
{
	int j;

	free(n->name);
	free(n->op_type);
	free(n->domain);
	free(n->inputs);
	free(n->outputs);
	for (j = 0; j < n->n_attrs; j++)
		ir_attr_release(&n->attrs[j]);
	free(n->attrs);
	memset(n, 0, sizeof(*n));
}

void ir_graph_free(struct ir_graph *g)
{
	int i, j;

	if (!g)
		return;
	for (i = 0; i < g->n_tensors; i++) {
		struct ir_tensor *t = &g->tensors[i];

		free(t->name);
		free(t->data);
		for (j = 0; j < IR_MAX_RANK; j++)
			free(t->dim_param[j]);
	}
	free(g->tensors);
	for (i = 0; i < g->n_nodes; i++)
		ir_node_release(&g->nodes[i]);
	free(g->nodes);
	free(g->inputs);
	free(g->capture_src);
	free(g->outputs);
	free(g->name);
	free(g->meta.producer_name);
	free(g->meta.producer_version);
	free(g->meta.domain);
	free(g->meta.doc);
	free(g);
}

void ir_node_inputs(const struct ir_node *n, const struct ir_value *vals,
		    struct ir_value *in)
{
	int k;

	for (k = 0; k < n->n_inputs; k++) {
		if (n->inputs[k] < 0) {
			memset(&in[k], 0, sizeof(in[k]));
			in[k].dtype = IR_UNDEFINED;
			in[k].rank = -1;
		} else {
			in[k] = vals[n->inputs[k]];
		}
	}
}

void ir_node_outputs(const struct ir_node *n, const int *outs,
		     const struct ir_value *vals, struct ir_value *out)
{
	int k;

	for (k = 0; k < n->n_outputs; k++) {
		if (outs[k] < 0) {
			memset(&out[k], 0, sizeof(out[k]));
			out[k].rank = -1;
		} else {
			out[k] = vals[outs[k]];
		}
	}
}
