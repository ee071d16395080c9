// SPDX-License-Identifier: MIT
/*
 * accel._accel - the CPython binding of libaccel: contexts, models, runs
 * with NumPy arrays, asynchronous submit/wait and the device list.
 *
 * Inputs are passed to libaccel without a copy when they are C-contiguous,
 * aligned and of the model's dtype (a same-kind cast, float64 to float32
 * say, makes one copy); outputs are the buffers libaccel allocated, owned by
 * the returned arrays.  The GIL is released while libaccel computes or
 * waits, so Python threads run models in parallel.
 *
 * Lifetimes: a Model holds a reference to its Context, and a request in
 * flight (Context.pending) holds its Model and output buffers, so nothing
 * libaccel still writes to can be freed.  close() refuses while another
 * thread uses the object (busy count) or requests are in flight; a Context
 * collected with requests in flight waits for them first.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "accel.h"

#define MAX_IO 64

static PyObject *Error, *ModelError, *ShapeError, *DeviceError,
		*UnsupportedError;

/* A new exception for libaccel's negative errno @err: its class, .errno. */
static PyObject *make_err(int err, const char *msg)
{
	PyObject *type = Error, *exc, *no;

	if (err == -ACCEL_E_MODEL)
		type = ModelError;
	else if (err == -ACCEL_E_SHAPE)
		type = ShapeError;
	else if (err == -ENODEV)
		type = DeviceError;
	else if (err == -EOPNOTSUPP)
		type = UnsupportedError;
	exc = PyObject_CallFunction(type, "s", msg);
	no = exc ? PyLong_FromLong(-err) : NULL;
	if (!no || PyObject_SetAttrString(exc, "errno", no)) {
		Py_XDECREF(no);
		Py_XDECREF(exc);
		return NULL;
	}
	Py_DECREF(no);
	return exc;
}

/* Raise it, with accel_last_error()'s message. */
static PyObject *raise_err(int err)
{
	PyObject *exc = make_err(err, accel_last_error());

	if (exc) {
		PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
		Py_DECREF(exc);
	}
	return NULL;
}

static int dtype_to_npy(int dt)
{
	switch (dt) {
	case ACCEL_DTYPE_F32: return NPY_FLOAT32;
	case ACCEL_DTYPE_U8: return NPY_UINT8;
	case ACCEL_DTYPE_I8: return NPY_INT8;
	case ACCEL_DTYPE_I32: return NPY_INT32;
	case ACCEL_DTYPE_I64: return NPY_INT64;
	case ACCEL_DTYPE_BOOL: return NPY_BOOL;
	}
	return -1;
}

/* A shape as a tuple: ints, a symbolic dimension's name, or None. */
static PyObject *shape_tuple(int rank, const int64_t *dims,
			     const accel_model *m, bool in, int index)
{
	PyObject *t = PyTuple_New(rank > 0 ? rank : 0);
	int d;

	if (!t)
		return NULL;
	for (d = 0; d < rank; d++) {
		PyObject *v;

		if (dims[d] >= 0) {
			v = PyLong_FromLongLong(dims[d]);
			if (!v) {
				Py_DECREF(t);
				return NULL;
			}
		} else {
			const char *name = !m ? NULL : in ?
				accel_model_input_dim_name(m, index, d) :
				accel_model_output_dim_name(m, index, d);

			if (name) {
				v = PyUnicode_FromString(name);
				if (!v) {
					Py_DECREF(t);
					return NULL;
				}
			} else {
				v = Py_None;
				Py_INCREF(v);
			}
		}
		PyTuple_SET_ITEM(t, d, v);
	}
	return t;
}

/* ---- Context ---- */

typedef struct {
	PyObject_HEAD
	accel_ctx *ctx;
	PyObject *pending;	/* dict: request id -> (Model, Outputs, user_data) */
	unsigned long long next_id;
	int busy;		/* calls running with the GIL released */
	int models;		/* live Model objects */
} ContextObject;

typedef struct {
	PyObject_HEAD
	ContextObject *ctx;
	accel_model *m;
	int n_in, n_out;
	int busy;
} ModelObject;

/* Output tensors of one request: libaccel's buffers until handed over. */
typedef struct {
	PyObject_HEAD
	int n;
	struct accel_tensor t[MAX_IO];
} OutputsObject;

static PyTypeObject ContextType, ModelType, OutputsType;
static PyObject *adopt_output(struct accel_tensor *t);

/* Wait for every request in flight and drop them (GIL held). */
static void ctx_drain(ContextObject *self)
{
	struct accel_completion done[64];

	while (self->ctx && accel_ctx_pending(self->ctx) > 0) {
		int n;

		Py_BEGIN_ALLOW_THREADS
		n = accel_wait(self->ctx, done, 64, 1);
		Py_END_ALLOW_THREADS
		if (n <= 0)
			break;
	}
	if (self->pending)
		PyDict_Clear(self->pending);
}

