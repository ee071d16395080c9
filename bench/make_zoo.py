#!/usr/bin/python3
"""Build the benchmark zoo: four MLPerf-Tiny-shaped models, fp32 and int8.

    /usr/bin/python3 bench/make_zoo.py [OUT_DIR]     (default build/bench/zoo)

Models (random weights from fixed seeds; the figures are about speed, not
accuracy):
  kws_dscnn   keyword spotting DS-CNN, input N x 1 x 49 x 10: conv 10x4
              stride 2 (pads 5,1: the 25x5 map of TF's SAME) to 64 channels,
              BN, ReLU, 4 x (depthwise 3x3 + BN + ReLU, pointwise 64 + BN +
              ReLU), average pool over the map, FC 12
  vww_mbv1    visual wake words MobileNetV1 alpha 0.25, N x 3 x 96 x 96,
              ReLU6, global average pool, FC 2
  ic_resnet8  image classification ResNet-8, N x 3 x 32 x 32: conv 16, three
              stages 16/32/64 with strides 1/2/2 (identity shortcut in the
              first, 1x1 convolution shortcuts in the others, as MLPerf Tiny
              has it), Add + ReLU, average pool, FC 10
  ad_fcae     anomaly detection FC autoencoder, N x 640: 640-128x4-8-128x4-640,
              ReLU
The batch dimension is symbolic ("N"), so one file serves batch 1 and 32.
The average pools cover the whole map, so they are written as global ones
(torch 1.13 exports nn.AvgPool2d as Pad + AveragePool).

fp32: torch.onnx.export (opset 13, eval mode, constant folding: BN folds
into the convolutions).  int8 (NAME_int8.onnx): that graph rewritten in the
QDQ form ONNX Runtime's static quantizer emits: uint8 activations per tensor
(asymmetric min/max), int8 weights per output channel (symmetric, [-127,
127]), int32 bias at input scale x weight scale, QuantizeLinear ->
DequantizeLinear on every activation, DequantizeLinear on weights and bias,
Relu and Clip removed and folded into their producer's output range, and
Flatten sharing its input's parameters.  Calibration: min/max of every
tensor over a few seeded random inputs, evaluated in float by this script
(torch functional ops on the ONNX graph).  Also:
  overhead_fp32.onnx   one Add on 8 elements   } the fixed cost of one
  overhead_int8.onnx   Q, DQ, Relu, Q, DQ on 8 } call (one ISA op)
  zoo.json    per model: file, input shape, MACs per inference (Conv and
              Gemm), node counts
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
HERE = os.path.dirname(os.path.abspath(__file__))
CALIB_N = 8


# ---- the models ------------------------------------------------------------

def conv_bn(cin, cout, k, stride=1, pad=0, groups=1):
    return [nn.Conv2d(cin, cout, k, stride, pad, groups=groups, bias=False),
            nn.BatchNorm2d(cout)]


class DSCNN(nn.Module):
    def __init__(self):
        super().__init__()
        layers = conv_bn(1, 64, (10, 4), 2, (5, 1)) + [nn.ReLU()]
        for _ in range(4):
            layers += conv_bn(64, 64, 3, 1, 1, groups=64) + [nn.ReLU()]
            layers += conv_bn(64, 64, 1) + [nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(64, 12)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.body(x), 1), 1))


class MobileNetV1(nn.Module):
    def __init__(self, alpha=0.25, classes=2):
        super().__init__()
        c = lambda n: int(n * alpha)
        layers = conv_bn(3, c(32), 3, 2, 1) + [nn.ReLU6()]
        cfg = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + \
            [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
        cin = c(32)
        for cout, s in cfg:
            layers += conv_bn(cin, cin, 3, s, 1, groups=cin) + [nn.ReLU6()]
            layers += conv_bn(cin, c(cout), 1) + [nn.ReLU6()]
            cin = c(cout)
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(self.body(x), 1), 1))


class ResBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = nn.Sequential(*conv_bn(cin, cout, 3, stride, 1))
        self.b = nn.Sequential(*conv_bn(cout, cout, 3, 1, 1))
        self.short = (nn.Conv2d(cin, cout, 1, stride) if stride != 1 or
                      cin != cout else None)

    def forward(self, x):
        y = self.b(F.relu(self.a(x)))
        s = x if self.short is None else self.short(x)
        return F.relu(y + s)


class ResNet8(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(*conv_bn(3, 16, 3, 1, 1), nn.ReLU())
        self.s1 = ResBlock(16, 16, 1)
        self.s2 = ResBlock(16, 32, 2)
        self.s3 = ResBlock(32, 64, 2)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.s3(self.s2(self.s1(self.stem(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class FCAE(nn.Module):
    def __init__(self):
        super().__init__()
        dims = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128, 640]
        layers = []
        for i in range(len(dims) - 1):
            layers.append(nn.Linear(dims[i], dims[i + 1]))
            if i < len(dims) - 2:
                layers.append(nn.ReLU())
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return self.body(x)


MODELS = [
    ("kws_dscnn", DSCNN, (1, 49, 10), 1),
    ("vww_mbv1", MobileNetV1, (3, 96, 96), 2),
    ("ic_resnet8", ResNet8, (3, 32, 32), 3),
    ("ad_fcae", FCAE, (640,), 4),
]


def randomize(model, seed):
    """Fixed random weights, and BN statistics that are not the identity
    (so folding changes the weights)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) *
                               (2.0 / fan_in) ** 0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=g) * 0.05)
            elif isinstance(m, nn.BatchNorm2d):
                n = m.num_features
                m.weight.copy_(1 + 0.1 * torch.randn(n, generator=g))
                m.bias.copy_(0.1 * torch.randn(n, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(n, generator=g))
                m.running_var.copy_(1 + 0.2 * torch.rand(n, generator=g))
    return model.eval()


def export(model, shape, path):
    x = torch.zeros((1,) + shape)
    torch.onnx.export(model, x, path, opset_version=OPSET,
                      do_constant_folding=True, input_names=["input"],
                      output_names=["output"],
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}},
                      training=torch.onnx.TrainingMode.EVAL)
    m = onnx.load(path)
    # Constant nodes (ReLU6's bounds) as initializers, as after ORT's
    # constant folding
    for n in [n for n in m.graph.node if n.op_type == "Constant"]:
        t = helper.get_attribute_value(n.attribute[0])
        t.name = n.output[0]
        m.graph.initializer.append(t)
        m.graph.node.remove(n)
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return m


