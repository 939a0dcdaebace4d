package org.penrose.solver;

import org.penrose.factor.RidgeFactorization;
import org.penrose.matrix.DoubleMatrix;

/**
 * A {@link Solver} made from one {@link RidgeFactorization} (ridge, local or distributed): every
 * singular direction is used, damped by {@code s / (s^2 + mu)}, so nothing is cut off; the penalty
 * {@code mu} is one more input to differentiate.
 *
 * @param <M> how matrices with {@code A}'s rows are held
 */
public interface RidgeSolver<M> extends Solver<M, DoubleMatrix> {

  /** The factorization ({@code V}, {@code s}, {@code mu}, {@code X}), for reuse. */
  RidgeFactorization factorization();

  /** {@code X = (A^T A + mu I)^-1 A^T B} ({@code n x k}). */
  @Override
  default DoubleMatrix solution() {
    return factorization().solution();
  }

  /** {@code dX} ({@code n x k}) along {@code (dA, dB, dmu)}; {@code dA} or {@code dB} may be null (zero). */
  DoubleMatrix jvp(M tangentA, M tangentB, double tangentMu);

  /** {@code dX} along {@code (dA, dB)} with {@code mu} fixed. */
  @Override
  default DoubleMatrix jvp(M tangentA, M tangentB) {
    return jvp(tangentA, tangentB, 0.0);
  }

  /** {@code n}: ridge uses every singular direction. */
  @Override
  default int rank() {
    return factorization().singularValues().length;
  }

  /** 0: ridge cuts no singular value off. */
  @Override
  default double threshold() {
    return 0.0;
  }

  /** The singular values of {@code A} ({@code n} of them; zeros past {@code m}). */
  @Override
  default double[] singularValues() {
    return factorization().singularValues();
  }
}
