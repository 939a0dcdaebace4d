package org.penrose.solver;

import org.penrose.factor.QrTriangle;
import org.penrose.factor.RidgeFactorization;
import org.penrose.matrix.DoubleMatrix;

/**
 * Ridge regression {@code X = argmin ||A X - B||^2 + mu ||X||^2 = (A^T A + mu I)^-1 A^T B} for one
 * in-memory problem ({@code A} {@code m x n}, {@code B} {@code m x k}, {@code mu > 0}), with its
 * derivatives in {@code A}, {@code B} and {@code mu}: one QR triangle of {@code [A | B]} and the SVD of
 * its {@code n x n} part ({@link RidgeFactorization}) — the distributed algorithm
 * ({@code DistributedRidge}) on a single row block.
 *
 * <pre>{@code
 * Ridge ridge = Ridge.solve(a, b, mu);
 * DoubleMatrix x = ridge.solution();              // n x k
 * Gradient<DoubleMatrix> g = ridge.vjp(gX);       // g.a(): m x n, g.b(): m x k, g.mu(): dL/dmu
 * DoubleMatrix dX = ridge.jvp(dA, dB, dMu);       // n x k
 * }</pre>
 */
public final class Ridge implements RidgeSolver<DoubleMatrix> {
  private final DoubleMatrix a;
  private final DoubleMatrix b;
  private final RidgeFactorization factorization;

  private Ridge(DoubleMatrix a, DoubleMatrix b, RidgeFactorization factorization) {
    this.a = a;
    this.b = b;
    this.factorization = factorization;
  }

  /**
   * @throws IllegalArgumentException for NaN/Inf entries, {@code mu <= 0}, or {@code B} without {@code m} rows
   */
  public static Ridge solve(DoubleMatrix a, DoubleMatrix b, double mu) {
    if (b.rows() != a.rows()) {
      throw new IllegalArgumentException("shape mismatch: B is " + b.shape()
          + " but must have as many rows as A, which is " + a.shape());
    }
    a.requireFinite("A");
    b.requireFinite("B");
    return new Ridge(a, b, RidgeFactorization.fromTriangle(QrTriangle.leafOf(a, b), a.cols(), mu));
  }


  @Override
  public RidgeFactorization factorization() {
    return factorization;
  }

  /** Gradients for the cotangent {@code gX = dL/dX} ({@link RidgeVjp}). */
  @Override
  public Gradient<DoubleMatrix> vjp(DoubleMatrix cotangent) {
    RidgeVjp vjp = new RidgeVjp(factorization, cotangent);
    return Gradient.of(vjp.rowMapA(a, b), vjp.rowMapB(a), vjp.gradMu());
  }

  /** {@code dX} along {@code (dA, dB, dmu)} ({@link RidgeJvp}); {@code dA} or {@code dB} may be null. */
  @Override
  public DoubleMatrix jvp(DoubleMatrix dA, DoubleMatrix dB, double dMu) {
    if (dA != null) {
      DoubleMatrix.requireSameShape("the tangent dA", dA, "A", a);
    }
    if (dB != null) {
      DoubleMatrix.requireSameShape("the tangent dB", dB, "B", b);
    }
    RidgeJvp jvp = new RidgeJvp(factorization);
    return jvp.fromReduction(jvp.blockTerm(a, b, dA, dB), dMu);
  }
}
