package org.penrose.linalg;

import java.io.Serializable;

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
 *   N = sum_i A_i^T H_i  (n x n),     M = U^T H = S^-1 V^T N                  (r x n)
 * </pre>
 *
 * then a row-local map
 *
 * <pre>
 *   grad_A_i = -U_i S^-1 (M V)^T S^-1 V^T + (H_i - U_i M) Pi + U_i S^-2 M (I - V V^T)
 *            = U_i D + H_i Pi  =  A_i K + H_i Pi,     K = V S^-1 D              (n x n)
 *   D = -S^-1 (M V)^T S^-1 V^T - (M V) S^-2 V^T + S^-2 (M - (M V) V^T)         (r x n)
 * </pre>
 *
 * so each block costs two products with {@code n x n} matrices and {@code U} is never formed. The same
 * map applied to a tangent {@code H = dA} gives the transposed JVP {@code dP^T} (see
 * {@link PinvJvp}). Nothing here divides by a singular-value gap: repeated singular values are fine.
 */
public final class PinvVjp implements Serializable {
  private static final long serialVersionUID = 1L;

  private final PinvFactorization factorization;
  private final DoubleMatrix k;

  private PinvVjp(PinvFactorization factorization, DoubleMatrix k) {
    this.factorization = factorization;
    this.k = k;
  }

  /** The reduction term of one row block: {@code A_i^T H_i} ({@code n x n}); sum these over all blocks. */
  public static DoubleMatrix blockTerm(PinvFactorization f, DoubleMatrix aBlock, DoubleMatrix hBlock) {
    DoubleMatrix.requireSameShape("a row block of A", aBlock, "the matching row block of the cotangent", hBlock);
    f.requireBlockColumns("A", aBlock);
    return aBlock.transposeTimes(hBlock);
  }

  /** The map for the reduced {@code N = sum_i A_i^T H_i}: precomputes {@code K} ({@code n x n}) on the driver. */
  public static PinvVjp fromReduction(PinvFactorization f, DoubleMatrix reduced) {
    reduced.requireShape("the reduced term N", f.cols(), f.cols(), "n x n");
    double[] s = f.keptSingularValues();
    DoubleMatrix v = f.v();
    DoubleMatrix m = f.vTimesSInverse().transposeTimes(reduced); // M = S^-1 V^T N = U^T H, r x n
    DoubleMatrix mv = m.times(v); // M V, r x r
    // -S^-1 (M V)^T S^-1 - (M V) S^-2, then times V^T
    DoubleMatrix left = PinvFactorization.scaleColumns(PinvFactorization.scaleRows(mv.transpose(), s, -1), s, -1);
    DoubleMatrix coefficient = left.plusScaled(1.0, PinvFactorization.scaleColumns(mv, s, -2));
    DoubleMatrix d = Lapack.gemm(false, true, -1.0, coefficient, v);
    // + S^-2 (M - (M V) V^T)
    DoubleMatrix complement = m.copy();
    Lapack.gemmInto(false, true, -1.0, mv, v, 1.0, complement);
    d = d.plusScaled(1.0, PinvFactorization.scaleRows(complement, s, -2));
    return new PinvVjp(f, f.vTimesSInverse().times(d));
  }

  /** {@code grad_A_i = A_i K + H_i Pi} for one row block ({@code b x n}). */
  public DoubleMatrix applyToBlock(DoubleMatrix aBlock, DoubleMatrix hBlock) {
    DoubleMatrix.requireSameShape("a row block of A", aBlock, "the matching row block of the cotangent", hBlock);
    DoubleMatrix result = hBlock.times(factorization.pinvGram());
    Lapack.gemmInto(false, false, 1.0, aBlock, k, 1.0, result);
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
    return fromReduction(f, blockTerm(f, a, h)).applyToBlock(a, h);
  }
}
