#!/usr/bin/python3
"""Generate tests/qcompile/data: one small quantized ONNX model per operator
pattern the int8 compiler (libaccel/compile/) lowers, its inputs
and its expected quantized outputs.

    /usr/bin/python3 tests/qcompile/make_cases.py [--ort DIR]

Every model ends in a QuantizeLinear (or a QLinear* op) whose result is the
graph output, so the expected data are int8/uint8 quanta.  Weights, scales
and zero points come from seeded generators; every input of a multi-input op
has its own scale, and axes are not the default ones, so a compiler that
swaps scales or loses an axis gives different quanta.

Two independent references compute the outputs:
  - a NumPy QDQ reference written from the ONNX operator specs in this file
    (dequantize, the float operator in float64, QuantizeLinear with round
    half to even and saturation);
  - ONNX Runtime (onnxruntime-node, the project's declared peer) with graph
    optimizations disabled, so it evaluates the QDQ graph as written instead
    of fusing it into its own integer kernels.  --ort names a directory whose
    node_modules holds onnxruntime-node (npm install --ignore-scripts
    onnxruntime-node in a scratch directory); run_ort.js runs it.
The script stops if the two references differ by more than one quantum
anywhere.  With --ort the stored expectation is ONNX Runtime's output,
without it the NumPy reference's (cases.txt says which).

cases.txt has one line per case:
    NAME N_INPUTS TOLERANCE MAX_OFF_PERMILLE REFERENCE ISA_OPS  # what it covers
TOLERANCE is 0 where the ISA must reproduce the reference exactly: data
movement, max pooling, and every requantization, since the compiler folds
scales into 31-bit multipliers and rounds the 64-bit product exactly, unless
a reference value lies within 1e-3 of a rounding tie (the generator counts
them); then 1, on at most that many elements.  AVGPOOL (rounds the window
mean before requantizing) and SOFTMAX (fixed-point exp) are approximations
by the ISA's definition: 1, on the share of elements given with the case.
MAX_OFF_PERMILLE bounds the elements off, per mille of the output (at least
one element).  ISA_OPS
is the comma-separated list of ENPU ISA operations the compiler must emit
(so a fused Relu or a lost lowering shows).
"""
import argparse
import os
import subprocess
import sys
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
OPSET = 13

I8, U8 = np.int8, np.uint8
ONNX_DT = {I8: TensorProto.INT8, U8: TensorProto.UINT8,
           np.int32: TensorProto.INT32, np.float32: TensorProto.FLOAT}


def qrange(dt):
    return (-128, 127) if dt == I8 else (0, 255)


def quantize(x, scale, zp, dt):
    """ONNX QuantizeLinear: saturate(round_half_even(x / scale) + zp)."""
    lo, hi = qrange(dt)
    return np.clip(np.rint(np.asarray(x, np.float64) / scale) + zp,
                   lo, hi).astype(dt)


def dequantize(q, scale, zp, axis=None):
    q = np.asarray(q, np.float64)
    scale = np.asarray(scale, np.float64)
    zp = np.asarray(zp, np.float64)
    if axis is not None and scale.size > 1:
        shape = [1] * q.ndim
        shape[axis] = -1
        scale = scale.reshape(shape)
        zp = zp.reshape(shape) if zp.size > 1 else zp
    return (q - zp) * scale


# ---- float operators (ONNX semantics, float64) -----------------------------

def conv(x, w, b, strides=(1, 1), pads=(0, 0, 0, 0), dil=(1, 1), group=1):
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pads[0], pads[2]), (pads[1], pads[3])))
    eh, ew = (kh - 1) * dil[0] + 1, (kw - 1) * dil[1] + 1
    oh = (xp.shape[2] - eh) // strides[0] + 1
    ow = (xp.shape[3] - ew) // strides[1] + 1
    y = np.zeros((n, m, oh, ow))
    mg = m // group
    for oc in range(m):
        g = oc // mg
        for i in range(oh):
            for j in range(ow):
                r0, c0 = i * strides[0], j * strides[1]
                patch = xp[:, g * cg:(g + 1) * cg,
                           r0:r0 + eh:dil[0], c0:c0 + ew:dil[1]]
                y[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3))
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


