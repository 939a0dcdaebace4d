package org.penrose.ml;

import java.io.Serializable;
import java.util.function.ToDoubleFunction;
import org.penrose.factor.QrTriangle;
import org.penrose.factor.RankCutoff;
import org.penrose.factor.RidgeFactorization;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.matrix.Lapack;

/**
 * Ridge (L2) regression for every penalty at once, from the QR triangle {@code R} of
 * {@code [sqrt(w) | sqrt(w) X | sqrt(w) y]} (one pass over the rows), with exactly the semantics of
 * Spark's {@code LinearRegression} for {@code elasticNetParam = 0} (its normal solver): for a
 * penalty {@code lambda >= 0} the coefficients {@code x} and intercept {@code z} minimize
 *
 * <pre>
 *   1/(2 W) sum_i w_i (x_i^T x + z - y_i)^2  +  lambda / (2 delta) sum_j s_j x_j^2
 * </pre>
 *
 * with {@code W = sum w_i}, {@code delta} the weighted population standard deviation of {@code y},
 * {@code s_j = sigma_j^2} (the feature's weighted population variance) with standardization and
 * {@code s_j = 1} without; the intercept is not penalized, and a feature of zero variance gets
 * coefficient 0 (as Spark does). Multiplying by {@code 2 W}, this is the ridge problem
 * {@code ||W^1/2 (X x + z - y)||^2 + mu ||S^1/2 x||^2} with {@code mu = W lambda / delta}.
 *
 * <p>The intercept's column comes first in {@code R}, so {@code R = [[r00, r0x, r0y], [0, Rxx, rxy],
 * [0, 0, ryy]]}: its lower-right part is the triangle of the weighted, centered {@code [X | y]}
 * (the centering done exactly by the QR, no sums of squares). Eliminating the intercept leaves
 * {@code min ||Rxx x - rxy||^2 + mu ||S^1/2 x||^2}; with {@code u = S^1/2 x}, {@code A~ = Rxx S^-1/2 =
 * U diag(sigma) V^T} (one SVD of a {@code p x p} matrix):
 *
 * <pre>
 *   u(mu) = V diag(sigma / (sigma^2 + mu)) c,   c = U^T rxy,
 *   RSS(mu) = sum_i (mu / (sigma_i^2 + mu))^2 c_i^2 + ||rxy||^2 - ||c||^2 + ryy^2,
 *   df(mu) = sum_i sigma_i^2 / (sigma_i^2 + mu)  (+ 1 for the intercept),
 *   GCV(mu) = m RSS / (m - df)^2,                z = (r0y - r0x x) / r00,
 * </pre>
 *
 * each {@code O(p^2)} per penalty. Without an intercept the triangle of the uncentered
 * {@code [X | y]} comes from one QR of {@code R}'s last columns ({@code delta} and {@code sigma_j} are
 * still the centered deviations, as in Spark).
 */
public final class RidgePath implements Serializable {
  private static final long serialVersionUID = 1L;

  private final boolean intercept;
  private final long rows;
  private final double weightSum;
  private final double labelStd;
  private final double labelMean;
  /** {@code 1 / sqrt(s_j)} for a kept feature, 0 for one of zero variance. */
  private final double[] unscale;
  private final double[] sigma;
  private final DoubleMatrix v;
  private final double[] c;
  private final double residualFloor;
  /** The intercept's row of {@code R} ({@code r00, r0x, r0y}), null without an intercept. */
  private final double[] interceptRow;
  /** The features' weighted means (the centering of the leverages; zeros without an intercept). */
  private final double[] means;

  /**
   * One penalty's solution; {@code leaveOneOut} is the weighted mean of squared leave-one-out
   * residuals {@code sum w_i (e_i / (1 - h_ii))^2 / W} at this penalty (NaN until computed by a pass
   * over the rows, {@link #addLeaveOneOut}).
   */
  public record Solution(double regParam, double[] coefficients, Double intercept, double residualSumOfSquares,
      double effectiveDegreesOfFreedom, double gcv, double leaveOneOut) implements Serializable {
    /** This solution with its leave-one-out value. */
    public Solution withLeaveOneOut(double value) {
      return new Solution(regParam, coefficients, intercept, residualSumOfSquares, effectiveDegreesOfFreedom, gcv,
          value);
    }
  }

  private RidgePath(boolean intercept, long rows, double weightSum, double labelStd, double labelMean, double[] unscale,
      double[] sigma, DoubleMatrix v, double[] c, double residualFloor, double[] interceptRow, double[] means) {
    this.means = means;
    this.intercept = intercept;
    this.rows = rows;
    this.weightSum = weightSum;
    this.labelStd = labelStd;
    this.labelMean = labelMean;
    this.unscale = unscale;
    this.sigma = sigma;
    this.v = v;
    this.c = c;
    this.residualFloor = residualFloor;
    this.interceptRow = interceptRow;
  }

