package org.penrose.solver;

import java.io.Serializable;
import org.penrose.factor.RidgeFactorization;
import org.penrose.matrix.DoubleMatrix;

/**
 * Backward derivative of the ridge solution {@code X = (A^T A + mu I)^-1 A^T B} for a cotangent
 * {@code gX = dL/dX} ({@code n x k}): with {@code Q = (A^T A + mu I)^-1 gX} and the residual
 * {@code E = B - A X},
 *
 * <pre>
 *   dL/dA = E Q^T - (A Q) X^T,     dL/dB = A Q,     dL/dmu = -<Q, X>,
 * </pre>
 *
 * (from {@code (A^T A + mu I) dX = dA^T E + A^T (dB - dA X) - dmu X}). The first two are row-local:
 * row block {@code i} of each needs only {@code A_i}, {@code B_i} and the small {@code Q}, {@code X}.
 */
public final class RidgeVjp implements Serializable {
  private static final long serialVersionUID = 1L;

  private final DoubleMatrix solution;
  private final DoubleMatrix q;

  public RidgeVjp(RidgeFactorization factorization, DoubleMatrix cotangent) {
    DoubleMatrix x = factorization.solution();
    cotangent.requireShape("the cotangent gX", x.rows(), x.cols(), "it is dL/dX for X = ridge(A, B, mu)");
    this.solution = x;
    this.q = factorization.applyInverse(cotangent);
  }

  /** Rows {@code i} of {@code dL/dA}: {@code E_i Q^T - (A_i Q) X^T} ({@code m_i x n}). */
  public DoubleMatrix rowMapA(DoubleMatrix aBlock, DoubleMatrix bBlock) {
    DoubleMatrix residual = bBlock.plusScaled(-1, aBlock.times(solution));
    return residual.timesTranspose(q).plusScaled(-1, aBlock.times(q).timesTranspose(solution));
  }

  /** Rows {@code i} of {@code dL/dB}: {@code A_i Q} ({@code m_i x k}). */
  public DoubleMatrix rowMapB(DoubleMatrix aBlock) {
    return aBlock.times(q);
  }

  /** {@code dL/dmu = -<Q, X>}. */
  public double gradMu() {
    return -q.dot(solution);
  }
}
