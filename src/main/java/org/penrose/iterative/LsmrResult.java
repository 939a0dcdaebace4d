package org.penrose.iterative;

/**
 * An LSMR solution and what certifies it: {@code x} ({@code n}), why the iteration stopped, the
 * iterations, and the estimates of {@code ||r||} ({@code r = b - A x}; with {@code damp}, of the damped
 * problem's residual {@code [b; 0] - [A; damp I] x}), {@code ||A^T r - damp^2 x||}, {@code ||A||}
 * (Frobenius norm of the bidiagonal, at most {@code ||A||_F}), {@code cond(A)} and {@code ||x||}; computed from
 * {@code x} by two more passes over {@code A}, {@code residualSumOfSquares} {@code ||b - A x||^2} and, with
 * {@code damp > 0}, {@link #forwardErrorBound} (NaN where not computed: the transposed solve).
 */
public record LsmrResult(double[] x, Stop stop, int iterations, double normR, double normAr, double normA,
    double condA, double normX, double damp, String where, double seconds, double forwardErrorBound,
    double residualSumOfSquares) {

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
    ZERO_GRADIENT("A^T b = 0: x = 0 is the solution"),
    FORWARD_ERROR("the forward-error bound asked for holds");

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

  /**
   * With {@code damp > 0}, a bound on the relative forward error {@code ||x - x*|| / ||x||}, where {@code x*}
   * solves {@code (A^T A + damp^2 I) x* = A^T b}: then {@code (A^T A + damp^2 I) (x* - x) = g} with {@code g =
   * A^T (b - A x) - damp^2 x}, and the smallest eigenvalue of {@code A^T A + damp^2 I} is at least {@code
   * damp^2}, so {@code ||x* - x|| <= ||g|| / damp^2}. {@code g} is computed from {@code x} by two more passes
   * over {@code A} (not LSMR's running estimate), so the bound holds up to the rounding of those passes.
   * A field of the record: NaN without damping.
   */
  public double forwardErrorBound() {
    return forwardErrorBound;
  }

  /**
   * Whether the solve stopped as converged and, for a forward-error {@code target} ({@link
   * LsmrOptions#forwardError}; 0: none), its bound computed from {@code x} meets it (a bound LSMR's running
   * estimate said was met can miss by rounding).
   */
  public boolean converged(double target) {
    return stop.converged() && (target == 0 || forwardErrorBound <= target);
  }

  /**
   * Without damping, an estimate (not a bound) of the relative forward error from the certificate {@code eta}
   * and LSMR's estimates: {@code ||x - x*|| <= ||A^T r|| / s_min^2} with {@code ||A^T r|| = eta ||A|| ||r||}
   * and {@code s_min ~ ||A|| / cond(A)}, i.e. {@code eta cond(A)^2 ||r|| / (||A|| ||x||)}. LSMR's {@code cond(A)}
   * is a lower estimate, so this may be below the true error; for a rank-deficient {@code A} it speaks of the
   * error within {@code range(A^T)}. 0 for a compatible system ({@code r = 0}).
   */
  public double forwardErrorEstimate() {
    return normX == 0 ? 0 : certificate() * condA * condA * normR / (normA * normX);
  }
}
