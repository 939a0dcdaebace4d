package org.penrose.iterative;

/** The driver's small operations in the recurrences (LSMR, Golub-Kahan): n-vector norms and scaling, rotations. */
final class Vectors {
  private Vectors() {}

  /**
   * {@code ||v||_2}: the square root of the sum of squares, summed in four interleaved partial sums ({@code j mod
   * 4}) added as {@code (s0 + s1) + (s2 + s3)}; when that sum is not finite or leaves {@code [2^-900, 2^900]} (a
   * square overflowed, or the entries are so small that their squares lose digits), {@link #scaledNorm} instead.
   */
  static double norm(double[] v) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int j = 0;
    for (int last = v.length - 3; j < last; j += 4) {
      s0 += v[j] * v[j];
      s1 += v[j + 1] * v[j + 1];
      s2 += v[j + 2] * v[j + 2];
      s3 += v[j + 3] * v[j + 3];
    }
    for (; j < v.length; j++) {
      s0 += v[j] * v[j];
    }
    double sum = (s0 + s1) + (s2 + s3);
    return sum >= SAFE_MIN && sum <= SAFE_MAX ? Math.sqrt(sum) : scaledNorm(v);
  }

  private static final double SAFE_MIN = 0x1p-900;
  private static final double SAFE_MAX = 0x1p900;

  /**
   * {@code ||v||_2} as LAPACK's dnrm2 sums it, {@code scale^2 * sum((v_j / scale)^2)} with the running largest
   * {@code |v_j|} as scale: free of overflow and underflow, two divisions per entry.
   */
  static double scaledNorm(double[] v) {
    double scale = 0;
    double sum = 1;
    for (double value : v) {
      if (value != 0) {
        double abs = Math.abs(value);
        if (scale < abs) {
          sum = 1 + sum * (scale / abs) * (scale / abs);
          scale = abs;
        } else {
          sum += (abs / scale) * (abs / scale);
        }
      }
    }
    return scale * Math.sqrt(sum);
  }

  /** {@code factor v}, a new vector. */
  static double[] scaled(double[] v, double factor) {
    double[] out = v.clone();
    scale(out, factor);
    return out;
  }

  /** {@code v <- factor v}. */
  static void scale(double[] v, double factor) {
    for (int j = 0; j < v.length; j++) {
      v[j] *= factor;
    }
  }

  /** {@code (c, s, r)} with {@code [c s; -s c] [a; b] = [r; 0]}, {@code r >= 0} (stable for any magnitudes). */
  static double[] rotation(double a, double b) {
    if (b == 0) {
      return new double[] {a < 0 ? -1 : 1, 0, Math.abs(a)};
    }
    if (a == 0) {
      return new double[] {0, Math.signum(b), Math.abs(b)};
    }
    double r = Math.hypot(a, b);
    return new double[] {a / r, b / r, r};
  }
}
