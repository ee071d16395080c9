# SPDX-License-Identifier: MIT
"""The Python binding against the digits models and their reference logits.

models/digits_ref_{int8,fp32}.npy are the logits of the test split computed
when the models were made (the int8 ones by the NumPy reference of the int8
program, see models/README.md); the int8 run must match them bit for bit,
the float run within float32 rounding.
"""
import gc
import os
import subprocess
import sys
import tempfile
import threading
import unittest

import numpy as np

import accel

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
M = os.path.join(TOP, "models")
X = np.load(os.path.join(M, "digits_test_x.npy"))
Y = np.load(os.path.join(M, "digits_test_y.npy"))
REF8 = np.load(os.path.join(M, "digits_ref_int8.npy"))
REF32 = np.load(os.path.join(M, "digits_ref_fp32.npy"))


class Basics(unittest.TestCase):
    def test_version(self):
        self.assertRegex(accel.__version__, r"^\d+\.\d+\.\d+$")

    def test_devices(self):
        d = accel.devices()
        self.assertGreaterEqual(len(d), 1)
        self.assertEqual(d[0]["kind"], "cpu")
        self.assertTrue(d[0]["usable"])
        self.assertGreater(d[0]["engines"], 0)

    def test_context_options(self):
        ctx = accel.Context(device="cpu", threads=1, kernels="scalar", quiet=True)
        self.assertEqual(ctx.device, "cpu")
        self.assertEqual(ctx.threads, 1)
        self.assertEqual(ctx.kernels, "scalar")
        for bad in ({"device": "gpu"}, {"threads": -1}, {"kernels": "sse9"},
                    {"submit": "carrier-pigeon"}):
            with self.assertRaises(ValueError, msg=str(bad)):
                accel.Context(**bad)
        with self.assertRaises(TypeError):
            accel.Context("cpu")        # options are keyword-only


