# SPDX-License-Identifier: MIT
"""examples/dask_score.py: the digits test split scored across two Dask
worker processes comes back in row order, bit-identical to the reference
logits; a wrong reference fails the run."""
import os
import subprocess
import sys
import unittest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
M = os.path.join(TOP, "models")
SCRIPT = os.path.join(TOP, "examples", "dask_score.py")


def score(*extra):
    return subprocess.run(
        [sys.executable, SCRIPT, os.path.join(M, "digits_int8.onnx"),
         os.path.join(M, "digits_test_x.npy"), "--workers", "2", "--chunk", "40",
         "--device", "cpu", "--labels", os.path.join(M, "digits_test_y.npy"), *extra],
        capture_output=True, text=True, env=os.environ, timeout=600)


class DaskScore(unittest.TestCase):
    def test_bit_identical_across_workers(self):
        r = score("--reference", os.path.join(M, "digits_ref_int8.npy"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"scored 360 rows in 9 chunks on [12] of 2 workers")
        self.assertIn("bit-identical", r.stdout)
        self.assertRegex(r.stdout, r"accuracy: 0\.9[0-9]{3}")

    def test_wrong_reference_fails(self):
        r = score("--reference", os.path.join(M, "digits_ref_fp32.npy"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("DIFFERENT", r.stdout)


if __name__ == "__main__":
    unittest.main()
