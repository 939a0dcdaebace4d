package org.penrose.solver;

import java.io.Serializable;
import org.penrose.factor.PinvFactorization;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;
import org.penrose.matrix.MatrixBlock;

/**
 * Reverse-mode derivative (vector-Jacobian product) of {@code P = pinv(A)} on the manifold of
 * rank-{@code r} matrices (Golub &amp; Pereyra 1973). For a cotangent {@code G = dL/dP} ({@code n x m}):
 *
 * <pre>
 *   grad_A = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)          (m x n)
 * </pre>
 *
 * Row-block form, with {@code H = G^T} ({@code m x n}, row-aligned with {@code A}), the left singular
 * vectors {@code U_i = A_i V S^-1} and {@code Pi = P P^T = V S^-2 V^T}: one reduction
 *
 * <pre>
 *   N^T = sum_i H_i^T (A_i V)  (n x r),     M = U^T H = S^-1 N                (r x n)
 * </pre>
 *
 * then a row-local map
 *
 * <pre>
 *   grad_A_i = -U_i S^-1 (M V)^T S^-1 V^T + (H_i - U_i M) Pi + U_i S^-2 M (I - V V^T)
 *            = U_i D + (H_i V) S^-2 V^T
 *   D = -S^-1 (M V)^T S^-1 V^T - (M V) S^-2 V^T + S^-2 (M - (M V) V^T)         (r x n)
 * </pre>
 *
 * so each block costs products with {@code r x n} matrices and neither {@code U} nor anything
 * {@code n x n} is formed: the same map serves the TSQR route and the truncated route for any
 * {@code n}, on dense or sparse blocks. The same map applied to a tangent {@code H = dA} gives the
 * transposed JVP {@code dP^T} (see {@link PinvJvp}). Nothing here divides by a singular-value gap:
 * repeated singular values are fine.
 */
public final class PinvVjp implements Serializable {
  private static final long serialVersionUID = 1L;

  private final PinvFactorization factorization;
  private final DoubleMatrix d;

  private PinvVjp(PinvFactorization factorization, DoubleMatrix d) {
    this.factorization = factorization;
    this.d = d;
  }

  /** The reduction term of one row block: {@code H_i^T (A_i V)} ({@code n x r}); sum these over all blocks. */
  public static DoubleMatrix blockTerm(PinvFactorization f, MatrixBlock aBlock, MatrixBlock hBlock) {
    requireSameShape(aBlock, hBlock);
    f.requireBlockColumns("A", aBlock);
    return hBlock.transposeTimes(aBlock.times(f.v()));
  }

  private static void requireSameShape(MatrixBlock aBlock, MatrixBlock hBlock) {
    if (aBlock.rows() != hBlock.rows() || aBlock.cols() != hBlock.cols()) {
      throw new IllegalArgumentException("shape mismatch: the matching row block of the cotangent is "
          + hBlock.shape() + " but must match a row block of A, which is " + aBlock.shape());
    }
  }

  /** The map for the reduced {@code N^T = sum_i H_i^T A_i V}: precomputes {@code D} ({@code r x n}) on the driver. */
  public static PinvVjp fromReduction(PinvFactorization f, DoubleMatrix reduced) {
    reduced.requireShape("the reduced term N^T", f.cols(), f.rank(), "n x r");
    double[] s = f.keptSingularValues();
    DoubleMatrix v = f.v();
    DoubleMatrix m = PinvFactorization.scaleRows(reduced.transpose(), s, -1); // M = S^-1 V^T A^T H = U^T H, r x n
    DoubleMatrix mv = m.times(v); // M V, r x r
    // -S^-1 (M V)^T S^-1 - (M V) S^-2, then times V^T
    DoubleMatrix left = PinvFactorization.scaleColumns(PinvFactorization.scaleRows(mv.transpose(), s, -1), s, -1);
    DoubleMatrix coefficient = left.plusScaled(1.0, PinvFactorization.scaleColumns(mv, s, -2));
    DoubleMatrix d = Lapack.gemm(false, true, -1.0, coefficient, v);
    // + S^-2 (M - (M V) V^T)
    DoubleMatrix complement = m.copy();
    Lapack.gemmInto(false, true, -1.0, mv, v, 1.0, complement);
    return new PinvVjp(f, d.plusScaled(1.0, PinvFactorization.scaleRows(complement, s, -2)));
  }

  /** {@code grad_A_i = U_i D + (H_i V) S^-2 V^T} for one row block ({@code b x n}, dense). */
  public DoubleMatrix rowMap(MatrixBlock aBlock, MatrixBlock hBlock) {
    requireSameShape(aBlock, hBlock);
    DoubleMatrix result = factorization.leftSingularVectors(aBlock).times(d);
    Lapack.gemmInto(false, true, 1.0, hBlock.times(factorization.vTimesSInverseSquared()), factorization.v(), 1.0,
        result);
    return result;
  }

  /**
   * The VJP of {@code pinv} at {@code A}: the whole matrix as one row block.
   *
   * @param a the {@code m x n} matrix the factorization was computed from
   * @param cotangent {@code G = dL/dP} ({@code n x m})
   * @return {@code grad_A} ({@code m x n})
   */
  public static DoubleMatrix compute(PinvFactorization f, DoubleMatrix a, DoubleMatrix cotangent) {
    cotangent.requireShape("the cotangent G", a.cols(), a.rows(), "G = dL/dP has the shape of P = pinv(A), n x m");
    return applyAdjointMap(f, a, cotangent.transpose());
  }

  /** The reduction and the map on a single block {@code H} ({@code m x n}). */
  static DoubleMatrix applyAdjointMap(PinvFactorization f, DoubleMatrix a, DoubleMatrix h) {
    return fromReduction(f, blockTerm(f, a, h)).rowMap(a, h);
  }
}
