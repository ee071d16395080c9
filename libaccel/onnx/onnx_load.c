// SPDX-License-Identifier: MIT
/*
 * ONNX loader: untrusted ModelProto bytes -> struct ir_graph.
 *
 * protobuf-c parses into its generated structs through a counting allocator
 * whose budget is proportional to the input size, so a small hostile file
 * cannot make the parser allocate without bound.  The schema
 * (onnx-subset.proto) has no recursive messages, so parsing depth is fixed.
 * Everything after parsing is checked here: element types, ranks, data
 * sizes against dims, names, references between nodes, cycles.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ir/ir.h"
#include "onnx-subset.pb-c.h"
#include "onnx/onnx.h"

typedef OnnxSubset__ModelProto model_pb;
typedef OnnxSubset__GraphProto graph_pb;
typedef OnnxSubset__NodeProto node_pb;
typedef OnnxSubset__AttributeProto attr_pb;
typedef OnnxSubset__TensorProto tensor_pb;
typedef OnnxSubset__ValueInfoProto vinfo_pb;

#define BAD_PROTOBUF "model is not a valid ONNX protobuf (truncated or corrupted)"

/* ONNX AttributeProto.AttributeType values beyond those in ir.h. */
enum {
	ONNX_ATTR_GRAPH = 5,
	ONNX_ATTR_STRINGS = 8,
	ONNX_ATTR_TENSORS = 9,
	ONNX_ATTR_GRAPHS = 10,
};

/* AttributeProto field numbers of subgraphs, absent from our schema. */
#define ONNX_ATTR_FIELD_G	6
#define ONNX_ATTR_FIELD_GRAPHS	11

/* ---- bounded allocator for protobuf-c ---------------------------------- */

struct pb_budget {
	size_t used;
	size_t limit;
};

/* Every block carries its size in front so that free() can credit it. */
#define PB_HDR 16

static void *pb_alloc(void *data, size_t size)
{
	struct pb_budget *b = data;
	unsigned char *p;
	size_t total;

	if (__builtin_add_overflow(size, (size_t)PB_HDR, &total) ||
	    total > b->limit - b->used)
		return NULL;
	p = malloc(total);
	if (!p)
		return NULL;
	b->used += total;
	memcpy(p, &total, sizeof(total));
	return p + PB_HDR;
}

static void pb_free(void *data, void *ptr)
{
	struct pb_budget *b = data;
	unsigned char *p;
	size_t total;

	if (!ptr)
		return;
	p = (unsigned char *)ptr - PB_HDR;
	memcpy(&total, p, sizeof(total));
	b->used -= total;
	free(p);
}

/*
 * Parsed structs cost at most a small multiple of the wire bytes (the worst
 * case is many empty sub-messages, about 100 bytes of struct per 2 wire
 * bytes); legitimate models cost about 1x (weights).
 */
static size_t pb_limit(size_t len)
{
	if (len > (SIZE_MAX - (64u << 20)) / 64)
		return SIZE_MAX;
	return (64u << 20) + 64 * len;
}

/* ---- small helpers ------------------------------------------------------- */

static char *dup_name(const char *s)
{
	return strdup(s ? s : "");
}

static bool name_ok(const char *s)
{
	return !s || strnlen(s, ONNX_MAX_NAME + 1) <= ONNX_MAX_NAME;
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

static bool dtype_supported(int dt)
{
	return dt != IR_STRING && ir_dtype_size(dt) != 0;
}

static int dtype_error(struct accel_err *e, const char *what,
		       const char *name, int dt)
{
	if (dt == IR_UNDEFINED)
		return accel_seterr(e, -EINVAL,
				    "%s '%s': element type is not set", what,
				    name);
	return accel_seterr(e, -EOPNOTSUPP,
			    "%s '%s': element type %d (%s) is not supported",
			    what, name, dt, ir_dtype_name(dt));
}

/* ---- tensors ------------------------------------------------------------- */

/*
 * Convert a TensorProto to dense little-endian data.  @what names the kind
 * of tensor ("initializer", "node 'x' attribute 'value'") for messages.
 */
static int tensor_to_value(const tensor_pb *t, const char *what,
			   struct ir_value *v, struct accel_err *e)
{
	const char *name = nz(t->name);
	int dt = t->has_data_type ? t->data_type : IR_UNDEFINED;
	int64_t numel, nbytes;
	size_t i, count, es;
	unsigned char *d;

	memset(v, 0, sizeof(*v));
	if (!name_ok(t->name))
		return accel_seterr(e, -EINVAL, "%s: tensor name is too long",
				    what);
	if ((t->has_data_location && t->data_location == 1) ||
	    t->n_external_data)
		return accel_seterr(e, -EOPNOTSUPP,
				    "%s '%s': external data is not supported (store the weights inside the model)",
				    what, name);
	if (!dtype_supported(dt))
		return dtype_error(e, what, name, dt);
	if (t->n_dims > IR_MAX_RANK)
		return accel_seterr(e, -EOPNOTSUPP,
				    "%s '%s': rank %zu exceeds the maximum of %d",
				    what, name, t->n_dims, IR_MAX_RANK);
	v->dtype = dt;
	v->rank = (int)t->n_dims;
	for (i = 0; i < t->n_dims; i++) {
		if (t->dims[i] < 0)
			return accel_seterr(e, -EINVAL,
					    "%s '%s': negative dimension %lld",
					    what, name,
					    (long long)t->dims[i]);
		v->dims[i] = t->dims[i];
	}
	numel = ir_value_numel(v);
	nbytes = ir_value_nbytes(v);
	if (numel < 0 || nbytes < 0 || (uint64_t)nbytes > ONNX_MAX_FILE_SIZE)
		return accel_seterr(e, -EINVAL,
				    "%s '%s': shape is too large", what, name);
	es = ir_dtype_size(dt);

	if (t->has_raw_data) {
		if (t->raw_data.len != (size_t)nbytes)
			return accel_seterr(e, -EINVAL,
					    "%s '%s': raw_data holds %zu bytes, shape and type need %lld",
					    what, name, t->raw_data.len,
					    (long long)nbytes);
		d = malloc(nbytes ? (size_t)nbytes : 1);
		if (!d)
			goto nomem;
		if (nbytes)
			memcpy(d, t->raw_data.data, (size_t)nbytes);
		v->data = d;
		return 0;
	}

	switch (dt) {
	case IR_F32:
		count = t->n_float_data;
		break;
	case IR_I64:
		count = t->n_int64_data;
		break;
	case IR_F64:
		count = t->n_double_data;
		break;
	case IR_U32:
	case IR_U64:
		count = t->n_uint64_data;
		break;
	default:
		count = t->n_int32_data;
		break;
	}
	if (count != (size_t)numel)
		return accel_seterr(e, -EINVAL,
				    "%s '%s': holds %zu values, shape needs %lld",
				    what, name, count, (long long)numel);
	d = malloc(nbytes ? (size_t)nbytes : 1);
	if (!d)
		goto nomem;
	for (i = 0; i < count; i++) {
		unsigned char *p = d + i * es;

		switch (dt) {
		case IR_F32:
			memcpy(p, &t->float_data[i], 4);
			break;
		case IR_I64:
			memcpy(p, &t->int64_data[i], 8);
			break;
		case IR_F64:
			memcpy(p, &t->double_data[i], 8);
			break;
		case IR_U64:
			memcpy(p, &t->uint64_data[i], 8);
			break;
		case IR_U32: {
			uint32_t u = (uint32_t)t->uint64_data[i];

			memcpy(p, &u, 4);
			break;
		}
		case IR_I32:
			memcpy(p, &t->int32_data[i], 4);
			break;
		case IR_I16:
		case IR_U16:
		case IR_F16: {
			uint16_t u = (uint16_t)t->int32_data[i];

			memcpy(p, &u, 2);
			break;
		}
		case IR_BOOL:
			*p = t->int32_data[i] != 0;
			break;
		default:	/* int8, uint8 */
			*p = (unsigned char)t->int32_data[i];
			break;
		}
	}
	v->data = d;
	return 0;
nomem:
	return accel_seterr(e, -ENOMEM, "%s '%s': out of memory", what, name);
}

int onnx_load_tensor(const void *buf, size_t len, struct ir_value *out,
		     char **name, struct accel_err *e)
{
	struct pb_budget b = { 0, pb_limit(len) };
	ProtobufCAllocator a = { pb_alloc, pb_free, &b };
	tensor_pb *t;
	int ret;

	memset(out, 0, sizeof(*out));
	if (name)
		*name = NULL;
	if (len > ONNX_MAX_FILE_SIZE)
		return accel_seterr(e, -EFBIG, "tensor file is larger than 2 GiB");
	t = onnx_subset__tensor_proto__unpack(&a, len, buf);
	if (!t)
		return accel_seterr(e, -EINVAL,
				    "not a valid ONNX TensorProto (truncated or corrupted)");
	ret = tensor_to_value(t, "tensor", out, e);
	if (!ret && name) {
		*name = dup_name(t->name);
		if (!*name) {
			free(out->data);
			out->data = NULL;
			ret = accel_seterr(e, -ENOMEM, "out of memory");
		}
	}
	onnx_subset__tensor_proto__free_unpacked(t, &a);
	return ret;
}

/* ---- name table ---------------------------------------------------------- */

/* Open addressing from tensor name to index into g->tensors. */
struct name_map {
	int *slot;		/* -1 when empty */
	size_t mask;
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ULL;
	}
	return h;
}

