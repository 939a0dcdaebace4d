package org.penrose.factor;

import java.io.Serializable;

/**
 * The rank decision shared by every Penrose routine, as in {@code torch.linalg.pinv}:
 *
 * <pre>
 *   threshold = max(atol, rtol * s_max)
 *   s &lt;= threshold  is treated as zero (dropped),   s &gt; threshold  is kept,   rank = #kept
 * </pre>
 *
 * Defaults: {@code atol = 0} and {@code rtol = max(m, n) * eps} ({@code eps = 2^-52}); but when only
 * {@code atol} is given, {@code rtol = 0}. Instances are immutable; {@link #DEFAULT} gives both
 * defaults.
 */
public final class RankCutoff implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Machine epsilon of float64, {@code 2^-52}, as numpy's {@code finfo(float64).eps}. */
  public static final double EPS = Math.ulp(1.0);

  /** {@code rtol = max(m, n) * eps}, {@code atol = 0}. */
  public static final RankCutoff DEFAULT = new RankCutoff(null, null);

  private final Double rtol;
  private final Double atol;

  private RankCutoff(Double rtol, Double atol) {
    this.rtol = rtol;
    this.atol = atol;
  }

  /**
   * A cut-off from optional tolerances ({@code null} = not given), with the defaults above.
   *
   * @throws IllegalArgumentException if a tolerance is negative, NaN or infinite
   */
  public static RankCutoff of(Double rtol, Double atol) {
    requireTolerance("rtol", rtol);
    requireTolerance("atol", atol);
    return new RankCutoff(rtol, atol);
  }

  /** A purely relative cut-off ({@code atol = 0}). */
  public static RankCutoff relative(double rtol) {
    return of(rtol, null);
  }

  /** A purely absolute cut-off ({@code rtol = 0}). */
  public static RankCutoff absolute(double atol) {
    return of(null, atol);
  }

  private static void requireTolerance(String name, Double value) {
    if (value != null && !(value >= 0.0 && Double.isFinite(value))) {
      throw new IllegalArgumentException(name + " must be a finite number >= 0, got " + value);
    }
  }

  /** The relative tolerance in effect for an {@code m x n} matrix. */
  public double effectiveRtol(long m, long n) {
    if (rtol != null) {
      return rtol;
    }
    return atol != null ? 0.0 : Math.max(m, n) * EPS;
  }

  /** The absolute tolerance in effect ({@code 0} unless given). */
  public double effectiveAtol() {
    return atol == null ? 0.0 : atol;
  }

  /** {@code max(atol, rtol * sMax)} for an {@code m x n} matrix whose largest singular value is {@code sMax}. */
  public double threshold(double sMax, long m, long n) {
    return Math.max(effectiveAtol(), effectiveRtol(m, n) * sMax);
  }

  /** Number of leading entries of the descending {@code singularValues} strictly above {@code threshold}. */
  public static int rank(double[] singularValues, double threshold) {
    int r = 0;
    while (r < singularValues.length && singularValues[r] > threshold) {
      r++;
    }
    return r;
  }

  /** The rtol as given, or null. */
  public Double rtol() {
    return rtol;
  }

  /** The atol as given, or null. */
  public Double atol() {
    return atol;
  }

  @Override
  public String toString() {
    return "RankCutoff(rtol=" + (rtol == null ? "default" : rtol) + ", atol=" + (atol == null ? "default" : atol) + ")";
  }
}