class Runs(unittest.TestCase):
    def setUp(self):
        self.ctx = accel.Context(device="cpu", quiet=True)
        self.m8 = self.ctx.load(os.path.join(M, "digits_int8.onnx"))

    def test_interface(self):
        self.assertEqual(self.m8.inputs, [("input", np.dtype(np.float32), ("batch", 1, 8, 8))])
        self.assertEqual(self.m8.outputs, [("logits", np.dtype(np.float32), ("batch", 10))])
        self.assertIsNone(self.m8.engine)   # not run yet
        md = self.m8.metadata
        self.assertEqual(md["producer_name"], "enpu-models/make_digits.py")
        self.assertEqual(md["graph_name"], "digits_int8")
        self.assertEqual(md["opset"], 13)
        self.assertGreater(md["nodes"], 10)

    def test_int8_bit_exact(self):
        (y,) = self.m8.run(X)
        self.assertEqual(y.shape, (len(X), 10))
        self.assertEqual(y.dtype, np.float32)
        self.assertTrue(np.array_equal(y, REF8))
        self.assertEqual(self.m8.engine, "int8")
        self.assertEqual(self.m8.device, "cpu")
        # accuracy as recorded in models/digits_metrics.json is high: the
        # argmax agrees with the labels for nearly all
        self.assertGreater(np.mean(y.argmax(1) == Y), 0.9)

    def test_fp32(self):
        m = self.ctx.load(os.path.join(M, "digits_fp32.onnx"))
        (y,) = m.run(X)
        np.testing.assert_allclose(y, REF32, rtol=1e-4, atol=1e-4)
        self.assertEqual(m.engine, "fp32")

    def test_inputs_by_name_position_and_cast(self):
        x = X[:4]
        (a,) = self.m8.run(x)
        (b,) = self.m8.run({"input": x})
        (c,) = self.m8.run([x])
        (d,) = self.m8.run(x.astype(np.float64))        # same-kind cast: a copy
        (e,) = self.m8.run(np.asfortranarray(x))        # not C order: a copy
        (f,) = self.m8.run([x.tolist()])                # any array-like
        for o in (b, c, d, e, f):
            self.assertTrue(np.array_equal(a, o))
        self.assertTrue(np.array_equal(a, REF8[:4]))

    def test_load_bytes(self):
        with open(os.path.join(M, "digits_int8.onnx"), "rb") as f:
            m = self.ctx.load(f.read())
        (y,) = m.run(X[:2])
        self.assertTrue(np.array_equal(y, REF8[:2]))

    def test_outputs_own_their_memory(self):
        (y,) = self.m8.run(X[:3])
        self.assertTrue(y.flags.owndata is False and y.base is not None)
        del self.m8
        gc.collect()
        self.assertTrue(np.array_equal(y, REF8[:3]))   # outlives the model

    def test_errors(self):
        with self.assertRaises(accel.Error) as cm:
            self.ctx.load(os.path.join(M, "no-such-model.onnx"))
        self.assertEqual(cm.exception.errno, 2)
        self.assertIn("no-such-model.onnx", str(cm.exception))
        with tempfile.NamedTemporaryFile(suffix=".onnx") as t:
            with open(os.path.join(M, "digits_int8.onnx"), "rb") as f:
                t.write(f.read()[:3000])
            t.flush()
            with self.assertRaises(accel.Error) as cm:
                self.ctx.load(t.name)
            self.assertGreater(cm.exception.errno, 0)
        with self.assertRaises(accel.Error) as cm:
            self.m8.run(np.zeros((1, 1, 9, 8), np.float32))
        self.assertIn("dimension 2 is 9", str(cm.exception))
        with self.assertRaises(TypeError):
            self.m8.run(np.array([["a"] * 8] * 8))          # strings
        with self.assertRaises(KeyError):
            self.m8.run({"nope": X[:1]})
        with self.assertRaises(ValueError):
            self.m8.run([X[:1], X[:1]])                       # two for one input
        with self.assertRaises(ValueError):
            self.m8.run(np.zeros((1,) * 9, np.float32))       # rank > 8

    def test_async(self):
        n = 20
        for i in range(n):
            self.m8.submit(X[i:i + 1], user_data=("row", i))
        got = {}
        while len(got) < n:
            for user, outs, err in self.ctx.wait(min=1):
                self.assertIsNone(err)
                got[user[1]] = outs[0]
        self.assertEqual(self.ctx.pending, 0)
        for i in range(n):
            self.assertTrue(np.array_equal(got[i], REF8[i:i + 1]), i)
        self.assertEqual(self.ctx.wait(min=0), [])    # poll: nothing left

    def test_close_rules(self):
        ctx = accel.Context(device="cpu", quiet=True)
        m = ctx.load(os.path.join(M, "digits_int8.onnx"))
        with self.assertRaises(RuntimeError):
            ctx.close()                                  # a model is open
        m.close()
        with self.assertRaises(ValueError):
            m.run(X[:1])
        ctx.close()
        with self.assertRaises(ValueError):
            ctx.load(os.path.join(M, "digits_int8.onnx"))
        with accel.Context(device="cpu", quiet=True) as c2:
            self.assertEqual(c2.device, "cpu")
        with self.assertRaises(ValueError):
            c2.device

    def test_threads_in_parallel(self):
        # the GIL is released during runs: several Python threads at once,
        # each on its own model (runs of one form are serialised anyway)
        models = [self.ctx.load(os.path.join(M, "digits_int8.onnx")) for _ in range(3)]
        errors = []

        def work(m, k):
            try:
                for r in range(5):
                    lo = (k * 37 + r * 11) % (len(X) - 8)
                    (y,) = m.run(X[lo:lo + 8])
                    if not np.array_equal(y, REF8[lo:lo + 8]):
                        errors.append((k, r))
            except Exception as e:          # pragma: no cover - reported
                errors.append(e)
        ts = [threading.Thread(target=work, args=(m, k)) for k, m in enumerate(models)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(errors, [])

    def test_helpers(self):
        (y,) = accel.run(os.path.join(M, "digits_int8.onnx"), X[:5], device="cpu", quiet=True)
        self.assertTrue(np.array_equal(y, REF8[:5]))


class Subprocess(unittest.TestCase):
    def test_no_device_error_is_typed(self):
        # device='npu' without /dev/accel: DeviceError (-ENODEV)
        if any(d["kind"] == "npu" and d["usable"] for d in accel.devices()):
            self.skipTest("an NPU is present")
        with self.assertRaises(accel.DeviceError) as cm:
            accel.Context(device="npu")
        self.assertEqual(cm.exception.errno, 19)

    def test_import_from_a_fresh_interpreter(self):
        out = subprocess.run([sys.executable, "-c", "import accel; print(accel.__doc__.split(chr(10))[0])"],
                             capture_output=True, text=True, env=os.environ, check=True)
        self.assertIn("libaccel from Python", out.stdout)


if __name__ == "__main__":
    unittest.main()