static int map_init(struct name_map *m, size_t n)
{
	size_t cap = 16, i;

	while (cap < 2 * n)
		cap <<= 1;
	m->slot = malloc(cap * sizeof(*m->slot));
	if (!m->slot)
		return -ENOMEM;
	for (i = 0; i < cap; i++)
		m->slot[i] = -1;
	m->mask = cap - 1;
	return 0;
}

/* Index of @name, or -1; *pos is where it would be inserted. */
static int map_find(const struct name_map *m, const struct ir_graph *g,
		    const char *name, size_t *pos)
{
	size_t i = name_hash(name) & m->mask;

	while (m->slot[i] >= 0) {
		if (!strcmp(g->tensors[m->slot[i]].name, name))
			return m->slot[i];
		i = (i + 1) & m->mask;
	}
	if (pos)
		*pos = i;
	return -1;
}

/* ---- building the graph ---------------------------------------------------- */

/*
 * One loader per graph being built: the model's graph, or a subgraph
 * (If's branches, Loop's and Scan's body) with @parent its enclosing graph.
 */
struct loader {
	struct ir_graph *g;
	struct name_map map;
	size_t tensor_cap;
	size_t input_cap;	/* of g->inputs (captures are appended) */
	struct accel_err *e;
	ProtobufCAllocator *a;	/* the budget subgraphs are parsed under */
	struct loader *parent;	/* NULL for the model's graph */
	int owner;		/* node of parent->g owning this subgraph */
	int depth;		/* subgraph nesting, 0 for the model's graph */
	int *cap_parent;	/* per capture: its tensor in parent->g */
	int dirfd;		/* the model file's directory, for external
				 * data; -1 when loaded from memory */
};

/* ---- external data ------------------------------------------------------ */

/* A number of an external_data entry ("offset", "length"): 0 or -1. */
static int ext_number(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/*
 * Read @n bytes at @off of @fd into @buf.  Returns 0, or a negative errno
 * (-EIO for a file shorter than that).
 */
static int ext_read(int fd, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got,
				  (off_t)(off + got));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO;
		got += (size_t)r;
	}
	return 0;
}

/*
 * An initializer whose data lives in a file next to the model (ONNX
 * external data: entries "location", "offset", "length").  The location is
 * relative to the model's directory and may not leave it (no absolute path,
 * no ".." component); offset and length are checked against the file and
 * the tensor's size.  The bytes are then converted like raw_data.
 */
static int external_to_value(struct loader *l, const tensor_pb *tp,
			     struct ir_value *v)
{
	const char *name = nz(tp->name), *loc = NULL, *soff = NULL, *slen = NULL;
	uint64_t off = 0, len = 0, nbytes = 1;
	tensor_pb tmp = *tp;
	struct stat st;
	size_t i;
	void *buf;
	int fd, dt = tp->has_data_type ? tp->data_type : IR_UNDEFINED, ret;

	memset(v, 0, sizeof(*v));
	if (l->dirfd < 0)
		return accel_seterr(l->e, -EOPNOTSUPP,
				    "initializer '%s': its data is in an external file, which a model loaded from memory cannot reach (load it from its path)",
				    name);
	for (i = 0; i < tp->n_external_data; i++) {
		const char *k = tp->external_data[i]->key;
		const char *val = tp->external_data[i]->value;

		if (k && !strcmp(k, "location"))
			loc = val;
		else if (k && !strcmp(k, "offset"))
			soff = val;
		else if (k && !strcmp(k, "length"))
			slen = val;
	}
	if (!loc || !*loc || !name_ok(loc))
		return accel_seterr(l->e, -EINVAL,
				    "initializer '%s': external data without a valid location",
				    name);
	if (loc[0] == '/' || !strcmp(loc, "..") || !strncmp(loc, "../", 3) ||
	    strstr(loc, "/../") ||
	    (strlen(loc) >= 3 && !strcmp(loc + strlen(loc) - 3, "/..")))
		return accel_seterr(l->e, -EINVAL,
				    "initializer '%s': external data location '%s' leaves the model's directory",
				    name, loc);
	if ((soff && ext_number(soff, &off)) || (slen && ext_number(slen, &len)))
		return accel_seterr(l->e, -EINVAL,
				    "initializer '%s': external data offset or length is not a number",
				    name);
	if (!dtype_supported(dt))
		return dtype_error(l->e, "initializer", name, dt);
	if (tp->n_dims > IR_MAX_RANK)
		return accel_seterr(l->e, -EOPNOTSUPP,
				    "initializer '%s': rank %zu exceeds the maximum of %d",
				    name, tp->n_dims, IR_MAX_RANK);
	nbytes = ir_dtype_size(dt);
	for (i = 0; i < tp->n_dims; i++) {
		if (tp->dims[i] < 0 ||
		    __builtin_mul_overflow(nbytes, (uint64_t)tp->dims[i], &nbytes) ||
		    nbytes > ONNX_MAX_FILE_SIZE)
			return accel_seterr(l->e, -EINVAL,
					    "initializer '%s': negative or too large shape",
					    name);
	}
	if (slen && len != nbytes)
		return accel_seterr(l->e, -EINVAL,
				    "initializer '%s': external data length %llu, shape and type need %llu bytes",
				    name, (unsigned long long)len,
				    (unsigned long long)nbytes);
	fd = openat(l->dirfd, loc, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return accel_seterr(l->e, -errno,
				    "initializer '%s': external data file '%s': %s",
				    name, loc, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return accel_seterr(l->e, -EINVAL,
				    "initializer '%s': external data '%s' is not a regular file",
				    name, loc);
	}
	if (off > (uint64_t)st.st_size || nbytes > (uint64_t)st.st_size - off) {
		close(fd);
		return accel_seterr(l->e, -EINVAL,
				    "initializer '%s': external data '%s' has %lld bytes, the tensor needs %llu at offset %llu",
				    name, loc, (long long)st.st_size,
				    (unsigned long long)nbytes,
				    (unsigned long long)off);
	}
	buf = malloc(nbytes ? (size_t)nbytes : 1);
	if (!buf) {
		close(fd);
		return accel_seterr(l->e, -ENOMEM, "out of memory");
	}
	ret = ext_read(fd, buf, (size_t)nbytes, off);
	close(fd);
	if (ret) {
		free(buf);
		return accel_seterr(l->e, ret,
				    "initializer '%s': reading external data '%s': %s",
				    name, loc, strerror(-ret));
	}
	tmp.n_external_data = 0;
	tmp.has_data_location = 0;
	tmp.has_raw_data = 1;
	tmp.raw_data.len = (size_t)nbytes;
	tmp.raw_data.data = buf;
	ret = tensor_to_value(&tmp, "initializer", v, l->e);
	free(buf);
	return ret;
}

/* Room for one more tensor: grow the array and rebuild the name map. */
static int grow_tensors(struct loader *l)
{
	struct ir_graph *g = l->g;
	struct ir_tensor *t;
	size_t cap = l->tensor_cap * 2 + 16;
	int i;

	if ((size_t)g->n_tensors < l->tensor_cap)
		return 0;
	if (cap > ONNX_MAX_TENSORS)
		return accel_seterr(l->e, -E2BIG,
				    "graph '%s' declares too many tensors",
				    g->name ? g->name : "");
	t = realloc(g->tensors, cap * sizeof(*t));
	if (!t)
		return accel_seterr(l->e, -ENOMEM, "out of memory");
	memset(t + l->tensor_cap, 0, (cap - l->tensor_cap) * sizeof(*t));
	g->tensors = t;
	l->tensor_cap = cap;
	free(l->map.slot);
	l->map.slot = NULL;
	if (map_init(&l->map, cap))
		return accel_seterr(l->e, -ENOMEM, "out of memory");
	for (i = 0; i < g->n_tensors; i++) {
		size_t pos = 0;

		/* names are unique (add_tensor()): each finds a free slot */
		if (map_find(&l->map, g, g->tensors[i].name, &pos) < 0)
			l->map.slot[pos] = i;
	}
	return 0;
}

/* Add a tensor named @name; -EEXIST (no message) when already defined. */
static int add_tensor(struct loader *l, const char *name,
		      enum ir_tensor_kind kind, int *idx)
{
	struct ir_graph *g = l->g;
	struct ir_tensor *t;
	size_t pos;
	int ret;

