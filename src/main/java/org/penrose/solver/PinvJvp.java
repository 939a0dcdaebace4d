package org.penrose.solver;

import org.penrose.factor.PinvFactorization;
import org.penrose.matrix.DoubleMatrix;

/**
 * Forward-mode derivative (Jacobian-vector product) of {@code P = pinv(A)} on the manifold of
 * rank-{@code r} matrices (Golub &amp; Pereyra 1973). For a rank-preserving tangent {@code dA}
 * ({@code m x n}):
 *
 * <pre>
 *   dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P                (n x m)
 * </pre>
 *
 * Transposed, {@code dP^T = -P^T dA^T P^T + (I - A P) dA P P^T + P^T P dA (I - P A)}, which is the
 * {@link PinvVjp} map with {@code dA} in place of {@code G^T}: the distributed JVP is that map's
 * reduction ({@link PinvVjp#blockTerm}) and row-local step ({@link PinvVjp#fromReduction}) applied to the
 * row blocks of {@code dA}, yielding row blocks of {@code dP^T} aligned with {@code A}.
 */
public final class PinvJvp {
  private PinvJvp() {}

  /**
   * The JVP of {@code pinv} at {@code A}: the whole matrix as one row block.
   *
   * @param a the {@code m x n} matrix the factorization was computed from
   * @param tangent {@code dA} ({@code m x n})
   * @return {@code dP} ({@code n x m})
   */
  public static DoubleMatrix compute(PinvFactorization f, DoubleMatrix a, DoubleMatrix tangent) {
    DoubleMatrix.requireSameShape("A", a, "the tangent dA", tangent);
    return PinvVjp.applyAdjointMap(f, a, tangent).transpose();
  }
}
