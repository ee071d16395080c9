#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Score a data set across Dask workers with libaccel.

    dask_score.py MODEL.onnx DATA.npy [--workers N] [--chunk ROWS]
                  [--device cpu|npu|auto] [--labels Y.npy]
                  [--reference LOGITS.npy] [--out LOGITS.npy]

DATA.npy has a leading batch axis.  A local Dask cluster of N worker
processes (one thread each) scores it in chunks of ROWS; every worker loads
the model once and keeps it for all the chunks it gets.  The logits come
back in row order.  --labels reports accuracy, --reference fails (exit 1)
unless the logits are bit-identical to a reference (as an int8 model's
must be wherever it runs), --out saves them.
"""
import argparse
import sys
import time

import numpy as np
from distributed import Client, LocalCluster, get_worker

import accel

_models = {}


def _model(path, device):
    """The worker's model for (path, device), loaded on first use."""
    m = _models.get((path, device))
    if m is None:
        m = accel.Context(device=device, quiet=True).load(path)
        _models[(path, device)] = m
    return m


def score(chunk, path, device):
    """Logits of one chunk, and which worker computed them."""
    (y,) = _model(path, device).run(np.ascontiguousarray(chunk))
    return y, get_worker().address


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("data")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=64)
    ap.add_argument("--device", default="auto", choices=["cpu", "npu", "auto"])
    ap.add_argument("--labels")
    ap.add_argument("--reference")
    ap.add_argument("--out")
    a = ap.parse_args()
    if a.workers < 1 or a.chunk < 1:
        ap.error("--workers and --chunk must be at least 1")
    x = np.load(a.data)
    # fail here, not on a worker, if the model or the data do not fit
    (name, dtype, shape), = accel.load(a.model, device="cpu", quiet=True).inputs[:1]
    x = x.astype(dtype, copy=False)
    if x.ndim != len(shape):
        sys.exit("dask_score: %s has rank %d, input '%s' wants %s" % (a.data, x.ndim, name, shape))
    chunks = [x[i:i + a.chunk] for i in range(0, len(x), a.chunk)]
    with LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        t0 = time.monotonic()
        futures = client.map(score, chunks, path=a.model, device=a.device, pure=False)
        results = client.gather(futures)
        secs = time.monotonic() - t0
    y = np.concatenate([r[0] for r in results])
    used = {}
    for (part, worker), c in zip(results, chunks):
        used[worker] = used.get(worker, 0) + len(c)
    print("scored %d rows in %d chunks on %d of %d workers in %.2f s (%s)" %
          (len(y), len(chunks), len(used), a.workers, secs,
           ", ".join("%d rows" % n for n in sorted(used.values(), reverse=True))))
    ok = True
    if a.labels:
        labels = np.load(a.labels)
        print("accuracy: %.4f" % float(np.mean(y.argmax(axis=1) == labels)))
    if a.reference:
        ref = np.load(a.reference)
        same = ref.shape == y.shape and np.array_equal(ref, y)
        print("logits vs %s: %s" % (a.reference, "bit-identical" if same else "DIFFERENT"))
        ok = same
    if a.out:
        np.save(a.out, y)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