	if (map_find(&l->map, g, name, &pos) >= 0)
		return -EEXIST;
	if ((size_t)g->n_tensors >= l->tensor_cap) {
		ret = grow_tensors(l);
		if (ret)
			return ret;
		map_find(&l->map, g, name, &pos);
	}
	t = &g->tensors[g->n_tensors];
	t->name = strdup(name);
	if (!t->name)
		return accel_seterr(l->e, -ENOMEM, "out of memory");
	t->kind = kind;
	t->rank = -1;
	t->producer = -1;
	l->map.slot[pos] = g->n_tensors;
	*idx = g->n_tensors++;
	return 0;
}

/* Fill dtype/shape of @t from a ValueInfoProto's tensor type. */
static int apply_type(struct loader *l, struct ir_tensor *t,
		      const vinfo_pb *vi, const char *what, bool required)
{
	const OnnxSubset__TypeProto__Tensor *tt;
	const OnnxSubset__TensorShapeProto *sh;
	size_t i;

	if (!vi->type || !vi->type->tensor_type) {
		if (!required)
			return 0;
		if (!vi->type)
			return accel_seterr(l->e, -EINVAL,
					    "%s '%s' has no type", what,
					    t->name);
		return accel_seterr(l->e, -EOPNOTSUPP,
				    "%s '%s': only tensor types are supported (not sequences, maps or optionals)",
				    what, t->name);
	}
	tt = vi->type->tensor_type;
	if (tt->has_elem_type && tt->elem_type != IR_UNDEFINED) {
		if (!dtype_supported(tt->elem_type))
			return dtype_error(l->e, what, t->name,
					   tt->elem_type);
		t->dtype = tt->elem_type;
	} else if (required) {
		return dtype_error(l->e, what, t->name, IR_UNDEFINED);
	}
	sh = tt->shape;
	if (!sh)
		return 0;
	if (sh->n_dim > IR_MAX_RANK)
		return accel_seterr(l->e, -EOPNOTSUPP,
				    "%s '%s': rank %zu exceeds the maximum of %d",
				    what, t->name, sh->n_dim, IR_MAX_RANK);
	for (i = 0; i < IR_MAX_RANK; i++) {
		free(t->dim_param[i]);
		t->dim_param[i] = NULL;
	}
	t->rank = (int)sh->n_dim;
	for (i = 0; i < sh->n_dim; i++) {
		const OnnxSubset__TensorShapeProto__Dimension *d = sh->dim[i];

		t->dims[i] = -1;
		if (d->has_dim_value) {
			if (d->dim_value < 0)
				return accel_seterr(l->e, -EINVAL,
						    "%s '%s': negative dimension %lld",
						    what, t->name,
						    (long long)d->dim_value);
			t->dims[i] = d->dim_value;
		} else if (d->dim_param && d->dim_param[0]) {
			if (!name_ok(d->dim_param))
				return accel_seterr(l->e, -EINVAL,
						    "%s '%s': dimension name is too long",
						    what, t->name);
			t->dim_param[i] = strdup(d->dim_param);
			if (!t->dim_param[i])
				return accel_seterr(l->e, -ENOMEM,
						    "out of memory");
		}
	}
	return 0;
}

static int convert_attr(struct loader *l, const node_pb *np,
			const attr_pb *ap, struct ir_attr *a)
{
	const char *nn = nz(np->name), *op = nz(np->op_type);
	const char *an = nz(ap->name);
	char what[ONNX_MAX_NAME + 64];
	int type = ap->has_type ? ap->type : 0;
	unsigned k;
	int ret;

	if (!ap->name || !ap->name[0] || !name_ok(ap->name))
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (%s): attribute without a valid name",
				    nn, op);
	for (k = 0; k < ap->base.n_unknown_fields; k++) {
		uint32_t tag = ap->base.unknown_fields[k].tag;

		if (tag == ONNX_ATTR_FIELD_G || tag == ONNX_ATTR_FIELD_GRAPHS)
			type = ONNX_ATTR_GRAPH;
	}
	if (ap->ref_attr_name && ap->ref_attr_name[0])
		return accel_seterr(l->e, -EOPNOTSUPP,
				    "node '%s' (%s): attribute '%s' refers to a function attribute; functions are not supported",
				    nn, op, an);
	if (!type) {
		/* IR version 1 files carry no type: infer it from the value. */
		if (ap->t)
			type = IR_ATTR_TENSOR;
		else if (ap->has_s)
			type = IR_ATTR_STRING;
		else if (ap->n_ints)
			type = IR_ATTR_INTS;
		else if (ap->n_floats)
			type = IR_ATTR_FLOATS;
		else if (ap->n_strings)
			type = IR_ATTR_STRINGS;
		else if (ap->has_i)
			type = IR_ATTR_INT;
		else if (ap->has_f)
			type = IR_ATTR_FLOAT;
		else
			return accel_seterr(l->e, -EINVAL,
					    "node '%s' (%s): attribute '%s' has no type",
					    nn, op, an);
	}
	a->name = strdup(ap->name);
	if (!a->name)
		goto nomem;
	a->type = type;
	switch (type) {
	case IR_ATTR_FLOAT:
		a->f = ap->f;
		return 0;
	case IR_ATTR_INT:
		a->i = ap->i;
		return 0;
	case IR_ATTR_STRING:
		if (ap->s.len > ONNX_MAX_NAME ||
		    (ap->s.len && memchr(ap->s.data, 0, ap->s.len)))
			return accel_seterr(l->e, -EINVAL,
					    "node '%s' (%s): attribute '%s': invalid string",
					    nn, op, an);
		a->s = malloc(ap->s.len + 1);
		if (!a->s)
			goto nomem;
		if (ap->s.len)
			memcpy(a->s, ap->s.data, ap->s.len);
		a->s[ap->s.len] = 0;
		return 0;
	case IR_ATTR_FLOATS:
		a->n = ap->n_floats;
		a->floats = malloc((a->n ? a->n : 1) * sizeof(float));
		if (!a->floats)
			goto nomem;
		if (a->n)
			memcpy(a->floats, ap->floats, a->n * sizeof(float));
		return 0;
	case IR_ATTR_INTS:
		a->n = ap->n_ints;
		a->ints = malloc((a->n ? a->n : 1) * sizeof(int64_t));
		if (!a->ints)
			goto nomem;
		if (a->n)
			memcpy(a->ints, ap->ints, a->n * sizeof(int64_t));
		return 0;
	case IR_ATTR_STRINGS:
		if (ap->n_strings > ONNX_MAX_STRINGS)
			return accel_seterr(l->e, -E2BIG,
					    "node '%s' (%s): attribute '%s' has %zu strings (limit %d)",
					    nn, op, an, ap->n_strings,
					    ONNX_MAX_STRINGS);
		a->strings = calloc(ap->n_strings + 1, sizeof(char *));
		if (!a->strings)
			goto nomem;
		for (size_t i = 0; i < ap->n_strings; i++) {
			const ProtobufCBinaryData *sd = &ap->strings[i];

			if (sd->len > ONNX_MAX_NAME ||
			    (sd->len && memchr(sd->data, 0, sd->len)))
				return accel_seterr(l->e, -EINVAL,
						    "node '%s' (%s): attribute '%s': invalid string %zu",
						    nn, op, an, i);
			a->strings[i] = malloc(sd->len + 1);
			if (!a->strings[i])
				goto nomem;
			a->n = i + 1;
			if (sd->len)
				memcpy(a->strings[i], sd->data, sd->len);
			a->strings[i][sd->len] = 0;
		}
		a->n = ap->n_strings;
		return 0;
	case IR_ATTR_TENSOR:
		if (!ap->t)
			return accel_seterr(l->e, -EINVAL,
					    "node '%s' (%s): attribute '%s' has no tensor",
					    nn, op, an);
		snprintf(what, sizeof(what), "node '%s' (%s) attribute '%s' tensor",
			 nn, op, an);
		ret = tensor_to_value(ap->t, what, &a->t, l->e);
		return ret;
	case ONNX_ATTR_GRAPH:
		/* Built by build_subgraphs() once this graph's names are known. */
		a->type = IR_ATTR_GRAPH;
		return 0;
	case ONNX_ATTR_GRAPHS:
		return accel_seterr(l->e, -EOPNOTSUPP,
				    "node '%s' (%s): attribute '%s' is a list of graphs; no supported operator takes one",
				    nn, op, an);
	default:
		return accel_seterr(l->e, -EOPNOTSUPP,
				    "node '%s' (%s): attribute '%s' has unsupported type %d",
				    nn, op, an, type);
	}
nomem:
	return accel_seterr(l->e, -ENOMEM, "out of memory");
}