static void ctx_dealloc(ContextObject *self)
{
	ctx_drain(self);
	Py_CLEAR(self->pending);
	if (self->ctx)
		accel_close(self->ctx);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static int ctx_init(ContextObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "device", "threads", "kernels", "submit",
				  "npu_index", "queue_depth", "quiet", NULL };
	static const char *const kernels[] = { "auto", "scalar", "avx2", "avxvnni",
					       "avx512bw", "avx512vnni", "neon",
					       "neondot" };
	const char *device = "auto", *kname = NULL, *submit = NULL;
	struct accel_ctx_options o = { .size = sizeof(o), .npu_index = -1 };
	int threads = 0, npu_index = -1, depth = 0, quiet = 0, err;
	enum accel_device dev;
	accel_ctx *ctx;
	unsigned int i;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|$sizziip", kwlist, &device,
					 &threads, &kname, &submit, &npu_index,
					 &depth, &quiet))
		return -1;
	if (self->ctx) {
		PyErr_SetString(PyExc_RuntimeError, "Context already initialised");
		return -1;
	}
	if (!strcmp(device, "auto")) {
		dev = ACCEL_DEVICE_AUTO;
	} else if (!strcmp(device, "cpu")) {
		dev = ACCEL_DEVICE_CPU;
	} else if (!strcmp(device, "npu")) {
		dev = ACCEL_DEVICE_NPU;
	} else {
		PyErr_Format(PyExc_ValueError, "device '%s' is not auto, cpu or npu",
			     device);
		return -1;
	}
	if (threads < 0 || threads > 256) {
		PyErr_Format(PyExc_ValueError, "threads %d is not 0 (all CPUs) .. 256",
			     threads);
		return -1;
	}
	o.threads = (uint32_t)threads;
	if (kname) {
		for (i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++)
			if (!strcmp(kname, kernels[i]))
				break;
		if (i == sizeof(kernels) / sizeof(kernels[0])) {
			PyErr_Format(PyExc_ValueError,
				     "kernels '%s' is not auto, scalar, avx2, avxvnni, avx512bw, avx512vnni, neon or neondot",
				     kname);
			return -1;
		}
		o.cpu_kernels = i;	/* enum accel_cpu_kernels, same order */
	}
	if (submit) {
		if (!strcmp(submit, "ioctl")) {
			o.flags |= ACCEL_CTX_SUBMIT_IOCTL;
		} else if (!strcmp(submit, "sqpoll")) {
			o.flags |= ACCEL_CTX_SQPOLL;
		} else if (strcmp(submit, "uring")) {
			PyErr_Format(PyExc_ValueError, "submit '%s' is not uring, sqpoll or ioctl",
				     submit);
			return -1;
		}
	}
	if (npu_index < -1 || depth < 0) {
		PyErr_SetString(PyExc_ValueError, "npu_index >= -1 and queue_depth >= 0");
		return -1;
	}
	o.npu_index = npu_index;
	o.queue_depth = (uint32_t)depth;
	if (quiet)
		o.flags |= ACCEL_CTX_QUIET;
	Py_BEGIN_ALLOW_THREADS
	ctx = accel_open_opts(dev, &o, &err);
	Py_END_ALLOW_THREADS
	if (!ctx) {
		raise_err(err);
		return -1;
	}
	self->pending = PyDict_New();
	if (!self->pending) {
		accel_close(ctx);
		return -1;
	}
	self->ctx = ctx;
	return 0;
}

static int ctx_check(ContextObject *self)
{
	if (!self->ctx) {
		PyErr_SetString(PyExc_ValueError, "the Context is closed");
		return -1;
	}
	return 0;
}

static PyObject *model_new_from(ContextObject *ctx, accel_model *m);

static PyObject *ctx_load(ContextObject *self, PyObject *arg)
{
	PyObject *bytes = NULL;
	accel_model *m;
	int err;

	if (ctx_check(self))
		return NULL;
	if (PyBytes_Check(arg) || PyByteArray_Check(arg) ||
	    PyMemoryView_Check(arg)) {
		Py_buffer view;

		if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE))
			return NULL;
		self->busy++;
		Py_BEGIN_ALLOW_THREADS
		m = accel_model_load_mem(self->ctx, view.buf, (size_t)view.len, &err);
		Py_END_ALLOW_THREADS
		self->busy--;
		PyBuffer_Release(&view);
	} else {
		if (!PyUnicode_FSConverter(arg, &bytes))
			return NULL;
		self->busy++;
		Py_BEGIN_ALLOW_THREADS
		m = accel_model_load(self->ctx, PyBytes_AS_STRING(bytes), &err);
		Py_END_ALLOW_THREADS
		self->busy--;
		Py_DECREF(bytes);
	}
	if (!m)
		return raise_err(err);
	return model_new_from(self, m);
}

