#!/usr/bin/python3
"""Generate tests/models/data/ctrlflow/: control-flow models and references.

Models (ONNX opset 13, built with onnx.helper):
  if_data     If whose condition is computed from the input (sum(x) > 0):
              then x * 2 (an initializer of the branch), else x - c (c an
              initializer of the main graph, read from the branch).
  loop_if     Loop, M = 4, cond absent, over acc [2]: the body holds an If
              on (i mod 2 == 0) whose branches read acc (the body's value)
              and s = |scale| (computed in the main graph from an input,
              two levels up); the scan output stacks acc per iteration.
  loop_count  Loop with M an input (run with 3 and with 0 iterations) and
              a run-time cond: y = y * 2 + 1 while y < limit.
  loop_zero   Loop, M = 0 constant: carried value unchanged, scan output
              of shape [0, 2].
  loop_swap   Loop, M = 5: Fibonacci, (a, b) = (b, a + b), the body returning
              its inputs b and a straight through (as carried value and as
              scan output), so outputs alias inputs.
  scan_rev    Scan, 1 state, 2 scan inputs: a forward along axis 0 and b
              reversed along axis 1; scan outputs: the running sum in
              reverse order along axis 1, and a * 10 forward.
  bad_*       refused at load: branch output counts differ, else_branch
              missing, a branch reads a name no graph defines, a branch
              reads its own If's output, a branch reads a value computed
              from its If's output.

For each run case <model>.<case>.in<k>.npy are the inputs and
<model>.<case>.out<k>.npy the outputs, computed here with NumPy following
the ONNX operator definitions (an independent reference: no ONNX runtime).
Run: /usr/bin/python3 tests/models/make_ctrlflow.py
"""
import os

import numpy as np
import onnx
from onnx import TensorProto as TP, helper as h, numpy_helper

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                   "ctrlflow")
os.makedirs(out, exist_ok=True)
F, I64, B = TP.FLOAT, TP.INT64, TP.BOOL


def vi(name, t, shape):
    return h.make_tensor_value_info(name, t, shape)


