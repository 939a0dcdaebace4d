package org.penrose.solver;

import org.penrose.factor.PinvFactorization;
import org.penrose.factor.QrTriangle;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;

/**
 * The Moore–Penrose pseudo-inverse of one in-memory matrix, and its derivatives.
 *
 * <p>This is the distributed algorithm run on a single row block: the TSQR triangle of {@code A}
 * ({@link QrTriangle}), the SVD of that triangle ({@link PinvFactorization}), and the row-local maps
 * ({@code P^T = A V S^-2 V^T}, {@link PinvVjp}, {@link PinvJvp}). Any shape works: tall, wide, square,
 * {@code 0 x n}, {@code n x 0}.
 *
 * <pre>{@code
 * PseudoInverse pi = PseudoInverse.of(a, RankCutoff.of(1e-10, null));
 * DoubleMatrix p  = pi.pinv();        // n x m
 * DoubleMatrix dP = pi.jvp(dA);       // n x m, dA is m x n
 * DoubleMatrix gA = pi.vjp(g).a();    // m x n, g = dL/dP is n x m
 * }</pre>
 */
public final class PseudoInverse implements PinvSolver<DoubleMatrix, DoubleMatrix> {
  private final DoubleMatrix a;
  private final PinvFactorization factorization;

  private PseudoInverse(DoubleMatrix a, PinvFactorization factorization) {
    this.a = a;
    this.factorization = factorization;
  }

  /** {@code pinv(A)} with the default cut-off ({@code rtol = max(m, n) * eps}). */
  public static PseudoInverse of(DoubleMatrix a) {
    return of(a, RankCutoff.DEFAULT);
  }

  /**
   * Factors {@code A} ({@code m x n}) once; the results and derivatives reuse the factorization.
   *
   * @throws IllegalArgumentException if {@code A} has a NaN or infinite entry (named in the message)
   */
  public static PseudoInverse of(DoubleMatrix a, RankCutoff cutoff) {
    a.requireFinite("A");
    return new PseudoInverse(a, PinvFactorization.fromTriangle(QrTriangle.leafOf(a, null), a.cols(), cutoff));
  }

  /** {@code P = pinv(A)} ({@code n x m}); see {@link PinvTranspose} for how {@code U} is kept orthonormal. */
  public DoubleMatrix pinv() {
    return PinvTranspose.compute(factorization, a).transpose();
  }

  /** {@link #pinv()}. */
  @Override
  public DoubleMatrix solution() {
    return pinv();
  }

  /**
   * {@link #jvp(DoubleMatrix)} of {@code dA}; pinv has no {@code B}.
   *
   * @throws IllegalArgumentException if {@code tangentB} is not null
   */
  @Override
  public DoubleMatrix jvp(DoubleMatrix tangentA, DoubleMatrix tangentB) {
    PinvSolver.requireNoRightHandSides(tangentB);
    return tangentA == null ? DoubleMatrix.zeros(a.cols(), a.rows()) : jvp(tangentA);
  }

  /**
   * {@code dP} for the tangent {@code dA} ({@code m x n}); see {@link PinvJvp} for the formula.
   * Meaningful for rank-preserving tangents (pinv is not differentiable across rank changes).
   */
  public DoubleMatrix jvp(DoubleMatrix tangent) {
    tangent.requireFinite("the tangent dA");
    return PinvJvp.compute(factorization, a, tangent);
  }

  /**
   * {@code grad_A} ({@code a()}, {@code m x n}) for the cotangent {@code G = dL/dP} ({@code n x m}); see
   * {@link PinvVjp}.
   */
  @Override
  public Gradient<DoubleMatrix> vjp(DoubleMatrix cotangent) {
    cotangent.requireFinite("the cotangent G");
    return Gradient.of(PinvVjp.compute(factorization, a, cotangent), null, 0.0);
  }

  @Override
  public PinvFactorization factorization() {
    return factorization;
  }
}
