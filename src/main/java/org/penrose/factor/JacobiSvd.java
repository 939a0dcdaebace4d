package org.penrose.factor;

import java.util.Arrays;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;

/**
 * Thin SVD of a small {@code q x n} matrix ({@code q <= n}) by one-sided Jacobi rotations
 * (Hestenes), in Java. For the tiny triangles of per-row SQL calls it is several times faster than
 * a LAPACK call ({@code dgesdd} on 4 x 4: about 3 us through the JNI, this about 0.3 us), and it is
 * at least as accurate: one-sided Jacobi computes every singular value to high relative accuracy.
 *
 * <p>Plane rotations {@code J} ({@code n x n}) applied to the columns make the columns of
 * {@code Z = M J} mutually orthogonal; then {@code s_j = ||z_j||}, {@code U = z_j / s_j} and
 * {@code V = J} ({@code M = U diag(s) J^T}), keeping the {@code q} largest. A pair {@code (a, b)} is
 * rotated while {@code |z_a . z_b| > eps * ||z_a|| ||z_b||}; sweeps stop when none is. Rotating the
 * columns makes the result insensitive to how the columns of {@code M} are scaled (Demmel &amp;
 * Veselic 1992), which matters for regression designs whose columns differ by orders of magnitude.
 */
final class JacobiSvd {
  /** Used for {@code q <= MAX_SMALL} rows and {@code n <= MAX_COLUMNS} columns. */
  static final int MAX_SMALL = 16;

  static final int MAX_COLUMNS = 64;

  private static final int MAX_SWEEPS = 60;

  private JacobiSvd() {}

  /** True when {@link #svd} is the one to use for a {@code q x n} matrix. */
  static boolean suits(int q, int n) {
    return q <= MAX_SMALL && n <= MAX_COLUMNS && q <= n;
  }

  /** The thin SVD, singular values descending; as {@link Lapack#svd}. */
  static Lapack.Svd svd(DoubleMatrix m) {
    int q = m.rows();
    int n = m.cols();
    if (q > n) {
      throw new IllegalArgumentException("svd expects q <= n, got " + m.shape());
    }
    if (m.firstNonFinite() >= 0) {
      // NaN compares false everywhere: the sweeps would stop at once and the cut-off report rank 0
      throw new ArithmeticException("svd: the " + m.shape() + " matrix has a non-finite entry");
    }
    double scale = m.maxAbs();
    DoubleMatrix z = m.copy(); // q x n: its columns are rotated until mutually orthogonal
    double[] zv = z.values();
    if (scale > 0 && scale != 1.0) {
      for (int i = 0; i < zv.length; i++) {
        zv[i] /= scale; // keeps squares of tiny or huge entries in range
      }
    }
    double[] j = DoubleMatrix.identity(n).values(); // accumulated rotations, n x n
    double eps = RankCutoff.EPS;
    for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
      boolean rotated = false;
      for (int a = 0; a < n - 1; a++) {
        for (int b = a + 1; b < n; b++) {
          double alpha = 0;
          double beta = 0;
          double gamma = 0;
          for (int i = 0; i < q; i++) {
            double x = zv[i + a * q];
            double y = zv[i + b * q];
            alpha += x * x;
            beta += y * y;
            gamma += x * y;
          }
          if (gamma == 0 || Math.abs(gamma) <= eps * Math.sqrt(alpha) * Math.sqrt(beta)) {
            continue;
          }
          rotated = true;
          // the rotation that zeroes gamma: tan(theta) = t, the smaller root of t^2 + 2 zeta t - 1 = 0
          double zeta = (beta - alpha) / (2 * gamma);
          double t = zeta == 0 ? 1 : Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
          double c = 1 / Math.sqrt(1 + t * t);
          double s = c * t;
          rotate(zv, q, a, b, c, s);
          rotate(j, n, a, b, c, s);
        }
      }
      if (!rotated) {
        break;
      }
    }
    // singular values: the column norms, the q largest in descending order, with their vectors
    double[] sigma = new double[n];
    for (int k = 0; k < n; k++) {
      double sum = 0;
      for (int i = 0; i < q; i++) {
        sum += zv[i + k * q] * zv[i + k * q];
      }
      sigma[k] = Math.sqrt(sum);
    }
    Integer[] order = new Integer[n];
    for (int k = 0; k < n; k++) {
      order[k] = k;
    }
    Arrays.sort(order, (x, y) -> Double.compare(sigma[y], sigma[x]));
    double[] s = new double[q];
    DoubleMatrix u = DoubleMatrix.zeros(q, q);
    DoubleMatrix v = DoubleMatrix.zeros(n, q);
    for (int k = 0; k < q; k++) {
      int from = order[k];
      s[k] = sigma[from] * scale;
      System.arraycopy(j, from * n, v.values(), k * n, n);
      if (sigma[from] > 0) {
        for (int i = 0; i < q; i++) {
          u.values()[i + k * q] = zv[i + from * q] / sigma[from];
        }
      }
    }
    completeBasis(u, s);
    return new Lapack.Svd(u, s, v);
  }

  /**
   * Columns of {@code u} for zero singular values are left as zeros by the rotation; give them unit
   * vectors orthogonal to the others (Gram-Schmidt on the identity), so that {@code u} is orthogonal.
   */
  private static void completeBasis(DoubleMatrix u, double[] s) {
    int q = u.rows();
    double[] uv = u.values();
    int candidate = 0;
    for (int k = 0; k < q; k++) {
      if (s[k] > 0) {
        continue;
      }
      while (candidate < q) {
        double[] e = new double[q];
        e[candidate++] = 1.0;
        for (int pass = 0; pass < 2; pass++) {
          for (int other = 0; other < q; other++) {
            if (other == k) {
              continue;
            }
            double dot = 0;
            for (int i = 0; i < q; i++) {
              dot += uv[i + other * q] * e[i];
            }
            for (int i = 0; i < q; i++) {
              e[i] -= dot * uv[i + other * q];
            }
          }
        }
        double norm = Math.sqrt(DoubleMatrix.sumOfSquares(e));
        if (norm > 0.5) {
          for (int i = 0; i < q; i++) {
            uv[i + k * q] = e[i] / norm;
          }
          break;
        }
      }
    }
  }

  /** Columns a, b of a column-major matrix with {@code rows} rows: (x, y) <- (c x - s y, s x + c y). */
  private static void rotate(double[] values, int rows, int a, int b, double c, double s) {
    for (int i = 0; i < rows; i++) {
      double x = values[i + a * rows];
      double y = values[i + b * rows];
      values[i + a * rows] = c * x - s * y;
      values[i + b * rows] = s * x + c * y;
    }
  }
}
