package org.penrose.solver;

import java.io.Serializable;
import org.penrose.factor.PinvFactorization;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.MatrixBlock;

/**
 * Forward-mode derivative of the minimum-norm least-squares solution {@code X = pinv(A) B}: for
 * tangents {@code dA} ({@code m x n}, rank-preserving) and {@code dB} ({@code m x k}),
 * {@code dX = dP B + P dB}, which with {@code R = B - A X} is
 *
 * <pre>
 *   dX = -P dA X + P P^T dA^T R + (I - P A) dA^T P^T X + P dB                  (n x k)
 * </pre>
 *
 * Row-block form: since {@code P = Pi A^T} with {@code Pi = P P^T = V S^-2 V^T}, and
 * {@code (P^T X)_i = A_i Pi X}, one reduction of two small terms, then a driver-side combination:
 *
 * <pre>
 *   T1 = sum_i [ A_i^T (dB_i - dA_i X) + dA_i^T R_i ]     (n x k)
 *   T2 = sum_i dA_i^T (A_i Pi X)                          (n x k)
 *   dX = Pi T1 + (I - V V^T) T2
 * </pre>
 *
 * {@link #blockTerm} returns both terms stacked as one {@code 2n x k} matrix, so the reduction is a
 * plain sum. Blocks of {@code A} and {@code dA} may be dense or sparse; {@code Pi} and
 * {@code I - V V^T} are applied through {@code V} and {@code S} (nothing {@code n x n}).
 */
public final class LstsqJvp implements Serializable {
  private static final long serialVersionUID = 1L;

  private final PinvFactorization factorization;
  private final DoubleMatrix pinvGramTimesX;

  public LstsqJvp(PinvFactorization factorization) {
    this.factorization = factorization;
    this.pinvGramTimesX = factorization.applyPinvGram(factorization.solution()); // Pi X, n x k
  }

  /**
   * The stacked reduction terms {@code [T1_i; T2_i]} of one row block.
   *
   * @param tangentABlock {@code dA_i}, or null for {@code dA = 0}
   * @param tangentBBlock {@code dB_i}, or null for {@code dB = 0}
   */
  public DoubleMatrix blockTerm(
      MatrixBlock aBlock, DoubleMatrix bBlock, MatrixBlock tangentABlock, DoubleMatrix tangentBBlock) {
    DoubleMatrix x = factorization.solution();
    int n = factorization.cols();
    int k = x.cols();
    int b = aBlock.rows();
    factorization.requireBlockColumns("A", aBlock);
    if (tangentBBlock != null) {
      tangentBBlock.requireShape("a row block of dB", b, k, "dB has the shape of B");
    }
    DoubleMatrix rhs = tangentBBlock == null ? DoubleMatrix.zeros(b, k) : tangentBBlock.copy(); // dB_i - dA_i X
    DoubleMatrix t1 = DoubleMatrix.zeros(n, k);
    DoubleMatrix t2 = DoubleMatrix.zeros(n, k);
    if (tangentABlock != null) {
      if (tangentABlock.rows() != b || tangentABlock.cols() != aBlock.cols()) {
        throw new IllegalArgumentException("shape mismatch: the matching row block of dA is " + tangentABlock.shape()
            + " but must match a row block of A, which is " + aBlock.shape());
      }
      rhs = rhs.plusScaled(-1.0, tangentABlock.times(x));
      DoubleMatrix residual = bBlock.plusScaled(-1.0, aBlock.times(x));
      t1 = tangentABlock.transposeTimes(residual);
      t2 = tangentABlock.transposeTimes(aBlock.times(pinvGramTimesX));
    }
    t1 = t1.plusScaled(1.0, aBlock.transposeTimes(rhs));
    DoubleMatrix stacked = DoubleMatrix.zeros(2 * n, k);
    for (int j = 0; j < k; j++) {
      System.arraycopy(t1.values(), j * n, stacked.values(), j * 2 * n, n);
      System.arraycopy(t2.values(), j * n, stacked.values(), j * 2 * n + n, n);
    }
    return stacked;
  }

  /** {@code dX = Pi T1 + (I - V V^T) T2} from the summed stacked terms. */
  public DoubleMatrix fromReduction(DoubleMatrix reduced) {
    int n = factorization.cols();
    reduced.requireShape("the reduced JVP terms", 2 * n, factorization.rhsCols(), "2n x k");
    DoubleMatrix result = factorization.applyPinvGram(reduced.rowRange(0, n));
    return result.plusScaled(1.0, factorization.applyRowSpaceComplement(reduced.rowRange(n, 2 * n)));
  }
}
