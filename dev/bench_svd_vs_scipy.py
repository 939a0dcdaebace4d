#!/usr/bin/env python3
"""Whole-process timing: `jobs/penrose svd --rank K` against scipy (mmread + svds) on the same file.

Runs the two alternately (interleaved, so machine noise hits both), prints every time, the medians
and their ratio. Needs numpy and scipy (Debian: python3-numpy python3-scipy); not used by the tests.

    python3 dev/bench_svd_vs_scipy.py [--runs 3] [--rank 100] [--partitions 2] [matrix.mtx.gz]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = os.path.join(ROOT, "..", "shared", "data", "sparse", "debian_packages", "debian_packages.mtx.gz")

SCIPY = """
import sys, scipy.io, scipy.sparse.linalg as sla
a = scipy.io.mmread(sys.argv[1]).tocsr()
u, s, vt = sla.svds(a, k=int(sys.argv[2]))
print(max(s))
"""


def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    p = argparse.ArgumentParser()
    p.add_argument("matrix", nargs="?", default=DEFAULT)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--rank", type=int, default=100)
    p.add_argument("--partitions", type=int, default=2)
    p.add_argument("--master", default="local[2]")
    args = p.parse_args()
    out = tempfile.mkdtemp(prefix="penrose-svd-bench-")
    penrose = [os.path.join(ROOT, "jobs", "penrose"), "svd", "--master", args.master, "--input", args.matrix,
               "--rank", str(args.rank), "--partitions", str(args.partitions), "--output-dir", out]
    scipy = [sys.executable, "-c", SCIPY, args.matrix, str(args.rank)]
    timed(penrose)  # builds the jar and resolves the classpath on a first run; not timed
    times = {"penrose": [], "scipy": []}
    for run in range(args.runs):
        times["penrose"].append(timed(penrose))
        times["scipy"].append(timed(scipy))
        print(f"run {run + 1}: penrose svd {times['penrose'][-1]:.2f} s, scipy mmread + svds {times['scipy'][-1]:.2f} s",
              flush=True)
    mp = statistics.median(times["penrose"])
    ms = statistics.median(times["scipy"])
    print(f"medians: penrose {mp:.2f} s, scipy {ms:.2f} s, ratio {mp / ms:.2f}")


if __name__ == "__main__":
    main()
