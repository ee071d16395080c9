#!/usr/bin/python3
"""Generate tests/models/data/qop_small.onnx: a small QOperator-form model.

    input float [N,3,9,7] -> QuantizeLinear (uint8)
      -> QLinearConv 3->8, 3x3, pad 1, int8 per-channel weights, int32 bias
      -> MaxPool 2x2 (on uint8)
      -> QLinearConv 8->5, 2x2, stride 2, depthwise-free, per-tensor weights
      -> Flatten -> QLinearMatMul [*, 5*2*1] x [10, 4]
      -> DequantizeLinear -> output float [N,4]

Weights and scales come from a fixed seed; the test compares libaccel's
int8 ISA path with the float executor's ONNX semantics.
Run: /usr/bin/python3 tests/models/make_qop.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(20261123)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                   "qop_small.onnx")


def const(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


inits = [
    const("x_s", np.float32(0.02)), const("x_z", np.uint8(128)),
    const("w1", rng.integers(-127, 128, (8, 3, 3, 3), dtype=np.int8)),
    const("w1_s", (rng.random(8) * 0.01 + 0.002).astype(np.float32)),
    const("w1_z", np.zeros(8, np.int8)),
    const("b1", rng.integers(-2000, 2000, 8).astype(np.int32)),
    const("y1_s", np.float32(0.05)), const("y1_z", np.uint8(100)),
    const("w2", rng.integers(-127, 128, (5, 8, 2, 2), dtype=np.int8)),
    const("w2_s", np.float32(0.004)), const("w2_z", np.int8(0)),
    const("y2_s", np.float32(0.08)), const("y2_z", np.uint8(120)),
    const("w3", rng.integers(0, 256, (10, 4), dtype=np.uint8)),
    const("w3_s", np.float32(0.01)), const("w3_z", np.uint8(128)),
    const("y3_s", np.float32(0.1)), const("y3_z", np.uint8(110)),
]
nodes = [
    helper.make_node("QuantizeLinear", ["input", "x_s", "x_z"], ["xq"]),
    helper.make_node("QLinearConv",
                     ["xq", "x_s", "x_z", "w1", "w1_s", "w1_z", "y1_s",
                      "y1_z", "b1"], ["y1"], pads=[1, 1, 1, 1],
                     kernel_shape=[3, 3]),
    helper.make_node("MaxPool", ["y1"], ["p1"], kernel_shape=[2, 2],
                     strides=[2, 2]),
    helper.make_node("QLinearConv",
                     ["p1", "y1_s", "y1_z", "w2", "w2_s", "w2_z", "y2_s",
                      "y2_z"], ["y2"], strides=[2, 2], kernel_shape=[2, 2]),
    helper.make_node("Flatten", ["y2"], ["f2"], axis=1),
    helper.make_node("QLinearMatMul",
                     ["f2", "y2_s", "y2_z", "w3", "w3_s", "w3_z", "y3_s",
                      "y3_z"], ["y3"]),
    helper.make_node("DequantizeLinear", ["y3", "y3_s", "y3_z"], ["output"]),
]
graph = helper.make_graph(
    nodes, "qop_small",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                   ["batch", 3, 9, 7])],
    [helper.make_tensor_value_info("output", TensorProto.FLOAT,
                                   ["batch", 4])],
    inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                          producer_name="enpu-tests")
model.ir_version = 7
onnx.checker.check_model(model, full_check=True)
onnx.save(model, out)
print(out)
