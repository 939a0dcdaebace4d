package org.penrose.linalg;

import java.io.Serializable;

/**
 * Forward-mode derivative of the minimum-norm least-squares solution {@code X = pinv(A) B}: for
 * tangents {@code dA} ({@code m x n}, rank-preserving) and {@code dB} ({@code m x k}),
 * {@code dX = dP B + P dB}, which with {@code R = B - A X} is
 *
 * <pre>
 *   dX = -P dA X + P P^T dA^T R + (I - P A) dA^T P^T X + P dB                  (n x k)
 * </pre>
 *
 * Row-block form with {@code U_i = A_i V S^-1} and {@code W = S^-1 V^T X} ({@code r x k}): one
 * reduction of three small terms, then a driver-side combination:
 *
 * <pre>
 *   T1 = sum_i U_i^T (dB_i - dA_i X)     (r x k)
 *   T2 = sum_i dA_i^T R_i                (n x k)
 *   T3 = sum_i dA_i^T (U_i W)            (n x k)
 *   dX = V S^-1 T1 + (P P^T) T2 + (I - V V^T) T3
 * </pre>
 *
 * {@link #blockTerm} returns the three terms stacked as one {@code (r + 2n) x k} matrix, so the
 * reduction is a plain sum.
 */
public final class LstsqJvp implements Serializable {
  private static final long serialVersionUID = 1L;

  private final PinvFactorization factorization;
  private final DoubleMatrix w;

  public LstsqJvp(PinvFactorization factorization) {
    this.factorization = factorization;
    DoubleMatrix x = factorization.solution();
    this.w = factorization.vTimesSInverse().transposeTimes(x); // S^-1 V^T X, r x k
  }

  /**
   * The stacked reduction terms {@code [T1_i; T2_i; T3_i]} of one row block.
   *
   * @param tangentABlock {@code dA_i}, or null for {@code dA = 0}
   * @param tangentBBlock {@code dB_i}, or null for {@code dB = 0}
   */
  public DoubleMatrix blockTerm(
      DoubleMatrix aBlock, DoubleMatrix bBlock, DoubleMatrix tangentABlock, DoubleMatrix tangentBBlock) {
    DoubleMatrix x = factorization.solution();
    int n = factorization.cols();
    int k = x.cols();
    int r = factorization.rank();
    int b = aBlock.rows();
    DoubleMatrix u = factorization.leftSingularVectors(aBlock);
    if (tangentBBlock != null) {
      tangentBBlock.requireShape("a row block of dB", b, k, "dB has the shape of B");
    }
    DoubleMatrix rhs = tangentBBlock == null ? DoubleMatrix.zeros(b, k) : tangentBBlock.copy(); // dB_i - dA_i X
    DoubleMatrix t2 = DoubleMatrix.zeros(n, k);
    DoubleMatrix t3 = DoubleMatrix.zeros(n, k);
    if (tangentABlock != null) {
      DoubleMatrix.requireSameShape("a row block of A", aBlock, "the matching row block of dA", tangentABlock);
      Lapack.gemmInto(false, false, -1.0, tangentABlock, x, 1.0, rhs);
      DoubleMatrix residual = bBlock.copy();
      Lapack.gemmInto(false, false, -1.0, aBlock, x, 1.0, residual);
      Lapack.gemmInto(true, false, 1.0, tangentABlock, residual, 0.0, t2);
      Lapack.gemmInto(true, false, 1.0, tangentABlock, u.times(w), 0.0, t3);
    }
    DoubleMatrix t1 = u.transposeTimes(rhs);
    DoubleMatrix stacked = DoubleMatrix.zeros(r + 2 * n, k);
    for (int j = 0; j < k; j++) {
      double[] dst = stacked.values();
      int base = j * (r + 2 * n);
      System.arraycopy(t1.values(), j * r, dst, base, r);
      System.arraycopy(t2.values(), j * n, dst, base + r, n);
      System.arraycopy(t3.values(), j * n, dst, base + r + n, n);
    }
    return stacked;
  }

  /** {@code dX = V S^-1 T1 + (P P^T) T2 + (I - V V^T) T3} from the summed stacked terms. */
  public DoubleMatrix combine(DoubleMatrix reduced) {
    int n = factorization.cols();
    int r = factorization.rank();
    reduced.requireShape("the reduced JVP terms", r + 2 * n, factorization.rhsCols(), "(rank + 2n) x k");
    DoubleMatrix t1 = reduced.rowRange(0, r);
    DoubleMatrix t2 = reduced.rowRange(r, r + n);
    DoubleMatrix t3 = reduced.rowRange(r + n, r + 2 * n);
    DoubleMatrix result = factorization.vTimesSInverse().times(t1);
    Lapack.gemmInto(false, false, 1.0, factorization.pinvGram(), t2, 1.0, result);
    Lapack.gemmInto(false, false, 1.0, factorization.rowSpaceComplement(), t3, 1.0, result);
    return result;
  }
}
