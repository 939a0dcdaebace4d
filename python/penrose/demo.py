"""``python -m penrose.demo``: a first notebook with Penrose, on a real, ill-conditioned regression.

NIST's Longley data (16 years of US employment against 6 economic series; condition number ~5e9 and
certified coefficients to 15 digits), fitted with ``penrose.ml.LeastSquaresRegression``; then the same
design with a seventh, exactly dependent column (the year counted from 1947: the year minus 1947 times
the intercept), whose rank Penrose finds; the gradient of the minimum-norm fit on the rank-deficient
predictors, checked against central differences along a rank-preserving curve; and a plot of their
singular values with the cut-off (matplotlib).
Writes ``longley_singular_values.png`` to ``--output`` (default: the current folder).
"""

import argparse
import os
import re
import sys

import numpy as np

import penrose
from penrose import linalg

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
LONGLEY = os.path.join(DATA, "Longley.dat")
LOG4J = os.path.join(DATA, "log4j2.properties")


def longley():
    """(X 16 x 6, y 16, certified [B0..B6]) from NIST's file."""
    with open(LONGLEY) as f:
        lines = f.read().splitlines()
    certified = [float(line.split()[1]) for line in lines if re.match(r"\s+B\d+\s", line)]
    rows = np.array([[float(v) for v in line.split()] for line in lines[60:76]])  # "Data (lines 61 to 76)"
    return rows[:, 1:], rows[:, 0], np.array(certified)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m penrose.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=".", help="folder for the plot (default: the current folder)")
    parser.add_argument("--master", default="local[2]", help="Spark master for a new session (default local[2])")
    args = parser.parse_args(argv)
    os.makedirs(args.output, exist_ok=True)

    from pyspark.ml.linalg import Vectors
    from pyspark.sql import SparkSession

    from penrose.ml import LeastSquaresRegression

    # a demo's output: Penrose's log settings (conf/log4j2.properties: warnings only), no progress bar,
    # and a local driver on the loopback interface (as jobs/penrose runs)
    if args.master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (SparkSession.builder.master(args.master).appName("penrose demo")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{LOG4J}"))
    spark = penrose.configure(builder).getOrCreate()
    x, y, certified = longley()
    design = np.column_stack([np.ones(len(y)), x])
    print(f"Longley (NIST StRD): {x.shape[0]} rows, {x.shape[1]} predictors, cond([1 X]) = "
          f"{np.linalg.cond(design):.2g}")

    # 1. the certified regression
    table = spark.createDataFrame([(Vectors.dense(x[i]), float(y[i])) for i in range(len(y))], ["features", "label"])
    model = LeastSquaresRegression().fit(table)
    fitted = np.concatenate([[model.intercept], model.summary.coefficients])
    digits = -np.log10(np.max(np.abs(fitted - certified) / np.abs(certified)))
    print(f"1. fit: rank {model.summary.rank}, {digits:.1f} correct digits against NIST's certified values "
          f"(numpy's lstsq: {_numpy_digits(x, y, certified):.1f})")

    # 2. an exactly dependent column: year - 1947 = x6 - 1947 * intercept
    dependent = np.column_stack([x, x[:, 5] - 1947.0])
    table2 = spark.createDataFrame([(Vectors.dense(dependent[i]), float(y[i])) for i in range(len(y))],
                                   ["features", "label"])
    summary = LeastSquaresRegression().fit(table2).summary
    print(f"2. with year - 1947 as a 7th column: rank {summary.rank} of 8 design columns, dependent "
          f"{summary.dependent_columns}, threshold {summary.threshold:.3g}")

    # 3. gradients of the minimum-norm fit on the rank-deficient predictors (centered, unit-norm columns:
    # year - 1947 is then the year), checked by central differences along A(t) = [B(t), B(t) c], with B
    # the 6 independent columns and A's 7th column B c: the rank stays 6 along the curve
    a = dependent - dependent.mean(axis=0)
    a /= np.linalg.norm(a, axis=0)
    yc = y - y.mean()
    c = np.linalg.lstsq(a[:, :6], a[:, 6], rcond=None)[0]
    rng = np.random.default_rng(0)
    db = rng.standard_normal((len(y), 6))
    da = np.column_stack([db, db @ c])
    gx = rng.standard_normal(7)
    res = linalg.lstsq(a, yc, rtol=1e-10, cotangent=gx, spark=spark)
    analytic = float(np.sum(linalg.to_numpy(res.grad_a) * da))

    def loss(t):
        b = a[:, :6] + t * db
        return gx @ np.linalg.pinv(np.column_stack([b, b @ c]), rcond=1e-10) @ yc

    h = 1e-6
    numeric = (loss(h) - loss(-h)) / (2 * h)
    gradient_error = abs(analytic - numeric) / abs(numeric)
    print(f"3. gradient check (rank {res.rank} of 7): VJP {analytic:.10g}, central differences {numeric:.10g}, "
          f"relative difference {gradient_error:.1e}")

    # 4. the singular values and the cut-off
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.5))
    axes.semilogy(range(1, len(res.singular_values) + 1), res.singular_values, "o-", label="singular values")
    axes.axhline(res.threshold, color="red", linestyle="--", label=f"cut-off {res.threshold:.2g}")
    axes.set_xlabel("index")
    axes.set_title("Longley predictors + year - 1947 (centered, unit norm)")
    axes.legend()
    figure.tight_layout()
    plot = os.path.join(args.output, "longley_singular_values.png")
    figure.savefig(plot, dpi=100)
    print(f"4. plot: {plot}")
    return {"digits": float(digits), "rank": summary.rank, "dependent": summary.dependent_columns,
            "gradient_error": float(gradient_error), "plot": plot}


def _numpy_digits(x, y, certified):
    design = np.column_stack([np.ones(len(y)), x])
    beta = np.linalg.lstsq(design, y, rcond=None)[0]
    return -np.log10(np.max(np.abs(beta - certified) / np.abs(certified)))


if __name__ == "__main__":
    main(sys.argv[1:])
