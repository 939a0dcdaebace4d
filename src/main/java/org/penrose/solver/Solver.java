package org.penrose.solver;

/**
 * What every Penrose solver answers, local or distributed, pinv, lstsq or ridge, on the TSQR or the
 * truncated route: a solution {@code X} of {@code A} ({@code m x n}) and, for lstsq and ridge, the
 * right-hand sides {@code B} ({@code m x k}), its forward and backward derivatives, and the summary
 * of the factorization behind it.
 *
 * <pre>
 *   pinv    X = pinv(A)                         (n x m; distributed: X^T = pinv(A)^T in A's row blocks)
 *   lstsq   X = pinv(A) B                       (n x k, the minimum-norm least-squares solution)
 *   ridge   X = (A^T A + mu I)^-1 A^T B         (n x k)
 * </pre>
 *
 * <p>A solver is immutable: it factors once when made ({@code PseudoInverse.of}, {@code
 * LeastSquares.solve}, {@code DistributedLstsq.solve}, ...) and every method reuses that
 * factorization. The derivatives of pinv and lstsq hold on the manifold of the rank the cut-off
 * decided (tangents that keep the rank); ridge's hold everywhere.
 *
 * <p>Local and distributed solvers compute their derivatives with the same row-local maps
 * ({@link PinvVjp}, {@link PinvJvp}, {@link LstsqVjp}, {@link LstsqJvp}, {@link RidgeVjp},
 * {@link RidgeJvp}, {@link PinvTranspose}), which share one vocabulary: {@code blockTerm} (one row
 * block's term of a sum, reduced in partition order), {@code fromReduction} (what the reduced sum
 * gives: a result on the driver, or the map of the next pass) and {@code rowMap...} (the rows of an
 * output for one row block, with no reduction). A local solver is the distributed one on one block.
 *
 * @param <M> how matrices with {@code A}'s rows are held: {@code A}, {@code B}, their tangents and
 *     gradients ({@code DoubleMatrix} locally, {@code RowBlockMatrix} distributed)
 * @param <X> how the solution is held (for the distributed pinv the transposed, row-aligned
 *     {@code RowBlockMatrix}; otherwise a {@code DoubleMatrix} on the driver)
 */
public interface Solver<M, X> {

  /** The solution {@code X}. */
  X solution();

  /**
   * The forward derivative (JVP) {@code dX} along the tangent {@code (dA, dB)}, shaped as
   * {@link #solution()}.
   *
   * @param tangentA {@code dA} ({@code m x n}), or null for zero
   * @param tangentB {@code dB} ({@code m x k}), or null for zero; must be null for pinv, which has no
   *     {@code B}
   */
  X jvp(M tangentA, M tangentB);

  /**
   * The backward derivative (VJP): the gradient of a scalar loss {@code L} with respect to {@code A},
   * {@code B} and the penalty, for the cotangent {@code dL/dX} shaped as {@link #solution()}.
   */
  Gradient<M> vjp(X cotangent);

  /** Number of singular directions the solution uses: the rank the cut-off decided ({@code n} for ridge). */
  int rank();

  /** The cut-off {@code max(atol, rtol * s_max)} below which singular values count as zero (0 for ridge). */
  double threshold();

  /**
   * The singular values of {@code A} the factorization found, descending (all for TSQR, the leading ones when
   * truncated).
   */
  double[] singularValues();
}
