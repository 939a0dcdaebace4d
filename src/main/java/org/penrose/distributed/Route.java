package org.penrose.distributed;

/**
 * Which algorithm answers a pinv or lstsq, decided in one place for the Java API, the command line and
 * the estimator, with the reason in words. TSQR ({@link Tsqr}: one pass, exact at any rank) keeps the
 * {@code (n + k) x (n + k)} triangle of {@code [A | B]} on the driver, so it serves up to
 * {@link Tsqr#MAX_COLUMNS} columns; past that, or when the caller fixes a rank, the truncated SVD
 * ({@link TruncatedSvd}) does.
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
    TRUNCATED
  }

  /**
   * The route for {@code A} with {@code columns} columns and {@code rightHandSides} columns of
   * {@code B} (0 for pinv).
   *
   * @param rank the rank the caller fixed, or null to let the cut-off decide
   */
  public static Route of(long columns, long rightHandSides, Integer rank) {
    long width = columns + rightHandSides;
    if (rank != null) {
      return new Route(Kind.TRUNCATED, "the rank is fixed at " + rank);
    }
    if (width > Tsqr.MAX_COLUMNS) {
      return new Route(Kind.TRUNCATED, "n + k = " + width + " columns is more than TSQR's " + Tsqr.MAX_COLUMNS
          + " (its (n+k) x (n+k) triangle lives on the driver)");
    }
    return new Route(Kind.TSQR, "n + k = " + width + " columns: one TSQR pass");
  }

  /** Whether the truncated SVD answers. */
  public boolean truncated() {
    return kind == Kind.TRUNCATED;
  }
}
