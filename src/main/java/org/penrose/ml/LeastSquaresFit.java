package org.penrose.ml;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.penrose.factor.PinvFactorization;
import org.penrose.factor.QrTriangle;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.matrix.Lapack;
import org.penrose.solver.Ridge;

/**
 * A linear regression fitted from the QR triangle of {@code [1 | X | y]} (rows scaled by
 * {@code sqrt(w)} when weighted): coefficients, intercept, rank and the statistics a regression user
 * expects, from one pass over the rows.
 *
 * <p><b>Equilibration</b> (on by default): before the rank decision the design columns are scaled
 * to unit norm, {@code X D^-1} with {@code D = diag(||x_j||)}; the triangle of {@code X D^-1} is
 * {@code R D^-1} exactly, so no second pass is needed. The cut-off then applies to the singular values
 * of the scaled design, and {@code beta = D^-1 z} with {@code z} the minimum-norm solution in the
 * scaled coordinates. A column that is merely badly scaled (NIST Filip, Pontius) is thus not mistaken
 * for a dependent one, which the raw {@code lstsq} semantics (singular values of {@code X} itself)
 * would do; for genuinely dependent columns the solution is minimum-norm in {@code D beta}, not in
 * {@code beta}. Without equilibration the fit is exactly {@code lstsq(X, y)} with the given cut-off.
 *
 * <p>Statistics: residual sum of squares {@code ||y - X beta||^2}; {@code R^2 = 1 - RSS / TSS} with
 * the total sum of squares about the (weighted) mean when there is an intercept, about zero (the
 * uncentered {@code R^2}) without — both read off the triangle without cancellation; standard errors
 * {@code sqrt(sigma^2 (X^T W X)^-1_jj)}, {@code sigma^2 = RSS / (rows - p)}, when the design has full
 * rank and {@code rows > p}; and, when it has not, the dependent columns: those a column-pivoted QR of
 * the (scaled) triangle puts last.
 */