def pool(x, kind, k, strides, pads=(0, 0, 0, 0), ceil=False,
         count_include_pad=0):
    n, c, h, w = x.shape
    out = []
    for i, (ext, kk, s, p0, p1) in enumerate(
            [(h, k[0], strides[0], pads[0], pads[2]),
             (w, k[1], strides[1], pads[1], pads[3])]):
        span = ext + p0 + p1 - kk
        o = (-(-span // s) if ceil else span // s) + 1
        if ceil and (o - 1) * s >= ext + p0:
            o -= 1
        out.append(o)
    y = np.zeros((n, c, out[0], out[1]))
    for i in range(out[0]):
        for j in range(out[1]):
            r0, c0 = i * strides[0] - pads[0], j * strides[1] - pads[1]
            r1, c1 = r0 + k[0], c0 + k[1]
            rr0, cc0 = max(r0, 0), max(c0, 0)
            rr1, cc1 = min(r1, h), min(c1, w)
            win = x[:, :, rr0:rr1, cc0:cc1]
            if kind == "max":
                y[:, :, i, j] = win.max(axis=(2, 3))
            else:
                if count_include_pad:
                    # the padded window, clipped to the padded extent
                    cnt = ((min(r1, h + pads[2]) - r0) *
                           (min(c1, w + pads[3]) - c0))
                else:
                    cnt = (rr1 - rr0) * (cc1 - cc0)
                y[:, :, i, j] = win.sum(axis=(2, 3)) / cnt
    return y


def softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ---- model builder --------------------------------------------------------

class Case:
    def __init__(self, name, what, isa, tol=None, permille=0):
        self.name, self.what, self.tol, self.permille = name, what, tol, permille
        self.isa = isa		# the ISA ops the compiler must emit, in order
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.nodes, self.inits, self.ins, self.outs = [], [], [], []
        self.feeds = []		# (name, array) in graph input order
        self.val = {}		# tensor name -> reference value
        self.n = 0

    def t(self, base):
        self.n += 1
        return "%s%d" % (base, self.n)

    def scale(self, lo=0.01, hi=0.06):
        return float(np.float32(self.rng.uniform(lo, hi)))

    def zp(self, dt):
        return int(self.rng.integers(-20, 21) if dt == I8 else
                   self.rng.integers(100, 156))

    def init(self, arr, base="c"):
        name = self.t(base)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def node(self, op, inputs, value, n_out=1, **attrs):
        outs = [self.t(op.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, **attrs))
        self.val[outs[0]] = value
        return outs[0]

    def qinput(self, shape, dt, scale=None, zp=None, float_in=True, dq=True):
        """A quantized activation entering the graph; returns (q, dq)
        tensor names.  float_in: a float input and QuantizeLinear (the QDQ
        export form); else an int8/uint8 graph input.  dq: also a
        DequantizeLinear of it (QDQ form; not for QLinear* consumers)."""
        scale = self.scale() if scale is None else scale
        zp = self.zp(dt) if zp is None else zp
        lo, hi = qrange(dt)
        q = self.rng.integers(lo, hi + 1, shape).astype(dt)
        name = "x%d" % len(self.feeds)
        s_i, z_i = self.init(np.float32(scale), "s"), self.init(dt(zp), "z")
        if float_in:
            x = ((q.astype(np.float32) - np.float32(zp)) *
                 np.float32(scale)).astype(np.float32)
            q = quantize(x, np.float32(scale), zp, dt)
            self.feeds.append((name, x))
            self.ins.append(helper.make_tensor_value_info(
                name, TensorProto.FLOAT, list(shape)))
            qn = self.node("QuantizeLinear", [name, s_i, z_i], q)
        else:
            self.feeds.append((name, q))
            self.ins.append(helper.make_tensor_value_info(
                name, ONNX_DT[dt], list(shape)))
            qn = name
            self.val[qn] = q
        if not dq:
            return qn, None, scale, zp
        d = self.node("DequantizeLinear", [qn, s_i, z_i],
                      dequantize(q, scale, zp))
        return qn, d, scale, zp

    def act(self, shape, dt, **kw):
        return self.qinput(shape, dt, **kw)[1]

    def weights(self, shape, dt=I8, axis=None, zp=None, lo=0.002, hi=0.01):
        """A quantized constant through DequantizeLinear (per tensor, or per
        channel along @axis)."""
        lo_q, hi_q = qrange(dt)
        w = self.rng.integers(lo_q, hi_q + 1, shape).astype(dt)
        if axis is None:
            s = np.float32(self.rng.uniform(lo, hi))
            z = dt(0 if zp is None else zp)
        else:
            s = self.rng.uniform(lo, hi, shape[axis]).astype(np.float32)
            z = (np.zeros(shape[axis], dt) if zp is None else
                 np.asarray(zp, dt))
        ins = [self.init(w, "w"), self.init(s, "ws"), self.init(z, "wz")]
        attrs = {} if axis is None else {"axis": axis}
        return self.node("DequantizeLinear", ins,
                         dequantize(w, s, z, axis), **attrs)

    def bias(self, n, acc_scale):
        """int32 bias at the accumulator scale (per channel when acc_scale
        is a vector), through DequantizeLinear."""
        b = self.rng.integers(-3000, 3000, n).astype(np.int32)
        s = np.asarray(acc_scale, np.float32)
        attrs = {"axis": 0} if s.size > 1 else {}
        ins = [self.init(b, "b"), self.init(s, "bs"),
               self.init(np.zeros(s.shape, np.int32), "bz")]
        return self.node("DequantizeLinear", ins,
                         dequantize(b, s, 0, 0 if s.size > 1 else None),
                         **attrs)

    def qparams_for(self, y, dt, spread=0.9):
        """An output scale/zero point that maps y's range onto most of
        dt's (a few elements saturate)."""
        lo, hi = float(np.min(y)), float(np.max(y))
        lo, hi = min(lo, 0.0), max(hi, 1e-3)
        s = float(np.float32((hi - lo) / 255.0 * spread))
        qlo, _ = qrange(dt)
        z = int(np.clip(np.rint(qlo - lo / s) + self.rng.integers(-3, 4),
                        *qrange(dt)))
        return s, z

    def output(self, t, dt, scale=None, zp=None, spread=0.9):
        y = self.val[t]
        if scale is None:
            scale, zp = self.qparams_for(y, dt, spread)
        ins = [t, self.init(np.float32(scale), "ys"), self.init(dt(zp), "yz")]
        name = "y%d" % len(self.outs)
        self.nodes.append(helper.make_node("QuantizeLinear", ins, [name]))
        self.qoutput(name, y, scale, zp, dt)
        return name

    def qoutput(self, name, y, scale, zp, dt):
        """Graph output @name: @y quantized (by a QuantizeLinear or a
        QLinear* node).  Sets the tolerance unless the case fixed it: the
        compiler folds scales into 31-bit multipliers and rounds the 64-bit
        product exactly, so it must reproduce the real-valued result except
        where that lies within float error of a rounding tie."""
        q = quantize(y, np.float32(scale), zp, dt)
        self.outs.append(helper.make_tensor_value_info(
            name, ONNX_DT[dt], list(q.shape)))
        self.val[name] = q
        r = np.asarray(y, np.float64) / np.float32(scale) + zp
        lo, hi = qrange(dt)
        near = (np.abs(r - np.floor(r) - 0.5) < 1e-3) & (r > lo) & (r < hi)
        self.near = int(near.sum())
        if self.tol is None:
            self.tol = 1 if self.near else 0
            self.permille = -(-1000 * self.near // q.size) if self.near else 0

    def model(self):
        g = helper.make_graph(self.nodes, self.name, self.ins, self.outs,
                              self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="enpu-tests")
        m.ir_version = 7
        onnx.checker.check_model(m, full_check=True)
        return m


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


# ---- Conv ----------------------------------------------------------------

def conv_case(name, what, dt=I8, wdt=I8, shape=(1, 3, 7, 6), m=4, k=(3, 3),
              strides=(1, 1), pads=(1, 1, 1, 1), dil=(1, 1), group=1,
              per_channel=False, wzp=None, bias=True, act=None, auto_pad=None,
              out_dt=None):
    c = Case(name, what, "CONV2D")
    x = c.act(shape, dt)
    xs = c.val[x]
    cg = shape[1] // group
    w = c.weights((m, cg) + tuple(k), wdt, axis=0 if per_channel else None,
                  zp=wzp)
    attrs = {"kernel_shape": list(k), "strides": list(strides),
             "dilations": list(dil), "group": group}
    eff_pads = list(pads)
    if auto_pad:
        attrs["auto_pad"] = auto_pad
        tot = []
        for i in range(2):
            o = -(-shape[2 + i] // strides[i])
            tot.append(max(0, (o - 1) * strides[i] + (k[i] - 1) * dil[i] + 1 -
                           shape[2 + i]))
        if auto_pad == "SAME_UPPER":
            eff_pads = [tot[0] // 2, tot[1] // 2, tot[0] - tot[0] // 2,
                        tot[1] - tot[1] // 2]
        else:
            eff_pads = [tot[0] - tot[0] // 2, tot[1] - tot[1] // 2,
                        tot[0] // 2, tot[1] // 2]
    else:
        attrs["pads"] = list(pads)
    ins = [x, w]
    b = None
    if bias:
        xscale = np.float32(numpy_helper.to_array(c.inits[0]))
        wsc = numpy_helper.to_array(c.inits[-2]).astype(np.float64)
        bt = c.bias(m, (xscale * wsc).astype(np.float32))
        ins.append(bt)
        b = c.val[bt]
    y = conv(xs, c.val[w], b, strides, eff_pads, dil, group)
    t = c.node("Conv", ins, y, **attrs)
    if act == "relu":
        oq = c.qparams_for(y, out_dt or dt, spread=1.2)	# 0 inside
        t = c.node("Relu", [t], np.maximum(y, 0))
        c.output(t, out_dt or dt, *oq)
        return c
    elif act == "clip":
        # the output range is the unclipped one, so that both bounds of
        # the fused clamp fall inside it
        oq = c.qparams_for(y, out_dt or dt, spread=1.2)
        lo, hi = 0.3 * float(y.min()), 0.5 * float(y.max())
        t = c.node("Clip", [t, c.init(np.float32(lo), "lo"),
                            c.init(np.float32(hi), "hi")],
                   np.clip(y, np.float32(lo), np.float32(hi)))
        c.output(t, out_dt or dt, *oq)
        return c
    c.output(t, out_dt or dt)
    return c


case(lambda: conv_case("conv_s8", "Conv 3x3 pad 1, s8, per-tensor weights, bias"))
case(lambda: conv_case("conv_u8", "Conv 3x3, u8 activations, s8 weights, batch 2",
                       dt=U8, shape=(2, 3, 6, 7)))
case(lambda: conv_case("conv_u8w", "Conv, u8 activations and u8 weights with zero point",
                       dt=U8, wdt=U8, wzp=131))
case(lambda: conv_case("conv_pc", "Conv, per-channel weight scales (axis 0), per-channel bias",
                       per_channel=True, m=5))
case(lambda: conv_case("conv_pc_zp", "Conv, u8 weights with per-channel zero points",
                       dt=U8, wdt=U8, per_channel=True, m=3, wzp=[120, 135, 128]))
case(lambda: conv_case("conv_stride", "Conv 3x3 stride 2x1, asymmetric pads",
                       shape=(1, 2, 9, 8), strides=(2, 1), pads=(0, 1, 2, 0)))
case(lambda: conv_case("conv_dilated", "Conv 3x3 dilation 2, pad 2",
                       shape=(1, 2, 9, 9), dil=(2, 2), pads=(2, 2, 2, 2)))
case(lambda: conv_case("conv_rect", "Conv 1x3 and stride 1x2, no bias, no padding",
                       k=(1, 3), strides=(1, 2), pads=(0, 0, 0, 0), bias=False))
case(lambda: conv_case("conv_1x1", "Conv 1x1 pointwise, s8 input to u8 output",
                       k=(1, 1), pads=(0, 0, 0, 0), m=6, out_dt=U8))
case(lambda: conv_case("conv_depthwise", "depthwise Conv (group = channels)",
                       shape=(1, 4, 6, 6), m=4, group=4, per_channel=True))
case(lambda: conv_case("conv_grouped", "grouped Conv (group 2), u8",
                       dt=U8, shape=(1, 4, 5, 6), m=6, group=2))
case(lambda: conv_case("conv_same_upper", "Conv auto_pad SAME_UPPER stride 2",
                       shape=(1, 2, 7, 8), k=(4, 3), strides=(2, 2),
                       auto_pad="SAME_UPPER"))
case(lambda: conv_case("conv_same_lower", "Conv auto_pad SAME_LOWER",
                       shape=(1, 2, 6, 5), k=(2, 2), auto_pad="SAME_LOWER"))
case(lambda: conv_case("conv_relu", "Conv + Relu fused into the output clamp",
                       act="relu"))
case(lambda: conv_case("conv_clip", "Conv + Clip(min, max) fused into the output clamp",
                       act="clip", dt=U8))


# ---- Gemm / MatMul -------------------------------------------------------

def fc_case(name, what, kind="gemm", dt=I8, m=3, k=7, n=5, trans_b=0,
            alpha=1.0, bias="int", per_channel=False, act=None):
    c = Case(name, what, "FULLY_CONNECTED")
    xq, x, xscale, _ = c.qinput((m, k), dt)
    axis = None
    if per_channel:
        axis = 0 if trans_b else 1
    w = c.weights((n, k) if trans_b else (k, n), I8, axis=axis)
    wv = c.val[w].T if trans_b else c.val[w]
    y = c.val[x] @ wv
    wsc = numpy_helper.to_array(c.inits[-2]).astype(np.float32)
    if kind == "gemm":
        y = y * np.float32(alpha)
        ins = [x, w]
        if bias:
            bt = c.bias(n, (np.float32(xscale) * np.float32(alpha) * wsc
                            ).astype(np.float32))
            ins.append(bt)
            y = y + c.val[bt]
        attrs = {"transB": trans_b}
        if alpha != 1.0:
            attrs["alpha"] = alpha
        t = c.node("Gemm", ins, y, **attrs)
    else:
        t = c.node("MatMul", [x, w], y)
        if bias == "int":
            bt = c.bias(n, (np.float32(xscale) * wsc).astype(np.float32))
            y = y + c.val[bt]
            t = c.node("Add", [t, bt], y)
        elif bias == "float":
            bf = c.rng.uniform(-0.5, 0.5, n).astype(np.float32)
            y = y + bf
            t = c.node("Add", [t, c.init(bf, "bf")], y)
    if act == "relu":
        y = np.maximum(y, 0)
        t = c.node("Relu", [t], y)
    elif act == "clip6":
        oq = c.qparams_for(y, dt, spread=1.2)	# the unclipped range
        hi = float(np.float32(0.6 * y.max()))
        y = np.clip(y, 0, np.float32(hi))
        t = c.node("Clip", [t, c.init(np.float32(0), "lo"),
                            c.init(np.float32(hi), "hi")], y)
        c.output(t, dt, *oq)
        return c
    c.output(t, dt)
    return c


case(lambda: fc_case("gemm_transb", "Gemm transB=1 alpha 0.5 with bias", trans_b=1,
                     alpha=0.5))
case(lambda: fc_case("gemm_u8", "Gemm transB=0, u8, no bias", dt=U8, bias=None))
case(lambda: fc_case("gemm_pc", "Gemm transB=1, per-channel weights (axis 0)",
                     trans_b=1, per_channel=True))
case(lambda: fc_case("gemm_clip", "Gemm + Clip(0, max) fused", act="clip6", dt=U8))
case(lambda: fc_case("matmul", "MatMul, no bias", kind="matmul", bias=None, m=2,
                     k=11, n=6))
case(lambda: fc_case("matmul_bias", "MatMul + Add(int32 bias) folded into the FC",
                     kind="matmul", bias="int", per_channel=True))
case(lambda: fc_case("matmul_fbias", "MatMul + Add(float bias) + Relu", kind="matmul",
                     bias="float", dt=U8, act="relu"))


# ---- elementwise ---------------------------------------------------------

def elt_case(name, what, op="Add", dt0=I8, dt1=I8, out_dt=I8, shape=(1, 3, 4, 5),
             shape1=None, act=None, s0=0.02, s1=0.05):
    c = Case(name, what, op.upper())
    a = c.act(shape, dt0, scale=s0)
    b = c.act(shape1 or shape, dt1, scale=s1)
    y = c.val[a] + c.val[b] if op == "Add" else c.val[a] * c.val[b]
    t = c.node(op, [a, b], y)
    if act == "relu":
        y = np.maximum(y, 0)
        t = c.node("Relu", [t], y)
    c.output(t, out_dt)
    return c


case(lambda: elt_case("add", "Add, inputs at scales 0.02 and 0.05"))
case(lambda: elt_case("add_swap", "Add, the larger scale first, u8", dt0=U8,
                      dt1=U8, out_dt=U8, s0=0.07, s1=0.015))
case(lambda: elt_case("add_mixed", "Add of s8 and u8 inputs, u8 output", dt1=U8,
                      out_dt=U8, s0=0.03, s1=0.011))
case(lambda: elt_case("add_scalar", "Add, second input one element (broadcast)",
                      shape1=(1, 1, 1, 1), s0=0.02, s1=0.04))
case(lambda: elt_case("add_relu", "Add + Relu fused", act="relu", s0=0.05,
                      s1=0.03))
case(lambda: elt_case("mul", "Mul, inputs at scales 0.03 and 0.02", op="Mul",
                      s0=0.03, s1=0.02))
case(lambda: elt_case("mul_scalar_u8", "Mul by a one-element tensor, u8", op="Mul",
                      dt0=U8, dt1=U8, out_dt=U8, shape1=(1, 1, 1, 1), s0=0.02,
                      s1=0.01))


def elt_const_case(name, what, op="Add", dt=I8, shape=(1, 3, 4, 5), cshape=None,
                   cdt=None, caxis=None, czp=None, first=False, tol=None,
                   permille=0):
    """Add/Mul of an activation and a constant: a quantized initializer
    through its own DequantizeLinear (cdt; per tensor, or per channel along
    caxis), or a float initializer (cdt None).  A per-tensor quantized
    constant keeps its quanta (exact); any other is quantized by the
    compiler, so the case allows one quantum (tol 1, permille 1000)."""
    c = Case(name, what, op.upper(), tol=tol, permille=permille)
    a = c.act(shape, dt, scale=0.03)
    cshape = shape if cshape is None else cshape
    if cdt is None:
        k = c.rng.uniform(-1.5, 2.0, cshape).astype(np.float32)
        b = c.init(k, "k")
        c.val[b] = k.astype(np.float64)
    else:
        b = c.weights(cshape, cdt, axis=caxis, zp=czp, lo=0.01, hi=0.04)
    y = c.val[a] + c.val[b] if op == "Add" else c.val[a] * c.val[b]
    t = c.node(op, [b, a] if first else [a, b], y)
    c.output(t, dt)
    return c


case(lambda: elt_const_case("add_const", "Add of a DequantizeLinear'd s8 "
                            "initializer of the output's shape", czp=5,
                            cdt=I8))
case(lambda: elt_const_case("mul_const_chan", "Mul by a u8 initializer, one "
                            "value per channel (broadcast 1), batch 2", op="Mul",
                            dt=U8, shape=(2, 4, 3, 5), cshape=(4, 1, 1), cdt=U8,
                            czp=128))
case(lambda: elt_const_case("add_const_f32", "Add of a float initializer per "
                            "channel, quantized by the compiler",
                            shape=(1, 4, 3, 5), cshape=(1, 4, 1, 1), tol=1,
                            permille=1000))
case(lambda: elt_const_case("mul_const_f32", "Mul by a float initializer of "
                            "the output's shape", op="Mul", dt=U8, tol=1,
                            permille=1000))
case(lambda: elt_const_case("mul_const_f32_scalar", "Mul by a float scalar "
                            "initializer", op="Mul", dt=U8, cshape=(),
                            tol=1, permille=1000))
case(lambda: elt_const_case("add_const_first_pc", "Add, the constant first: "
                            "per-channel scales (axis 0 of a [4, 1] constant) expanded "
                            "to the output", shape=(1, 3, 4, 5), cshape=(4, 1),
                            cdt=I8, caxis=0, first=True, tol=1, permille=1000))


# ---- pooling -------------------------------------------------------------

def pool_case(name, what, op, dt=I8, shape=(1, 3, 7, 8), k=(2, 2), strides=(2, 2),
              pads=(0, 0, 0, 0), ceil=0, cip=0, requant=True, tol=None,
              permille=0):
    isa = {"MaxPool": "MAXPOOL,COPY" if requant else "MAXPOOL",
           "AveragePool": "AVGPOOL",
           "GlobalAveragePool": "GLOBAL_AVGPOOL"}[op]
    c = Case(name, what, isa, tol=tol, permille=permille)
    _, x, xscale, xzp = c.qinput(shape, dt)
    if op == "GlobalAveragePool":
        y = c.val[x].mean(axis=(2, 3), keepdims=True)
        t = c.node(op, [x], y)
    else:
        attrs = {"kernel_shape": list(k), "strides": list(strides),
                 "pads": list(pads)}
        if ceil:
            attrs["ceil_mode"] = 1
        if op == "AveragePool":
            attrs["count_include_pad"] = cip
        y = pool(c.val[x], "max" if op == "MaxPool" else "avg", k, strides,
                 pads, ceil, cip)
        t = c.node(op, [x], y, **attrs)
    if requant:
        c.output(t, dt)
    else:
        c.output(t, dt, scale=xscale, zp=xzp)
    return c


case(lambda: pool_case("maxpool", "MaxPool 3x3 stride 2 pad 1, same quantization",
                       "MaxPool", k=(3, 3), pads=(1, 1, 1, 1), requant=False,
                       tol=0))
case(lambda: pool_case("maxpool_requant", "MaxPool 2x2 ceil_mode, then requantized (COPY)",
                       "MaxPool", dt=U8, ceil=1))
# AVGPOOL rounds the window mean (half away from zero) before requantizing
# it (enpu_isa.h): two roundings, so up to one quantum off on many elements.
case(lambda: pool_case("avgpool", "AveragePool 2x2 stride 2", "AveragePool",
                       tol=1, permille=500))
case(lambda: pool_case("avgpool_pad", "AveragePool 3x3 stride 1 pad 1, count_include_pad 0",
                       "AveragePool", dt=U8, k=(3, 3), strides=(1, 1),
                       pads=(1, 1, 1, 1), tol=1, permille=500))
case(lambda: pool_case("avgpool_cip", "AveragePool 3x2 stride 2 pad, count_include_pad 1",
                       "AveragePool", k=(3, 2), pads=(1, 0, 1, 1), cip=1,
                       tol=1, permille=500))
case(lambda: pool_case("gap", "GlobalAveragePool 5x7", "GlobalAveragePool",
                       shape=(2, 6, 5, 7)))
case(lambda: pool_case("gap_u8", "GlobalAveragePool, u8", "GlobalAveragePool",
                       dt=U8, shape=(1, 8, 4, 4)))


# ---- concat / views / requantize ----------------------------------------

def concat_case(name, what, axis, shapes, dt=I8, same_scale=False, tol=None):
    c = Case(name, what, ",".join(["CONCAT"] * len(shapes)), tol=tol)
    s = 0.03
    ins = [c.act(sh, dt, scale=s if same_scale else None,
                 zp=5 if same_scale and dt == I8 else (130 if same_scale else None))
           for sh in shapes]
    y = np.concatenate([c.val[i] for i in ins], axis=axis)
    t = c.node("Concat", ins, y, axis=axis)
    if same_scale:
        c.output(t, dt, scale=s, zp=5 if dt == I8 else 130)
    else:
        c.output(t, dt)
    return c


case(lambda: concat_case("concat_c", "Concat axis 1 (channels), three scales", 1,
                         [(1, 2, 3, 4), (1, 3, 3, 4), (1, 1, 3, 4)]))
case(lambda: concat_case("concat_h", "Concat axis 2, two scales, u8", 2,
                         [(1, 2, 3, 4), (1, 2, 2, 4)], dt=U8))
case(lambda: concat_case("concat_w", "Concat axis -1 (width), three scales", -1,
                         [(1, 2, 3, 2), (1, 2, 3, 5), (1, 2, 3, 1)]))
case(lambda: concat_case("concat_n", "Concat axis 0 (batch), two scales", 0,
                         [(1, 3, 2, 2), (2, 3, 2, 2)]))
case(lambda: concat_case("concat_2d", "Concat of 2-D tensors on axis 1", 1,
                         [(3, 4), (3, 2)]))
case(lambda: concat_case("concat_same", "Concat axis 3, all at the output's quantization",
                         3, [(1, 2, 2, 3), (1, 2, 2, 2)], same_scale=True, tol=0))


@case
def reshape_requant():
    c = Case("reshape_requant", "Reshape then requantize s8 -> u8 (COPY)",
             "COPY")
    x = c.act((1, 4, 3, 2), I8)
    y = c.val[x].reshape(2, 12)
    t = c.node("Reshape", [x, c.init(np.array([2, 12], np.int64), "sh")], y)
    c.output(t, U8)
    return c


@case
def requant_pow2():
    c = Case("requant_pow2", "requantize to twice the scale (exact ties, half to even)",
             "COPY", tol=0)
    _, x, s, z = c.qinput((2, 3, 5), I8)
    c.output(x, I8, scale=2 * s, zp=z + 3)
    return c


@case
def views():
    c = Case("views", "Flatten / Unsqueeze / Squeeze / Identity of an int8 tensor",
             "MAXPOOL,COPY")
    xq, x, s, z = c.qinput((1, 3, 4, 4), I8)
    p = c.node("MaxPool", [xq], pool(c.val[xq].astype(np.float64), "max",
                                      (2, 2), (2, 2)).astype(I8),
               kernel_shape=[2, 2], strides=[2, 2])
    f = c.node("Flatten", [p], c.val[p].reshape(1, -1), axis=1)
    u = c.node("Unsqueeze", [f, c.init(np.array([0], np.int64), "ax")],
               c.val[f][None])
    sq = c.node("Squeeze", [u, c.init(np.array([0], np.int64), "ax")],
                c.val[u][0])
    i = c.node("Identity", [sq], c.val[sq])
    d = c.node("DequantizeLinear", [i, c.init(np.float32(s), "s"),
                                    c.init(I8(z), "z")],
               dequantize(c.val[i], s, z))
    c.output(d, I8, scale=1.5 * s, zp=z - 4)
    return c


# ---- table-lowered activations and softmax -------------------------------

def lut_case(name, what, op, dt=I8, out_dt=None, out=None, **attrs):
    c = Case(name, what, "LUT")
    x = c.act((1, 2, 5, 6), dt, scale=c.scale(0.02, 0.05))
    v = c.val[x]
    if op == "Sigmoid":
        y = 1 / (1 + np.exp(-v))
    elif op == "Tanh":
        y = np.tanh(v)
    elif op == "LeakyRelu":
        y = np.where(v < 0, v * np.float32(attrs["alpha"]), v)
    elif op == "Relu":
        y = np.maximum(v, 0)
    ins = [x]
    if op == "Clip":
        lo, hi = np.float32(-0.5), np.float32(1.25)
        y = np.clip(v, lo, hi)
        ins += [c.init(lo, "lo"), c.init(hi, "hi")]
    t = c.node(op, ins, y, **attrs)
    if out:
        c.output(t, out_dt or dt, scale=out[0], zp=out[1])
    else:
        c.output(t, out_dt or dt)
    return c


case(lambda: lut_case("sigmoid", "Sigmoid (table), u8 output 1/256", "Sigmoid",
                      out_dt=U8, out=(1 / 256, 0)))
case(lambda: lut_case("tanh", "Tanh (table), u8 input, s8 output 1/128", "Tanh",
                      dt=U8, out_dt=I8, out=(1 / 128, 0)))
case(lambda: lut_case("leaky", "LeakyRelu alpha 0.2 (table)", "LeakyRelu", alpha=0.2))
case(lambda: lut_case("relu_lut", "Relu of a dequantized tensor (table)", "Relu",
                      dt=U8))
case(lambda: lut_case("clip_lut", "Clip(-0.5, 1.25) of a dequantized tensor (table)",
                      "Clip"))


# SOFTMAX approximates exp by a table of 16-bit fixed-point values and the
# probabilities by 15-bit ones (enpu_isa.h): one quantum, a few elements.
@case
def softmax_case():
    c = Case("softmax", "Softmax along the last axis, u8 output 1/256",
             "SOFTMAX", tol=1, permille=50)
    x = c.act((3, 10), I8, scale=0.06)
    t = c.node("Softmax", [x], softmax(c.val[x]), axis=-1)
    c.output(t, U8, scale=1 / 256, zp=0)
    return c


@case
def softmax_4d():
    c = Case("softmax_4d", "Softmax axis 3 of a 4-D tensor, s8 output",
             "SOFTMAX", tol=1, permille=50)
    x = c.act((1, 2, 3, 7), U8, scale=0.04)
    t = c.node("Softmax", [x], softmax(c.val[x]), axis=3)
    c.output(t, I8, scale=1 / 256, zp=-128)
    return c


# ---- QOperator forms ------------------------------------------------------

def qlinear_case(name, what, op, dt=U8, wdt=I8, per_channel=False, wzp=0,
                 float_in=True, bias=True, shape=(1, 3, 6, 5), m=4, k=(3, 3),
                 strides=(1, 1), pads=(1, 1, 1, 1), group=1, n=5):
    c = Case(name, what, "CONV2D" if op == "QLinearConv" else "FULLY_CONNECTED")
    xq, _, xs, xz = c.qinput(shape, dt, float_in=float_in, dq=False)
    lo, hi = qrange(wdt)
    if op == "QLinearConv":
        wshape = (m, shape[1] // group) + k
        nch = m
    else:
        wshape = (shape[1], n)
        nch = n
    w = c.rng.integers(lo, hi + 1, wshape).astype(wdt)
    if per_channel:
        ws = c.rng.uniform(0.002, 0.01, nch).astype(np.float32)
        wz = np.full(nch, wzp, wdt)
    else:
        ws = np.float32(c.rng.uniform(0.002, 0.01))
        wz = wdt(wzp)
    axis = 0 if op == "QLinearConv" else 1
    wf = dequantize(w, ws, wz, axis if per_channel else None)
    xf = dequantize(c.val[xq], xs, xz)
    if op == "QLinearConv":
        b = None
        if bias:
            b = c.rng.integers(-3000, 3000, m).astype(np.int32)
        yf = conv(xf, wf, None if b is None else
                  b * (np.float32(xs) * np.asarray(ws, np.float32)).astype(np.float64),
                  strides, pads, (1, 1), group)
    else:
        yf = xf @ wf
    ys, yz = c.qparams_for(yf, dt)
    ins = [xq, c.init(np.float32(xs), "xs"), c.init(dt(xz), "xz"),
           c.init(w, "w"), c.init(ws, "ws"), c.init(wz, "wz"),
           c.init(np.float32(ys), "ys"), c.init(dt(yz), "yz")]
    attrs = {}
    if op == "QLinearConv":
        if bias:
            ins.append(c.init(b, "b"))
        attrs = {"kernel_shape": list(k), "strides": list(strides),
                 "pads": list(pads), "group": group}
    y = c.node(op, ins, None, **attrs)
    c.qoutput(y, yf, ys, yz, dt)
    return c


case(lambda: qlinear_case("qlinearconv", "QLinearConv u8, s8 per-channel weights, bias",
                          "QLinearConv", per_channel=True))
case(lambda: qlinear_case("qlinearconv_s8", "QLinearConv s8, stride 2, group 3, no bias",
                          "QLinearConv", dt=I8, shape=(1, 3, 7, 7), m=6, group=3,
                          strides=(2, 2), bias=False))
case(lambda: qlinear_case("qlinearconv_in", "QLinearConv on a uint8 graph input",
                          "QLinearConv", float_in=False))
case(lambda: qlinear_case("qlinearmatmul", "QLinearMatMul u8 x u8 weights (zp 128)",
                          "QLinearMatMul", wdt=U8, wzp=128, shape=(3, 9)))
case(lambda: qlinear_case("qlinearmatmul_s8", "QLinearMatMul s8, per-column weight scales",
                          "QLinearMatMul", dt=I8, per_channel=True, shape=(2, 6)))


@case
def int8_input_dq():
    c = Case("int8_input_dq", "int8 graph input with zero point -> DequantizeLinear -> Conv",
             "CONV2D")
    return conv_into(c)


def conv_into(c):
    xq, x, xs, xz = c.qinput((1, 2, 5, 5), I8, zp=-17, float_in=False)
    w = c.weights((3, 2, 3, 3))
    y = conv(c.val[x], c.val[w], None, pads=(1, 1, 1, 1))
    t = c.node("Conv", [x, w], y, pads=[1, 1, 1, 1], kernel_shape=[3, 3])
    c.output(t, I8)
    return c


# ---- driver ---------------------------------------------------------------

def save_npy(path, a):
    np.save(path, np.ascontiguousarray(a), allow_pickle=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ort", help="directory with node_modules/onnxruntime-node")
    args = ap.parse_args()
    os.makedirs(DATA, exist_ok=True)
    for f in os.listdir(DATA):
        os.remove(os.path.join(DATA, f))
    cases = [fn() for fn in CASES]
    names = [c.name for c in cases]
    assert len(set(names)) == len(names), "duplicate case names"
    for c in cases:
        onnx.save(c.model(), os.path.join(DATA, c.name + ".onnx"))
        for i, (_, a) in enumerate(c.feeds):
            save_npy(os.path.join(DATA, "%s.in%d.npy" % (c.name, i)), a)
        for i, o in enumerate(c.outs):
            save_npy(os.path.join(DATA, "%s.out%d.npy" % (c.name, i)),
                     c.val[o.name])
    ref = "numpy"
    if args.ort:
        env = dict(os.environ, NODE_PATH=os.path.join(
            os.path.abspath(args.ort), "node_modules"))
        subprocess.run(["node", os.path.join(HERE, "run_ort.js"), DATA] + names,
                       check=True, env=env)
        ref = "ort"
        bad = 0
        for c in cases:
            for i, o in enumerate(c.outs):
                p = os.path.join(DATA, "%s.out%d" % (c.name, i))
                ort = np.load(p + ".ort.npy")
                mine = c.val[o.name]
                d = np.abs(ort.astype(np.int32) - mine.astype(np.int32))
                if ort.shape != mine.shape or ort.dtype != mine.dtype or \
                        d.max() > 1:
                    print("%s: ORT and the NumPy reference disagree (max %d)"
                          % (c.name, d.max()), file=sys.stderr)
                    bad += 1
                elif d.max():
                    print("# %s: ORT vs NumPy: %d of %d elements 1 quantum apart"
                          % (c.name, int((d > 0).sum()), d.size))
                os.replace(p + ".ort.npy", p + ".npy")
        if bad:
            sys.exit(1)
    with open(os.path.join(DATA, "cases.txt"), "w") as f:
        f.write("# generated by tests/qcompile/make_cases.py; "
                "NAME N_INPUTS TOLERANCE MAX_OFF_PERMILLE REFERENCE ISA_OPS # covers\n")
        for c in cases:
            f.write("%s %d %d %d %s %s # %s\n" % (
                c.name, len(c.feeds), c.tol, c.permille, ref, c.isa, c.what))
    for c in cases:
        if c.near:
            print("# %s: %d reference values near a rounding tie"
                  % (c.name, c.near))
    print("%d cases in %s (reference: %s)" % (len(cases), DATA, ref))


if __name__ == "__main__":
    main()