static bool is_default_domain(const char *d)
{
	return !d || !d[0] || !strcmp(d, "ai.onnx");
}

/* A Constant node's value as a tensor; *v gets owned dense data. */
static int constant_value(struct loader *l, const node_pb *np,
			  struct ir_value *v)
{
	const char *nn = nz(np->name);
	struct ir_attr a;
	int ret;

	if (np->n_attribute != 1)
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (Constant): needs exactly one value attribute",
				    nn);
	memset(&a, 0, sizeof(a));
	ret = convert_attr(l, np, np->attribute[0], &a);
	if (ret)
		goto out;
	memset(v, 0, sizeof(*v));
	if (!strcmp(a.name, "value") && a.type == IR_ATTR_TENSOR) {
		*v = a.t;
		a.t.data = NULL;
	} else if (!strcmp(a.name, "value_float") && a.type == IR_ATTR_FLOAT) {
		v->dtype = IR_F32;
		v->data = malloc(4);
		if (v->data)
			memcpy(v->data, &a.f, 4);
	} else if (!strcmp(a.name, "value_int") && a.type == IR_ATTR_INT) {
		v->dtype = IR_I64;
		v->data = malloc(8);
		if (v->data)
			memcpy(v->data, &a.i, 8);
	} else if (!strcmp(a.name, "value_floats") &&
		   a.type == IR_ATTR_FLOATS) {
		v->dtype = IR_F32;
		v->rank = 1;
		v->dims[0] = (int64_t)a.n;
		v->data = a.floats;
		a.floats = NULL;
	} else if (!strcmp(a.name, "value_ints") && a.type == IR_ATTR_INTS) {
		v->dtype = IR_I64;
		v->rank = 1;
		v->dims[0] = (int64_t)a.n;
		v->data = a.ints;
		a.ints = NULL;
	} else {
		ret = accel_seterr(l->e, -EOPNOTSUPP,
				   "node '%s' (Constant): attribute '%s' is not supported",
				   nn, a.name);
		goto out;
	}
	if (!v->data)
		ret = accel_seterr(l->e, -ENOMEM, "out of memory");
out:
	free(a.name);
	free(a.s);
	free(a.floats);
	free(a.ints);
	if (a.strings)
		for (size_t i = 0; i < a.n; i++)
			free(a.strings[i]);
	free(a.strings);
	free(a.t.data);
	return ret;
}

static int set_const(struct ir_tensor *t, struct ir_value *v)
{
	int64_t nb = ir_value_nbytes(v);

	t->dtype = v->dtype;
	t->rank = v->rank;
	memcpy(t->dims, v->dims, sizeof(t->dims));
	t->data = v->data;
	t->nbytes = nb < 0 ? 0 : (size_t)nb;
	v->data = NULL;
	return 0;
}

static int load_node(struct loader *l, const node_pb *np, struct ir_node *n,
		     int node_idx)
{
	const char *nn = nz(np->name), *op = nz(np->op_type);
	size_t i;
	int ret;

	n->name = dup_name(np->name);
	n->op_type = dup_name(np->op_type);
	n->domain = dup_name(is_default_domain(np->domain) ? "" : np->domain);
	n->opset = is_default_domain(np->domain) ? l->g->opset : 0;
	if (!n->name || !n->op_type || !n->domain)
		return accel_seterr(l->e, -ENOMEM, "out of memory");
	if (np->n_attribute > ONNX_MAX_ATTRS)
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (%s): too many attributes (%zu)",
				    nn, op, np->n_attribute);
	n->attrs = calloc(np->n_attribute ? np->n_attribute : 1,
			  sizeof(*n->attrs));
	n->inputs = malloc((np->n_input ? np->n_input : 1) * sizeof(int));
	n->outputs = malloc((np->n_output ? np->n_output : 1) * sizeof(int));
	if (!n->attrs || !n->inputs || !n->outputs)
		return accel_seterr(l->e, -ENOMEM, "out of memory");
	for (i = 0; i < np->n_attribute; i++) {
		ret = convert_attr(l, np, np->attribute[i], &n->attrs[i]);
		n->n_attrs = (int)i + 1;
		if (ret)
			return ret;
	}
	n->n_inputs = (int)np->n_input;
	n->n_outputs = (int)np->n_output;
	for (i = 0; i < np->n_output; i++) {
		const char *on = np->output[i];
		int idx;

		n->outputs[i] = -1;
		if (!on[0])
			continue;
		ret = add_tensor(l, on, IR_TENSOR_ACTIVATION, &idx);
		if (ret == -EEXIST)
			return accel_seterr(l->e, -EINVAL,
					    "node '%s' (%s): output '%s' is already defined (by another node, an input or an initializer)",
					    nn, op, on);
		if (ret)
			return ret;
		l->g->tensors[idx].producer = node_idx;
		n->outputs[i] = idx;
	}
	return 0;
}

static int check_names(struct loader *l, const graph_pb *gp, bool have_opset)
{
	size_t i, j;

	for (i = 0; i < gp->n_node; i++) {
		const node_pb *np = gp->node[i];

		if (!name_ok(np->name) || !name_ok(np->op_type) ||
		    !name_ok(np->domain))
			return accel_seterr(l->e, -EINVAL,
					    "node %zu: name, type or domain is too long",
					    i);
		if (!np->op_type || !np->op_type[0])
			return accel_seterr(l->e, -EINVAL,
					    "node '%s': no op_type", nz(np->name));
		if (!have_opset && is_default_domain(np->domain))
			return accel_seterr(l->e, -EINVAL,
					    "node '%s' (%s): the model does not import the default ONNX opset",
					    nz(np->name), np->op_type);
		if (np->n_input > ONNX_MAX_NODE_IO ||
		    np->n_output > ONNX_MAX_NODE_IO)
			return accel_seterr(l->e, -EINVAL,
					    "node '%s' (%s): too many inputs or outputs",
					    nz(np->name), np->op_type);
		for (j = 0; j < np->n_input; j++)
			if (!name_ok(np->input[j]))
				return accel_seterr(l->e, -EINVAL,
						    "node '%s' (%s): input name is too long",
						    nz(np->name), np->op_type);
		for (j = 0; j < np->n_output; j++)
			if (!name_ok(np->output[j]))
				return accel_seterr(l->e, -EINVAL,
						    "node '%s' (%s): output name is too long",
						    nz(np->name), np->op_type);
	}
	return 0;
}

/* Kahn's algorithm over the node list; rejects cycles. */
static int topo_sort(struct loader *l)
{
	struct ir_graph *g = l->g;
	int n = g->n_nodes, i, j, head = 0, tail = 0, ret = 0;
	int *indeg = NULL, *start = NULL, *adj = NULL, *queue = NULL;
	size_t n_edges = 0, k;
	struct ir_node *sorted = NULL;

	for (i = 0; i < n; i++)
		n_edges += (size_t)g->nodes[i].n_inputs;
	indeg = calloc((size_t)n + 1, sizeof(int));
	start = calloc((size_t)n + 2, sizeof(int));
	adj = malloc((n_edges ? n_edges : 1) * sizeof(int));
	queue = malloc(((size_t)n + 1) * sizeof(int));
	sorted = calloc((size_t)n + 1, sizeof(*sorted));
	if (!indeg || !start || !adj || !queue || !sorted) {
		ret = accel_seterr(l->e, -ENOMEM, "out of memory");
		goto out;
	}
	/* Edges producer -> consumer, one per input occurrence (CSR). */
	for (i = 0; i < n; i++)
		for (j = 0; j < g->nodes[i].n_inputs; j++) {
			int t = g->nodes[i].inputs[j];

			if (t >= 0 && g->tensors[t].producer >= 0) {
				start[g->tensors[t].producer + 2]++;
				indeg[i]++;
			}
		}
	for (i = 0; i < n; i++)
		start[i + 2] += start[i + 1];
	for (i = 0; i < n; i++)
		for (j = 0; j < g->nodes[i].n_inputs; j++) {
			int t = g->nodes[i].inputs[j];

			if (t >= 0 && g->tensors[t].producer >= 0)
				adj[start[g->tensors[t].producer + 1]++] = i;
		}
	for (i = 0; i < n; i++)
		if (!indeg[i])
			queue[tail++] = i;
	while (head < tail) {
		int u = queue[head++];

		for (k = (size_t)start[u]; k < (size_t)start[u + 1]; k++)
			if (--indeg[adj[k]] == 0)
				queue[tail++] = adj[k];
	}
	if (tail < n) {
		for (i = 0; i < n && !indeg[i]; i++)
			;
		ret = accel_seterr(l->e, -EINVAL,
				   "graph has a cycle through node '%s' (%s)",
				   g->nodes[i].name, g->nodes[i].op_type);
		goto out;
	}
	for (i = 0; i < n; i++)
		sorted[i] = g->nodes[queue[i]];
	memcpy(g->nodes, sorted, (size_t)n * sizeof(*sorted));
	for (i = 0; i < n; i++)
		for (j = 0; j < g->nodes[i].n_outputs; j++)
			if (g->nodes[i].outputs[j] >= 0)
				g->tensors[g->nodes[i].outputs[j]].producer = i;
out:
	free(indeg);
	free(start);
	free(adj);
	free(queue);
	free(sorted);
	return ret;
}

