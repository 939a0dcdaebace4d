package org.penrose.distributed;

import java.util.Locale;
import org.penrose.engine.Tsqr;
import org.penrose.matrix.InvalidInputException;
import org.penrose.truncated.TruncatedSvd;

/**
 * Which algorithm answers a pinv or lstsq, decided in one place for the Java API, the command line and
 * the estimator, with the reason in words. TSQR ({@link Tsqr}: one pass, exact at any rank) keeps the
 * {@code (n + k) x (n + k)} triangle of {@code [A | B]} on the driver, so it serves up to
 * {@link Tsqr#MAX_COLUMNS} columns. Past that a least-squares solve without a fixed rank goes to LSMR
 * (exact least squares to its tolerances, minimum-norm from {@code x = 0}; its derivatives by further
 * LSMR solves, {@link LsmrVjp}, {@link LsmrJvp}) unless the caller needs a factorization (pinv, or the
 * {@code DistributedLstsq} object of the Java API); those, and a fixed rank, go to the truncated SVD
 * ({@link TruncatedSvd}).
 *
 * @param kind the algorithm
 * @param reason why, for reports and messages
 */
public record Route(Kind kind, String reason) {
  /** The algorithms. */
  public enum Kind {
    /** One TSQR pass over {@code [A | B]}. */
    TSQR,
    /** The certified truncated SVD at a rank (fixed, or grown until the cut-off settles it). */
    TRUNCATED,
    /**
     * LSMR ({@code org.penrose.iterative.Lsmr}): least squares (with ridge damping) at any width, one
     * pass over A per iteration, to stopping tolerances rather than a cut-off; its derivatives by further
     * LSMR solves ({@link LsmrVjp}, {@link LsmrJvp}); no pinv or rank.
     */
    LSMR
  }

  /**
   * The route for {@code A} with {@code columns} columns and {@code rightHandSides} columns of
   * {@code B} (0 for pinv), chosen automatically.
   *
   * @param rank the rank the caller fixed, or null to let the cut-off decide
   */
  public static Route of(long columns, long rightHandSides, Integer rank) {
    return of(columns, rightHandSides, rank, null, true);
  }

  /**
   * The route as {@link #of(long, long, Integer)}, or the one the caller asks for.
   *
   * @param requested the algorithm asked for, or null to choose automatically
   * @param factorization whether the caller needs a factorization ({@code DistributedLstsq}); without one a wide
   *     least-squares solve goes to LSMR
   * @throws InvalidInputException when TSQR is asked for past {@link Tsqr#MAX_COLUMNS} columns or with a
   *     fixed rank
   */
  public static Route of(long columns, long rightHandSides, Integer rank, Kind requested, boolean factorization) {
    long width = columns + rightHandSides;
    if (requested == Kind.LSMR) {
      if (rightHandSides == 0) {
        throw new InvalidInputException("the LSMR route solves least squares; it does not form pinv(A)");
      }
      if (rank != null) {
        throw new InvalidInputException("the LSMR route solves without a rank cut; a fixed rank (" + rank
            + ") needs the truncated route");
      }
      return new Route(Kind.LSMR, "asked for; LSMR, one pass over A per iteration, to its stopping tolerances");
    }
    if (requested == Kind.TSQR) {
      if (rank != null) {
        throw new InvalidInputException("the TSQR route solves at the rank the cut-off decides; a fixed rank ("
            + rank + ") needs the truncated route");
      }
      if (width > Tsqr.MAX_COLUMNS) {
        throw new InvalidInputException("the TSQR route holds the (n+k) x (n+k) triangle on the driver: at most "
            + Tsqr.MAX_COLUMNS + " columns n + k, got " + width + "; use the truncated route");
      }
      return new Route(Kind.TSQR, "asked for; n + k = " + width + " columns: one TSQR pass");
    }
    if (rank != null) {
      return new Route(Kind.TRUNCATED, "the rank is fixed at " + rank);
    }
    if (requested == Kind.TRUNCATED) {
      return new Route(Kind.TRUNCATED, "asked for; the rank the cut-off decides");
    }
    if (width > Tsqr.MAX_COLUMNS && rightHandSides > 0 && !factorization) {
      return new Route(Kind.LSMR, "n + k = " + width + " columns is more than TSQR's " + Tsqr.MAX_COLUMNS
          + " and no rank is fixed: LSMR solves the least-squares problem itself (a fixed rank or the truncated"
          + " route gives principal-component regression)");
    }
    if (width > Tsqr.MAX_COLUMNS) {
      return new Route(Kind.TRUNCATED, "n + k = " + width + " columns is more than TSQR's " + Tsqr.MAX_COLUMNS
          + " (its (n+k) x (n+k) triangle lives on the driver)");
    }
    return new Route(Kind.TSQR, "n + k = " + width + " columns: one TSQR pass");
  }

  /**
   * The kind a caller names, as the estimator's {@code solver} param and the command line's
   * {@code --solver} do: {@code "tsqr"}, {@code "truncated"} or {@code "lsmr"} (any case); null for
   * {@code "auto"}.
   */
  public static Kind requested(String name) {
    return name.equalsIgnoreCase("auto") ? null : Kind.valueOf(name.toUpperCase(Locale.ROOT));
  }

  /** Whether the truncated SVD answers. */
  public boolean truncated() {
    return kind == Kind.TRUNCATED;
  }
}
