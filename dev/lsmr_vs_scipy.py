"""LSMR, Penrose against scipy, whole process, interleaved runs, medians: `jobs/penrose lstsq --method lsmr`
against `python -c "mmread + scipy.sparse.linalg.lsmr"` on the same Matrix Market file and right-hand side,
at the same damp/atol/btol; prints both times, their ratio, the iterations and the solutions' relative
difference, and both solutions' backward-error certificates ||A^T r|| / (||A||_F ||r||) computed here from them
(one scale for both; LSMR's own estimate of ||A|| differs between runs). `--deflate K` passes Penrose's
preconditioner from A's K largest singular triplets from the start (0: never; without it, Penrose's automatic
deflation), and `--penrose-tol` a tolerance of its own (to compare at equal certificates). Usage (from the repository root; the jar built, numpy and scipy installed):

    python3 dev/lsmr_vs_scipy.py [--input data/sparse/debian_packages/debian_packages.mtx.gz]
        [--rhs data/sparse/debian_packages/debian_packages_label.mtx] [--repeat 5]
        [--setting DAMP:TOL ...]   (default 1:1e-10 and 0:1e-8) [--deflate K] [--penrose-tol T]
        [--one-hot ROWS:COLS]      (a generated one-hot regression instead of --input/--rhs)
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


def one_hot_problem(rows, cols, directory, seed=0):
    """A one-hot regression as files, the shape of the bench's OneHotProblem (numpy's draws, not the same numbers):
    two dummy-coded categorical features (90% and 10% of the levels, level 0 the reference, storing nothing), four
    Gaussian numeric features and an intercept column; A as Matrix Market (coordinate), b as .npy."""
    from scipy.io import mmwrite
    from scipy.sparse import coo_matrix
    rng = np.random.default_rng(seed)
    numeric = 4
    levels = cols - numeric - 1 + 2
    first_levels = int(levels * 0.9)
    second_levels = levels - first_levels
    first = rng.integers(first_levels, size=rows)
    second = rng.integers(second_levels, size=rows)
    x = rng.standard_normal((rows, numeric))
    label = (1 + rng.standard_normal(first_levels)[first] + rng.standard_normal(second_levels)[second]
             + x @ (0.5 * np.arange(1, numeric + 1)) + 0.1 * rng.standard_normal(rows))
    index = np.arange(rows)
    r = [index[first > 0], index[second > 0]] + [index] * (numeric + 1)
    c = [first[first > 0] - 1, first_levels - 1 + second[second > 0] - 1] + [
        np.full(rows, cols - numeric - 1 + j) for j in range(numeric + 1)]
    v = [np.ones((first > 0).sum()), np.ones((second > 0).sum())] + [x[:, j] for j in range(numeric)] + [
        np.ones(rows)]
    a = coo_matrix((np.concatenate(v), (np.concatenate(r), np.concatenate(c))), shape=(rows, cols))
    a_path, b_path = os.path.join(directory, "one_hot.mtx"), os.path.join(directory, "one_hot_b.npy")
    mmwrite(a_path, a)
    np.save(b_path, label)
    return a_path, b_path


def timed(command):
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def arguments():
    """The command line's parser (README's commands are checked against it by a test)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", default="data/sparse/debian_packages/debian_packages.mtx.gz")
    parser.add_argument("--rhs", default="data/sparse/debian_packages/debian_packages_label.mtx")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--setting", nargs="*", default=["1:1e-10", "0:1e-8"])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--deflate", type=int)
    parser.add_argument("--penrose-tol")
    parser.add_argument("--one-hot", metavar="ROWS:COLS",
                        help="instead of --input/--rhs: a generated one-hot regression of that shape")
    return parser


def main():
    args = arguments().parse_args()
    if args.one_hot:
        rows, cols = (int(v) for v in args.one_hot.split(":"))
        args.input, args.rhs = one_hot_problem(rows, cols, tempfile.mkdtemp(prefix="lsmr-one-hot-"))
    from scipy.io import mmread
    from scipy.sparse.linalg import norm as sparse_norm
    a = mmread(args.input).tocsr()
    b = np.asarray(mmread(args.rhs)).ravel() if not args.rhs.endswith(".npy") else np.load(args.rhs)

    def certificate(x):
        r = b - a @ x
        return np.linalg.norm(a.T @ r) / (sparse_norm(a) * np.linalg.norm(r))

    scratch = tempfile.mkdtemp(prefix="lsmr-bench-")
    for setting in args.setting:
        damp, tol = setting.split(":")
        penrose_tol = args.penrose_tol or tol
        deflation = ["--deflate", str(args.deflate)] if args.deflate is not None else []
        ours, theirs = [], []
        for i in range(args.repeat):  # interleaved
            report = os.path.join(scratch, "report.json")
            t, _ = timed(["jobs/penrose", "--master", args.master, "--driver-memory", "8g", "lstsq", "--input",
                          args.input, "--rhs", args.rhs, "--method", "lsmr", "--damp", damp, "--atol",
                          penrose_tol, "--btol", penrose_tol, "--max-iterations", "1000000", *deflation,
                          "--output", os.path.join(scratch, "x_penrose.npy"), "--report", report])
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
        print(f"damp {damp}, atol = btol = {tol} (penrose {penrose_tol}): penrose {p:.2f} s (median of "
              f"{args.repeat}: {', '.join(f'{t:.2f}' for t in ours)}), scipy {s:.2f} s "
              f"({', '.join(f'{t:.2f}' for t in theirs)}), ratio {p / s:.2f}; iterations "
              f"{penrose_report['iterations']} vs {scipy_report['iterations']}; certificates on ||A||_F "
              f"{certificate(x_penrose):.3g} vs {certificate(x_scipy):.3g} ({penrose_report['columns'][0]['where']}); "
              f"||x_penrose - x_scipy|| / ||x_scipy|| = {difference:.2e}")


if __name__ == "__main__":
    main()
