package org.penrose.linalg;

import java.io.Serializable;

/**
 * Reverse-mode derivative of the minimum-norm least-squares solution {@code X = pinv(A) B} with the
 * cut-off of the factorization. For a cotangent {@code gX = dL/dX} ({@code n x k}), it is the pinv
 * VJP with {@code G = gX B^T}, which simplifies (with the residual {@code R = B - A X}) to
 *
 * <pre>
 *   grad_A = -(P^T gX) X^T + R gX^T (P P^T) + (P^T X) gX^T (I - P A)           (m x n)
 *   grad_B = P^T gX                                                           (m x k)
 * </pre>
 *
 * Since {@code (P^T)_i = A_i Pi} with {@code Pi = P P^T = V S^-2 V^T}, both are row-local given the
 * small driver-side matrices, with no reduction at all:
 *
 * <pre>
 *   grad_A_i = A_i E + R_i F,   E = -Pi gX X^T + Pi X gX^T (I - V V^T)  (n x n),   F = gX^T Pi  (k x n)
 *   grad_B_i = A_i (Pi gX)
 * </pre>
 */
public final class LstsqVjp implements Serializable {
  private static final long serialVersionUID = 1L;

  private final DoubleMatrix solution;
  private final DoubleMatrix e;
  private final DoubleMatrix f;
  private final DoubleMatrix pinvGramTimesCotangent;

  /**
   * Precomputes {@code E}, {@code F} and {@code Pi gX} on the driver.
   *
   * @param factorization a factorization of {@code [A | B]} (it carries {@code X})
   * @param cotangent {@code gX} ({@code n x k})
   */
  public LstsqVjp(PinvFactorization factorization, DoubleMatrix cotangent) {
    DoubleMatrix x = factorization.solution();
    cotangent.requireShape("the cotangent gX", x.rows(), x.cols(), "gX = dL/dX has the shape of X, n x k");
    cotangent.requireFinite("the cotangent gX");
    DoubleMatrix pinvGram = factorization.pinvGram();
    this.solution = x;
    this.pinvGramTimesCotangent = pinvGram.times(cotangent); // Pi gX, n x k
    DoubleMatrix pinvGramTimesX = pinvGram.times(x); // Pi X, n x k
    DoubleMatrix projected = factorization.rowSpaceComplement().times(cotangent); // (I - V V^T) gX
    DoubleMatrix eMatrix = Lapack.gemm(false, true, -1.0, pinvGramTimesCotangent, x);
    Lapack.gemmInto(false, true, 1.0, pinvGramTimesX, projected, 1.0, eMatrix);
    this.e = eMatrix;
    this.f = cotangent.transposeTimes(pinvGram); // gX^T Pi, k x n
  }

  /** {@code grad_A_i = A_i E + (B_i - A_i X) F} for one row block ({@code b x n}). */
  public DoubleMatrix gradABlock(DoubleMatrix aBlock, DoubleMatrix bBlock) {
    if (bBlock.rows() != aBlock.rows() || bBlock.cols() != solution.cols()) {
      throw new IllegalArgumentException("shape mismatch: a row block of B is " + bBlock.shape()
          + " but must be " + aBlock.rows() + " x " + solution.cols() + " to match A's block " + aBlock.shape());
    }
    DoubleMatrix residual = bBlock.copy();
    Lapack.gemmInto(false, false, -1.0, aBlock, solution, 1.0, residual);
    DoubleMatrix result = aBlock.times(e);
    Lapack.gemmInto(false, false, 1.0, residual, f, 1.0, result);
    return result;
  }

  /** {@code grad_B_i = A_i (Pi gX)} for one row block ({@code b x k}). */
  public DoubleMatrix gradBBlock(DoubleMatrix aBlock) {
    return aBlock.times(pinvGramTimesCotangent);
  }
}