# ---- a float evaluator of the exported graphs (for calibration) -----------

def attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def torch_pads(pads):
    """ONNX [t, l, b, r] -> F.pad's (l, r, t, b)."""
    return (pads[1], pads[3], pads[0], pads[2])


def evaluate(model, x):
    """Every tensor of @model's graph for input @x (float64 numpy)."""
    g = model.graph
    env = {i.name: torch.from_numpy(numpy_helper.to_array(i).astype(np.float64))
           for i in g.initializer}
    env[g.input[0].name] = torch.from_numpy(x.astype(np.float64))
    for n in g.node:
        a = [env[i] if i else None for i in n.input]
        op = n.op_type
        if op == "Conv":
            pads = attr(n, "pads", [0, 0, 0, 0])
            xin = F.pad(a[0], torch_pads(pads))
            y = F.conv2d(xin, a[1], a[2] if len(a) > 2 else None,
                         attr(n, "strides", [1, 1]), 0,
                         attr(n, "dilations", [1, 1]), attr(n, "group", 1))
        elif op == "Gemm":
            b = a[1].T if attr(n, "transB", 0) else a[1]
            y = a[0] @ b * attr(n, "alpha", 1.0)
            if len(a) > 2:
                y = y + a[2] * attr(n, "beta", 1.0)
        elif op == "Relu":
            y = torch.relu(a[0])
        elif op == "Clip":
            y = torch.clamp(a[0], float(a[1]), float(a[2]))
        elif op == "Add":
            y = a[0] + a[1]
        elif op == "GlobalAveragePool":
            y = a[0].mean(dim=(2, 3), keepdim=True)
        elif op == "AveragePool":
            y = F.avg_pool2d(a[0], attr(n, "kernel_shape"),
                             attr(n, "strides", None))
        elif op == "Flatten":
            y = torch.flatten(a[0], attr(n, "axis", 1))
        else:
            raise SystemExit("evaluate: %s not handled" % op)
        env[n.output[0]] = y
    return {k: v.numpy() for k, v in env.items()}


def calibrate(model, shape, seed):
    rng = np.random.default_rng(seed)
    lo, hi = {}, {}
    for _ in range(CALIB_N):
        x = rng.standard_normal((1,) + shape).astype(np.float32)
        for k, v in evaluate(model, x).items():
            lo[k] = min(lo.get(k, np.inf), float(v.min()))
            hi[k] = max(hi.get(k, -np.inf), float(v.max()))
    return lo, hi


# ---- the QDQ rewrite ----------------------------------------------------------

