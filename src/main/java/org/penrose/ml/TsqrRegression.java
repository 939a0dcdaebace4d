package org.penrose.ml;

import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.penrose.engine.DeterministicReduce;
import org.penrose.factor.QrAccumulator;

/**
 * The estimator's TSQR route (up to 4096 design columns): one pass streaming the rows into QR triangles of
 * {@code sqrt(w) [1 | X | y]} merged in partition order, then the ridge path ({@link RidgeSelection}) or the
 * least-squares fit from the triangle ({@link LeastSquaresFit#fromTriangle}), refined while asked or needed.
 */
final class TsqrRegression {
  private TsqrRegression() {}

  static LeastSquaresFit fit(LeastSquaresRegression params, JavaRDD<Row> rows, DesignRows design, List<String> names,
      boolean ridge) {
    int cols = design.designColumns() + 1;
    JavaRDD<QrAccumulator> triangles = rows.mapPartitions(it -> {
      QrAccumulator acc = new QrAccumulator(cols);
      design.forEachDesignRow(it, acc::add);
      return Collections.singletonList(acc).iterator();
    }, true);
    QrAccumulator all = DeterministicReduce.reduce(triangles, DeterministicReduce.leftFold(QrAccumulator::merge));
    boolean intercept = params.getFitIntercept();
    if (ridge) {
      double[] grid = params.isDefined(params.regParamGrid()) ? params.getOrDefault(params.regParamGrid()) : null;
      return RidgeSelection.fit(all.triangle(), intercept, (Boolean) params.getOrDefault(params.standardization()),
          params.getOrDefault(params.regParamSelection()), (Double) params.getOrDefault(params.regParam()), grid,
          names, rows, design);
    }
    boolean equilibrate = (Boolean) params.getOrDefault(params.equilibrate());
    LeastSquaresFit fit = LeastSquaresFit.fromTriangle(all.triangle(), intercept, equilibrate, params.cutoff(), names);
    boolean automatic = !params.isSet(params.refinementSteps());
    int steps = automatic ? LeastSquaresRegression.MAX_AUTOMATIC_PASSES
        : (Integer) params.getOrDefault(params.refinementSteps());
    for (int step = 0; step < steps; step++) {
      if (automatic && (fit.rank() < names.size() + (intercept ? 1 : 0)
          || fit.estimatedRelativeError() <= LeastSquaresRegression.AUTOMATIC_TARGET)) {
        break; // accurate enough (or rank-deficient, where the minimum-norm fit is not refined unasked)
      }
      fit = fit.refine(ResidualCorrelation.over(rows, design, fit.designCoefficients()));
    }
    return fit;
  }
}
