package org.penrose.solver;

import java.io.Serializable;
import org.penrose.factor.RidgeFactorization;
import org.penrose.matrix.DoubleMatrix;

/**
 * Forward derivative of the ridge solution {@code X = (A^T A + mu I)^-1 A^T B} along
 * {@code (dA, dB, dmu)}: differentiating {@code (A^T A + mu I) X = A^T B},
 *
 * <pre>
 *   dX = (A^T A + mu I)^-1 (T - dmu X),     T = sum_i dA_i^T E_i + A_i^T (dB_i - dA_i X),
 * </pre>
 *
 * with {@code E = B - A X}. {@code T} ({@code n x k}) is a sum of row-block terms ({@link #blockTerm}),
 * reduced once in partition order; the rest is on the driver ({@link #fromReduction}).
 */
public final class RidgeJvp implements Serializable {
  private static final long serialVersionUID = 1L;

  private final RidgeFactorization factorization;

  public RidgeJvp(RidgeFactorization factorization) {
    this.factorization = factorization;
  }

  /** Row block {@code i}'s term of {@code T}; {@code dA} or {@code dB} may be null (zero). */
  public DoubleMatrix blockTerm(DoubleMatrix aBlock, DoubleMatrix bBlock, DoubleMatrix dABlock, DoubleMatrix dBBlock) {
    DoubleMatrix x = factorization.solution();
    DoubleMatrix t = DoubleMatrix.zeros(x.rows(), x.cols());
    if (dABlock != null) {
      DoubleMatrix residual = bBlock.plusScaled(-1, aBlock.times(x));
      t = t.plusScaled(1, dABlock.transposeTimes(residual)).plusScaled(-1, aBlock.transposeTimes(dABlock.times(x)));
    }
    if (dBBlock != null) {
      t = t.plusScaled(1, aBlock.transposeTimes(dBBlock));
    }
    return t;
  }

  /** {@code dX} from the reduced {@code T} and {@code dmu}. */
  public DoubleMatrix fromReduction(DoubleMatrix t, double dMu) {
    return factorization.applyInverse(t.plusScaled(-dMu, factorization.solution()));
  }
}