static PyObject *ctx_close(ContextObject *self, PyObject *noargs)
{
	(void)noargs;
	if (!self->ctx)
		Py_RETURN_NONE;
	if (self->busy || self->models || accel_ctx_pending(self->ctx) > 0) {
		PyErr_Format(PyExc_RuntimeError,
			     "Context in use: %d model(s) open, %d request(s) in flight, %d call(s) running",
			     self->models, accel_ctx_pending(self->ctx), self->busy);
		return NULL;
	}
	accel_close(self->ctx);
	self->ctx = NULL;
	Py_RETURN_NONE;
}

/* Completions as a list of (user_data, outputs or None, error or None). */
static PyObject *completions(ContextObject *self,
			     const struct accel_completion *done, int n)
{
	PyObject *list = PyList_New(0);
	int i;

	if (!list)
		return NULL;
	for (i = 0; i < n; i++) {
		PyObject *key = PyLong_FromUnsignedLongLong(done[i].user_data);
		PyObject *entry, *outs, *res = NULL, *exc = NULL, *tuple;
		OutputsObject *o;
		int k;

		if (!key)
			goto fail;
		entry = PyDict_GetItemWithError(self->pending, key);
		if (!entry) {
			Py_DECREF(key);
			if (PyErr_Occurred())
				goto fail;
			continue;	/* not ours: cannot happen */
		}
		Py_INCREF(entry);
		PyDict_DelItem(self->pending, key);
		Py_DECREF(key);
		o = (OutputsObject *)PyTuple_GET_ITEM(entry, 1);
		if (done[i].status) {
			exc = make_err(done[i].status, accel_strerror(done[i].status));
			outs = Py_None;
			Py_INCREF(outs);
		} else {
			outs = PyList_New(o->n);
			for (k = 0; outs && k < o->n; k++) {
				PyObject *arr = adopt_output(&o->t[k]);

				if (!arr) {
					Py_CLEAR(outs);
					break;
				}
				PyList_SET_ITEM(outs, k, arr);
			}
		}
		if (!outs || (done[i].status && !exc)) {
			Py_XDECREF(outs);
			Py_XDECREF(exc);
			Py_DECREF(entry);
			goto fail;
		}
		if (!exc) {
			exc = Py_None;
			Py_INCREF(exc);
		}
		res = PyTuple_GET_ITEM(entry, 2);
		tuple = PyTuple_Pack(3, res, outs, exc);
		Py_DECREF(outs);
		Py_DECREF(exc);
		Py_DECREF(entry);
		if (!tuple || PyList_Append(list, tuple)) {
			Py_XDECREF(tuple);
			goto fail;
		}
		Py_DECREF(tuple);
	}
	return list;
fail:
	Py_DECREF(list);
	return NULL;
}

static PyObject *ctx_wait(ContextObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "min", "max", NULL };
	struct accel_completion done[256];
	int min = 1, max = 256, n;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|ii", kwlist, &min, &max))
		return NULL;
	if (ctx_check(self))
		return NULL;
	if (max < 1 || max > 256 || min < 0 || min > max) {
		PyErr_SetString(PyExc_ValueError, "0 <= min <= max <= 256");
		return NULL;
	}
	self->busy++;
	Py_BEGIN_ALLOW_THREADS
	n = min ? accel_wait(self->ctx, done, max, min) :
		  accel_poll(self->ctx, done, max);
	Py_END_ALLOW_THREADS
	self->busy--;
	if (n < 0)
		return raise_err(n);
	return completions(self, done, n);
}

static PyObject *ctx_get_pending(ContextObject *self, void *closure)
{
	(void)closure;
	if (ctx_check(self))
		return NULL;
	return PyLong_FromLong(accel_ctx_pending(self->ctx));
}

/* A string property of the context: closure points to its getter. */
struct ctx_str {
	const char *(*get)(const accel_ctx *ctx);
};

static const char *ctx_device_str(const accel_ctx *ctx)
{
	return accel_device_name(accel_ctx_device(ctx));
}

static const struct ctx_str ctx_device = { ctx_device_str },
	ctx_device_path = { accel_ctx_device_path },
	ctx_kernels = { accel_ctx_cpu_kernels },
	ctx_submit = { accel_ctx_submit_path };

