package org.penrose.solver;

import org.penrose.factor.PinvFactorization;

/**
 * A {@link Solver} made from one {@link PinvFactorization} (pinv and lstsq, local or distributed,
 * TSQR or truncated): the rank decision and the spectrum are read off the factorization.
 *
 * @param <M> how matrices with {@code A}'s rows are held
 * @param <X> how the solution is held
 */
public interface PinvSolver<M, X> extends Solver<M, X> {

  /** The factorization (kept {@code V}, {@code S}, rank, threshold), for reuse. */
  PinvFactorization factorization();

  /**
   * Refuses a tangent {@code dB} given to a pinv solver's {@link #jvp}: {@code pinv(A)} has no {@code B}.
   *
   * @throws IllegalArgumentException if {@code tangentB} is not null
   */
  static void requireNoRightHandSides(Object tangentB) {
    if (tangentB != null) {
      throw new IllegalArgumentException("pinv(A) has no B: its tangent dB must be null");
    }
  }

  /** Number of singular values above the threshold. */
  @Override
  default int rank() {
    return factorization().rank();
  }

  /** {@code max(atol, rtol * s_max)}. */
  @Override
  default double threshold() {
    return factorization().threshold();
  }

  /** The singular values of {@code A}, descending (including dropped ones). */
  @Override
  default double[] singularValues() {
    return factorization().singularValues();
  }
}