def act_qparams(lo, hi):
    """ORT's uint8 asymmetric parameters for the range [lo, hi]."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi == lo:
        return np.float32(1.0), np.uint8(0)
    scale = np.float32((hi - lo) / 255.0)
    zp = int(np.clip(np.rint(0 - lo / scale), 0, 255))
    return scale, np.uint8(zp)


class QDQ:
    def __init__(self, model, lo, hi):
        self.src = model
        self.lo, self.hi = lo, hi
        self.inits = {i.name: numpy_helper.to_array(i)
                      for i in model.graph.initializer}
        self.nodes, self.new_inits = [], []
        self.dq = {}		# float tensor -> its dequantized name
        self.qp = {}		# float tensor -> (scale, zp)

    def const(self, arr, name):
        self.new_inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def qdq(self, t, scale, zp):
        """Q -> DQ on activation @t; returns the DQ output's name."""
        s = self.const(np.float32(scale), t + "_scale")
        z = self.const(np.uint8(zp), t + "_zero_point")
        self.nodes.append(helper.make_node(
            "QuantizeLinear", [t, s, z], [t + "_q"], name=t + "_QuantizeLinear"))
        self.nodes.append(helper.make_node(
            "DequantizeLinear", [t + "_q", s, z], [t + "_dq"],
            name=t + "_DequantizeLinear"))
        self.dq[t] = t + "_dq"
        self.qp[t] = (np.float32(scale), np.uint8(zp))
        return t + "_dq"

    def weight(self, name, axis):
        """int8 per-channel symmetric weights through DequantizeLinear."""
        w = self.inits[name].astype(np.float64)
        red = tuple(i for i in range(w.ndim) if i != axis)
        amax = np.abs(w).max(axis=red)
        scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
        shp = [1] * w.ndim
        shp[axis] = -1
        q = np.clip(np.rint(w / scale.reshape(shp)), -127, 127).astype(np.int8)
        qn = self.const(q, name + "_quantized")
        sn = self.const(scale, name + "_scale")
        zn = self.const(np.zeros(scale.shape, np.int8), name + "_zero_point")
        self.nodes.append(helper.make_node(
            "DequantizeLinear", [qn, sn, zn], [name + "_dq"],
            name=name + "_DequantizeLinear", axis=axis))
        return name + "_dq", scale

    def bias(self, name, in_scale, w_scale):
        b = self.inits[name].astype(np.float64)
        scale = (np.float64(in_scale) * w_scale.astype(np.float64)).astype(np.float32)
        q = np.clip(np.rint(b / scale), -2**31, 2**31 - 1).astype(np.int32)
        qn = self.const(q, name + "_quantized")
        sn = self.const(scale, name + "_scale")
        zn = self.const(np.zeros(scale.shape, np.int32), name + "_zero_point")
        self.nodes.append(helper.make_node(
            "DequantizeLinear", [qn, sn, zn], [name + "_dq"],
            name=name + "_DequantizeLinear", axis=0))
        return name + "_dq"

    def run(self, name):
        g = self.src.graph
        consumers = {}
        for n in g.node:
            for i in n.input:
                consumers.setdefault(i, []).append(n)
        self.qdq(g.input[0].name, *act_qparams(self.lo[g.input[0].name],
                                               self.hi[g.input[0].name]))
        # Relu/Clip whose input feeds nothing else fold into the producer:
        # the producer's output is quantized with the activation's range
        # and the activation's output is an alias of it.
        alias = {}
        for n in g.node:
            if n.op_type in ("Relu", "Clip") and len(consumers[n.input[0]]) == 1:
                alias[n.output[0]] = n.input[0]
        rng_of = {}
        for out, src in alias.items():
            rng_of[src] = out
        for n in g.node:
            op = n.op_type
            if n.output[0] in alias:
                self.dq[n.output[0]] = self.dq[n.input[0]]
                self.qp[n.output[0]] = self.qp[n.input[0]]
                continue
            out = n.output[0]
            rt = rng_of.get(out, out)	# the range the output is quantized to
            if out == g.output[0].name:
                out += "_float"		# the final DequantizeLinear writes it
                self.lo[out], self.hi[out] = self.lo[rt], self.hi[rt]
                rt = out
            if op == "Conv":
                x = n.input[0]
                w, ws = self.weight(n.input[1], 0)
                ins = [self.dq[x], w]
                if len(n.input) > 2:
                    ins.append(self.bias(n.input[2], self.qp[x][0], ws))
            elif op == "Gemm":
                if attr(n, "transB", 0) != 1:
                    raise SystemExit("Gemm without transB")
                x = n.input[0]
                w, ws = self.weight(n.input[1], 0)
                ins = [self.dq[x], w]
                if len(n.input) > 2:
                    ins.append(self.bias(n.input[2], self.qp[x][0], ws))
            elif op in ("Add", "GlobalAveragePool", "AveragePool", "Relu",
                        "Clip"):
                ins = [self.dq[i] if i in self.dq else i for i in n.input]
                if op == "Clip":
                    ins = ins[:1] + list(n.input[1:])
                    for c in n.input[1:]:
                        self.const(self.inits[c], c)
            elif op == "Flatten":
                ins = [self.dq[n.input[0]]]
                node = helper.make_node(op, ins, [out], name=n.name)
                node.attribute.extend(n.attribute)
                self.nodes.append(node)
                self.qdq(out, *self.qp[n.input[0]])
                continue
            else:
                raise SystemExit("%s: %s has no QDQ rule" % (name, op))
            node = helper.make_node(op, ins, [out], name=n.name)
            node.attribute.extend(n.attribute)
            self.nodes.append(node)
            self.qdq(out, *act_qparams(self.lo[rt], self.hi[rt]))
        gout = g.output[0].name
        last = self.nodes[-1]
        assert last.op_type == "DequantizeLinear"
        last.output[0] = gout
        graph = helper.make_graph(self.nodes, name + "_int8", list(g.input),
                                  list(g.output), self.new_inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="enpu-bench")
        m.ir_version = 7
        onnx.checker.check_model(m)
        return m


