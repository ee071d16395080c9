#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Build ENPU's demo/test model: a small CNN on scikit-learn's digits.

Run from the repository root (or anywhere; outputs go next to this file):

    /usr/bin/python3 models/make_digits.py

Produces, in models/:
  digits_fp32.onnx       float model exported by torch.onnx.export (opset 13)
  digits_int8.onnx       QDQ int8 model built here with onnx.helper (opset 13)
  digits_test_x.npy      test images, float32 [N,1,8,8] in [0,1]
  digits_test_y.npy      test labels, int64 [N]
  digits_sample0.npy     first test image, float32 [1,1,8,8]
  digits_ref_fp32.npy    logits of digits_fp32.onnx on the test split
  digits_ref_int8.npy    logits of digits_int8.onnx on the test split
  digits_metrics.json    accuracies, quantization parameters, sizes

Both reference logit files come from the NumPy ONNX interpreter below
(run_graph), which executes the saved .onnx files node by node (the Debian
onnx 1.12 has no onnx.reference).  The interpreter is itself cross-checked:
against PyTorch for the float model and against an independent PyTorch
fake-quantization of the same network for the QDQ model.

Everything is deterministic: fixed seeds, one thread, deterministic
algorithms, no data-dependent ordering.  No network access is needed.
"""

import hashlib
import json
import os
import sys

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import onnx  # noqa: E402
from onnx import helper, numpy_helper, TensorProto  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20240611
TEST_SIZE = 360
EPOCHS = 60
BATCH = 32
OPSET = 13
IN_NAME = "input"
OUT_NAME = "logits"

# Activation quantization: int8, asymmetric, per tensor.
ACT_QMIN, ACT_QMAX = -128, 127
# Weight quantization: int8, symmetric (zero point 0), per output channel,
# restricted to [-127, 127] so that -w is always representable.
W_QMAX = 127


# --------------------------------------------------------------------------
# Data and model
# --------------------------------------------------------------------------

def load_data():
	d = load_digits()
	x = (d.images.astype(np.float32) / np.float32(16.0)).reshape(-1, 1, 8, 8)
	y = d.target.astype(np.int64)
	xtr, xte, ytr, yte = train_test_split(
		x, y, test_size=TEST_SIZE, stratify=y, random_state=SEED % (2**31))
	return (np.ascontiguousarray(xtr), np.ascontiguousarray(ytr),
		np.ascontiguousarray(xte), np.ascontiguousarray(yte))


class DigitsNet(nn.Module):
	"""conv3x3(1->16) relu, conv3x3(16->32) relu, maxpool 2x2,
	conv3x3(32->32) relu, global average pool, flatten, linear(32->10)."""

	def __init__(self):
		super().__init__()
		self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
		self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
		self.pool = nn.MaxPool2d(2)
		self.conv3 = nn.Conv2d(32, 32, 3, padding=1)
		self.gap = nn.AdaptiveAvgPool2d(1)
		self.fc = nn.Linear(32, 10)

	def forward(self, x):
		x = torch.relu(self.conv1(x))
		x = torch.relu(self.conv2(x))
		x = self.pool(x)
		x = torch.relu(self.conv3(x))
		x = self.gap(x)
		x = torch.flatten(x, 1)
		return self.fc(x)


def train(xtr, ytr):
	torch.manual_seed(SEED)
	net = DigitsNet()
	opt = torch.optim.Adam(net.parameters(), lr=3e-3)
	sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, EPOCHS)
	lossf = nn.CrossEntropyLoss()
	xt = torch.from_numpy(xtr)
	yt = torch.from_numpy(ytr)
	gen = torch.Generator().manual_seed(SEED)
	n = xt.shape[0]
	for _ in range(EPOCHS):
		net.train()
		perm = torch.randperm(n, generator=gen)
		for i in range(0, n, BATCH):
			idx = perm[i:i + BATCH]
			opt.zero_grad()
			loss = lossf(net(xt[idx]), yt[idx])
			loss.backward()
			opt.step()
		sched.step()
	net.eval()
	return net


# --------------------------------------------------------------------------
# A small NumPy interpreter for the ONNX ops these models use.  Each node is
# computed in float64 where arithmetic happens and its output is rounded to
# the tensor's ONNX type (float32) - i.e. every float node output is the
# correctly rounded float32 of the exact result up to summation order.
# QuantizeLinear follows the ONNX spec: saturate(round_half_even(x / y_scale)
# + y_zero_point), with x / y_scale evaluated in float32.
# --------------------------------------------------------------------------

def _attrs(node):
	return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _per_axis(v, axis, ndim):
	if v.ndim == 0:
		return v
	shape = [1] * ndim
	shape[axis] = v.shape[0]
	return v.reshape(shape)


def _conv(x, w, b, a):
	if a.get("group", 1) != 1:
		raise NotImplementedError("Conv group != 1")
	if any(d != 1 for d in a.get("dilations", [1, 1])):
		raise NotImplementedError("Conv dilations != 1")
	if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
		raise NotImplementedError("Conv auto_pad")
	sh, sw = a.get("strides", [1, 1])
	pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
	kh, kw = w.shape[2], w.shape[3]
	x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pt, pb), (pl, pr)))
	n, c, h, wd = x.shape
	oh = (h - kh) // sh + 1
	ow = (wd - kw) // sw + 1
	cols = np.empty((n, c, kh, kw, oh, ow), np.float64)
	for i in range(kh):
		for j in range(kw):
			cols[:, :, i, j] = x[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
	y = np.einsum("nckloq,mckl->nmoq", cols, w.astype(np.float64))
	if b is not None:
		y += b.astype(np.float64).reshape(1, -1, 1, 1)
	return y.astype(np.float32)


def _maxpool(x, a):
	kh, kw = a["kernel_shape"]
	sh, sw = a.get("strides", [1, 1])
	if any(a.get("pads", [0, 0, 0, 0])) or a.get("ceil_mode", 0):
		raise NotImplementedError("MaxPool pads/ceil_mode")
	if any(d != 1 for d in a.get("dilations", [1, 1])):
		raise NotImplementedError("MaxPool dilations")
	n, c, h, w = x.shape
	oh = (h - kh) // sh + 1
	ow = (w - kw) // sw + 1
	y = np.full((n, c, oh, ow), -np.inf, np.float32)
	for i in range(kh):
		for j in range(kw):
			y = np.maximum(y, x[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw])
	return y.astype(x.dtype)


def _quantize(x, scale, zp, axis):
	info = np.iinfo(zp.dtype)
	s = _per_axis(scale.astype(np.float32), axis, x.ndim)
	z = _per_axis(zp.astype(np.int64), axis, x.ndim)
	q = np.rint(x.astype(np.float32) / s).astype(np.int64) + z
	return np.clip(q, info.min, info.max).astype(zp.dtype)


def _dequantize(q, scale, zp, axis):
	s = _per_axis(scale.astype(np.float64), axis, q.ndim)
	z = 0 if zp is None else _per_axis(zp.astype(np.int64), axis, q.ndim)
	return ((q.astype(np.int64) - z) * s).astype(np.float32)


def run_graph(model, feeds):
	"""Execute an ONNX model with NumPy; returns {output_name: array}."""
	env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
	env.update(feeds)
	for node in model.graph.node:
		a = _attrs(node)
		ins = [env[n] if n else None for n in node.input]
		ins += [None] * (3 - len(ins))
		op = node.op_type
		if op == "Conv":
			out = _conv(ins[0], ins[1], ins[2], a)
		elif op == "Relu":
			out = np.maximum(ins[0], 0).astype(ins[0].dtype)
		elif op == "MaxPool":
			out = _maxpool(ins[0], a)
		elif op == "GlobalAveragePool":
			out = ins[0].astype(np.float64).mean(axis=(2, 3), keepdims=True)
			out = out.astype(np.float32)
		elif op == "Flatten":
			ax = a.get("axis", 1)
			out = ins[0].reshape(int(np.prod(ins[0].shape[:ax])), -1)
		elif op == "Reshape":
			shp = [ins[0].shape[i] if d == 0 else d
			       for i, d in enumerate(ins[1].tolist())]
			out = ins[0].reshape(shp)
		elif op == "Gemm":
			A = ins[0].astype(np.float64)
			B = ins[1].astype(np.float64)
			if a.get("transA", 0):
				A = A.T
			if a.get("transB", 0):
				B = B.T
			out = a.get("alpha", 1.0) * (A @ B)
			if ins[2] is not None:
				out = out + a.get("beta", 1.0) * ins[2].astype(np.float64)
			out = out.astype(np.float32)
		elif op == "QuantizeLinear":
			out = _quantize(ins[0], ins[1], ins[2], a.get("axis", 1))
		elif op == "DequantizeLinear":
			out = _dequantize(ins[0], ins[1], ins[2], a.get("axis", 1))
		else:
			raise NotImplementedError("op " + op)
		env[node.output[0]] = out
	return {o.name: env[o.name] for o in model.graph.output}


# --------------------------------------------------------------------------
# Float export
# --------------------------------------------------------------------------

def export_fp32(net, path):
	dummy = torch.zeros(1, 1, 8, 8)
	torch.onnx.export(
		net, dummy, path, opset_version=OPSET, do_constant_folding=True,
		input_names=[IN_NAME], output_names=[OUT_NAME],
		dynamic_axes={IN_NAME: {0: "batch"}, OUT_NAME: {0: "batch"}},
		export_params=True)
	m = onnx.load(path)
	# Normalise the export so the file depends on the weights only.
	m.producer_name = "enpu-models/make_digits.py"
	m.producer_version = "1"
	m.doc_string = ""
	m.graph.name = "digits_fp32"
	for n in m.graph.node:
		n.doc_string = ""
	onnx.checker.check_model(m, full_check=True)
	onnx.save(m, path)
	return m


# --------------------------------------------------------------------------
# Calibration and QDQ construction
# --------------------------------------------------------------------------

def calibrate(net, xtr):
	"""Min/max of every activation over the whole training split."""
	acts = {}

	def upd(name, t):
		t = t.detach()
		lo, hi = float(t.min()), float(t.max())
		if name in acts:
			lo = min(lo, acts[name][0])
			hi = max(hi, acts[name][1])
		acts[name] = (lo, hi)

	x = torch.from_numpy(xtr)
	with torch.no_grad():
		upd("input", x)
		h = torch.relu(net.conv1(x))
		upd("relu1", h)
		h = torch.relu(net.conv2(h))
		upd("relu2", h)
		h = net.pool(h)
		h = torch.relu(net.conv3(h))
		upd("relu3", h)
		h = net.gap(h)
		upd("gap", h)
		h = net.fc(torch.flatten(h, 1))
		upd("fc", h)
	return acts


def act_qparams(lo, hi):
	"""int8 asymmetric scale/zero point covering [min(lo,0), max(hi,0)]."""
	lo = min(lo, 0.0)
	hi = max(hi, 0.0)
	if hi - lo < 1e-8:
		hi = lo + 1e-8
	scale = np.float32((hi - lo) / (ACT_QMAX - ACT_QMIN))
	zp = int(np.clip(np.rint(ACT_QMIN - lo / float(scale)),
			 ACT_QMIN, ACT_QMAX))
	return scale, np.int8(zp)


def weight_qparams(w):
	"""int8 symmetric per output channel (axis 0) quantization of w."""
	w = w.astype(np.float32)
	amax = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
	scale = (np.maximum(amax, 1e-12) / np.float32(W_QMAX)).astype(np.float32)
	s = scale.reshape((-1,) + (1,) * (w.ndim - 1))
	q = np.clip(np.rint(w / s), -W_QMAX, W_QMAX).astype(np.int8)
	return q, scale


def bias_qparams(b, x_scale, w_scale):
	scale = (np.float32(x_scale) * w_scale).astype(np.float32)
	q = np.rint(b.astype(np.float64) / scale.astype(np.float64))
	if np.abs(q).max() >= 2**31 - 1:
		raise ValueError("bias overflows int32")
	return q.astype(np.int32), scale


class QdqBuilder:
	def __init__(self):
		self.nodes = []
		self.inits = []

	def init(self, name, arr):
		self.inits.append(numpy_helper.from_array(arr, name))
		return name

	def qdq(self, src, name, scale, zp):
		"""src float -> QuantizeLinear -> DequantizeLinear -> name."""
		s = self.init(name + "_scale", np.array(scale, np.float32))
		z = self.init(name + "_zero_point", np.array(zp, np.int8))
		self.nodes.append(helper.make_node(
			"QuantizeLinear", [src, s, z], [name + "_q"],
			name=name + "_QuantizeLinear"))
		self.nodes.append(helper.make_node(
			"DequantizeLinear", [name + "_q", s, z], [name],
			name=name + "_DequantizeLinear"))
		return name

	def const_dq(self, name, q, scale, axis):
		"""Quantized initializer -> per-axis DequantizeLinear -> name."""
		self.init(name + "_quantized", q)
		self.init(name + "_scale", scale.astype(np.float32))
		self.init(name + "_zero_point", np.zeros(scale.shape, q.dtype))
		self.nodes.append(helper.make_node(
			"DequantizeLinear",
			[name + "_quantized", name + "_scale", name + "_zero_point"],
			[name], name=name + "_DequantizeLinear", axis=axis))
		return name

	def node(self, op, ins, out, **attrs):
		self.nodes.append(helper.make_node(op, ins, [out], name=out + "_" + op,
						   **attrs))
		return out


def build_int8(fp32, net, acts, path):
	"""Build the QDQ model from the exported float graph's attributes and
	the trained weights; Relu is fused into the conv output Q/DQ."""
	conv_attrs = {}
	pool_attrs = None
	gemm_attrs = None
	for n in fp32.graph.node:
		if n.op_type == "Conv":
			conv_attrs[len(conv_attrs)] = _attrs(n)
		elif n.op_type == "MaxPool":
			pool_attrs = _attrs(n)
		elif n.op_type == "Gemm":
			gemm_attrs = _attrs(n)
	if len(conv_attrs) != 3 or pool_attrs is None or gemm_attrs is None:
		raise RuntimeError("unexpected float graph: %s" %
				   [n.op_type for n in fp32.graph.node])
	if gemm_attrs.get("transB", 0) != 1:
		raise RuntimeError("expected Gemm with transB=1")

	qp = {k: act_qparams(*v) for k, v in acts.items()}
	sd = {k: v.detach().numpy() for k, v in net.state_dict().items()}
	b = QdqBuilder()
	params = {"activations": {}, "weights": {}}

	def rec_act(name, key):
		params["activations"][name] = {
			"scale": float(qp[key][0]), "zero_point": int(qp[key][1]),
			"calib_min": acts[key][0], "calib_max": acts[key][1]}

	cur = b.qdq(IN_NAME, "input_qdq", *qp["input"])
	rec_act("input_qdq", "input")
	x_scale = qp["input"][0]
	def weights(layer, x_scale):
		# Output channel is axis 0 for Conv [M,C,kh,kw] and for Gemm
		# with transB=1 (weight [out, in]).
		wq, ws = weight_qparams(sd[layer + ".weight"])
		bq, bs = bias_qparams(sd[layer + ".bias"], x_scale, ws)
		params["weights"][layer] = {
			"weight_scale_min": float(ws.min()),
			"weight_scale_max": float(ws.max()),
			"bias_abs_max_int32": int(np.abs(bq).max())}
		return (b.const_dq(layer + ".weight", wq, ws, 0),
			b.const_dq(layer + ".bias", bq, bs, 0))

	for i, (layer, key) in enumerate((("conv1", "relu1"), ("conv2", "relu2"),
					   ("conv3", "relu3"))):
		w, bias = weights(layer, x_scale)
		cur = b.node("Conv", [cur, w, bias], layer, **conv_attrs[i])
		cur = b.node("Relu", [cur], layer + "_relu")
		cur = b.qdq(cur, layer + "_relu_qdq", *qp[key])
		rec_act(layer + "_relu_qdq", key)
		x_scale = qp[key][0]
		if layer == "conv2":
			cur = b.node("MaxPool", [cur], "pool", **pool_attrs)
			# MaxPool preserves the quantization of its input.
			cur = b.qdq(cur, "pool_qdq", *qp[key])
			rec_act("pool_qdq", key)
	cur = b.node("GlobalAveragePool", [cur], "gap")
	cur = b.qdq(cur, "gap_qdq", *qp["gap"])
	rec_act("gap_qdq", "gap")
	x_scale = qp["gap"][0]
	cur = b.node("Flatten", [cur], "flatten", axis=1)
	# Flatten preserves the quantization of its input.
	cur = b.qdq(cur, "flatten_qdq", *qp["gap"])
	rec_act("flatten_qdq", "gap")
	w, bias = weights("fc", x_scale)
	cur = b.node("Gemm", [cur, w, bias], "fc", **gemm_attrs)
	b.qdq(cur, OUT_NAME, *qp["fc"])
	rec_act(OUT_NAME, "fc")

	inp = helper.make_tensor_value_info(IN_NAME, TensorProto.FLOAT,
					    ["batch", 1, 8, 8])
	out = helper.make_tensor_value_info(OUT_NAME, TensorProto.FLOAT,
					    ["batch", 10])
	g = helper.make_graph(b.nodes, "digits_int8", [inp], [out], b.inits)
	m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)],
			      producer_name="enpu-models/make_digits.py",
			      producer_version="1")
	m.ir_version = fp32.ir_version
	onnx.checker.check_model(m, full_check=True)
	onnx.save(m, path)
	return m, params


# --------------------------------------------------------------------------
# Independent check of the QDQ model: the same quantization done with
# PyTorch's fake-quantization ops directly on the trained network.
# --------------------------------------------------------------------------

def torch_fake_quant(net, acts, x):
	qp = {k: act_qparams(*v) for k, v in acts.items()}

	def fq(t, key):
		s, z = qp[key]
		return torch.fake_quantize_per_tensor_affine(
			t, float(s), int(z), ACT_QMIN, ACT_QMAX)

	def conv(t, layer, x_scale):
		wq, ws = weight_qparams(layer.weight.detach().numpy())
		w = torch.from_numpy(wq.astype(np.float32) *
				     ws.reshape(-1, 1, 1, 1))
		bq, bs = bias_qparams(layer.bias.detach().numpy(), x_scale, ws)
		bias = torch.from_numpy((bq.astype(np.float64) *
					 bs).astype(np.float32))
		return torch.nn.functional.conv2d(t.double(), w.double(),
						  bias.double(), padding=1).float()

	with torch.no_grad():
		h = fq(x, "input")
		h = fq(torch.relu(conv(h, net.conv1, qp["input"][0])), "relu1")
		h = fq(torch.relu(conv(h, net.conv2, qp["relu1"][0])), "relu2")
		h = net.pool(h)
		h = fq(torch.relu(conv(h, net.conv3, qp["relu2"][0])), "relu3")
		h = fq(h.double().mean(dim=(2, 3)).float(), "gap")
		wq, ws = weight_qparams(net.fc.weight.detach().numpy())
		w = torch.from_numpy(wq.astype(np.float32) * ws.reshape(-1, 1))
		bq, bs = bias_qparams(net.fc.bias.detach().numpy(),
				      qp["gap"][0], ws)
		bias = torch.from_numpy((bq.astype(np.float64) * bs)
					.astype(np.float32))
		h = (h.double() @ w.double().T + bias.double()).float()
		return fq(h, "fc").numpy()


# --------------------------------------------------------------------------

def save_npy(path, arr):
	arr = np.ascontiguousarray(arr)
	arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
	with open(path, "wb") as f:
		np.lib.format.write_array(f, arr, version=(1, 0),
					  allow_pickle=False)


def sha256(path):
	with open(path, "rb") as f:
		return hashlib.sha256(f.read()).hexdigest()


def describe(m):
	lines = []
	for n in m.graph.node:
		a = _attrs(n)
		s = ", ".join("%s=%s" % (k, list(v) if isinstance(v, (list, tuple))
					  else v) for k, v in sorted(a.items()))
		lines.append("  %-18s %s%s" % (n.op_type, n.name,
					       (" [" + s + "]") if s else ""))
	return "\n".join(lines)


def main():
	torch.set_num_threads(1)
	torch.set_num_interop_threads(1)
	torch.use_deterministic_algorithms(True)
	torch.manual_seed(SEED)

	xtr, ytr, xte, yte = load_data()
	net = train(xtr, ytr)

	with torch.no_grad():
		torch_logits = net(torch.from_numpy(xte)).numpy()
	torch_acc = float((torch_logits.argmax(1) == yte).mean())

	p_fp32 = os.path.join(HERE, "digits_fp32.onnx")
	p_int8 = os.path.join(HERE, "digits_int8.onnx")
	fp32 = export_fp32(net, p_fp32)
	acts = calibrate(net, xtr)
	int8, qparams = build_int8(fp32, net, acts, p_int8)

	# Reference evaluation of the files as saved.
	fp32 = onnx.load(p_fp32)
	int8 = onnx.load(p_int8)
	ref_fp32 = run_graph(fp32, {IN_NAME: xte})[OUT_NAME]
	ref_int8 = run_graph(int8, {IN_NAME: xte})[OUT_NAME]
	assert ref_fp32.dtype == np.float32 and ref_fp32.shape == (len(yte), 10)
	assert ref_int8.dtype == np.float32 and ref_int8.shape == (len(yte), 10)

	# Cross-checks of the interpreter.
	fp32_vs_torch = float(np.abs(ref_fp32 - torch_logits).max())
	if fp32_vs_torch > 1e-4:
		sys.exit("fp32 interpreter disagrees with torch: %g" % fp32_vs_torch)
	fq = torch_fake_quant(net, acts, torch.from_numpy(xte))
	out_scale = qparams["activations"][OUT_NAME]["scale"]
	int8_vs_fq_lsb = float(np.abs(ref_int8 - fq).max() / out_scale)
	if int8_vs_fq_lsb > 1.5 or (fq.argmax(1) != ref_int8.argmax(1)).mean() > 0.01:
		sys.exit("QDQ interpreter disagrees with torch fake-quant: "
			 "%g LSB" % int8_vs_fq_lsb)

	acc_fp32 = float((ref_fp32.argmax(1) == yte).mean())
	acc_int8 = float((ref_int8.argmax(1) == yte).mean())
	agree = float((ref_fp32.argmax(1) == ref_int8.argmax(1)).mean())
	if acc_fp32 < 0.97:
		sys.exit("fp32 accuracy %.4f below 0.97" % acc_fp32)
	if acc_fp32 - acc_int8 > 0.01:
		sys.exit("int8 accuracy %.4f more than 1 point below fp32 %.4f" %
			 (acc_int8, acc_fp32))

	files = {
		"digits_test_x.npy": xte.astype(np.float32),
		"digits_test_y.npy": yte.astype(np.int64),
		"digits_sample0.npy": xte[:1].astype(np.float32),
		"digits_ref_fp32.npy": ref_fp32,
		"digits_ref_int8.npy": ref_int8,
	}
	for name, arr in files.items():
		save_npy(os.path.join(HERE, name), arr)

	names = ["digits_fp32.onnx", "digits_int8.onnx"] + list(files)
	metrics = {
		"dataset": "sklearn.datasets.load_digits, x/16, stratified split "
			   "test_size=%d random_state=%d" % (TEST_SIZE, SEED % (2**31)),
		"n_train": int(len(ytr)), "n_test": int(len(yte)),
		"sample0_label": int(yte[0]),
		"accuracy_torch_fp32": torch_acc,
		"accuracy_fp32": acc_fp32,
		"accuracy_int8": acc_int8,
		"argmax_agreement_fp32_int8": agree,
		"check_fp32_interp_vs_torch_max_abs": fp32_vs_torch,
		"check_int8_interp_vs_torch_fakequant_max_lsb": int8_vs_fq_lsb,
		"quantization": {
			"activations": "int8 asymmetric per tensor, min/max over "
				       "the training split",
			"weights": "int8 symmetric per output channel (axis 0), "
				   "range [-127,127], zero point 0",
			"bias": "int32, scale = input_scale * weight_scale[c], "
				"zero point 0",
			"output_scale": out_scale,
			"output_zero_point":
				qparams["activations"][OUT_NAME]["zero_point"],
			**qparams,
		},
		"files": {n: {"bytes": os.path.getsize(os.path.join(HERE, n)),
			      "sha256": sha256(os.path.join(HERE, n))}
			  for n in names},
	}
	with open(os.path.join(HERE, "digits_metrics.json"), "w") as f:
		json.dump(metrics, f, indent=1, sort_keys=True)
		f.write("\n")

	print("fp32 graph:\n" + describe(fp32))
	print("int8 graph:\n" + describe(int8))
	print("torch fp32 accuracy: %.4f" % torch_acc)
	print("fp32 accuracy: %.4f (%d/%d)" % (acc_fp32, round(acc_fp32 * len(yte)),
						len(yte)))
	print("int8 accuracy: %.4f (%d/%d)" % (acc_int8, round(acc_int8 * len(yte)),
						len(yte)))
	print("fp32/int8 argmax agreement: %.4f" % agree)
	print("interpreter vs torch (fp32): max |diff| %.3g" % fp32_vs_torch)
	print("interpreter vs torch fake-quant (int8): max %.3g output LSB" %
	      int8_vs_fq_lsb)
	for n in names:
		print("%-22s %7d bytes  %s" % (n, metrics["files"][n]["bytes"],
					       metrics["files"][n]["sha256"]))


if __name__ == "__main__":
	main()