def const(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def save(name, graph):
    m = h.make_model(graph, opset_imports=[h.make_opsetid("", 13)],
                     producer_name="enpu-tests")
    m.ir_version = 7
    onnx.save(m, os.path.join(out, name + ".onnx"))


def case(model, cname, ins, outs):
    for k, a in enumerate(ins):
        np.save(os.path.join(out, "%s.%s.in%d.npy" % (model, cname, k)), a)
    for k, a in enumerate(outs):
        np.save(os.path.join(out, "%s.%s.out%d.npy" % (model, cname, k)), a)


# ---- if_data ---------------------------------------------------------------
then_g = h.make_graph([h.make_node("Mul", ["x", "two"], ["t_out"])],
                      "then", [], [vi("t_out", F, [3])],
                      initializer=[const("two", np.float32([2, 2, 2]))])
else_g = h.make_graph([h.make_node("Sub", ["x", "c"], ["e_out"])],
                      "else", [], [vi("e_out", F, [3])])
g = h.make_graph([
    h.make_node("ReduceSum", ["x"], ["sum"], keepdims=0),
    h.make_node("Greater", ["sum", "zero"], ["cond"]),
    h.make_node("If", ["cond"], ["y"], name="if_data",
                then_branch=then_g, else_branch=else_g),
], "if_data", [vi("x", F, [3])], [vi("y", F, [3])],
    initializer=[const("zero", np.float32(0)),
                 const("c", np.float32([1, 2, 3]))])
save("if_data", g)
for cname, x in (("pos", np.float32([1, -2, 4])),
                 ("neg", np.float32([-1, 0.5, -3]))):
    y = x * 2 if x.sum() > 0 else x - np.float32([1, 2, 3])
    case("if_data", cname, [x], [y.astype(np.float32)])

# ---- loop_if ---------------------------------------------------------------
add_g = h.make_graph([h.make_node("Add", ["acc_in", "s"], ["a_out"])],
                     "even", [], [vi("a_out", F, [2])])
mul_g = h.make_graph([h.make_node("Mul", ["acc_in", "half"], ["m_out"])],
                     "odd", [], [vi("m_out", F, [2])],
                     initializer=[const("half", np.float32(0.5))])
body = h.make_graph([
    h.make_node("Mod", ["i", "two_i"], ["r"]),
    h.make_node("Equal", ["r", "zero_i"], ["even"]),
    h.make_node("If", ["even"], ["acc_out"], name="inner_if",
                then_branch=add_g, else_branch=mul_g),
    h.make_node("Identity", ["cond_in"], ["cond_out"]),
    h.make_node("Identity", ["acc_out"], ["scan"]),
], "body", [vi("i", I64, []), vi("cond_in", B, []), vi("acc_in", F, [2])],
    [vi("cond_out", B, []), vi("acc_out", F, [2]), vi("scan", F, [2])],
    initializer=[const("two_i", np.int64(2)), const("zero_i", np.int64(0))])
g = h.make_graph([
    h.make_node("Abs", ["scale"], ["s"]),
    h.make_node("Loop", ["M", "", "acc0"], ["acc", "stack"], name="loop",
                body=body),
], "loop_if", [vi("acc0", F, [2]), vi("scale", F, [2])],
    [vi("acc", F, [2]), vi("stack", F, [4, 2])],
    initializer=[const("M", np.int64(4))])
save("loop_if", g)
acc0, scale = np.float32([1, -3]), np.float32([-0.5, 2])
acc, stack = acc0.copy(), []
for i in range(4):
    acc = acc + np.abs(scale) if i % 2 == 0 else acc * np.float32(0.5)
    stack.append(acc.copy())
case("loop_if", "run", [acc0, scale],
     [acc.astype(np.float32), np.stack(stack).astype(np.float32)])

# ---- loop_count ------------------------------------------------------------
body = h.make_graph([
    h.make_node("Mul", ["y_in", "two_f"], ["y2"]),
    h.make_node("Add", ["y2", "one_f"], ["y_out"]),
    h.make_node("ReduceMax", ["y_out"], ["ymax"], keepdims=0),
    h.make_node("Less", ["ymax", "limit"], ["cond_out"]),
], "body", [vi("i", I64, []), vi("cond_in", B, []), vi("y_in", F, [2])],
    [vi("cond_out", B, []), vi("y_out", F, [2])],
    initializer=[const("two_f", np.float32(2)), const("one_f", np.float32(1))])
g = h.make_graph([
    h.make_node("Loop", ["M", "go", "y0"], ["y"], name="loop", body=body),
], "loop_count", [vi("M", I64, []), vi("go", B, []), vi("y0", F, [2]),
                  vi("limit", F, [])],
    [vi("y", F, [2])])
save("loop_count", g)


def loop_count(m, go, y, limit):
    i = 0
    while i < m and go:
        y = y * 2 + 1
        go = y.max() < limit
        i += 1
    return y.astype(np.float32)


for cname, m, lim in (("three", 3, 1000.0), ("zero", 0, 1000.0),
                      ("cond", 10, 20.0)):
    ins = [np.int64(m), np.bool_(True), np.float32([0.5, 1]),
           np.float32(lim)]
    case("loop_count", cname, ins, [loop_count(m, True, ins[2], lim)])

# ---- loop_zero -------------------------------------------------------------
body = h.make_graph([
    h.make_node("Identity", ["cond_in"], ["cond_out"]),
    h.make_node("Neg", ["v_in"], ["v_out"]),
    h.make_node("Identity", ["v_out"], ["scan"]),
], "body", [vi("i", I64, []), vi("cond_in", B, []), vi("v_in", F, [2])],
    [vi("cond_out", B, []), vi("v_out", F, [2]), vi("scan", F, [2])])
g = h.make_graph([
    h.make_node("Loop", ["M", "go", "v0"], ["v", "scan_out"], name="loop",
                body=body),
], "loop_zero", [vi("v0", F, [2])], [vi("v", F, [2]), vi("scan_out", F, [0, 2])],
    initializer=[const("M", np.int64(0)), const("go", np.bool_(True))])
save("loop_zero", g)
v0 = np.float32([3, -4])
case("loop_zero", "run", [v0], [v0, np.zeros((0, 2), np.float32)])

# ---- loop_swap --------------------------------------------------------------
body = h.make_graph([
    h.make_node("Identity", ["cond_in"], ["cond_out"]),
    h.make_node("Add", ["a_in", "b_in"], ["sum"]),
], "body", [vi("i", I64, []), vi("cond_in", B, []), vi("a_in", F, [1]),
            vi("b_in", F, [1])],
    [vi("cond_out", B, []), vi("b_in", F, [1]), vi("sum", F, [1]),
     vi("a_in", F, [1])])
g = h.make_graph([
    h.make_node("Loop", ["M", "", "a0", "b0"], ["a", "b", "as"], name="loop",
                body=body),
], "loop_swap", [vi("a0", F, [1]), vi("b0", F, [1])],
    [vi("a", F, [1]), vi("b", F, [1]), vi("as", F, [5, 1])],
    initializer=[const("M", np.int64(5))])
save("loop_swap", g)
fa, fb, seq = np.float32([0]), np.float32([1]), []
for i in range(5):
    seq.append(fa.copy())
    fa, fb = fb, fa + fb
case("loop_swap", "run", [np.float32([0]), np.float32([1])],
     [fa, fb, np.stack(seq).astype(np.float32)])

# ---- scan_rev --------------------------------------------------------------
body = h.make_graph([
    h.make_node("Add", ["sum_in", "b_t"], ["sum_out"]),
    h.make_node("Identity", ["sum_out"], ["run"]),
    h.make_node("Mul", ["a_t", "ten"], ["a10"]),
], "body", [vi("sum_in", F, [2]), vi("a_t", F, [3]), vi("b_t", F, [2])],
    [vi("sum_out", F, [2]), vi("run", F, [2]), vi("a10", F, [3])],
    initializer=[const("ten", np.float32(10))])
g = h.make_graph([
    h.make_node("Scan", ["init", "a", "b"], ["sum", "runs", "a10s"],
                name="scan", body=body, num_scan_inputs=2,
                scan_input_axes=[0, 1], scan_input_directions=[0, 1],
                scan_output_axes=[1, 0], scan_output_directions=[1, 0]),
], "scan_rev", [vi("init", F, [2]), vi("a", F, [4, 3]), vi("b", F, [2, 4])],
    [vi("sum", F, [2]), vi("runs", F, [2, 4]), vi("a10s", F, [4, 3])])
save("scan_rev", g)
init = np.float32([0.5, -1])
a = np.arange(12, dtype=np.float32).reshape(4, 3) - 5
b = (np.arange(8, dtype=np.float32).reshape(2, 4) * 0.25 + 1).astype(np.float32)
s, runs, a10s = init.copy(), np.zeros((2, 4), np.float32), np.zeros((4, 3), np.float32)
for t in range(4):
    s = s + b[:, 3 - t]          # b scanned in reverse along axis 1
    runs[:, 3 - t] = s           # written in reverse along axis 1
    a10s[t] = a[t] * 10
case("scan_rev", "run", [init, a, b], [s, runs, a10s])

# ---- models refused at load --------------------------------------------------
one = h.make_graph([h.make_node("Neg", ["x"], ["o1"])], "one", [],
                   [vi("o1", F, [3])])
two = h.make_graph([h.make_node("Neg", ["x"], ["o1"]),
                    h.make_node("Abs", ["x"], ["o2"])], "two", [],
                   [vi("o1", F, [3]), vi("o2", F, [3])])


def bad(name, nodes, then_g, else_g, extra_out=None):
    kw = {"then_branch": then_g}
    if else_g is not None:
        kw["else_branch"] = else_g
    nodes = [h.make_node("If", ["cond"], ["y"], name="bad_if", **kw)] + nodes
    g = h.make_graph(nodes, name, [vi("cond", B, []), vi("x", F, [3])],
                     [vi(extra_out or "y", F, [3])])
    save(name, g)


bad("bad_if_count", [], two, one)
bad("bad_if_missing", [], one, None)
undef = h.make_graph([h.make_node("Add", ["x", "nowhere"], ["u"], name="add")],
                     "undef", [], [vi("u", F, [3])])
bad("bad_outer_undef", [], undef, one)
selfref = h.make_graph([h.make_node("Add", ["x", "y"], ["u"], name="add")],
                       "selfref", [], [vi("u", F, [3])])
bad("bad_outer_self", [], selfref, one)
later = h.make_graph([h.make_node("Add", ["x", "z"], ["u"], name="add")],
                     "later", [], [vi("u", F, [3])])
bad("bad_outer_cycle", [h.make_node("Neg", ["y"], ["z"], name="neg")],
    later, one, extra_out="z")

# ---- If on a constant condition: only the branch taken is planned, so the
# branches may differ in shape; with a run-time condition they may not.
neg_g = h.make_graph([h.make_node("Neg", ["x"], ["n_out"])], "neg", [],
                     [vi("n_out", F, None)])
cat_g = h.make_graph([h.make_node("Concat", ["x", "x"], ["c_out"], axis=0)],
                     "cat", [], [vi("c_out", F, None)])
g = h.make_graph([h.make_node("If", ["k"], ["y"], name="if_const",
                              then_branch=neg_g, else_branch=cat_g)],
                 "if_const", [vi("x", F, [3])], [vi("y", F, None)],
                 initializer=[const("k", np.bool_(False))])
save("if_const", g)
x = np.float32([1, 2, -3])
case("if_const", "run", [x], [np.concatenate([x, x])])
g = h.make_graph([h.make_node("If", ["k"], ["y"], name="if_shapes",
                              then_branch=neg_g, else_branch=cat_g)],
                 "if_shapes", [vi("k", B, []), vi("x", F, [3])],
                 [vi("y", F, None)])
save("bad_if_shapes", g)