/* ---- subgraphs ---------------------------------------------------------- */

static bool is_constant_node(const node_pb *np)
{
	return !strcmp(np->op_type, "Constant") && is_default_domain(np->domain);
}

/*
 * Prefix the message in @e with the context "node 'x' (If) attribute 'y'",
 * so that an error deep in nested subgraphs names the path to it (as much
 * of the path as the message has room for).
 */
static int wrap_err(struct accel_err *e, int ret, const struct ir_node *n,
		    const char *attr)
{
	char msg[ACCEL_ERR_MSG_MAX];

	if (!e)
		return ret;
	memcpy(msg, e->msg, sizeof(msg));
	msg[sizeof(msg) - 1] = 0;
	/* Deep nesting: the innermost contexts and the cause matter most. */
	if (strlen(msg) + strlen(n->name) + strlen(n->op_type) + strlen(attr) +
	    24 >= sizeof(msg))
		return ret;
	return accel_seterr(e, ret, "node '%s' (%s) attribute '%s': %s",
			    n->name, n->op_type, attr, msg);
}

/*
 * Tensor of l->g named @name: its own, or one an enclosing graph defines,
 * which then becomes a capture of l->g (and of every graph in between).
 * Returns 0 with *idx set, -ENOENT (no message) when no graph defines it,
 * or another negative errno with a message.
 */
static int resolve(struct loader *l, const char *name, int *idx)
{
	struct ir_graph *g = l->g;
	const struct ir_tensor *pt;
	int pidx, ret;

	*idx = map_find(&l->map, g, name, NULL);
	if (*idx >= 0)
		return 0;
	if (!l->parent)
		return -ENOENT;
	ret = resolve(l->parent, name, &pidx);
	if (ret)
		return ret;
	pt = &l->parent->g->tensors[pidx];
	if (pt->kind == IR_TENSOR_ACTIVATION && pt->producer == l->owner) {
		const struct ir_node *o = &l->parent->g->nodes[l->owner];

		return accel_seterr(l->e, -EINVAL,
				    "reads '%s', an output of node '%s' (%s) that owns the subgraph (a cycle)",
				    name, o->name, o->op_type);
	}
	if ((size_t)g->n_inputs >= l->input_cap) {
		size_t cap = l->input_cap * 2 + 8;
		int *ni, *cs;

		ni = realloc(g->inputs, cap * sizeof(int));
		if (!ni)
			return accel_seterr(l->e, -ENOMEM, "out of memory");
		g->inputs = ni;
		cs = realloc(g->capture_src, cap * sizeof(int));
		if (!cs)
			return accel_seterr(l->e, -ENOMEM, "out of memory");
		g->capture_src = cs;
		l->input_cap = cap;
	}
	ret = add_tensor(l, name, IR_TENSOR_INPUT, idx);
	if (ret)
		return ret;
	/* The tensor in the parent for now; attach_captures() renumbers. */
	g->capture_src[g->n_captures++] = pidx;
	g->inputs[g->n_inputs++] = *idx;
	return 0;
}

static int build_body(struct loader *l, const graph_pb *gp, bool have_opset);

/* Parse and build the subgraph in attribute @ap of node @ni of l->g. */
static int load_subgraph(struct loader *l, int ni, const attr_pb *ap,
			 struct ir_attr *a)
{
	const struct ir_node *n = &l->g->nodes[ni];
	const ProtobufCMessageUnknownField *f = NULL;
	struct loader c = { 0 };
	uint64_t len = 0;
	size_t k, pre = 0;
	graph_pb *gp;
	int ret;

	for (k = 0; k < ap->base.n_unknown_fields; k++) {
		if (ap->base.unknown_fields[k].tag != ONNX_ATTR_FIELD_G)
			continue;
		if (f)
			return accel_seterr(l->e, -EINVAL,
					    "node '%s' (%s): attribute '%s' holds more than one graph",
					    n->name, n->op_type, a->name);
		f = &ap->base.unknown_fields[k];
	}
	if (!f)
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (%s): attribute '%s' is of type GRAPH but holds no graph",
				    n->name, n->op_type, a->name);
	if (l->depth >= ONNX_MAX_DEPTH)
		return accel_seterr(l->e, -E2BIG,
				    "node '%s' (%s): subgraphs are nested deeper than %d",
				    n->name, n->op_type, ONNX_MAX_DEPTH);
	/* The field's bytes start with their varint length. */
	for (k = 0; f->wire_type == PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED &&
		    k < f->len && k < 10; k++) {
		len |= (uint64_t)(f->data[k] & 0x7f) << (7 * k);
		if (!(f->data[k] & 0x80)) {
			pre = k + 1;
			break;
		}
	}
	if (!pre || len != f->len - pre)
		return accel_seterr(l->e, -EINVAL, BAD_PROTOBUF);
	gp = onnx_subset__graph_proto__unpack(l->a, (size_t)len, f->data + pre);
	if (!gp)
		return accel_seterr(l->e, -EINVAL, BAD_PROTOBUF);
	c.e = l->e;
	c.a = l->a;
	c.parent = l;
	c.dirfd = l->dirfd;
	c.owner = ni;
	c.depth = l->depth + 1;
	c.g = calloc(1, sizeof(*c.g));
	if (!c.g) {
		ret = accel_seterr(l->e, -ENOMEM, "out of memory");
	} else {
		c.g->opset = l->g->opset;
		ret = build_body(&c, gp, true);
	}
	onnx_subset__graph_proto__free_unpacked(gp, l->a);
	free(c.map.slot);
	if (ret) {
		ir_graph_free(c.g);
		return wrap_err(l->e, ret, &l->g->nodes[ni], a->name);
	}
	a->g = c.g;
	return 0;
}

/*
 * Append to node @n's inputs the values its subgraphs capture (each once),
 * and point each capture's capture_src at its input.
 */
static int attach_captures(struct loader *l, struct ir_node *n)
{
	int j, k, m, total = 0, *ni;

	for (j = 0; j < n->n_attrs; j++)
		if (n->attrs[j].type == IR_ATTR_GRAPH && n->attrs[j].g)
			total += n->attrs[j].g->n_captures;
	if (!total)
		return 0;
	ni = realloc(n->inputs, (size_t)(n->n_inputs + total) * sizeof(int));
	if (!ni)
		return accel_seterr(l->e, -ENOMEM, "out of memory");
	n->inputs = ni;
	for (j = 0; j < n->n_attrs; j++) {
		struct ir_graph *sg = n->attrs[j].g;

		if (n->attrs[j].type != IR_ATTR_GRAPH || !sg)
			continue;
		for (k = 0; k < sg->n_captures; k++) {
			int src = sg->capture_src[k];

			for (m = n->n_inputs - n->n_captured; m < n->n_inputs; m++)
				if (n->inputs[m] == src)
					break;
			if (m == n->n_inputs) {
				n->inputs[n->n_inputs++] = src;
				n->n_captured++;
			}
			sg->capture_src[k] = m;
		}
	}
	return 0;
}

static int build_subgraphs(struct loader *l, const graph_pb *gp)
{
	size_t i, j;
	int ni, ret;

	for (i = 0, ni = 0; i < gp->n_node; i++) {
		const node_pb *np = gp->node[i];
		struct ir_node *n;

		if (is_constant_node(np))
			continue;
		n = &l->g->nodes[ni];
		for (j = 0; j < (size_t)n->n_attrs; j++) {
			if (n->attrs[j].type != IR_ATTR_GRAPH)
				continue;
			ret = load_subgraph(l, ni, np->attribute[j], &n->attrs[j]);
			if (ret)
				return ret;
		}
		ret = attach_captures(l, n);
		if (ret)
			return ret;
		ni++;
	}
	return 0;
}

