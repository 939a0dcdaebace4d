#!/usr/bin/env python3
"""Whole-process timings of Penrose's CLI against the same computation in numpy/scipy, interleaved.

    python3 dev/bench_vs_python.py lstsq [--runs 3] [--rows 1000000] [--cols 100]
    python3 dev/bench_vs_python.py svd [--runs 3] [--rank 100] [--partitions 2] [--scipy-writes] [matrix.mtx.gz]

lstsq: `jobs/penrose lstsq` on a generated m x n .npy (written once, with numpy, under
/tmp/penrose-bench-lstsq-MxN) against `numpy.load` + `numpy.linalg.lstsq`. svd: `jobs/penrose svd
--rank K` on a Matrix Market file (default data/sparse/debian_packages) against scipy's
`mmread` + `svds(k=K)` (with --scipy-writes, + `numpy.save` of U, S, V, as Penrose writes them). The two alternate, so machine noise hits both; every time, the medians and
their ratio are printed. Needs numpy (and scipy for svd); not used by the tests.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEBIAN = os.path.join(ROOT, "data", "sparse", "debian_packages", "debian_packages.mtx.gz")

NUMPY_LSTSQ = """
import sys, numpy as np
a = np.load(sys.argv[1]); b = np.load(sys.argv[2])
x = np.linalg.lstsq(a, b, rcond=None)[0]
np.save(sys.argv[3], x)
"""

SCIPY_SVDS = """
import os, sys, numpy as np, scipy.io, scipy.sparse.linalg as sla
a = scipy.io.mmread(sys.argv[1]).tocsr()
u, s, vt = sla.svds(a, k=int(sys.argv[2]))
if len(sys.argv) > 3:  # --scipy-writes: U, S, V to .npy files, as Penrose writes them (descending)
    order = np.argsort(s)[::-1]
    np.save(os.path.join(sys.argv[3], "U.npy"), u[:, order])
    np.save(os.path.join(sys.argv[3], "S.npy"), s[order])
    np.save(os.path.join(sys.argv[3], "V.npy"), vt[order].T)
print(max(s))
"""


def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def lstsq_commands(args):
    import numpy as np
    folder = f"/tmp/penrose-bench-lstsq-{args.rows}x{args.cols}"
    a_path, b_path = os.path.join(folder, "A.npy"), os.path.join(folder, "b.npy")
    if not os.path.exists(b_path):
        os.makedirs(folder, exist_ok=True)
        rng = np.random.default_rng(1)
        a = rng.standard_normal((args.rows, args.cols))
        np.save(a_path, a)
        np.save(b_path, a @ rng.standard_normal(args.cols) + 0.01 * rng.standard_normal(args.rows))
        del a
    out = tempfile.mkdtemp(prefix="penrose-bench-")
    penrose = [os.path.join(ROOT, "jobs", "penrose"), "lstsq", "--master", args.master, "--input", a_path,
               "--rhs", b_path, "--output", os.path.join(out, "x.npy")]
    python = [sys.executable, "-c", NUMPY_LSTSQ, a_path, b_path, os.path.join(out, "x_numpy.npy")]
    return penrose, python, "numpy load + lstsq"


def svd_commands(args):
    out = tempfile.mkdtemp(prefix="penrose-bench-")
    penrose = [os.path.join(ROOT, "jobs", "penrose"), "svd", "--master", args.master, "--input", args.matrix,
               "--rank", str(args.rank), "--partitions", str(args.partitions), "--output-dir", out]
    python = [sys.executable, "-c", SCIPY_SVDS, args.matrix, str(args.rank)]
    if args.scipy_writes:
        python.append(tempfile.mkdtemp(prefix="penrose-bench-scipy-"))
        return penrose, python, "scipy mmread + svds + np.save"
    return penrose, python, "scipy mmread + svds"


def arguments():
    """The command line's parser (README's commands are checked against it by a test)."""
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["lstsq", "svd"])
    p.add_argument("matrix", nargs="?", default=DEBIAN)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--rows", type=int, default=1000000)
    p.add_argument("--cols", type=int, default=100)
    p.add_argument("--rank", type=int, default=100)
    p.add_argument("--partitions", type=int, default=2)
    p.add_argument("--master", default="local[2]")
    p.add_argument("--scipy-writes", action="store_true",
                   help="svd: scipy also writes U, S, V to .npy files, as Penrose does")
    return p


def main():
    args = arguments().parse_args()
    penrose, python, label = lstsq_commands(args) if args.what == "lstsq" else svd_commands(args)
    timed(penrose)  # builds the jar, resolves the classpath and the class-data archive on a first run
    timed(python)  # brings the files into the page cache for both
    times = {"penrose": [], "python": []}
    for run in range(args.runs):
        times["penrose"].append(timed(penrose))
        times["python"].append(timed(python))
        print(f"run {run + 1}: penrose {args.what} {times['penrose'][-1]:.2f} s, {label} {times['python'][-1]:.2f} s",
              flush=True)
    mp = statistics.median(times["penrose"])
    mq = statistics.median(times["python"])
    print(f"medians: penrose {mp:.2f} s, {label} {mq:.2f} s, ratio {mp / mq:.2f}")


if __name__ == "__main__":
    main()
