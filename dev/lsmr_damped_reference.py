"""The damped LSMR target on debian_packages: Penrose's `lstsq --method lsmr --damp D` against a reference
computed twice, independently of Penrose: scipy's `lsmr` at atol = btol = 1e-14, and the regularized normal
equations `(A^T A + D^2 I) x = A^T b` solved by conjugate gradients (scipy's `cg`, rtol 1e-13; a sparse
direct factorization of `A^T A` fills in past this machine's memory). Prints
the references' agreement and Penrose's relative error (2-norm) at each tolerance, and for each
`--forward-errors` target E the run with `--forward-error E` (its report's bound next to the error). Usage (from
the repository root, the jar built, numpy and scipy installed):

    python3 dev/lsmr_damped_reference.py [--damp 1] [--tolerances 1e-8 1e-10] [--forward-errors 1e-8]
"""

import json

import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.io import mmread
from scipy.sparse.linalg import LinearOperator, cg, lsmr

DATA = "data/sparse/debian_packages/"


def arguments():
    """The command line's parser (README's commands are checked against it by a test)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", default=DATA + "debian_packages.mtx.gz")
    parser.add_argument("--rhs", default=DATA + "debian_packages_label.mtx")
    parser.add_argument("--damp", type=float, default=1.0)
    parser.add_argument("--tolerances", type=float, nargs="*", default=[1e-8, 1e-10])
    parser.add_argument("--forward-errors", type=float, nargs="*", default=[])
    return parser


def main():
    args = arguments().parse_args()
    a = mmread(args.input).tocsr()
    b = np.asarray(mmread(args.rhs)).ravel()
    start = time.perf_counter()
    by_lsmr = lsmr(a, b, damp=args.damp, atol=1e-14, btol=1e-14, maxiter=10 * max(a.shape))
    print(f"scipy lsmr at 1e-14: {by_lsmr[2]} iterations, {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    n = a.shape[1]
    normal = LinearOperator((n, n), matvec=lambda v: a.T @ (a @ v) + args.damp ** 2 * v, dtype=float)
    by_solve, info = cg(normal, a.T @ b, rtol=1e-13, maxiter=200000)
    print(f"cg on the normal equations: {time.perf_counter() - start:.1f} s (info {info})")
    reference = by_lsmr[0]
    agreement = np.linalg.norm(by_solve - reference) / np.linalg.norm(reference)
    print(f"references agree to {agreement:.2e} (relative); ||x|| = {np.linalg.norm(reference):.6g}")
    with tempfile.TemporaryDirectory() as scratch:
        runs = [(f"atol = btol = {tol:g}", ["--atol", str(tol), "--btol", str(tol)]) for tol in args.tolerances]
        runs += [(f"--forward-error {e:g}", ["--forward-error", str(e)]) for e in args.forward_errors]
        for label, options in runs:
            out = os.path.join(scratch, "x.npy")
            report = os.path.join(scratch, "report.json")
            command = ["jobs/penrose", "lstsq", "--input", args.input, "--rhs", args.rhs, "--method", "lsmr",
                       "--damp", str(args.damp), *options, "--output", out, "--report", report]
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                sys.exit(done.stderr[-2000:])
            seconds = time.perf_counter() - start
            x = np.load(out).ravel()
            column = json.load(open(report))["columns"][0]
            error = np.linalg.norm(x - reference) / np.linalg.norm(reference)
            print(f"penrose lsmr, damp {args.damp}, {label}: {seconds:.1f} s whole process, {column['iterations']}"
                  f" iterations, relative error {error:.2e} (against cg: "
                  f"{np.linalg.norm(x - by_solve) / np.linalg.norm(by_solve):.2e}), reported bound"
                  f" {column.get('forward_error_bound', float('nan')):.2e}")


if __name__ == "__main__":
    main()