/* Declared inputs of a subgraph (without its captures). */
static int sub_inputs(const struct ir_graph *sg)
{
	return sg->n_inputs - sg->n_captures;
}

static const struct ir_graph *need_graph(struct loader *l,
					 const struct ir_node *n,
					 const char *name, int *ret)
{
	const struct ir_attr *a = ir_attr_find(n, name);

	*ret = 0;
	if (!a) {
		*ret = accel_seterr(l->e, -EINVAL,
				    "node '%s' (%s): subgraph attribute '%s' is missing",
				    n->name, n->op_type, name);
		return NULL;
	}
	if (a->type != IR_ATTR_GRAPH || !a->g) {
		*ret = accel_seterr(l->e, -EINVAL,
				    "node '%s' (%s): attribute '%s' is not a graph",
				    n->name, n->op_type, name);
		return NULL;
	}
	return a->g;
}

/* Declared element type of subgraph value @t (IR_UNDEFINED: not declared). */
static int sub_dtype(const struct ir_graph *sg, int t)
{
	return t >= 0 ? sg->tensors[t].dtype : IR_UNDEFINED;
}

static int check_dtype(struct loader *l, const struct ir_node *n,
		       const char *what, int got, int want)
{
	if (got == IR_UNDEFINED || want == IR_UNDEFINED || got == want)
		return 0;
	return accel_seterr(l->e, -EINVAL,
			    "node '%s' (%s): %s is %s, expected %s", n->name,
			    n->op_type, what, ir_dtype_name(got),
			    ir_dtype_name(want));
}

static int check_if(struct loader *l, const struct ir_node *n)
{
	const struct ir_graph *t, *f;
	char what[96];
	int k, ret;

	if (n->n_inputs - n->n_captured != 1)
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (If): needs exactly one input (cond), has %d",
				    n->name, n->n_inputs - n->n_captured);
	t = need_graph(l, n, "then_branch", &ret);
	if (!t)
		return ret;
	f = need_graph(l, n, "else_branch", &ret);
	if (!f)
		return ret;
	if (sub_inputs(t) || sub_inputs(f))
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (If): %s declares %d inputs; If branches take none",
				    n->name, sub_inputs(t) ? "then_branch" : "else_branch",
				    sub_inputs(t) ? sub_inputs(t) : sub_inputs(f));
	if (t->n_outputs != f->n_outputs || t->n_outputs != n->n_outputs)
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (If): then_branch has %d outputs, else_branch %d, the node %d; they must be equal",
				    n->name, t->n_outputs, f->n_outputs,
				    n->n_outputs);
	for (k = 0; k < t->n_outputs; k++) {
		snprintf(what, sizeof(what), "else_branch output %d", k);
		ret = check_dtype(l, n, what, sub_dtype(f, f->outputs[k]),
				  sub_dtype(t, t->outputs[k]));
		if (ret)
			return ret;
	}
	return 0;
}

static int check_loop(struct loader *l, const struct ir_node *n)
{
	const struct ir_graph *b;
	int nc, nk, k, ret;
	char what[96];

	if (n->n_inputs - n->n_captured < 2)
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (Loop): needs inputs M and cond (either may be empty) before the loop-carried values",
				    n->name);
	b = need_graph(l, n, "body", &ret);
	if (!b)
		return ret;
	nc = n->n_inputs - n->n_captured - 2;
	if (sub_inputs(b) != 2 + nc)
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (Loop): body declares %d inputs, expected 2 + %d (iteration number, cond, the loop-carried values)",
				    n->name, sub_inputs(b), nc);
	if (b->n_outputs < 1 + nc)
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (Loop): body returns %d values, expected at least 1 + %d (cond, the loop-carried values)",
				    n->name, b->n_outputs, nc);
	nk = b->n_outputs - 1 - nc;
	if (n->n_outputs != nc + nk)
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (Loop): body returns %d loop-carried values and %d scan outputs, the node has %d outputs",
				    n->name, nc, nk, n->n_outputs);
	ret = check_dtype(l, n, "body input 0 (iteration number)",
			  sub_dtype(b, b->inputs[0]), IR_I64);
	if (!ret)
		ret = check_dtype(l, n, "body input 1 (cond)",
				  sub_dtype(b, b->inputs[1]), IR_BOOL);
	if (!ret)
		ret = check_dtype(l, n, "body output 0 (cond)",
				  sub_dtype(b, b->outputs[0]), IR_BOOL);
	for (k = 0; !ret && k < nc; k++) {
		snprintf(what, sizeof(what), "body output %d (loop-carried)",
			 1 + k);
		ret = check_dtype(l, n, what, sub_dtype(b, b->outputs[1 + k]),
				  sub_dtype(b, b->inputs[2 + k]));
	}
	return ret;
}

static int check_scan(struct loader *l, const struct ir_node *n)
{
	const struct ir_graph *b;
	const int64_t *v;
	int64_t m;
	size_t cnt;
	int ns, nk, nd, k, ret;
	char what[96];
	static const char *const lists[] = {
		"scan_input_axes", "scan_input_directions",
		"scan_output_axes", "scan_output_directions",
	};

	if (n->opset > 0 && n->opset < 9)
		return accel_seterr(l->e, -EOPNOTSUPP,
				    "node '%s' (Scan): opset %lld Scan (sequence_lens and a batch axis) is not supported, only opset 9 and later",
				    n->name, (long long)n->opset);
	b = need_graph(l, n, "body", &ret);
	if (!b)
		return ret;
	ret = ir_get_int(n, "num_scan_inputs", -1, &m, l->e);
	if (ret)
		return ret;
	nd = n->n_inputs - n->n_captured;
	if (m < 1 || m > nd)
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (Scan): num_scan_inputs is %lld, must be in 1..%d (the node's inputs)",
				    n->name, (long long)m, nd);
	ns = nd - (int)m;
	if (sub_inputs(b) != nd)
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (Scan): body declares %d inputs, the node has %d",
				    n->name, sub_inputs(b), nd);
	if (b->n_outputs < ns)
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (Scan): body returns %d values, fewer than the %d state variables",
				    n->name, b->n_outputs, ns);
	nk = b->n_outputs - ns;
	if (n->n_outputs != ns + nk)
		return accel_seterr(l->e, -EINVAL,
				    "node '%s' (Scan): body returns %d state variables and %d scan outputs, the node has %d outputs",
				    n->name, ns, nk, n->n_outputs);
	for (k = 0; k < 4; k++) {
		int want = k < 2 ? (int)m : nk;

		ret = ir_get_ints(n, lists[k], &v, &cnt, l->e);
		if (ret < 0)
			return ret;
		if (ret && cnt != (size_t)want)
			return accel_seterr(l->e, -EINVAL,
					    "node '%s' (Scan): %s has %zu values, expected %d",
					    n->name, lists[k], cnt, want);
		for (size_t i = 0; ret && (k & 1) && i < cnt; i++)
			if (v[i] != 0 && v[i] != 1)
				return accel_seterr(l->e, -EINVAL,
						    "node '%s' (Scan): %s[%zu] is %lld, must be 0 (forward) or 1 (reverse)",
						    n->name, lists[k], i,
						    (long long)v[i]);
	}
	for (k = 0; k < ns; k++) {
		snprintf(what, sizeof(what), "body output %d (state)", k);
		ret = check_dtype(l, n, what, sub_dtype(b, b->outputs[k]),
				  sub_dtype(b, b->inputs[k]));
		if (ret)
			return ret;
	}
	return 0;
}

/* The signature of each control-flow node against its subgraphs. */
static int check_control(struct loader *l)
{
	int i, ret = 0;

	for (i = 0; i < l->g->n_nodes && !ret; i++) {
		const struct ir_node *n = &l->g->nodes[i];

		if (n->domain[0])
			continue;
		if (!strcmp(n->op_type, "If"))
			ret = check_if(l, n);
		else if (!strcmp(n->op_type, "Loop"))
			ret = check_loop(l, n);
		else if (!strcmp(n->op_type, "Scan"))
			ret = check_scan(l, n);
	}
	return ret;
}

/* A subgraph's input or output must be a tensor (or declare no type). */
static int sub_type(struct loader *l, struct ir_tensor *t, const vinfo_pb *vi,
		    const char *what)
{
	if (vi->type && !vi->type->tensor_type &&
	    vi->type->base.n_unknown_fields)
		return accel_seterr(l->e, -EOPNOTSUPP,
				    "%s '%s': only tensor types are supported (not sequences, maps or optionals)",
				    what, t->name);
	return apply_type(l, t, vi, what, false);
}

/* ---- If on a constant condition ----------------------------------------- */