static PyObject *ctx_get_str(ContextObject *self, void *closure)
{
	const struct ctx_str *p = closure;

	if (ctx_check(self))
		return NULL;
	return PyUnicode_FromString(p->get(self->ctx));
}

static PyObject *ctx_get_threads(ContextObject *self, void *closure)
{
	(void)closure;
	if (ctx_check(self))
		return NULL;
	return PyLong_FromUnsignedLong(accel_ctx_threads(self->ctx));
}

static PyObject *ctx_enter(PyObject *self, PyObject *noargs)
{
	(void)noargs;
	Py_INCREF(self);
	return self;
}

static PyObject *ctx_exit(ContextObject *self, PyObject *args)
{
	(void)args;
	ctx_drain(self);
	/* With models still referenced the context closes with the last one. */
	if (!self->models) {
		PyObject *r = ctx_close(self, NULL);

		if (!r)
			return NULL;
		Py_DECREF(r);
	}
	Py_RETURN_FALSE;
}

static PyMethodDef ctx_methods[] = {
	{ "load", (PyCFunction)ctx_load, METH_O,
	  "load(path or bytes) -> Model: parse and check an ONNX model." },
	{ "wait", (PyCFunction)(void (*)(void))ctx_wait, METH_VARARGS | METH_KEYWORDS,
	  "wait(min=1, max=256) -> [(user_data, outputs, error)]: completions of "
	  "submitted requests, blocking until min are there (min=0 polls)." },
	{ "close", (PyCFunction)ctx_close, METH_NOARGS,
	  "close(): release the context (refused while models or requests live)." },
	{ "__enter__", ctx_enter, METH_NOARGS, NULL },
	{ "__exit__", (PyCFunction)ctx_exit, METH_VARARGS, NULL },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef ctx_getset[] = {
	{ "pending", (getter)ctx_get_pending, NULL, "requests in flight", NULL },
	{ "device", (getter)ctx_get_str, NULL, "'cpu' or 'npu'", (void *)&ctx_device },
	{ "device_path", (getter)ctx_get_str, NULL, "the NPU's node, '' on the CPU",
	  (void *)&ctx_device_path },
	{ "threads", (getter)ctx_get_threads, NULL, "CPU threads of one run", NULL },
	{ "kernels", (getter)ctx_get_str, NULL, "CPU kernel variant", (void *)&ctx_kernels },
	{ "submit", (getter)ctx_get_str, NULL, "NPU submission path", (void *)&ctx_submit },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyTypeObject ContextType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "accel.Context",
	.tp_doc = "Context(*, device='auto', threads=0, kernels=None, submit=None, "
		  "npu_index=-1, queue_depth=0, quiet=False): where models run.",
	.tp_basicsize = sizeof(ContextObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_new = PyType_GenericNew,
	.tp_init = (initproc)ctx_init,
	.tp_dealloc = (destructor)ctx_dealloc,
	.tp_methods = ctx_methods,
	.tp_getset = ctx_getset,
};

/* ---- Outputs ---- */

static void outputs_dealloc(OutputsObject *self)
{
	int i;

	for (i = 0; i < self->n; i++)
		accel_tensor_release(&self->t[i]);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject OutputsType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "accel._Outputs",
	.tp_basicsize = sizeof(OutputsObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_dealloc = (destructor)outputs_dealloc,
};

/* ---- Model ---- */

static PyObject *model_new_from(ContextObject *ctx, accel_model *m)
{
	ModelObject *self = PyObject_New(ModelObject, &ModelType);

	if (!self) {
		accel_model_free(m);
		return NULL;
	}
	Py_INCREF(ctx);
	self->ctx = ctx;
	self->m = m;
	self->n_in = accel_model_num_inputs(m);
	self->n_out = accel_model_num_outputs(m);
	self->busy = 0;
	ctx->models++;
	return (PyObject *)self;
}

static void model_release(ModelObject *self)
{
	if (self->m) {
		accel_model_free(self->m);
		self->m = NULL;
		self->ctx->models--;
	}
}

static void model_dealloc(ModelObject *self)
{
	model_release(self);
	Py_XDECREF(self->ctx);
	PyObject_Free(self);
}

static int model_check(ModelObject *self)
{
	if (!self->m) {
		PyErr_SetString(PyExc_ValueError, "the Model is closed");
		return -1;
	}
	return 0;
}

/* Model has requests in flight (entries of its context's pending). */
static bool model_pending(ModelObject *self)
{
	PyObject *key, *val;
	Py_ssize_t pos = 0;

	while (PyDict_Next(self->ctx->pending, &pos, &key, &val))
		if (PyTuple_GET_ITEM(val, 0) == (PyObject *)self)
			return true;
	return false;
}

static PyObject *model_close(ModelObject *self, PyObject *noargs)
{
	(void)noargs;
	if (!self->m)
		Py_RETURN_NONE;
	if (self->busy || model_pending(self)) {
		PyErr_SetString(PyExc_RuntimeError,
				"Model in use: a run or a request in flight");
		return NULL;
	}
	model_release(self);
	Py_RETURN_NONE;
}

static PyObject *info_list(ModelObject *self, bool inputs)
{
	int n = inputs ? self->n_in : self->n_out, i;
	PyObject *list;

	if (model_check(self))
		return NULL;
	list = PyList_New(n);
	for (i = 0; list && i < n; i++) {
		struct accel_tensor_info inf;
		PyObject *shape, *dt, *item;
		int npy;

		if (inputs)
			accel_model_input(self->m, i, &inf);
		else
			accel_model_output(self->m, i, &inf);
		npy = dtype_to_npy(inf.dtype);
		shape = inf.rank >= 0 ? shape_tuple(inf.rank, inf.dims, self->m, inputs, i) :
			(Py_INCREF(Py_None), Py_None);
		dt = npy >= 0 ? (PyObject *)PyArray_DescrFromType(npy) :
		     PyUnicode_FromString(accel_dtype_name(inf.dtype));
		item = shape && dt ? Py_BuildValue("(sOO)", inf.name, dt, shape) : NULL;
		Py_XDECREF(shape);
		Py_XDECREF(dt);
		if (!item) {
			Py_CLEAR(list);
			break;
		}
		PyList_SET_ITEM(list, i, item);
	}
	return list;
}

static PyObject *model_get_inputs(ModelObject *self, void *closure)
{
	(void)closure;
	return info_list(self, true);
}

static PyObject *model_get_outputs(ModelObject *self, void *closure)
{
	(void)closure;
	return info_list(self, false);
}

static PyObject *model_get_device(ModelObject *self, void *closure)
{
	(void)closure;
	if (model_check(self))
		return NULL;
	return PyUnicode_FromString(accel_device_name(accel_model_device(self->m)));
}

static PyObject *model_get_engine(ModelObject *self, void *closure)
{
	enum accel_engine e;

	(void)closure;
	if (model_check(self))
		return NULL;
	e = accel_model_engine(self->m);
	if (e == ACCEL_ENGINE_NONE)
		Py_RETURN_NONE;
	return PyUnicode_FromString(e == ACCEL_ENGINE_INT8 ? "int8" : "fp32");
}

static PyObject *model_get_metadata(ModelObject *self, void *closure)
{
	struct accel_model_meta meta;

	(void)closure;
	if (model_check(self))
		return NULL;
	accel_model_metadata(self->m, &meta);
	return Py_BuildValue("{s:s,s:s,s:s,s:s,s:s,s:L,s:L,s:L,s:i}",
			     "producer_name", meta.producer_name,
			     "producer_version", meta.producer_version,
			     "domain", meta.domain, "graph_name", meta.graph_name,
			     "doc", meta.doc, "ir_version", (long long)meta.ir_version,
			     "model_version", (long long)meta.model_version,
			     "opset", (long long)meta.opset, "nodes", meta.n_nodes);
}

static PyObject *model_get_arena(ModelObject *self, void *closure)
{
	(void)closure;
	if (model_check(self))
		return NULL;
	return PyLong_FromSize_t(accel_model_arena_size(self->m));
}

/*
 * The model's inputs from @obj (one array, a sequence in model order or a
 * dict by name) as arrays of the model's dtypes in @arr (new references)
 * and tensors in @t pointing into them.  Returns 0 or -1 with an exception.
 */
static int gather_inputs(ModelObject *self, PyObject *obj, PyObject **arr,
			 struct accel_tensor *t)
{
	PyObject *seq = NULL;
	int i, d;

	memset(arr, 0, sizeof(*arr) * (size_t)self->n_in);
	if (PyDict_Check(obj)) {
		Py_ssize_t pos = 0;
		PyObject *key, *val;
		int found = 0;

		while (PyDict_Next(obj, &pos, &key, &val)) {
			const char *name = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;

			if (!name) {
				PyErr_SetString(PyExc_TypeError, "input names must be str");
				return -1;
			}
			for (i = 0; i < self->n_in; i++) {
				struct accel_tensor_info inf;

				accel_model_input(self->m, i, &inf);
				if (!strcmp(inf.name, name))
					break;
			}
			if (i == self->n_in) {
				PyErr_Format(PyExc_KeyError, "the model has no input '%s'", name);
				return -1;
			}
			found++;
		}
		if (found != self->n_in) {
			PyErr_Format(PyExc_ValueError, "the model has %d inputs, %d given",
				     self->n_in, found);
			return -1;
		}
	} else if (PyArray_Check(obj) || !PySequence_Check(obj)) {
		if (self->n_in != 1) {
			PyErr_Format(PyExc_ValueError,
				     "the model has %d inputs: pass a list or a dict", self->n_in);
			return -1;
		}
	} else {
		seq = PySequence_Fast(obj, "inputs must be an array, a sequence or a dict");
		if (!seq)
			return -1;
		if (PySequence_Fast_GET_SIZE(seq) != self->n_in) {
			PyErr_Format(PyExc_ValueError, "the model has %d inputs, %zd given",
				     self->n_in, PySequence_Fast_GET_SIZE(seq));
			Py_DECREF(seq);
			return -1;
		}
	}
	for (i = 0; i < self->n_in; i++) {
		struct accel_tensor_info inf;
		PyArray_Descr *want;
		PyObject *src, *a;
		int npy;

		accel_model_input(self->m, i, &inf);
		src = PyDict_Check(obj) ? PyDict_GetItemString(obj, inf.name) :
		      seq ? PySequence_Fast_GET_ITEM(seq, i) : obj;
		npy = dtype_to_npy(inf.dtype);
		if (npy < 0) {
			PyErr_Format(PyExc_TypeError, "input '%s': dtype %s is not supported",
				     inf.name, accel_dtype_name(inf.dtype));
			goto fail;
		}
		a = PyArray_FROM_O(src);
		if (!a)
			goto fail;
		want = PyArray_DescrFromType(npy);
		if (!PyArray_CanCastTypeTo(PyArray_DESCR((PyArrayObject *)a), want,
					   NPY_SAME_KIND_CASTING)) {
			PyErr_Format(PyExc_TypeError,
				     "input '%s': a %s array cannot be %s without losing its kind",
				     inf.name, PyArray_DESCR((PyArrayObject *)a)->typeobj->tp_name,
				     accel_dtype_name(inf.dtype));
			Py_DECREF(want);
			Py_DECREF(a);
			goto fail;
		}
		/* no copy when already C-contiguous, aligned and of this dtype */
		arr[i] = PyArray_FromAny(a, want, 0, 0,
					 NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED |
					 NPY_ARRAY_FORCECAST, NULL);
		Py_DECREF(a);
		if (!arr[i])
			goto fail;
		if (PyArray_NDIM((PyArrayObject *)arr[i]) > ACCEL_MAX_RANK) {
			PyErr_Format(PyExc_ValueError, "input '%s': rank %d > %d", inf.name,
				     PyArray_NDIM((PyArrayObject *)arr[i]), ACCEL_MAX_RANK);
			goto fail;
		}
		memset(&t[i], 0, sizeof(t[i]));
		t[i].dtype = inf.dtype;
		t[i].rank = PyArray_NDIM((PyArrayObject *)arr[i]);
		for (d = 0; d < t[i].rank; d++)
			t[i].dims[d] = PyArray_DIM((PyArrayObject *)arr[i], d);
		t[i].data = PyArray_DATA((PyArrayObject *)arr[i]);
		t[i].size = (size_t)PyArray_NBYTES((PyArrayObject *)arr[i]);
	}
	Py_XDECREF(seq);
	return 0;
fail:
	for (i = 0; i < self->n_in; i++)
		Py_CLEAR(arr[i]);
	Py_XDECREF(seq);
	return -1;
}

static void capsule_free(PyObject *cap)
{
	struct accel_tensor *t = PyCapsule_GetPointer(cap, "accel.tensor");

	if (t) {
		accel_tensor_release(t);
		PyMem_RawFree(t);
	}
}

/* A NumPy array owning libaccel's buffer of @t (which is emptied). */
static PyObject *adopt_output(struct accel_tensor *t)
{
	npy_intp dims[ACCEL_MAX_RANK];
	struct accel_tensor *own;
	PyObject *arr, *cap;
	int d, npy = dtype_to_npy(t->dtype);

	if (npy < 0) {
		PyErr_Format(PyExc_TypeError, "output dtype %s is not supported",
			     accel_dtype_name(t->dtype));
		return NULL;
	}
	for (d = 0; d < t->rank; d++)
		dims[d] = (npy_intp)t->dims[d];
	own = PyMem_RawMalloc(sizeof(*own));
	if (!own)
		return PyErr_NoMemory();
	*own = *t;
	memset(t, 0, sizeof(*t));
	cap = PyCapsule_New(own, "accel.tensor", capsule_free);
	if (!cap) {
		accel_tensor_release(own);
		PyMem_RawFree(own);
		return NULL;
	}
	arr = PyArray_SimpleNewFromData(own->rank, dims, npy, own->data);
	if (!arr) {
		Py_DECREF(cap);
		return NULL;
	}
	if (PyArray_SetBaseObject((PyArrayObject *)arr, cap)) {
		Py_DECREF(arr);
		return NULL;
	}
	return arr;
}

static PyObject *model_run(ModelObject *self, PyObject *obj)
{
	PyObject *arr[MAX_IO], *list = NULL;
	struct accel_tensor in[MAX_IO], out[MAX_IO];
	int i, err;

	if (model_check(self))
		return NULL;
	if (self->n_in > MAX_IO || self->n_out > MAX_IO) {
		PyErr_Format(PyExc_ValueError, "more than %d inputs or outputs", MAX_IO);
		return NULL;
	}
	if (gather_inputs(self, obj, arr, in))
		return NULL;
	memset(out, 0, sizeof(out));
	self->busy++;
	Py_BEGIN_ALLOW_THREADS
	err = accel_run(self->m, in, self->n_in, out, self->n_out);
	Py_END_ALLOW_THREADS
	self->busy--;
	for (i = 0; i < self->n_in; i++)
		Py_DECREF(arr[i]);
	if (err) {
		for (i = 0; i < self->n_out; i++)
			accel_tensor_release(&out[i]);
		return raise_err(err);
	}
	list = PyList_New(self->n_out);
	for (i = 0; list && i < self->n_out; i++) {
		PyObject *a = adopt_output(&out[i]);

		if (!a) {
			Py_CLEAR(list);
			break;
		}
		PyList_SET_ITEM(list, i, a);
	}
	for (i = 0; i < self->n_out; i++)
		accel_tensor_release(&out[i]);
	return list;
}

static PyObject *model_submit(ModelObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "inputs", "user_data", NULL };
	PyObject *obj, *user = Py_None, *arr[MAX_IO], *key, *entry;
	struct accel_tensor in[MAX_IO];
	ContextObject *ctx = self->ctx;
	OutputsObject *o;
	unsigned long long id;
	int i, err;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O", kwlist, &obj, &user))
		return NULL;
	if (model_check(self) || ctx_check(ctx))
		return NULL;
	if (self->n_in > MAX_IO || self->n_out > MAX_IO) {
		PyErr_Format(PyExc_ValueError, "more than %d inputs or outputs", MAX_IO);
		return NULL;
	}
	if (gather_inputs(self, obj, arr, in))
		return NULL;
	o = PyObject_New(OutputsObject, &OutputsType);
	if (!o)
		goto fail_in;
	o->n = self->n_out;
	memset(o->t, 0, sizeof(o->t));
	id = ctx->next_id++;
	key = PyLong_FromUnsignedLongLong(id);
	entry = key ? PyTuple_Pack(3, (PyObject *)self, (PyObject *)o, user) : NULL;
	/* registered before the request starts: it cannot complete unseen */
	if (!entry || PyDict_SetItem(ctx->pending, key, entry)) {
		Py_XDECREF(entry);
		Py_XDECREF(key);
		Py_DECREF(o);
		goto fail_in;
	}
	Py_DECREF(entry);
	self->busy++;
	Py_BEGIN_ALLOW_THREADS
	err = accel_submit(self->m, in, self->n_in, o->t, self->n_out, id);
	Py_END_ALLOW_THREADS
	self->busy--;
	for (i = 0; i < self->n_in; i++)
		Py_DECREF(arr[i]);
	Py_DECREF(o);
	if (err) {
		PyDict_DelItem(ctx->pending, key);
		Py_DECREF(key);
		return raise_err(err);
	}
	Py_DECREF(key);
	Py_RETURN_NONE;
fail_in:
	for (i = 0; i < self->n_in; i++)
		Py_DECREF(arr[i]);
	return NULL;
}

static PyMethodDef model_methods[] = {
	{ "run", (PyCFunction)model_run, METH_O,
	  "run(inputs) -> [numpy.ndarray]: one synchronous run.  inputs: an array "
	  "(one-input models), a sequence in model order, or a dict by name." },
	{ "submit", (PyCFunction)(void (*)(void))model_submit, METH_VARARGS | METH_KEYWORDS,
	  "submit(inputs, user_data=None): start a run; Context.wait() returns "
	  "(user_data, outputs, error) when it completes." },
	{ "close", (PyCFunction)model_close, METH_NOARGS,
	  "close(): free the model (refused while it runs or has requests in flight)." },
	{ NULL, NULL, 0, NULL },
};

static PyGetSetDef model_getset[] = {
	{ "inputs", (getter)model_get_inputs, NULL,
	  "[(name, numpy.dtype, shape)]: a str in shape is a named symbolic "
	  "dimension, None an anonymous one", NULL },
	{ "outputs", (getter)model_get_outputs, NULL, "like inputs", NULL },
	{ "device", (getter)model_get_device, NULL, "where the last run ran", NULL },
	{ "engine", (getter)model_get_engine, NULL,
	  "'int8' (command buffer), 'fp32' (graph executor) or None before a run", NULL },
	{ "arena_size", (getter)model_get_arena, NULL, "bytes of the last shape's arena", NULL },
	{ "metadata", (getter)model_get_metadata, NULL,
	  "what the model file says about itself: producer, opset, ...", NULL },
	{ NULL, NULL, NULL, NULL, NULL },
};

static PyTypeObject ModelType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "accel.Model",
	.tp_doc = "A loaded model; Context.load() makes one.",
	.tp_basicsize = sizeof(ModelObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_dealloc = (destructor)model_dealloc,
	.tp_methods = model_methods,
	.tp_getset = model_getset,
};

/* ---- module ---- */

static PyObject *mod_devices(PyObject *self, PyObject *noargs)
{
	struct accel_device_info d[65];
	PyObject *list;
	int n, i;

	(void)self;
	(void)noargs;
	Py_BEGIN_ALLOW_THREADS
	n = accel_devices(d, 65);
	Py_END_ALLOW_THREADS
	if (n < 0)
		return raise_err(n);
	if (n > 65)
		n = 65;
	list = PyList_New(n);
	for (i = 0; list && i < n; i++) {
		PyObject *item = Py_BuildValue(
			"{s:s,s:s,s:s,s:s,s:O,s:s,s:I,s:K,s:K,s:I}",
			"kind", accel_device_name((enum accel_device)d[i].kind),
			"path", d[i].path, "driver", d[i].driver,
			"description", d[i].description,
			"usable", d[i].usable ? Py_False : Py_True, "why", d[i].why,
			"engines", d[i].num_engines,
			"memory_size", (unsigned long long)d[i].memory_size,
			"max_alloc_size", (unsigned long long)d[i].max_alloc_size,
			"job_timeout_ms", d[i].job_timeout_ms);

		if (!item) {
			Py_CLEAR(list);
			break;
		}
		PyList_SET_ITEM(list, i, item);
	}
	return list;
}

static PyMethodDef mod_methods[] = {
	{ "devices", mod_devices, METH_NOARGS,
	  "devices() -> [dict]: every device libaccel knows (the CPU first)." },
	{ NULL, NULL, 0, NULL },
};

static struct PyModuleDef accel_module = {
	PyModuleDef_HEAD_INIT,
	.m_name = "accel._accel",
	.m_doc = "libaccel: run ONNX models on an ENPU NPU or the CPU.",
	.m_size = -1,
	.m_methods = mod_methods,
};

static PyObject *new_error(PyObject *mod, const char *name, PyObject *base,
			   const char *doc)
{
	char full[64];
	PyObject *e;

	snprintf(full, sizeof(full), "accel.%s", name);
	e = PyErr_NewExceptionWithDoc(full, doc, base, NULL);
	if (!e || PyModule_AddObjectRef(mod, name, e)) {
		Py_XDECREF(e);
		return NULL;
	}
	return e;
}

PyMODINIT_FUNC PyInit__accel(void);
PyMODINIT_FUNC PyInit__accel(void)
{
	PyObject *m;

	import_array();
	if (PyType_Ready(&ContextType) || PyType_Ready(&ModelType) ||
	    PyType_Ready(&OutputsType))
		return NULL;
	m = PyModule_Create(&accel_module);
	if (!m)
		return NULL;
	if (PyModule_AddObjectRef(m, "Context", (PyObject *)&ContextType) ||
	    PyModule_AddObjectRef(m, "Model", (PyObject *)&ModelType) ||
	    PyModule_AddStringConstant(m, "libaccel_version", accel_version()))
		goto fail;
	Error = new_error(m, "Error", PyExc_Exception,
			  "A libaccel failure: args are (message, errno).");
	if (!Error)
		goto fail;
	ModelError = new_error(m, "ModelError", Error, "Malformed or unsupported model.");
	ShapeError = new_error(m, "ShapeError", Error, "Input does not fit the model.");
	DeviceError = new_error(m, "DeviceError", Error, "No usable device.");
	UnsupportedError = new_error(m, "UnsupportedError", Error,
				     "Not supported (an operator, a dtype, a device feature).");
	if (!ModelError || !ShapeError || !DeviceError || !UnsupportedError)
		goto fail;
	return m;
fail:
	Py_DECREF(m);
	return NULL;
}
