package org.penrose.iterative;

import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.penrose.matrix.InvalidInputException;

/**
 * A {@link Deflation} decided during the solve, for problems that turn out hard: plain LSMR first, and only if
 * it has not stopped after {@link #after()} iterations is A's truncated SVD computed ({@code source}, once for
 * every column of {@code B}) and the solve continued from the plain iterate {@code x_0}, preconditioned:
 *
 * <pre>
 *   min ||A M w - r_0||,  r_0 = b - A x_0,  x = x_0 + M w     (M = I + V_k (D - I) V_k^T)
 * </pre>
 *
 * <p>{@code x_0} lies in {@code range(A^T)} (LSMR's iterates from 0 do) and {@code M} maps {@code range(A^T)} into
 * itself, so {@code x} is still the minimum-norm solution. An easy problem (stopped within {@code after}
 * iterations) never pays for the SVD; a hard one pays {@code after} plain iterations and the SVD, then takes the
 * deflated iteration's count. {@link #AUTOMATIC_AFTER} and {@link #AUTOMATIC_RANK} are the command line's and
 * Python's default for undamped solves.
 */
public final class DeferredDeflation {
  /** Plain iterations before the automatic deflation: the SVD's cost (hundreds of passes) is then a small share. */
  public static final int AUTOMATIC_AFTER = 1000;
  /** The automatic deflation's rank: on debian_packages 20 cut the count by a third (10: 15%, 40: half). */
  public static final int AUTOMATIC_RANK = 20;

  private final int after;
  private final Supplier<Deflation> source;
  private boolean computed;
  private Deflation deflation;

  private DeferredDeflation(int after, Supplier<Deflation> source) {
    this.after = after;
    this.source = source;
  }

  /**
   * @param after plain iterations first ({@code >= 1})
   * @param source computes the deflation when it is first needed; it may return null (none available: the solve
   *     continues unpreconditioned from {@code x_0})
   */
  public static DeferredDeflation of(int after, Supplier<Deflation> source) {
    if (after < 1) {
      throw new IllegalArgumentException("a deferred deflation needs after >= 1 plain iterations, got " + after);
    }
    return new DeferredDeflation(after, source);
  }

  /**
   * The automatic deflation of an {@code m x n} A: after {@link #AUTOMATIC_AFTER} plain iterations, the deflation
   * of rank {@code min(AUTOMATIC_RANK, min(m, n) - 1)} that {@code source} gives for that rank (null: none). Where
   * the rank is below 1 or the source cannot give it (its truncated SVD refuses the size or cannot certify the
   * triplets: an {@link InvalidInputException} or {@link ArithmeticException}), the solve goes on without one, and
   * {@code say} is told why.
   */
  public static DeferredDeflation automatic(long m, int n, IntFunction<Deflation> source, Consumer<String> say) {
    int k = (int) Math.min(AUTOMATIC_RANK, Math.min(m, n) - 1);
    return of(AUTOMATIC_AFTER, () -> {
      if (k < 1) {
        return null;
      }
      try {
        return source.apply(k);
      } catch (InvalidInputException | ArithmeticException e) {
        say.accept("LSMR: no automatic deflation (" + e.getMessage() + "); the solve goes on without one");
        return null;
      }
    });
  }

  /** The plain iterations before the deflation is computed. */
  public int after() {
    return after;
  }

  /** The deflation, computed at the first call (null when the source had none). */
  synchronized Deflation get() {
    if (!computed) {
      deflation = source.get();
      computed = true;
    }
    return deflation;
  }
}
