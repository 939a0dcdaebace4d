package org.penrose.solver;

import java.io.Serializable;
import org.penrose.factor.PinvFactorization;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.MatrixBlock;

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
 * Since {@code (P^T)_i = A_i Pi} with {@code Pi = P P^T = V S^-2 V^T}, {@code grad_A} is a sum of
 * three outer products, {@code grad_A = L R^T} with {@code q = 3k} columns, whose left factor is
 * row-local and whose right factor is small and lives on the driver:
 *
 * <pre>
 *   L_i = [ A_i Pi gX | A_i Pi X | B_i - A_i X ]     (b x 3k)
 *   R   = [ -X | (I - V V^T) gX | Pi gX ]            (n x 3k)
 *   grad_B_i = A_i (Pi gX)
 * </pre>
 *
 * No reduction, and nothing {@code n x n}: {@code Pi} and {@code I - V V^T} are applied through
 * {@code V} and {@code S}, so the same map serves the TSQR route and the truncated route
 * ({@code P = V_k S_k^-1 U_k^T}) for any {@code n}, on dense or sparse blocks. The gradient is
 * available as the factors, as dense row blocks {@code L_i R^T}, or at a sparse block's stored
 * entries (the gradient with respect to the stored values).
 */
public final class LstsqVjp implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int k;
  /** {@code [Pi gX | Pi X | X]} ({@code n x 3k}): one product with a block gives {@code L_i}. */
  private final DoubleMatrix leftOperand;
  private final DoubleMatrix rightFactor;
  private final DoubleMatrix pinvGramTimesCotangent;

  /**
   * Precomputes {@code Pi gX}, {@code Pi X}, {@code (I - V V^T) gX} on the driver.
   *
   * @param factorization a factorization of {@code [A | B]} (it carries {@code X})
   * @param cotangent {@code gX} ({@code n x k})
   */
  public LstsqVjp(PinvFactorization factorization, DoubleMatrix cotangent) {
    DoubleMatrix x = factorization.solution();
    cotangent.requireShape("the cotangent gX", x.rows(), x.cols(), "gX = dL/dX has the shape of X, n x k");
    cotangent.requireFinite("the cotangent gX");
    this.k = x.cols();
    this.pinvGramTimesCotangent = factorization.applyPinvGram(cotangent); // Pi gX, n x k
    DoubleMatrix pinvGramTimesX = factorization.applyPinvGram(x); // Pi X, n x k
    DoubleMatrix projected = factorization.applyRowSpaceComplement(cotangent); // (I - V V^T) gX
    this.leftOperand = columns(pinvGramTimesCotangent, pinvGramTimesX, x);
    this.rightFactor = columns(x.scaled(-1.0), projected, pinvGramTimesCotangent);
  }

  /** The matrices side by side. */
  static DoubleMatrix columns(DoubleMatrix... parts) {
    int rows = parts[0].rows();
    int cols = 0;
    for (DoubleMatrix p : parts) {
      cols += p.cols();
    }
    DoubleMatrix result = DoubleMatrix.zeros(rows, cols);
    int offset = 0;
    for (DoubleMatrix p : parts) {
      System.arraycopy(p.values(), 0, result.values(), offset, p.values().length);
      offset += p.values().length;
    }
    return result;
  }

  /** {@code R} ({@code n x 3k}): {@code grad_A = L R^T}. */
  public DoubleMatrix rightFactor() {
    return rightFactor;
  }

  /** {@code L_i = [A_i Pi gX | A_i Pi X | B_i - A_i X]} for one row block ({@code b x 3k}). */
  public DoubleMatrix rowMapLeftFactor(MatrixBlock aBlock, DoubleMatrix bBlock) {
    if (bBlock.rows() != aBlock.rows() || bBlock.cols() != k) {
      throw new IllegalArgumentException("shape mismatch: a row block of B is " + bBlock.shape()
          + " but must be " + aBlock.rows() + " x " + k + " to match A's block " + aBlock.shape());
    }
    DoubleMatrix left = aBlock.times(leftOperand);
    double[] l = left.values();
    double[] b = bBlock.values();
    int residualOffset = 2 * k * aBlock.rows();
    for (int e = 0; e < b.length; e++) {
      l[residualOffset + e] = b[e] - l[residualOffset + e]; // B_i - A_i X
    }
    return left;
  }

  /** {@code grad_A_i = L_i R^T} for one row block, dense ({@code b x n}). */
  public DoubleMatrix rowMapA(MatrixBlock aBlock, DoubleMatrix bBlock) {
    return rowMapLeftFactor(aBlock, bBlock).timesTranspose(rightFactor);
  }

  /** {@code grad_B_i = A_i (Pi gX)} for one row block ({@code b x k}). */
  public DoubleMatrix rowMapB(MatrixBlock aBlock) {
    return aBlock.times(pinvGramTimesCotangent);
  }
}
