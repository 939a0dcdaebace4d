"""LSMR, Penrose against scipy, whole process, interleaved runs, medians: `jobs/penrose lstsq --method lsmr`
against `python -c "mmread + scipy.sparse.linalg.lsmr"` on the same Matrix Market file and right-hand side,
at the same damp/atol/btol; prints both times, their ratio, the iterations and the solutions' relative
difference. Usage (from the repository root; the jar built, numpy and scipy installed):

    python3 dev/lsmr_vs_scipy.py [--input data/sparse/debian_packages/debian_packages.mtx.gz]
        [--rhs data/sparse/debian_packages/debian_packages_label.mtx] [--repeat 5]
        [--setting DAMP:TOL ...]   (default 1:1e-10 and 0:1e-8)
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

SCIPY = r"""
import sys, time, json, numpy as np
from scipy.io import mmread
from scipy.sparse.linalg import lsmr
a = mmread(sys.argv[1]).tocsr()
b = np.asarray(mmread(sys.argv[2])).ravel() if not sys.argv[2].endswith(".npy") else np.load(sys.argv[2])
damp, tol = float(sys.argv[3]), float(sys.argv[4])
x, istop, itn = lsmr(a, b, damp=damp, atol=tol, btol=tol, maxiter=max(a.shape) * 10)[:3]
np.save(sys.argv[5], x)
print(json.dumps({"iterations": int(itn), "istop": int(istop)}))
"""


def timed(command):
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", default="data/sparse/debian_packages/debian_packages.mtx.gz")
    parser.add_argument("--rhs", default="data/sparse/debian_packages/debian_packages_label.mtx")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--setting", nargs="*", default=["1:1e-10", "0:1e-8"])
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="lsmr-bench-")
    for setting in args.setting:
        damp, tol = setting.split(":")
        ours, theirs = [], []
        for i in range(args.repeat):  # interleaved
            report = os.path.join(scratch, "report.json")
            t, _ = timed(["jobs/penrose", "--master", args.master, "--driver-memory", "8g", "lstsq", "--input",
                          args.input, "--rhs", args.rhs, "--method", "lsmr", "--damp", damp, "--atol", tol,
                          "--btol", tol, "--max-iterations", "1000000", "--output",
                          os.path.join(scratch, "x_penrose.npy"), "--report", report])
            ours.append(t)
            t, out = timed([sys.executable, "-c", SCIPY, args.input, args.rhs, damp, tol,
                            os.path.join(scratch, "x_scipy.npy")])
            theirs.append(t)
        with open(report) as f:
            penrose_report = json.load(f)
        scipy_report = json.loads(out.strip().splitlines()[-1])
        x_penrose = np.load(os.path.join(scratch, "x_penrose.npy")).ravel()
        x_scipy = np.load(os.path.join(scratch, "x_scipy.npy")).ravel()
        difference = np.linalg.norm(x_penrose - x_scipy) / np.linalg.norm(x_scipy)
        p, s = statistics.median(ours), statistics.median(theirs)
        print(f"damp {damp}, atol = btol = {tol}: penrose {p:.2f} s (median of {args.repeat}), scipy {s:.2f} s, "
              f"ratio {p / s:.2f}; iterations {penrose_report['iterations']} vs {scipy_report['iterations']}; "
              f"certificate {penrose_report['columns'][0]['certificate']:.3g} "
              f"({penrose_report['columns'][0]['where']}); ||x_penrose - x_scipy|| / ||x_scipy|| = {difference:.2e}")


if __name__ == "__main__":
    main()