public final class LeastSquaresFit implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The name reported for the intercept's column among the dependent columns. */
  public static final String INTERCEPT = "intercept";

  private final double[] coefficients;
  private final Double intercept;
  private final int rank;
  private final double[] singularValues;
  private final double threshold;
  private final double residualSumOfSquares;
  private final Double r2;
  private final long rows;
  private final double[] standardErrors;
  private final Double interceptStandardError;
  private final List<String> dependentColumns;
  private final List<String> featureNames;
  /** For refinement (null on a loaded or ridge fit). */
  private final Corrector corrector;
  private final int refinementSteps;
  /** The penalty and path of a ridge fit; null for least squares. */
  private final Ridge ridge;
  /** How an iterative (LSMR) fit stopped; null for the direct routes. */
  private final Iterative iterative;

  /** What a ridge fit adds: Spark's {@code regParam} used, the effective degrees of freedom, the path searched. */
  record Ridge(double regParam, Double effectiveDegreesOfFreedom,
      List<RidgePath.Solution> path) implements Serializable {}

  /**
   * How an iterative fit (the LSMR route) ended.
   *
   * @param iterations the LSMR iterations (passes over the design)
   * @param stop why it stopped, in words
   * @param converged whether the tolerances held (not the iteration or condition limit)
   * @param certificate the backward-error certificate {@code ||A^T r|| / (||A|| ||r||)} of the scaled design
   * @param forwardErrorBound ridge ({@code damp > 0}): a bound on the relative error of the scaled coefficients,
   *     {@code ||z - z*|| / ||z||}, computed from {@code z} ({@code LsmrResult.forwardErrorBound}); null otherwise
   * @param forwardErrorEstimate least squares: an estimate (not a bound) of that error from the certificate and
   *     LSMR's {@code cond} ({@code LsmrResult.forwardErrorEstimate}); null for ridge
   */
  public record Iterative(int iterations, String stop, boolean converged, double certificate,
      Double forwardErrorBound, Double forwardErrorEstimate) implements Serializable {}

  /**
   * The fitted coefficients.
   *
   * @param values {@code beta} ({@code p}, one per feature)
   * @param intercept the intercept, or null without one
   * @param standardErrors one per feature, or null unless the design has full rank
   * @param interceptStandardError or null
   */
  public record Coefficients(double[] values, Double intercept, double[] standardErrors,
      Double interceptStandardError) {}

  /**
   * The rank decision.
   *
   * @param rank the singular values above the threshold (with the intercept's column)
   * @param singularValues those the rank was read from, descending
   * @param threshold the cut-off
   * @param dependentColumns the feature (or intercept) columns found dependent, in column order
   */
  public record RankDecision(int rank, double[] singularValues, double threshold, List<String> dependentColumns) {}

  /**
   * How well the fit explains the label.
   *
   * @param residualSumOfSquares the (weighted) RSS
   * @param r2 {@code 1 - RSS / TSS}, or null when the TSS is 0
   * @param rows the rows fitted (weight-0 rows left out)
   */
  public record Goodness(double residualSumOfSquares, Double r2, long rows) {}

  private LeastSquaresFit(Coefficients fitted, RankDecision decision, Goodness goodness, List<String> featureNames,
      Corrector corrector, int refinementSteps, Ridge ridge, Iterative iterative) {
    this.ridge = ridge;
    this.iterative = iterative;
    this.corrector = corrector;
    this.refinementSteps = refinementSteps;
    this.coefficients = fitted.values();
    this.intercept = fitted.intercept();
    this.standardErrors = fitted.standardErrors();
    this.interceptStandardError = fitted.interceptStandardError();
    this.rank = decision.rank();
    this.singularValues = decision.singularValues();
    this.threshold = decision.threshold();
    this.dependentColumns = decision.dependentColumns();
    this.residualSumOfSquares = goodness.residualSumOfSquares();
    this.r2 = goodness.r2();
    this.rows = goodness.rows();
    this.featureNames = featureNames;
  }

  /** This fit with how its iteration ended (the LSMR route, a stored LSMR model). */
  LeastSquaresFit withIterative(Iterative how) {
    return new LeastSquaresFit(new Coefficients(coefficients, intercept, standardErrors, interceptStandardError),
        new RankDecision(rank, singularValues, threshold, dependentColumns),
        new Goodness(residualSumOfSquares, r2, rows), featureNames, corrector, refinementSteps, ridge, how);
  }

  /**
   * A fit from its parts (a stored model, the truncated route); {@code regParam > 0} with its
   * {@code effectiveDegreesOfFreedom} for a ridge fit (the searched path is not stored).
   */
  public static LeastSquaresFit of(Coefficients fitted, RankDecision decision, Goodness goodness,
      List<String> featureNames, double regParam, Double effectiveDegreesOfFreedom) {
    Ridge ridge = regParam > 0 ? new Ridge(regParam, effectiveDegreesOfFreedom, List.of()) : null;
    return new LeastSquaresFit(fitted, decision, goodness, featureNames, null, 0, ridge, null);
  }

  /**
   * A ridge fit ({@link RidgePath}) at {@code chosen}: no standard errors or dependent columns;
   * {@code rank} counts the singular values of the scaled, centered design above {@code p eps s_1}
   * (and the intercept), R^2 is {@code 1 - RSS / TSS} as for least squares.
   *
   * @param triangle the triangle of {@code [sqrt(w) | sqrt(w) X | sqrt(w) y]} the path was built from
   * @param path the penalties searched ({@code chosen} alone when the penalty was given)
   */
  static LeastSquaresFit ridge(RidgePath ridgePath, RidgePath.Solution chosen, List<RidgePath.Solution> path,
      QrTriangle triangle, boolean intercept, List<String> featureNames) {
    int p = featureNames.size();
    double[] sigma = ridgePath.singularValues();
    double threshold = sigma.length == 0 ? 0 : sigma[0] * Math.max(1, p) * RankCutoff.EPS;
    int rank = intercept ? 1 : 0;
    for (double value : sigma) {
      rank += value > threshold ? 1 : 0;
    }
    double labelNorm = triangle.columnNorm(p + 1);
    double r00 = triangle.r().get(0, 0);
    double tss = intercept ? r00 * r00 * ridgePath.labelStd() * ridgePath.labelStd() : labelNorm * labelNorm;
    Double r2 = tss > 0 ? 1 - chosen.residualSumOfSquares() / tss : null;
    return new LeastSquaresFit(new Coefficients(chosen.coefficients(), chosen.intercept(), null, null),
        new RankDecision(rank, sigma, threshold, List.of()),
        new Goodness(chosen.residualSumOfSquares(), r2, triangle.rowCount()), List.copyOf(featureNames), null, 0,
        new Ridge(chosen.regParam(), chosen.effectiveDegreesOfFreedom(), List.copyOf(path)), null);
  }

  /**
   * Fits from the triangle of {@code [1 | X | y]} (without the first column when {@code intercept}
   * is false).
   *
   * @param featureNames one name per column of {@code X}
   */
  public static LeastSquaresFit fromTriangle(QrTriangle triangle, boolean intercept, boolean equilibrate,
      RankCutoff cutoff, List<String> featureNames) {
    int p = triangle.cols() - 1; // design columns, the intercept's included
    int features = intercept ? p - 1 : p;
    if (features != featureNames.size() || features < 0) {
      throw new InvalidInputException("a triangle of " + triangle.cols() + " columns does not match "
          + featureNames.size() + " features" + (intercept ? " and an intercept" : "") + " and a label");
    }
    double[] scale = new double[p];
    for (int j = 0; j < p; j++) {
      double norm = equilibrate ? triangle.columnNorm(j) : 1.0;
      scale[j] = norm > 0 ? norm : 1.0; // an all-zero column stays zero and is dropped by the cut-off
    }
    QrTriangle scaled = equilibrate ? triangle.withColumnsDivided(scale) : triangle;
    PinvFactorization f = PinvFactorization.fromTriangle(scaled, p, cutoff);
    double[] beta = new double[p];
    for (int j = 0; j < p; j++) {
      beta[j] = f.solution().get(j, 0) / scale[j];
    }
    double rss = f.residualSumOfSquares()[0];
    long rows = triangle.rowCount();

    // TSS from the label column of the triangle: below its first entry (the component along the
    // weighted ones column) when there is an intercept, all of it otherwise
    DoubleMatrix r = triangle.r();
    double tss = r.columnSumOfSquares(p, intercept ? 1 : 0, r.rows());
    Double r2 = tss > 0 ? 1 - rss / tss : null;

    double[] standardErrors = null;
    Double interceptSe = null;
    if (f.rank() == p && rows > p) {
      double sigma2 = rss / (rows - p);
      DoubleMatrix gram = f.pinvGram(); // (X D^-1)^T (X D^-1) inverse
      double[] se = new double[p];
      for (int j = 0; j < p; j++) {
        se[j] = Math.sqrt(sigma2 * gram.get(j, j)) / scale[j];
      }
      standardErrors = intercept ? Arrays.copyOfRange(se, 1, p) : se;
      interceptSe = intercept ? se[0] : null;
    }

    List<String> columnNames = new ArrayList<>();
    if (intercept) {
      columnNames.add(INTERCEPT);
    }
    columnNames.addAll(featureNames);
    List<String> dependent = new ArrayList<>();
    if (f.rank() < p) {
      DoubleMatrix r11 = scaled.r().columns(0, p);
      int[] order = Lapack.pivotOrder(r11.rowRange(0, Math.min(r11.rows(), p)));
      int[] last = Arrays.copyOfRange(order, f.rank(), p); // the columns the pivoting left for last
      Arrays.sort(last);
      for (int column : last) {
        dependent.add(columnNames.get(column));
      }
    }
    double[] coefficients = intercept ? Arrays.copyOfRange(beta, 1, p) : beta;
    return new LeastSquaresFit(new Coefficients(coefficients, intercept ? beta[0] : null, standardErrors, interceptSe),
        new RankDecision(f.rank(), f.singularValues(), f.threshold(), dependent), new Goodness(rss, r2, rows),
        List.copyOf(featureNames), new Corrector(scale, f.pinvGram(),
            f.rank() == p && scaled.r().rows() >= p ? scaled.r().columns(0, p).rowRange(0, p) : null,
            onePassError(f, rss, beta, scale)), 0, null, null);
  }

  /**
   * The first-order bound on the relative error of a Householder least-squares solution, in the
   * equilibrated coordinates {@code z = D beta}: {@code eps sqrt(p) (kappa + kappa^2 ||r|| / (s_1 ||z||))},
   * {@code kappa = s_1 / s_rank} over the kept singular values (Higham, Accuracy and Stability, 20.1).
   */
  private static double onePassError(PinvFactorization f, double rss, double[] beta, double[] scale) {
    double[] s = f.singularValues();
    if (f.rank() == 0) {
      return 0;
    }
    double kappa = s[0] / s[f.rank() - 1];
    double z = 0;
    for (int j = 0; j < beta.length; j++) {
      z = Math.hypot(z, beta[j] * scale[j]);
    }
    double residualTerm = z > 0 ? kappa * kappa * Math.sqrt(rss) / (s[0] * z) : 0;
    return RankCutoff.EPS * Math.sqrt(beta.length) * (kappa + residualTerm) * spread(beta, scale);
  }

  /**
   * {@code ||z|| / min_j |z_j|} over the nonzero {@code z_j = scale_j beta_j}: turns a normwise relative
   * error into the worst coefficient's relative error (what correct digits per coefficient measure).
   */
  private static double spread(double[] beta, double[] scale) {
    double norm = 0;
    double smallest = Double.POSITIVE_INFINITY;
    for (int j = 0; j < beta.length; j++) {
      double z = Math.abs(beta[j] * scale[j]);
      norm = Math.hypot(norm, z);
      if (z > 0) {
        smallest = Math.min(smallest, z);
      }
    }
    return smallest == Double.POSITIVE_INFINITY ? 1 : norm / smallest;
  }

  /**
   * Estimated relative error of the worst coefficient against the exact least-squares solution of
   * the rows as given: after one pass the first-order normwise bound
   * {@code eps sqrt(p) (kappa + kappa^2 ||r|| / (s_1 ||z||))} in the equilibrated coordinates
   * {@code z = D beta}; after refinement the last correction's relative size times
   * {@code sqrt(p) kappa eps} (each step contracts the error by about that); either times
   * {@code ||z|| / min |z_j|}, at least {@code eps}. NaN for a loaded or ridge fit. (It cannot see
   * how far the data, as doubles, are from the data a reference was computed from: NIST Filip's
   * rounded powers of x limit any solver to 7.6 digits of its certified values.)
   */
  public double estimatedRelativeError() {
    return corrector == null ? Double.NaN : corrector.estimatedError();
  }

  /** {@code -log10} of {@link #estimatedRelativeError}, at most 15.65 (double precision); NaN when unknown. */
  public double estimatedDigits() {
    double error = estimatedRelativeError();
    return Double.isNaN(error) ? Double.NaN : Math.min(15.65, -Math.log10(Math.max(error, RankCutoff.EPS / 2)));
  }

  /** All design coefficients: the intercept first (when fitted), then the features'. */
  double[] designCoefficients() {
    if (intercept == null) {
      return coefficients.clone();
    }
    double[] all = new double[coefficients.length + 1];
    all[0] = intercept;
    System.arraycopy(coefficients, 0, all, 1, coefficients.length);
    return all;
  }

  /**
   * One step of iterative refinement: for {@code g = X^T (y - X beta)} (weighted, computed in
   * compensated arithmetic over the rows), {@code beta + D^-1 (D^-1 X^T X D^-1)^-1 D^-1 g}
   * ({@link Corrector#solve}). Since {@code g} is accurate, the fixed point is the exact least-squares
   * solution, and the corrections by triangular solves contract the error by about {@code cond eps}
   * per step (an explicit inverse of the Gram matrix would leave {@code cond^2 eps}). Rank-deficient,
   * the correction stays in the kept row space, so the fit stays minimum-norm (in the equilibrated
   * coordinates). The statistics do not change: they do not depend on {@code beta}'s last digits.
   */
  LeastSquaresFit refine(double[] g) {
    if (corrector == null) {
      throw new IllegalStateException("a loaded fit cannot be refined");
    }
    double[] scale = corrector.scale();
    int p = scale.length;
    double[] scaledG = new double[p];
    for (int j = 0; j < p; j++) {
      scaledG[j] = g[j] / scale[j];
    }
    double[] delta = corrector.solve(scaledG);
    double[] beta = designCoefficients();
    double correction = 0;
    double size = 0;
    for (int j = 0; j < p; j++) {
      correction = Math.hypot(correction, delta[j]);
      size = Math.hypot(size, beta[j] * scale[j]);
      beta[j] += delta[j] / scale[j];
    }
    double kappa = rank == 0 ? 1 : singularValues[0] / singularValues[rank - 1];
    double estimate = Math.max(RankCutoff.EPS,
        (size > 0 ? correction / size : 0) * Math.sqrt(p) * kappa * RankCutoff.EPS * spread(beta, scale));
    boolean hasIntercept = intercept != null;
    return new LeastSquaresFit(new Coefficients(hasIntercept ? Arrays.copyOfRange(beta, 1, p) : beta,
        hasIntercept ? beta[0] : null, standardErrors, interceptStandardError),
        new RankDecision(rank, singularValues, threshold, dependentColumns),
        new Goodness(residualSumOfSquares, r2, rows), featureNames, corrector.withEstimate(estimate),
        refinementSteps + 1, null, null);
  }

  /** Refinement steps applied to the coefficients (0 for the one-pass fit). */
  public int refinementSteps() {
    return refinementSteps;
  }

  /** Coefficients in feature order. */
  public double[] coefficients() {
    return coefficients.clone();
  }

  /** The intercept, or null when fitted without one. */
  public Double intercept() {
    return intercept;
  }

  /**
   * Numerical rank of the (equilibrated) design, the intercept's column included; -1 on the LSMR route,
   * which decides no rank (no singular values, a NaN threshold).
   */
  public int rank() {
    return rank;
  }

  /** Singular values of the design the rank was decided on (unit-norm columns when equilibrated). */
  public double[] singularValues() {
    return singularValues.clone();
  }

  public double threshold() {
    return threshold;
  }

  public double residualSumOfSquares() {
    return residualSumOfSquares;
  }

  /** {@code 1 - RSS/TSS} (uncentered without an intercept); null when TSS is 0. */
  public Double r2() {
    return r2;
  }

  /** Rows fitted (with positive weight). */
  public long rows() {
    return rows;
  }

  /** Standard errors of the coefficients, or null when the design is rank-deficient or rows <= p. */
  public double[] standardErrors() {
    return standardErrors == null ? null : standardErrors.clone();
  }

  public Double interceptStandardError() {
    return interceptStandardError;
  }

  /**
   * Columns found linearly dependent on the others (empty at full rank), in column order;
   * {@code "intercept"} for the intercept.
   */
  public List<String> dependentColumns() {
    return dependentColumns;
  }

  public List<String> featureNames() {
    return featureNames;
  }

  /** Spark's {@code regParam} of a ridge fit (the one GCV chose, when it chose); 0 for least squares. */
  public double regParam() {
    return ridge == null ? 0 : ridge.regParam();
  }

  /**
   * Effective degrees of freedom {@code tr(H)} of a ridge fit, the intercept's included
   * ({@code sum sigma_i^2 / (sigma_i^2 + mu)} + 1); null for least squares (where it is the rank) and on
   * the LSMR route (which computes no singular values).
   */
  public Double effectiveDegreesOfFreedom() {
    return ridge == null ? null : ridge.effectiveDegreesOfFreedom();
  }

  /**
   * The penalties a GCV selection searched, ascending, each with its coefficients, RSS, effective
   * degrees of freedom and GCV; empty when the penalty was given (or the model was loaded).
   */
  public List<RidgePath.Solution> regularizationPath() {
    return ridge == null ? List.of() : ridge.path().size() > 1 ? ridge.path() : List.of();
  }

  /** How the LSMR route's iteration ended; null for the direct routes (TSQR, truncated). */
  public Iterative iterative() {
    return iterative;
  }
}