  /**
   * The path from the triangle of {@code [sqrt(w) | sqrt(w) X | sqrt(w) y]} ({@code p + 2} columns:
   * the weights' square roots first, the label last), whether or not the fit has an intercept.
   */
  public static RidgePath fromTriangle(QrTriangle triangle, boolean intercept, boolean standardization) {
    int p = triangle.cols() - 2;
    if (p < 0) {
      throw new InvalidInputException("a ridge triangle has the weights' column, the features and the label; got "
          + triangle.cols() + " columns");
    }
    DoubleMatrix r = triangle.squareR();
    double r00 = r.get(0, 0);
    double weightSum = r00 * r00;
    if (!(weightSum > 0)) {
      throw new InvalidInputException("ridge regression: no rows of positive weight to fit");
    }
    // the centered part: rows and columns 1.. of R
    double[] variance = new double[p + 1];
    for (int j = 0; j <= p; j++) {
      double sum = 0;
      for (int i = 1; i <= j + 1; i++) {
        sum += r.get(i, j + 1) * r.get(i, j + 1);
      }
      variance[j] = sum / weightSum;
    }
    double labelStd = Math.sqrt(variance[p]);
    double labelMean = r.get(0, p + 1) / r00;
    DoubleMatrix reduced = intercept ? r.rowRange(1, p + 2).columns(1, p + 2)
        : QrTriangle.ofBlock(r.columns(1, p + 2), null).squareR();
    double[] unscale = new double[p];
    DoubleMatrix scaled = DoubleMatrix.zeros(p, p);
    for (int j = 0; j < p; j++) {
      double std = Math.sqrt(variance[j]);
      // a feature of zero variance (up to rounding of a constant column) gets coefficient 0, as in Spark
      double columnNorm = 0;
      for (int i = 0; i <= j + 1; i++) {
        columnNorm = Math.hypot(columnNorm, r.get(i, j + 1));
      }
      boolean constant = !(std * Math.sqrt(weightSum) > 1e-13 * columnNorm);
      unscale[j] = constant ? 0 : standardization ? 1 / std : 1;
      for (int i = 0; i <= j; i++) {
        scaled.set(i, j, reduced.get(i, j) * unscale[j]);
      }
    }
    Lapack.Svd svd = Lapack.svd(scaled);
    double[] rxy = new double[p];
    for (int i = 0; i < p; i++) {
      rxy[i] = reduced.get(i, p);
    }
    double[] c = new double[svd.s.length];
    double captured = 0;
    for (int k = 0; k < c.length; k++) {
      for (int i = 0; i < p; i++) {
        c[k] += svd.u.get(i, k) * rxy[i];
      }
      captured += c[k] * c[k];
    }
    double rxyNorm2 = DoubleMatrix.sumOfSquares(rxy);
    double ryy = reduced.get(p, p);
    double floor = Math.max(0, rxyNorm2 - captured) + ryy * ryy;
    double[] interceptRow = null;
    if (intercept) {
      interceptRow = new double[p + 2];
      for (int j = 0; j < p + 2; j++) {
        interceptRow[j] = r.get(0, j);
      }
    }
    double[] means = new double[p];
    for (int j = 0; intercept && j < p; j++) {
      means[j] = r.get(0, j + 1) / r00;
    }
    return new RidgePath(intercept, triangle.rowCount(), weightSum, labelStd, labelMean, unscale, svd.s, svd.v, c,
        floor, interceptRow, means);
  }

  /** The weighted population standard deviation of the label ({@code delta}). */
  public double labelStd() {
    return labelStd;
  }

  /** Singular values of the scaled, centered design {@code A~} (descending). */
  public double[] singularValues() {
    return sigma.clone();
  }

  /** {@code mu = W lambda / delta}: the penalty on {@code ||S^1/2 x||^2} for Spark's {@code regParam = lambda}. */
  public double mu(double regParam) {
    return weightSum * regParam / labelStd;
  }

  /** The solution at Spark's {@code regParam = lambda > 0}. */
  public Solution at(double regParam) {
    if (!(regParam > 0) || !Double.isFinite(regParam)) {
      throw new InvalidInputException("regParam must be a finite number > 0 on the ridge path, got " + regParam);
    }
    int p = unscale.length;
    double[] x = new double[p];
    double rss;
    double df = intercept ? 1 : 0;
    if (labelStd == 0) {
      // a constant label: Spark returns zero coefficients (and the mean as intercept) without fitting
      if (!intercept && labelMean != 0) {
        throw new InvalidInputException("ridge regression: the label is constant and nonzero without an intercept;"
            + " the penalty is scaled by the label's standard deviation, which is zero (Spark refuses this too)");
      }
      rss = intercept ? 0 : residualFloor + DoubleMatrix.sumOfSquares(c);
      return new Solution(regParam, x, intercept ? labelMean : null, rss, df, gcv(rss, df), Double.NaN);
    }
    double mu = mu(regParam);
    rss = residualFloor;
    for (int k = 0; k < c.length; k++) {
      double s2 = sigma[k] * sigma[k];
      double kept = mu / (s2 + mu) * c[k];
      rss += kept * kept;
      df += s2 / (s2 + mu);
    }
    DoubleMatrix u = RidgeFactorization.filtered(sigma, v, DoubleMatrix.column(c), mu); // u = S^1/2 x
    for (int j = 0; j < p; j++) {
      x[j] = u.get(j, 0) * unscale[j];
    }
    Double z = null;
    if (intercept) {
      double sum = interceptRow[p + 1];
      for (int j = 0; j < p; j++) {
        sum -= interceptRow[j + 1] * x[j];
      }
      z = sum / interceptRow[0];
    }
    return new Solution(regParam, x, z, rss, df, gcv(rss, df), Double.NaN);
  }

