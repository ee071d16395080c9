#!/usr/bin/python3
"""libaccel against ONNX Runtime on the zoo bench/make_zoo.py builds.

    /usr/bin/python3 bench/bench.py --build build --ort-dir DIR

(bench/run.sh, `make bench`, prepares everything and calls this.)

Per model and dtype, in one run: batch-1 median latency on 1 and 2 threads
and batch-32 throughput on 2 threads, for libaccel (build/bin/accel-bench,
CPU device) and ONNX Runtime (bench/ort-bench.js).  The fixed cost of one
call, measured on a one-op model per dtype (zoo/overhead_*.onnx), is
subtracted from each runtime's batch-1 latency for the adjusted ratio.
"% of peak" divides 2 x MACs (Conv and Gemm) per second by bench/peak's
measured fp32 FMA or int8 dot-product peak on the same number of threads.

BENCH_QUICK=1: a smoke run of about a minute (short timings, batch 32 only
for one model).  Writes BUILD/bench/results.json.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import shutil
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
BATCH = 32
THREADS = (1, 2)


def sh(cmd, env=None):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True, env=env)
    if r.returncode:
        sys.stderr.write(r.stderr)
        raise SystemExit("bench: %s failed (exit %d)" % (" ".join(cmd), r.returncode))
    return r.stdout


class Accel:
    def __init__(self, build):
        self.bench = os.path.join(build, "bin", "accel-bench")
        self.run = os.path.join(build, "bin", "accel-run")
        help_text = sh([self.bench, "--help"])
        self.has_threads = "--threads" in help_text
        # An accel-bench whose --threads counts offline workers (one
        # context each) has no intra-op threads; later ones do.
        m = re.search(r"--threads\b[^\[\]\n]*?:\s*([^;\n]*)", help_text)
        self.threads_intra = self.has_threads and not (m and "offline" in m.group(1))

    def engine(self, model):
        out = sh([self.run, model, "--random", "--device", "cpu"])
        m = re.search(r"^device:\s*(.*)$", out, re.M)
        return m.group(1) if m else "?"

    def time(self, model, batch, threads, time_s, warmup):
        env = dict(os.environ, ACCEL_THREADS=str(threads))
        cmd = [self.bench, model, "--scenario", "single-stream", "--device",
               "cpu", "--batch", str(batch), "--time", str(time_s),
               "--warmup", str(warmup), "--json"]
        if self.has_threads:
            cmd += ["--threads", str(threads)]
        for line in sh(cmd, env).splitlines():
            if line.startswith("{"):
                r = json.loads(line)
                if r["errors"]:
                    raise SystemExit("accel-bench: %s: %d errors" % (model, r["errors"]))
                return {"median_ms": r["latency_us"]["p50"] / 1000.0,
                        "p90_ms": r["latency_us"]["p90"] / 1000.0,
                        "runs": r["count"]}
        raise SystemExit("accel-bench printed no result for " + model)

    def cpu_per_call(self, model, n):
        """CPU time (user + system) of one batch-1 call, from two runs of
        1 and n calls: loading, compiling and the probe run cancel out, and
        time spent descheduled by other work on the machine does not count."""
        def cpu(count):
            cmd = [self.bench, model, "--scenario", "single-stream", "--device",
                   "cpu", "--count", str(count), "--warmup", "0", "--json"]
            if self.has_threads:
                cmd += ["--threads", "1"]
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                 env=dict(os.environ, ACCEL_THREADS="1"))
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = 0
            if status:
                raise SystemExit("accel-bench %s failed" % model)
            return ru.ru_utime + ru.ru_stime
        return max(cpu(n + 1) - cpu(1), 0.0) / n * 1000.0


def ort_run(ort_dir, jobs):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(jobs, f)
        path = f.name
    try:
        env = dict(os.environ, NODE_PATH=os.path.join(ort_dir, "node_modules"))
        out = json.loads(sh(["node", os.path.join(HERE, "ort-bench.js"), path], env))
    finally:
        os.unlink(path)
    return out["version"], out["results"]


def fmt(x, spec="%.3f"):
    return "-" if x is None else spec % x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--ort-dir", required=True)
    args = ap.parse_args()
    quick = os.environ.get("BENCH_QUICK", "0") not in ("", "0")
    t1, tb, warm = (0.25, 0.5, 2) if quick else (2.0, 4.0, 5)
    zoo_dir = os.path.join(args.build, "bench", "zoo")
    with open(os.path.join(zoo_dir, "zoo.json")) as f:
        zoo = json.load(f)
    peak_cmd = [os.path.join(args.build, "bench", "peak"), "--json"]
    peak = json.loads(sh(peak_cmd))
    accel = Accel(args.build)
    names = sorted(zoo)
    b32_names = names if not quick else names[:1]

    # What runs where: (key, model file, input shape, threads, batch, time)
    plan = []
    for dt in ("fp32", "int8"):
        oh = os.path.join(zoo_dir, "overhead_%s.onnx" % dt)
        for t in THREADS:
            plan.append((("overhead", dt, t, 1), oh, [1, 8], t, 1, t1))
        for n in names:
            f = os.path.join(zoo_dir, zoo[n][dt])
            shape = zoo[n]["input_shape"]
            for t in THREADS:
                plan.append(((n, dt, t, 1), f, shape, t, 1, t1))
            if n in b32_names:
                for t in THREADS:
                    plan.append(((n, dt, t, BATCH), f, [BATCH] + shape[1:],
                                 t, BATCH, tb))

    load0 = loadavg()
    engines = {}
    for n in names:
        for dt in ("fp32", "int8"):
            engines[(n, dt)] = accel.engine(os.path.join(zoo_dir, zoo[n][dt]))
    for dt in ("fp32", "int8"):
        engines[("overhead", dt)] = accel.engine(
            os.path.join(zoo_dir, "overhead_%s.onnx" % dt))

    # Same input, same output?  (Both run the same file; int8 should agree
    # to the quantum, fp32 to rounding.)
    tmp = tempfile.mkdtemp(prefix="bench-")
    checks = []
    rng = np.random.default_rng(7)
    for n in names:
        x = rng.standard_normal(zoo[n]["input_shape"]).astype(np.float32)
        np.save(os.path.join(tmp, n + ".npy"), x)
        x.tofile(os.path.join(tmp, n + ".bin"))
        for dt in ("fp32", "int8"):
            checks.append((n, dt))
    jobs = [{"model": os.path.join(zoo_dir, zoo[n][dt]), "shape": zoo[n]["input_shape"],
             "threads": 1, "input": os.path.join(tmp, n + ".bin"),
             "output": os.path.join(tmp, "%s_%s.ort.bin" % (n, dt))} for n, dt in checks]

    ort_version, ort_res = ort_run(args.ort_dir, jobs)
    agree = {}
    for n, dt in checks:
        lo = os.path.join(tmp, "%s_%s.lib.npy" % (n, dt))
        sh([accel.run, os.path.join(zoo_dir, zoo[n][dt]), "--input",
            os.path.join(tmp, n + ".npy"), "--output", lo, "--device", "cpu"])
        a = np.load(lo).ravel().astype(np.float64)
        b = np.fromfile(os.path.join(tmp, "%s_%s.ort.bin" % (n, dt)), np.float32)
        agree[(n, dt)] = float(np.abs(a - b).max()) if a.size == b.size else float("nan")
    shutil.rmtree(tmp)

    # One model and dtype at a time, ORT then libaccel: both see about the
    # same load from whatever else runs on the machine.
    ort, lib = {}, {}
    groups = []
    for item in plan:
        if not groups or groups[-1][0][0][:2] != item[0][:2]:
            groups.append([])
        groups[-1].append(item)
    for gi, group in enumerate(groups):
        sys.stderr.write("bench: [%d/%d] %s %s\n" % (gi + 1, len(groups), *group[0][0][:2]))
        _, res = ort_run(args.ort_dir, [
            {"model": f, "shape": shape, "threads": t, "time_s": ts,
             "min_runs": 3, "warmup": warm if b == 1 else 1}
            for _, f, shape, t, b, ts in group])
        for item, r in zip(group, res):
            ort[item[0]] = r
        for key, f, shape, t, b, ts in group:
            lib[key] = accel.time(f, b, t, ts, warm if b == 1 else 1)
            if t == 1 and b == 1:
                n = int(min(lib[key]["runs"], max(20, ts * 1000.0 / lib[key]["median_ms"])))
                lib[key]["cpu_ms"] = accel.cpu_per_call(f, n)

    def pk(dt, t):
        """The peak on @t threads: never below one thread's (the wall-time
        figure of several threads drops when other work takes a CPU)."""
        k = "fp32_gflops" if dt == "fp32" else "int8_gops"
        one = peak[k].get("1", 0)
        return max(one, peak[k].get(str(t), 0)) if t > 1 else one

    rows = []
    for n in names:
        for dt in ("fp32", "int8"):
            macs = zoo[n]["macs"]
            row = {"model": n, "dtype": dt, "macs": macs,
                   "max_abs_diff_vs_ort": agree[(n, dt)],
                   "libaccel_engine": engines[(n, dt)], "batch1": {},
                   "batch%d" % BATCH: {}}
            for t in THREADS:
                lo, oo = lib[("overhead", dt, t, 1)], ort[("overhead", dt, t, 1)]
                l, o = lib[(n, dt, t, 1)], ort[(n, dt, t, 1)]
                la = max(l["median_ms"] - lo["median_ms"], 1e-6)
                oa = max(o["median_ms"] - oo["median_ms"], 1e-6)
                row["batch1"][str(t)] = {
                    "libaccel_ms": l["median_ms"], "ort_ms": o["median_ms"],
                    "libaccel_runs": l["runs"], "ort_runs": o["runs"],
                    "ratio": l["median_ms"] / o["median_ms"],
                    "libaccel_cpu_ms": l.get("cpu_ms"), "ort_cpu_ms": o["cpu_ms"],
                    "libaccel_cpu_adj_ms": None if t != 1 else
                    max(l["cpu_ms"] - lo["cpu_ms"], 1e-6),
                    "ort_cpu_adj_ms": max(o["cpu_ms"] - oo["cpu_ms"], 1e-6),
                    "libaccel_adj_ms": la, "ort_adj_ms": oa,
                    "ratio_adjusted": la / oa,
                    "libaccel_pct_peak": 100 * 2 * macs / (l["median_ms"] * 1e-3) / (pk(dt, t) * 1e9),
                    "ort_pct_peak": 100 * 2 * macs / (o["median_ms"] * 1e-3) / (pk(dt, t) * 1e9),
                }
            for t in THREADS:
                k = (n, dt, t, BATCH)
                if k not in lib:
                    continue
                l, o = lib[k], ort[k]
                li, oi = BATCH / (l["median_ms"] * 1e-3), BATCH / (o["median_ms"] * 1e-3)
                p = pk(dt, t) * 1e9
                row["batch%d" % BATCH][str(t)] = {
                    "libaccel_ms": l["median_ms"], "ort_ms": o["median_ms"],
                    "libaccel_ips": li, "ort_ips": oi,
                    "libaccel_pct_peak": 100 * 2 * macs * li / p,
                    "ort_pct_peak": 100 * 2 * macs * oi / p,
                }
            rows.append(row)

    overhead = {dt: {str(t): {"libaccel_ms": lib[("overhead", dt, t, 1)]["median_ms"],
                              "ort_ms": ort[("overhead", dt, t, 1)]["median_ms"],
                              "libaccel_cpu_ms": lib[("overhead", dt, t, 1)].get("cpu_ms"),
                              "ort_cpu_ms": ort[("overhead", dt, t, 1)]["cpu_ms"],
                              "libaccel_engine": engines[("overhead", dt)]}
                     for t in THREADS} for dt in ("fp32", "int8")}

    load1 = loadavg()
    # the peak again: on a shared machine the better of two is the nearer
    peak = best_peak(peak, json.loads(sh(peak_cmd)))

    # ---- the table ----
    print("libaccel vs ONNX Runtime %s (onnxruntime-node, CPU EP, graph optimizations all, "
          "sequential)%s" % (ort_version, "  [BENCH_QUICK]" if quick else ""))
    print("machine: %s, %s; peak (bench/peak, best kernel, better of before and after; 1 thread "
          "per CPU second, %d threads per wall second but at least 1 thread's): fp32 %.0f GFLOP/s "
          "1 thread, %.0f on %d; int8 %.0f GOP/s 1 thread, %.0f on %d" % (
              platform.machine(), cpu_name(), peak["threads"], pk("fp32", 1), pk("fp32", 2), peak["threads"],
              pk("int8", 1), pk("int8", 2), peak["threads"]))
    print("load average (1 min) before / after the measurements: %s / %s: other "
          "work on the machine slows both runtimes" % (load0, load1))
    if not accel.threads_intra:
        print("note: this accel-bench has no intra-op thread option (its --threads "
              "counts offline workers); libaccel ran with --threads N and "
              "ACCEL_THREADS=N, which one request does not use: its 2-thread "
              "figures are 1-thread figures")
    print("fixed cost of one call subtracted in 'adj' (median of a one-op model, batch 1): " +
          "; ".join("%s %d thr: libaccel %.4f ms, ORT %.4f ms" % (
              dt, t, overhead[dt][str(t)]["libaccel_ms"], overhead[dt][str(t)]["ort_ms"])
              for dt in ("fp32", "int8") for t in THREADS) +
          "; CPU time: " + "; ".join("%s: libaccel %.4f ms, ORT %.4f ms" % (
              dt, overhead[dt]["1"]["libaccel_cpu_ms"], overhead[dt]["1"]["ort_cpu_ms"])
              for dt in ("fp32", "int8")))
    print("ratio = libaccel / ORT median latency (< 1: libaccel faster); % peak = 2*MACs/s "
          "over the machine's measured peak on as many threads")
    print()
    hdr = ("%-11s %-4s %6s | %-25s | %-25s | %-17s | %-31s" % (
        "model", "dt", "MMAC", "batch 1, 1 thread", "batch 1, 2 threads",
        "batch %d, 1 thr" % BATCH, "batch %d, 2 threads" % BATCH))
    sub = ("%-11s %-4s %6s | %7s %7s %5s %5s | %7s %7s %5s %5s | %8s %8s | %8s %8s %6s %6s" % (
        "", "", "", "lib ms", "ORT ms", "ratio", "adj", "lib ms", "ORT ms", "ratio",
        "adj", "lib i/s", "ORT i/s", "lib i/s", "ORT i/s", "lib%pk", "ORT%pk"))
    print(hdr)
    print(sub)
    print("-" * len(sub))
    for r in rows:
        cells = []
        for t in THREADS:
            b = r["batch1"][str(t)]
            cells.append("%7.3f %7.3f %5.2f %5.2f" % (b["libaccel_ms"], b["ort_ms"],
                                                    b["ratio"], b["ratio_adjusted"]))
        for t in THREADS:
            b = r["batch%d" % BATCH].get(str(t))
            c = "%8.0f %8.0f" % (b["libaccel_ips"], b["ort_ips"]) if b else "%8s %8s" % ("-", "-")
            if t == THREADS[-1]:
                c += (" %5.1f%% %5.1f%%" % (b["libaccel_pct_peak"], b["ort_pct_peak"])
                      if b else " %6s %6s" % ("-", "-"))
            cells.append(c)
        print("%-11s %-4s %6.2f | %s" % (r["model"], r["dtype"], r["macs"] / 1e6,
                                        " | ".join(cells)))
    print()
    print("batch 1, 1 thread, % of peak: " + ", ".join(
        "%s/%s libaccel %.1f%% ORT %.1f%%" % (r["model"], r["dtype"],
                                              r["batch1"]["1"]["libaccel_pct_peak"],
                                              r["batch1"]["1"]["ort_pct_peak"]) for r in rows))
    print("batch 1, 1 thread, CPU time per call (user + system of the process: "
          "time descheduled by other work does not count, so steadier on a busy "
          "machine; ORT's includes node's own work), libaccel / ORT ms = ratio "
          "(adj: the one-op model's CPU time subtracted):")
    for r in rows:
        b = r["batch1"]["1"]
        print("  %-11s %-4s %8.3f / %7.3f = %5.1f   adj %8.3f / %7.3f = %5.1f" % (
            r["model"], r["dtype"], b["libaccel_cpu_ms"], b["ort_cpu_ms"],
            b["libaccel_cpu_ms"] / b["ort_cpu_ms"], b["libaccel_cpu_adj_ms"],
            b["ort_cpu_adj_ms"], b["libaccel_cpu_adj_ms"] / b["ort_cpu_adj_ms"]))
    print("same input, libaccel vs ORT output, max |difference|: " + ", ".join(
        "%s/%s %.2g" % (r["model"], r["dtype"], r["max_abs_diff_vs_ort"]) for r in rows))
    fallback = [r for r in rows if r["dtype"] == "int8" and "int8" not in r["libaccel_engine"]]
    print("libaccel int8 engine: " + ("every int8 model ran on the int8 command buffer"
                                      if not fallback else "FELL BACK TO FLOAT: " +
                                      ", ".join(r["model"] for r in fallback)))
    res = {"quick": quick, "ort_version": ort_version, "peak": peak,
           "cpu": cpu_name(), "accel_bench_threads_intra_op": accel.threads_intra,
           "overhead_subtracted": overhead, "loadavg": [load0, load1], "batch": BATCH, "rows": rows}
    out = os.path.join(args.build, "bench", "results.json")
    with open(out, "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    print("results: %s" % out)
    return 1 if fallback else 0


def best_peak(a, b):
    for k in ("fp32_gflops", "int8_gops"):
        for t, v in b[k].items():
            if t != "kernel" and v > a[k].get(t, 0):
                a[k][t] = v
    return a


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return f.read().split()[0]
    except OSError:
        return "?"


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip() + ", %d CPUs" % os.cpu_count()
    except OSError:
        pass
    return "?"


if __name__ == "__main__":
    sys.exit(main())
