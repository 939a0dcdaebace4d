package org.penrose.ml;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.iterative.Lsmr;
import org.penrose.iterative.LsmrOptions;
import org.penrose.iterative.LsmrResult;

/**
 * The estimator's LSMR route ({@code solver = "lsmr"}, and {@code "auto"} past 4096 design columns
 * without a rank): least squares or ridge at any width, sparse features kept sparse, one pass over the
 * design per iteration. The design is weighted, centered and scaled as on the truncated route
 * ({@link ScaledDesign}: {@code A = sqrt(w) (X - 1 mu^T) D^-1}, {@code y = sqrt(w) (label - ybar)}), and
 * LSMR from {@code z = 0} solves {@code min ||A z - y||^2 + damp^2 ||z||^2}; {@code beta = D^-1 z}.
 *
 * <p>Least squares ({@code regParam = 0}): {@code D} equilibrates the columns ({@code equilibrate}, as
 * on the other routes) and {@code damp = 0}; for dependent columns the fit is LSMR's minimum-norm one in
 * the scaled coordinates. Ridge ({@code regParam = lambda > 0}) has Spark's semantics, as {@link RidgePath}
 * states them: {@code ||W^1/2 (X beta + z - y)||^2 + mu ||S^1/2 beta||^2} with {@code mu = W lambda / delta};
 * with standardization {@code D_jj = sqrt(W) sigma_j}, so the penalty is {@code (lambda / delta) ||z||^2}
 * and {@code damp^2 = lambda / delta}; without it {@code D = I} and {@code damp^2 = mu}. The residual sum
 * of squares is computed exactly from the solution (LSMR's last two passes), not taken from its estimate, and so
 * is, for ridge, the bound on the scaled coefficients' relative error the summary reports (least squares: an
 * estimate).
 */
final class LsmrRegression {
  private LsmrRegression() {}

  static LeastSquaresFit fit(JavaRDD<Row> rows, DesignRows design, boolean intercept,
      boolean equilibrate, boolean standardization, double regParam, LsmrOptions options, List<String> names) {
    boolean ridge = regParam > 0;
    ScaledDesign.Scaling scaling = ridge
        ? (standardization ? ScaledDesign.Scaling.STANDARDIZE : ScaledDesign.Scaling.NONE)
        : (equilibrate ? ScaledDesign.Scaling.EQUILIBRATE : ScaledDesign.Scaling.NONE);
    ScaledDesign scaled = ScaledDesign.of(rows, design, intercept, scaling);
    double damp = 0;
    if (ridge) {
      double labelDeviation = scaled.labelStandardDeviation();
      // a constant label has no deviation to scale the penalty by; its centered fit is 0 either way
      double penalty = labelDeviation > 0 ? regParam / labelDeviation : 0;
      damp = Math.sqrt(standardization ? penalty : scaled.sums[0] * penalty);
    }
    // stored, not shifted, for the passes; kept for its two uses (LSMR's start, its final residual)
    RowBlockMatrix label = scaled.y.denseColumns(0, 1).persist();
    // a constant label leaves no penalty (damp 0), where a forward-error target has no bound to meet: its fit is 0
    LsmrOptions used = damp > 0 ? options.withDamp(damp) : options.withForwardError(0);
    LsmrResult solved = Lsmr.solve(scaled.a, label, used);
    double[] beta = scaled.coefficients(solved.x());
    double rss = solved.residualSumOfSquares(); // ||y - A z||^2 from z, by LSMR's last two passes
    double tss = scaled.totalSumOfSquares(intercept);
    long fitted = (long) scaled.sums[3];
    Double fittedIntercept = intercept ? scaled.intercept(beta) : null;
    scaled.unpersist();
    label.unpersist();
    return LeastSquaresFit.of(new LeastSquaresFit.Coefficients(beta, fittedIntercept, null, null),
        new LeastSquaresFit.RankDecision(-1, new double[0], Double.NaN, List.of()),
        new LeastSquaresFit.Goodness(rss, tss > 0 ? 1 - rss / tss : null, fitted), List.copyOf(names),
        regParam, null)
        .withIterative(new LeastSquaresFit.Iterative(solved.iterations(), solved.stop().meaning(),
            solved.converged(used.forwardError()), solved.certificate(),
            ridge ? solved.forwardErrorBound() : null, ridge ? null : solved.forwardErrorEstimate()));
  }
}