  private double gcv(double rss, double df) {
    double free = rows - df;
    return free > 0 ? rows * rss / (free * free) : Double.POSITIVE_INFINITY;
  }

  /**
   * The default path: {@code count} penalties log-spaced so that {@code mu} runs from
   * {@code 1e-6 sigma_1^2} to {@code 1e2 sigma_1^2} (from almost no shrinkage to almost all), in Spark's
   * {@code regParam} units, ascending.
   */
  public double[] defaultGrid(int count) {
    if (count < 2) {
      throw new InvalidInputException("a path needs at least 2 penalties, got " + count);
    }
    double top = sigma.length == 0 ? 1 : sigma[0] * sigma[0];
    double scale = labelStd > 0 ? labelStd / weightSum : 1 / weightSum;
    double[] grid = new double[count];
    for (int i = 0; i < count; i++) {
      double exponent = -6 + 8.0 * i / (count - 1);
      grid[i] = Math.pow(10, exponent) * (top > 0 ? top : 1) * scale;
    }
    return grid;
  }

  /** The solutions along {@code grid} ({@link #least} picks one). */
  public Solution[] path(double[] grid) {
    Solution[] out = new Solution[grid.length];
    for (int i = 0; i < grid.length; i++) {
      out[i] = at(grid[i]);
    }
    return out;
  }

  /** The total weight {@code W = sum w_i}. */
  public double weightSum() {
    return weightSum;
  }

  /**
   * Adds one row's leave-one-out terms {@code w (e / (1 - h))^2} for every solution of {@code path} to
   * {@code sums}: {@code e = y - z - x^T beta}, and the leverage {@code h = w / W + sum_k t_k^2
   * sigma_k^2 / (sigma_k^2 + mu)} with {@code t = sqrt(w) (x - mean) S^-1/2 V diag(1 / sigma)} the row's
   * coordinates in the left singular vectors of the scaled, centered design (the first term only with
   * an intercept; no mean without one). These are the exact leave-one-out residuals of the ridge
   * problem with {@code mu} and {@code S} held at the full data's values. Divide the sums by
   * {@link #weightSum} when all rows are in.
   */
  public void addLeaveOneOut(double[] x, double y, double w, Solution[] path, double[] sums) {
    int p = unscale.length;
    double root = Math.sqrt(w);
    double tolerance = sigma.length == 0 ? 0 : sigma[0] * Math.max(1, p) * RankCutoff.EPS;
    double[] t = new double[sigma.length];
    for (int k = 0; k < sigma.length; k++) {
      if (sigma[k] <= tolerance) {
        continue;
      }
      double sum = 0;
      for (int j = 0; j < p; j++) {
        sum += (x[j] - means[j]) * unscale[j] * v.get(j, k);
      }
      t[k] = root * sum / sigma[k];
    }
    for (int g = 0; g < path.length; g++) {
      double mu = labelStd == 0 ? 0 : mu(path[g].regParam());
      double h = intercept ? w / weightSum : 0;
      for (int k = 0; k < sigma.length; k++) {
        double s2 = sigma[k] * sigma[k];
        h += s2 > 0 ? t[k] * t[k] * s2 / (s2 + mu) : 0;
      }
      double e = y - (path[g].intercept() == null ? 0 : path[g].intercept());
      double[] beta = path[g].coefficients();
      for (int j = 0; j < p; j++) {
        e -= x[j] * beta[j];
      }
      double free = 1 - h;
      sums[g] += free > 1e-12 ? w * (e / free) * (e / free) : Double.POSITIVE_INFINITY;
    }
  }

  /** The solution of least {@code criterion} on {@code path} (the first such, if tied), e.g. {@code Solution::gcv}. */
  public static Solution least(Solution[] path, ToDoubleFunction<Solution> criterion) {
    Solution best = path[0];
    for (Solution s : path) {
      if (criterion.applyAsDouble(s) < criterion.applyAsDouble(best)) {
        best = s;
      }
    }
    return best;
  }
}
