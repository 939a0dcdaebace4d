package org.penrose.ml;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.Scratch;
import org.penrose.factor.QrTriangle;
import org.penrose.matrix.DoubleMatrix;

/**
 * How {@link LeastSquaresRegression} picks its ridge penalty on a {@link RidgePath}: given, by GCV, or by
 * leave-one-out.
 */
final class RidgeSelection {
  private RidgeSelection() {}

  /**
   * The ridge fit at regParam, or at the penalty of least GCV on the path (from the triangle alone),
   * or of least leave-one-out error (one more pass over the rows, for the leverages).
   */
  static LeastSquaresFit fit(QrTriangle triangle, boolean intercept, boolean standardization, String selection,
      double regParam, double[] regParamGrid, List<String> names, JavaRDD<Row> rows, DesignRows design) {
    RidgePath path = RidgePath.fromTriangle(triangle, intercept, standardization);
    if (selection.equals("none")) {
      RidgePath.Solution at = path.at(regParam);
      return LeastSquaresFit.ridge(path, at, List.of(at), triangle, intercept, names);
    }
    double[] grid = regParamGrid != null ? regParamGrid.clone()
        : path.defaultGrid(LeastSquaresRegression.DEFAULT_PATH_SIZE);
    Arrays.sort(grid);
    RidgePath.Solution[] solutions = path.path(grid);
    if (selection.equals("gcv")) {
      return LeastSquaresFit.ridge(path, RidgePath.least(solutions, RidgePath.Solution::gcv), List.of(solutions),
          triangle, intercept, names);
    }
    Broadcast<RidgePath> shared = JavaSparkContext.fromSparkContext(rows.context()).broadcast(path);
    RidgePath.Solution[] at = solutions;
    JavaRDD<DoubleMatrix> parts = rows.mapPartitions(it -> {
      double[] sums = new double[at.length];
      while (it.hasNext()) {
        Row r = it.next();
        double sw = design.sqrtWeight(r);
        if (sw > 0) {
          shared.value().addLeaveOneOut(design.features(r).toArray(), design.label(r), sw * sw, at, sums);
        }
      }
      return Collections.singletonList(DoubleMatrix.column(sums)).iterator();
    }, true);
    double[] sums = DeterministicReduce.reduce(parts, DeterministicReduce::sum).values();
    Scratch.destroy(shared); // blocking: a non-blocking destroy races with the context cleaner
    for (int g = 0; g < solutions.length; g++) {
      solutions[g] = solutions[g].withLeaveOneOut(sums[g] / path.weightSum());
    }
    return LeastSquaresFit.ridge(path, RidgePath.least(solutions, RidgePath.Solution::leaveOneOut), List.of(solutions),
        triangle, intercept,
        names);
  }

}
