package org.penrose.solver;

import org.penrose.factor.PinvFactorization;
import org.penrose.factor.QrTriangle;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;

/**
 * Minimum-norm least squares {@code X = pinv(A; rtol, atol) B} for one in-memory problem, with its
 * derivatives. {@code A} is {@code m x n}, {@code B} is {@code m x k}, {@code X} is {@code n x k}.
 *
 * <p>One pass: the QR triangle of {@code [A | B]}, then the SVD of its {@code n x n} part gives the
 * singular values, the rank, {@code X} and the residual sums of squares {@code ||B_j - A X_j||^2}
 * (never the normal equations, so the condition number is not squared). This is the distributed
 * algorithm on a single row block.
 *
 * <p>Unlike {@code numpy.linalg.lstsq}, which returns an empty residual array when
 * {@code rank < n} or {@code m <= n}, the residual sums of squares are always computed.
 *
 * <pre>{@code
 * LeastSquares ls = LeastSquares.solve(a, b, RankCutoff.DEFAULT);
 * DoubleMatrix x = ls.solution();                    // n x k
 * Gradient<DoubleMatrix> g = ls.vjp(gX);             // g.a(): m x n, g.b(): m x k
 * DoubleMatrix dX = ls.jvp(dA, dB);                  // n x k
 * }</pre>
 */
public final class LeastSquares implements LstsqSolver<DoubleMatrix> {
  private final DoubleMatrix a;
  private final DoubleMatrix b;
  private final PinvFactorization factorization;

  private LeastSquares(DoubleMatrix a, DoubleMatrix b, PinvFactorization factorization) {
    this.a = a;
    this.b = b;
    this.factorization = factorization;
  }

  /** Solves with the default cut-off. */
  public static LeastSquares solve(DoubleMatrix a, DoubleMatrix b) {
    return solve(a, b, RankCutoff.DEFAULT);
  }

  /**
   * Solves {@code min ||A X - B||} with minimum {@code ||X||}, singular values at or below
   * {@code cutoff}'s threshold treated as zero.
   *
   * @throws IllegalArgumentException for NaN/Inf entries or when {@code B} has not {@code m} rows
   */
  public static LeastSquares solve(DoubleMatrix a, DoubleMatrix b, RankCutoff cutoff) {
    if (b.rows() != a.rows()) {
      throw new IllegalArgumentException("shape mismatch: B is " + b.shape()
          + " but must have as many rows as A, which is " + a.shape());
    }
    a.requireFinite("A");
    b.requireFinite("B");
    QrTriangle triangle = QrTriangle.leafOf(a, b);
    return new LeastSquares(a, b, PinvFactorization.fromTriangle(triangle, a.cols(), cutoff));
  }

  @Override
  public PinvFactorization factorization() {
    return factorization;
  }

  /** Gradients for the cotangent {@code gX = dL/dX} ({@code n x k}); see {@link LstsqVjp}. */
  @Override
  public Gradient<DoubleMatrix> vjp(DoubleMatrix cotangent) {
    LstsqVjp vjp = new LstsqVjp(factorization, cotangent);
    return Gradient.of(vjp.rowMapA(a, b), vjp.rowMapB(a), 0.0);
  }

  /**
   * {@code dX} for tangents {@code dA} ({@code m x n}) and {@code dB} ({@code m x k}); either may
   * be null (zero). See {@link LstsqJvp}.
   */
  @Override
  public DoubleMatrix jvp(DoubleMatrix tangentA, DoubleMatrix tangentB) {
    if (tangentA != null) {
      tangentA.requireFinite("the tangent dA");
    }
    if (tangentB != null) {
      tangentB.requireFinite("the tangent dB");
    }
    LstsqJvp jvp = new LstsqJvp(factorization);
    return jvp.fromReduction(jvp.blockTerm(a, b, tangentA, tangentB));
  }
}