/*
 * Replace node @i, an If whose condition is a constant of l->g, by the
 * nodes of the branch it takes (moved into l->g, their values renamed into
 * it, captures bound to the values they capture) and one Identity per
 * output from the branch's result to the If's.  Returns 1 when done, 0
 * when the branch cannot be inlined as is (a name of it is taken in l->g:
 * the If then stays and runs the branch), or a negative errno.
 */
static int inline_if(struct loader *l, int i)
{
	struct ir_graph *g = l->g;
	struct ir_node *n = &g->nodes[i], *nodes;
	const struct ir_tensor *ct = &g->tensors[n->inputs[0]];
	struct ir_attr *a;
	struct ir_graph *b;
	int *map, k, j, nb, n_new, ret = 0, nd;
	bool c;

	c = *(const bool *)ct->data;
	a = (struct ir_attr *)ir_attr_find(n, c ? "then_branch" : "else_branch");
	b = a->g;
	nd = b->n_inputs - b->n_captures;
	for (k = 0; k < b->n_tensors; k++)
		if (map_find(&l->map, g, b->tensors[k].name, NULL) >= 0) {
			bool captured = false;

			for (j = nd; j < b->n_inputs; j++)
				captured |= b->inputs[j] == k;
			if (!captured)
				return 0;
		}
	map = malloc(((size_t)b->n_tensors + 1) * sizeof(int));
	nb = b->n_nodes;
	n_new = g->n_nodes - 1 + nb + n->n_outputs;
	nodes = calloc((size_t)n_new + 1, sizeof(*nodes));
	if (!map || !nodes) {
		ret = accel_seterr(l->e, -ENOMEM, "out of memory");
		goto out;
	}
	/* The Identity nodes first: what can fail before anything moves. */
	for (k = 0; k < n->n_outputs; k++) {
		struct ir_node *x = &nodes[i + nb + k];

		x->name = malloc(strlen(n->name) + 16);
		x->op_type = strdup("Identity");
		x->domain = strdup("");
		x->inputs = malloc(sizeof(int));
		x->outputs = malloc(sizeof(int));
		x->attrs = calloc(1, sizeof(*x->attrs));
		if (!x->name || !x->op_type || !x->domain || !x->inputs ||
		    !x->outputs || !x->attrs) {
			ret = accel_seterr(l->e, -ENOMEM, "out of memory");
			goto out_nodes;
		}
		sprintf(x->name, "%s/output%d", n->name, k);
		x->n_inputs = x->n_outputs = 1;
		x->opset = g->opset;
	}
	/* The branch's values: captures are l->g's, the rest move over. */
	for (k = 0; k < b->n_tensors; k++)
		map[k] = -1;
	for (j = nd; j < b->n_inputs; j++)
		map[b->inputs[j]] = n->inputs[b->capture_src[j - nd]];
	for (k = 0; k < b->n_tensors; k++) {
		struct ir_tensor *s = &b->tensors[k], *t;

		if (map[k] >= 0)
			continue;
		ret = add_tensor(l, s->name, s->kind, &map[k]);
		if (ret)
			goto out_nodes;	/* the tensors added stay unused */
		t = &g->tensors[map[k]];
		t->dtype = s->dtype;
		t->rank = s->rank;
		memcpy(t->dims, s->dims, sizeof(t->dims));
		memcpy(t->dim_param, s->dim_param, sizeof(t->dim_param));
		memset(s->dim_param, 0, sizeof(s->dim_param));
		t->data = s->data;
		t->nbytes = s->nbytes;
		s->data = NULL;
	}
	/* Nothing fails from here on. */
	for (k = 0; k < n->n_outputs; k++) {
		struct ir_node *x = &nodes[i + nb + k];

		x->inputs[0] = map[b->outputs[k]];
		x->outputs[0] = n->outputs[k];
	}
	memcpy(nodes, g->nodes, (size_t)i * sizeof(*nodes));
	for (k = 0; k < nb; k++) {
		struct ir_node *x = &nodes[i + k];

		*x = b->nodes[k];
		for (j = 0; j < x->n_inputs; j++)
			if (x->inputs[j] >= 0)
				x->inputs[j] = map[x->inputs[j]];
		for (j = 0; j < x->n_outputs; j++)
			if (x->outputs[j] >= 0)
				x->outputs[j] = map[x->outputs[j]];
	}
	b->n_nodes = 0;		/* moved */
	memcpy(nodes + i + nb + n->n_outputs, g->nodes + i + 1,
	       (size_t)(g->n_nodes - i - 1) * sizeof(*nodes));
	ir_node_release(n);	/* and both branches */
	free(g->nodes);
	g->nodes = nodes;
	g->n_nodes = n_new;
	/* An omitted If output: its Identity has nothing to write. */
	for (k = 0; k < g->n_nodes; k++)
		for (j = 0; j < g->nodes[k].n_outputs; j++)
			if (g->nodes[k].outputs[j] >= 0)
				g->tensors[g->nodes[k].outputs[j]].producer = k;
	free(map);
	return 1;
out_nodes:
	for (k = 0; k < n->n_outputs; k++)
		ir_node_release(&nodes[i + nb + k]);
out:
	free(nodes);
	free(map);
	return ret;
}

/*
 * Ifs whose condition is a constant (an initializer or Constant) become
 * the branch they take, so that the planner sees one graph: its nodes are
 * fused, folded and laid out in the arena like any others.
 */
static int inline_const_ifs(struct loader *l)
{
	int i, ret;

	for (i = 0; i < l->g->n_nodes; i++) {
		const struct ir_node *n = &l->g->nodes[i];
		const struct ir_tensor *ct;

		if (n->domain[0] || strcmp(n->op_type, "If") || n->inputs[0] < 0)
			continue;
		ct = &l->g->tensors[n->inputs[0]];
		if (ct->kind != IR_TENSOR_CONST || ct->dtype != IR_BOOL ||
		    ct->nbytes != 1 || !ct->data)
			continue;
		ret = inline_if(l, i);
		if (ret < 0)
			return ret;
		if (ret)
			i--;	/* the branch's first node is at i now */
	}
	return 0;
}

/*
 * The nodes, values and signature of one graph: the model's (@l->parent
 * NULL) or a subgraph, whose names may refer to enclosing graphs.
 */