# ---- MACs --------------------------------------------------------------------

def count_macs(model, shape):
    """Multiply-accumulates of Conv and Gemm per inference (batch 1)."""
    x = np.zeros((1,) + shape, np.float32)
    vals = evaluate(model, x)
    inits = {i.name: i for i in model.graph.initializer}
    macs = 0
    for n in model.graph.node:
        if n.op_type == "Conv":
            w = inits[n.input[1]].dims
            y = vals[n.output[0]].shape
            macs += int(np.prod(y)) * int(np.prod(w[1:]))
        elif n.op_type == "Gemm":
            w = inits[n.input[1]].dims
            macs += int(np.prod(vals[n.output[0]].shape)) * int(w[1])
    return macs


# ---- per-call overhead models -------------------------------------------------

def overhead_models(out):
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 8])
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 8])
    c = numpy_helper.from_array(np.full((1, 8), 0.5, np.float32), "c")
    g = helper.make_graph([helper.make_node("Add", ["input", "c"], ["output"])],
                          "overhead_fp32", [x], [y], [c])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, "overhead_fp32.onnx"))

    def init(arr, name):
        return numpy_helper.from_array(np.asarray(arr), name)
    inits = [init(np.float32(0.02), "xs"), init(np.uint8(128), "xz"),
             init(np.float32(0.03), "ys"), init(np.uint8(100), "yz")]
    nodes = [helper.make_node("QuantizeLinear", ["input", "xs", "xz"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
             helper.make_node("Relu", ["xd"], ["s"]),
             helper.make_node("QuantizeLinear", ["s", "ys", "yz"], ["sq"]),
             helper.make_node("DequantizeLinear", ["sq", "ys", "yz"], ["output"])]
    g = helper.make_graph(nodes, "overhead_int8", [x], [y], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", OPSET)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, "overhead_int8.onnx"))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        HERE, "..", "build", "bench", "zoo")
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    info = {}
    for name, cls, shape, seed in MODELS:
        model = randomize(cls(), seed)
        fp = os.path.join(out, name + "_fp32.onnx")
        m = export(model, shape, fp)
        # the evaluator agrees with torch (so calibration sees this model)
        x = np.random.default_rng(99).standard_normal((2,) + shape).astype(np.float32)
        ref = model(torch.from_numpy(x)).detach().numpy()
        got = evaluate(m, x)[m.graph.output[0].name]
        if not np.allclose(ref, got, rtol=1e-3, atol=1e-4):
            raise SystemExit("%s: evaluator disagrees with torch" % name)
        lo, hi = calibrate(m, shape, 1000 + seed)
        q = QDQ(m, lo, hi).run(name)
        onnx.save(q, os.path.join(out, name + "_int8.onnx"))
        ops = {}
        for n in m.graph.node:
            ops[n.op_type] = ops.get(n.op_type, 0) + 1
        info[name] = {"fp32": name + "_fp32.onnx", "int8": name + "_int8.onnx",
                      "input_shape": [1] + list(shape),
                      "macs": count_macs(m, shape), "fp32_ops": ops,
                      "int8_nodes": len(q.graph.node)}
        print("%-11s %9d MACs  %s" % (name, info[name]["macs"],
                                      " ".join("%s:%d" % kv for kv in sorted(ops.items()))))
    overhead_models(out)
    with open(os.path.join(out, "zoo.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
