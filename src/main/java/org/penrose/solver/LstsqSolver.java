package org.penrose.solver;

import org.penrose.matrix.DoubleMatrix;

/**
 * A least-squares {@link PinvSolver}, local or distributed: {@code X = pinv(A) B} ({@code n x k}, on
 * the driver) and its residuals, read off the factorization.
 *
 * @param <M> how matrices with {@code A}'s rows are held
 */
public interface LstsqSolver<M> extends PinvSolver<M, DoubleMatrix> {

  /** {@code X} ({@code n x k}). */
  @Override
  default DoubleMatrix solution() {
    return factorization().solution();
  }

  /** {@code ||B_j - A X_j||^2} for each column {@code j} of {@code B}. */
  default double[] residualSumOfSquares() {
    return factorization().residualSumOfSquares();
  }
}
