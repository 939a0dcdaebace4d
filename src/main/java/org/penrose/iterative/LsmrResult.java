package org.penrose.iterative;

/**
 * An LSMR solution and what certifies it: {@code x} ({@code n}), why the iteration stopped, the
 * iterations, and the estimates of {@code ||r||} ({@code r = b - A x}; with {@code damp}, of the damped
 * problem's residual {@code [b; 0] - [A; damp I] x}), {@code ||A^T r - damp^2 x||}, {@code ||A||}
 * (Frobenius norm of the bidiagonal, at most {@code ||A||_F}), {@code cond(A)} and {@code ||x||}.
 */
public record LsmrResult(double[] x, Stop stop, int iterations, double normR, double normAr, double normA,
    double condA, double normX, double damp, String where, double seconds) {

  /** Why LSMR stopped (scipy's {@code istop} 0..7, in the same order). */
  public enum Stop {
    ZERO_RIGHT_HAND_SIDE("b = 0: x = 0 is the solution"),
    COMPATIBLE("A x = b is solved to within atol and btol"),
    LEAST_SQUARES("a least-squares solution to within atol"),
    CONDITION_LIMIT("cond(A) passed conlim"),
    COMPATIBLE_EPS("A x = b is solved to machine precision"),
    LEAST_SQUARES_EPS("a least-squares solution to machine precision"),
    CONDITION_LIMIT_EPS("cond(A) passed 1 / eps"),
    ITERATION_LIMIT("the iteration limit was reached before the tolerances held"),
    ZERO_GRADIENT("A^T b = 0: x = 0 is the solution");

    private final String meaning;

    Stop(String meaning) {
      this.meaning = meaning;
    }

    /** What the stop means, for reports. */
    public String meaning() {
      return meaning;
    }

    /** True unless the iteration ran out or stopped on the condition limit before the tolerances held. */
    public boolean converged() {
      return this != ITERATION_LIMIT && this != CONDITION_LIMIT && this != CONDITION_LIMIT_EPS;
    }
  }

  /**
   * The backward-error certificate {@code ||A^T r|| / (||A|| ||r||)} (0 for a compatible system, where
   * {@code ||r|| = 0}): the relative size of the smallest change to {@code A} that makes {@code x} an
   * exact least-squares solution is bounded by it.
   */
  public double certificate() {
    return normR == 0 || normA == 0 ? 0 : normAr / (normA * normR);
  }
}
