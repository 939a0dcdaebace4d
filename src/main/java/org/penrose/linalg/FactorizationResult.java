package org.penrose.linalg;

/**
 * A result computed from one {@link PinvFactorization} (a pinv or an lstsq, local or distributed):
 * the rank decision and the spectrum, read off the factorization.
 */
public interface FactorizationResult {

  /** The factorization (kept {@code V}, {@code S}, rank, threshold), for reuse. */
  PinvFactorization factorization();

  /** Number of singular values above the threshold. */
  default int rank() {
    return factorization().rank();
  }

  /** {@code max(atol, rtol * s_max)}. */
  default double threshold() {
    return factorization().threshold();
  }

  /** All {@code min(m, n)} singular values of {@code A}, descending (including dropped ones). */
  default double[] singularValues() {
    return factorization().singularValues();
  }
}