static int build_body(struct loader *l, const graph_pb *gp, bool have_opset)
{
	struct ir_graph *g = l->g;
	size_t i, j, n_const_nodes = 0, n_outs = 0;
	int ret, idx, ni;

	if (gp->n_node > ONNX_MAX_NODES)
		return accel_seterr(l->e, -E2BIG,
				    "graph has %zu nodes, the limit is %d",
				    gp->n_node, ONNX_MAX_NODES);
	if (gp->n_initializer + gp->n_input + gp->n_output +
	    gp->n_value_info > ONNX_MAX_TENSORS)
		return accel_seterr(l->e, -E2BIG,
				    "graph declares too many tensors");
	if (!name_ok(gp->name))
		return accel_seterr(l->e, -EINVAL, "graph name is too long");
	ret = check_names(l, gp, have_opset);
	if (ret)
		return ret;
	g->name = dup_name(gp->name);
	if (!g->name)
		return accel_seterr(l->e, -ENOMEM, "out of memory");

	for (i = 0; i < gp->n_node; i++)
		n_outs += gp->node[i]->n_output;
	l->tensor_cap = gp->n_initializer + gp->n_input + n_outs;
	l->input_cap = gp->n_input ? gp->n_input : 1;
	g->tensors = calloc(l->tensor_cap ? l->tensor_cap : 1,
			    sizeof(*g->tensors));
	g->inputs = malloc(l->input_cap * sizeof(int));
	g->capture_src = malloc(l->input_cap * sizeof(int));
	g->outputs = malloc((gp->n_output ? gp->n_output : 1) * sizeof(int));
	if (!g->tensors || !g->inputs || !g->capture_src || !g->outputs ||
	    map_init(&l->map, l->tensor_cap))
		return accel_seterr(l->e, -ENOMEM, "out of memory");

	/* Initializers: constants. */
	for (i = 0; i < gp->n_initializer; i++) {
		const tensor_pb *tp = gp->initializer[i];
		struct ir_value v;

		if (!tp->name || !tp->name[0])
			return accel_seterr(l->e, -EINVAL,
					    "initializer %zu has no name", i);
		if ((tp->has_data_location && tp->data_location == 1) ||
		    tp->n_external_data)
			ret = external_to_value(l, tp, &v);
		else
			ret = tensor_to_value(tp, "initializer", &v, l->e);
		if (ret)
			return ret;
		ret = add_tensor(l, tp->name, IR_TENSOR_CONST, &idx);
		if (ret) {
			free(v.data);
			if (ret == -EEXIST)
				return accel_seterr(l->e, -EINVAL,
						    "initializer '%s' is defined twice",
						    tp->name);
			return ret;
		}
		set_const(&g->tensors[idx], &v);
	}

	/* Graph inputs that are not initializers. */
	for (i = 0; i < gp->n_input; i++) {
		const vinfo_pb *vi = gp->input[i];

		if (!vi->name || !vi->name[0] || !name_ok(vi->name))
			return accel_seterr(l->e, -EINVAL,
					    "graph input %zu has no valid name", i);
		idx = map_find(&l->map, g, vi->name, NULL);
		if (idx >= 0) {
			if (g->tensors[idx].kind == IR_TENSOR_CONST)
				continue;
			return accel_seterr(l->e, -EINVAL,
					    "graph input '%s' is listed twice",
					    vi->name);
		}
		ret = add_tensor(l, vi->name, IR_TENSOR_INPUT, &idx);
		if (ret)
			return ret;
		if (l->parent)
			ret = sub_type(l, &g->tensors[idx], vi, "graph input");
		else
			ret = apply_type(l, &g->tensors[idx], vi, "graph input",
					 true);
		if (ret)
			return ret;
		g->inputs[g->n_inputs++] = idx;
	}

	/* Nodes; Constant nodes become constant tensors. */
	for (i = 0; i < gp->n_node; i++)
		if (is_constant_node(gp->node[i]))
			n_const_nodes++;
	g->nodes = calloc(gp->n_node - n_const_nodes + 1, sizeof(*g->nodes));
	if (!g->nodes)
		return accel_seterr(l->e, -ENOMEM, "out of memory");
	for (i = 0, ni = 0; i < gp->n_node; i++) {
		const node_pb *np = gp->node[i];

		if (is_constant_node(np)) {
			struct ir_value v;

			if (np->n_output != 1 || !np->output[0][0])
				return accel_seterr(l->e, -EINVAL,
						    "node '%s' (Constant): needs exactly one output",
						    nz(np->name));
			ret = constant_value(l, np, &v);
			if (ret)
				return ret;
			ret = add_tensor(l, np->output[0], IR_TENSOR_CONST,
					 &idx);
			if (ret) {
				free(v.data);
				if (ret == -EEXIST)
					return accel_seterr(l->e, -EINVAL,
							    "node '%s' (Constant): output '%s' is already defined",
							    nz(np->name),
							    np->output[0]);
				return ret;
			}
			set_const(&g->tensors[idx], &v);
			continue;
		}
		g->n_nodes = ni + 1;
		ret = load_node(l, np, &g->nodes[ni], ni);
		if (ret)
			return ret;
		ni++;
	}

	/* Resolve node inputs now that every producer is known. */
	for (i = 0, ni = 0; i < gp->n_node; i++) {
		const node_pb *np = gp->node[i];
		struct ir_node *n;

		if (is_constant_node(np))
			continue;
		n = &g->nodes[ni++];
		for (j = 0; j < np->n_input; j++) {
			const char *in = np->input[j];

			n->inputs[j] = -1;
			if (!in[0])
				continue;
			ret = resolve(l, in, &idx);
			if (ret == -ENOENT && l->parent)
				return accel_seterr(l->e, -EINVAL,
						    "node '%s' (%s): input '%s' is not defined (not an input, initializer or node output of this graph or an enclosing one)",
						    n->name, n->op_type, in);
			if (ret == -ENOENT)
				return accel_seterr(l->e, -EINVAL,
						    "node '%s' (%s): input '%s' is not defined (not a graph input, initializer or node output)",
						    n->name, n->op_type, in);
			if (ret)
				return ret;
			n->inputs[j] = idx;
		}
	}
	ret = build_subgraphs(l, gp);
	if (ret)
		return ret;

	/* value_info: types of intermediate values, when declared. */
	for (i = 0; i < gp->n_value_info; i++) {
		const vinfo_pb *vi = gp->value_info[i];

		if (!vi->name || !name_ok(vi->name))
			continue;
		idx = map_find(&l->map, g, vi->name, NULL);
		if (idx < 0 || g->tensors[idx].kind != IR_TENSOR_ACTIVATION)
			continue;
		ret = apply_type(l, &g->tensors[idx], vi, "value", false);
		if (ret)
			return ret;
	}

	for (i = 0; i < gp->n_output; i++) {
		const vinfo_pb *vi = gp->output[i];
		struct ir_tensor *t;

		if (!vi->name || !vi->name[0] || !name_ok(vi->name))
			return accel_seterr(l->e, -EINVAL,
					    "graph output %zu has no valid name", i);
		ret = resolve(l, vi->name, &idx);
		if (ret == -ENOENT)
			return accel_seterr(l->e, -EINVAL,
					    "graph output '%s' is not produced by any node, input or initializer",
					    vi->name);
		if (ret)
			return ret;
		t = &g->tensors[idx];
		t->is_output = true;
		if (t->kind == IR_TENSOR_ACTIVATION) {
			if (l->parent)
				ret = sub_type(l, t, vi, "graph output");
			else
				ret = apply_type(l, t, vi, "graph output",
						 false);
			if (ret)
				return ret;
		}
		g->outputs[g->n_outputs++] = idx;
	}
	if (!g->n_outputs)
		return accel_seterr(l->e, -EINVAL, "graph has no outputs");
	ret = check_control(l);
	if (!ret)
		ret = topo_sort(l);
	if (!ret)
		ret = inline_const_ifs(l);
	return ret;
}

static int build_graph(struct loader *l, const model_pb *m)
{
	bool have_opset = false;
	size_t i;

	for (i = 0; i < m->n_opset_import; i++) {
		const OnnxSubset__OperatorSetIdProto *o = m->opset_import[i];

		if (is_default_domain(o->domain)) {
			if (!o->has_version || o->version < 1)
				return accel_seterr(l->e, -EINVAL,
						    "model imports the default ONNX domain without a valid version");
			l->g->opset = o->version;
			have_opset = true;
		}
	}
	if (!m->n_opset_import)
		return accel_seterr(l->e, -EINVAL,
				    "model has no opset_import (truncated or not an ONNX model)");
	if (!m->graph)
		return accel_seterr(l->e, -EINVAL, "model has no graph");
	return build_body(l, m->graph, have_opset);
}

/* The model's own description, for accel_model_metadata(). */
static int load_meta(struct ir_model_meta *meta, const model_pb *m,
		     struct accel_err *e)
{
	if (!name_ok(m->producer_name) || !name_ok(m->producer_version) ||
	    !name_ok(m->domain))
		return accel_seterr(e, -EINVAL, "model producer or domain name is too long");
	meta->producer_name = dup_name(m->producer_name);
	meta->producer_version = dup_name(m->producer_version);
	meta->domain = dup_name(m->domain);
	/* a doc string may be long; keep what a caller would print */
	meta->doc = strndup(nz(m->doc_string), 4096);
	if (!meta->producer_name || !meta->producer_version || !meta->domain ||
	    !meta->doc)
		return accel_seterr(e, -ENOMEM, "out of memory");
	meta->ir_version = m->has_ir_version ? m->ir_version : 0;
	meta->model_version = m->has_model_version ? m->model_version : 0;
	return 0;
}

struct ir_graph *ir_load_onnx(const void *buf, size_t len, struct accel_err *e,
			      int *err)
{
	return ir_load_onnx_at(buf, len, -1, e, err);
}

struct ir_graph *ir_load_onnx_at(const void *buf, size_t len, int dirfd,
				 struct accel_err *e, int *err)
{
	struct pb_budget b = { 0, pb_limit(len) };
	ProtobufCAllocator a = { pb_alloc, pb_free, &b };
	struct loader l = { .e = e, .a = &a, .dirfd = dirfd };
	model_pb *m;
	int ret;

	if (!buf || !len) {
		ret = accel_seterr(e, -EINVAL, "model is empty");
		goto fail;
	}
	if (len > ONNX_MAX_FILE_SIZE) {
		ret = accel_seterr(e, -EFBIG,
				   "model is %zu bytes, the limit is 2 GiB", len);
		goto fail;
	}
	m = onnx_subset__model_proto__unpack(&a, len, buf);
	if (!m) {
		ret = accel_seterr(e, -EINVAL, BAD_PROTOBUF);
		goto fail;
	}
	l.g = calloc(1, sizeof(*l.g));
	if (!l.g)
		ret = accel_seterr(e, -ENOMEM, "out of memory");
	else
		ret = build_graph(&l, m);
	if (!ret)
		ret = load_meta(&l.g->meta, m, e);
	onnx_subset__model_proto__free_unpacked(m, &a);
	free(l.map.slot);
	if (!ret)
		return l.g;
	ir_graph_free(l.g);
fail:
	if (err)
		*err = ret;
	return NULL;
}
