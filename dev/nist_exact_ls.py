#!/usr/bin/env python3
"""How many certified digits an exact least-squares solve reaches on a NIST StRD polynomial problem
when its data are doubles, in exact rational arithmetic (Python fractions; no numpy).

    python3 dev/nist_exact_ls.py [Filip] [degree]

Prints the LRE (correct significant digits, min over coefficients) of the exact solution for:
exact powers of the decimal x rounded to double; those powers each rounded to double (what a
double design matrix holds; NistStrdFile's Math.pow gives these); and powers by repeated double
multiplication. For Filip: 14.0, 7.6 and 7.9: no solver fed a double design reaches 12 digits.
"""
import math
import os
import re
import sys
from fractions import Fraction

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read(name):
    lines = open(os.path.join(ROOT, "data", "nist_strd", name + ".dat")).read().splitlines()
    start = [k for k, line in enumerate(lines) if line.strip().startswith("Data:")][-1]
    data = [tuple(map(float, line.split())) for line in lines[start + 1:] if line.strip()]
    certified = {}
    for line in lines:
        m = re.match(r"\s*B(\d+)\s+(-?[0-9.]+(?:E[-+]?\d+)?)\s+\S+", line, re.IGNORECASE)
        if m:
            certified[int(m.group(1))] = Fraction(m.group(2))
    return data, certified


def solve(columns, y):
    """Exact normal equations (X^T X) b = X^T y by Gaussian elimination over the rationals."""
    p, n = len(columns), len(y)
    a = [[sum(columns[i][k] * columns[j][k] for k in range(n)) for j in range(p)] for i in range(p)]
    r = [sum(columns[i][k] * y[k] for k in range(n)) for i in range(p)]
    for c in range(p):
        for k in range(c + 1, p):
            f = a[k][c] / a[c][c]
            a[k] = [a[k][j] - f * a[c][j] for j in range(p)]
            r[k] -= f * r[c]
    b = [Fraction(0)] * p
    for c in reversed(range(p)):
        b[c] = (r[c] - sum(a[c][j] * b[j] for j in range(c + 1, p))) / a[c][c]
    return b


def lre(b, certified):
    worst = 15.0
    for j, value in certified.items():
        if b[j] != value:
            worst = min(worst, -math.log10(abs(float((b[j] - value) / value))))
    return worst


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else "Filip"
    data, certified = read(name)
    degree = int(sys.argv[2]) if len(sys.argv) > 2 else len(certified) - 1
    y = [Fraction(d[0]) for d in data]
    x = [Fraction(d[1]) for d in data]
    exact = [[v ** j for v in x] for j in range(degree + 1)]
    rounded = [[Fraction(float(v ** j)) for v in x] for j in range(degree + 1)]
    repeated = []
    for j in range(degree + 1):
        column = []
        for d in data:
            v = 1.0
            for _ in range(j):
                v *= d[1]
            column.append(Fraction(v))
        repeated.append(column)
    print(f"{name}: exact powers of the double x: LRE {lre(solve(exact, y), certified):.1f}")
    print(f"{name}: powers rounded to double: LRE {lre(solve(rounded, y), certified):.1f}")
    print(f"{name}: powers by repeated double multiplication: LRE {lre(solve(repeated, y), certified):.1f}")


if __name__ == "__main__":
    main()
