package org.penrose.factor;

import java.io.Serializable;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;

/**
 * The ridge solution {@code X = (A^T A + mu I)^-1 A^T B} ({@code A} is {@code m x n}, {@code B}
 * {@code m x k}, {@code mu > 0}) from the QR triangle of {@code [A | B]}: with {@code R_A = U diag(s)
 * V^T} (the triangle's {@code n x n} part) and {@code C = U^T R_B},
 *
 * <pre>
 *   X = V diag(s / (s^2 + mu)) C,    (A^T A + mu I)^-1 G = V diag(1 / (s^2 + mu)) V^T G,
 * </pre>
 *
 * never forming {@code A^T A}. The map is smooth in {@code A}, {@code B} and {@code mu} at every rank
 * ({@code A^T A + mu I} is always invertible), so {@code RidgeJvp} and {@code RidgeVjp} have no
 * cut-off caveats. Immutable and serializable (broadcast to executors).
 */
public final class RidgeFactorization implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int n;
  private final double mu;
  private final double[] s;
  private final DoubleMatrix v;
  private final DoubleMatrix solution;

  private RidgeFactorization(int n, double mu, double[] s, DoubleMatrix v, DoubleMatrix solution) {
    this.n = n;
    this.mu = mu;
    this.s = s;
    this.v = v;
    this.solution = solution;
  }

  /**
   * From the triangle of {@code [A | B]} with {@code n} columns of {@code A}.
   *
   * @throws IllegalArgumentException unless {@code mu} is finite and {@code > 0}
   */
  public static RidgeFactorization fromTriangle(QrTriangle triangle, int n, double mu) {
    if (!(mu > 0) || !Double.isFinite(mu)) {
      throw new IllegalArgumentException("the ridge penalty mu must be a finite number > 0, got " + mu);
    }
    int k = triangle.cols() - n;
    DoubleMatrix r = triangle.r();
    DoubleMatrix ra = DoubleMatrix.zeros(n, n);
    DoubleMatrix rb = DoubleMatrix.zeros(n, k);
    for (int i = 0; i < Math.min(n, r.rows()); i++) {
      for (int j = i; j < n; j++) {
        ra.set(i, j, r.get(i, j));
      }
      for (int j = 0; j < k; j++) {
        rb.set(i, j, r.get(i, n + j));
      }
    }
    Lapack.Svd svd = Lapack.svd(ra);
    return new RidgeFactorization(n, mu, svd.s, svd.v, filtered(svd.s, svd.v, svd.u.transposeTimes(rb), mu));
  }

  /**
   * The ridge filter {@code V diag(s / (s^2 + mu)) C} for {@code R_A = U diag(s) V^T} and
   * {@code C = U^T R_B}: the solution at penalty {@code mu} (for any {@code mu >= 0} with {@code s > 0}).
   */
  public static DoubleMatrix filtered(double[] s, DoubleMatrix v, DoubleMatrix c, double mu) {
    DoubleMatrix scaled = c.copy();
    for (int i = 0; i < s.length; i++) {
      double denominator = s[i] * s[i] + mu;
      double filter = denominator > 0 ? s[i] / denominator : 0;
      for (int j = 0; j < scaled.cols(); j++) {
        scaled.set(i, j, scaled.get(i, j) * filter);
      }
    }
    return v.times(scaled);
  }

  /** {@code X} ({@code n x k}). */
  public DoubleMatrix solution() {
    return solution;
  }

  public double mu() {
    return mu;
  }

  /** Singular values of {@code A}, descending. */
  public double[] singularValues() {
    return s.clone();
  }

  /** {@code (A^T A + mu I)^-1 G} for an {@code n x k} {@code G}. */
  public DoubleMatrix applyInverse(DoubleMatrix g) {
    g.requireShape("G", n, g.cols(), "(A^T A + mu I)^-1 applies to n rows");
    DoubleMatrix y = v.transposeTimes(g);
    for (int i = 0; i < n; i++) {
      double scale = 1 / (s[i] * s[i] + mu);
      for (int j = 0; j < y.cols(); j++) {
        y.set(i, j, y.get(i, j) * scale);
      }
    }
    return v.times(y);
  }
}
