package org.penrose.ml;

import java.io.Serializable;
import java.util.Collections;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.penrose.engine.DeterministicReduce;

/**
 * The sum {@code g = sum_i x_i (y_i - x_i . beta)} over rows, in compensated (double-double)
 * arithmetic: every product is split exactly with {@code Math.fma}, every sum carries its rounding
 * error and each residual stays a double-double, so {@code g} is accurate even when the residuals are
 * tiny compared with {@code y}, and when they are large (where a rounded residual would perturb
 * {@code g} by {@code eps |X|^T |r|}). It is the
 * right-hand side of one step of iterative refinement of a least-squares solution (corrected
 * semi-normal equations): {@code beta += (X^T X)^+ g}, with {@code (X^T X)^+} from the QR triangle.
 * Mergeable (in a fixed order, for the same bits).
 */
final class ResidualCorrelation implements Serializable {
  private static final long serialVersionUID = 1L;

  private final double[] high;
  private final double[] low;

  ResidualCorrelation(int p) {
    high = new double[p];
    low = new double[p];
  }

  /**
   * Adds one row {@code x} (already scaled by {@code sqrt(w)}; its first {@code p} values, the design)
   * with label {@code y} (likewise).
   */
  void add(double[] x, double y, double[] beta) {
    // r = y - x . beta, exactly summed then rounded once
    double rHigh = y;
    double rLow = 0;
    for (int j = 0; j < high.length; j++) {
      double product = -x[j] * beta[j];
      double productError = Math.fma(-x[j], beta[j], -product);
      double sum = rHigh + product;
      double b = sum - rHigh;
      rLow += (rHigh - (sum - b)) + (product - b) + productError;
      rHigh = sum;
    }
    // keep r as a double-double (rounding it would leave cond^2 eps ||r|| in a large-residual fit)
    double r = rHigh + rLow;
    double rTail = rLow - (r - rHigh);
    for (int j = 0; j < high.length; j++) {
      double product = x[j] * r;
      double productError = Math.fma(x[j], r, -product) + x[j] * rTail;
      double sum = high[j] + product;
      double b = sum - high[j];
      low[j] += (high[j] - (sum - b)) + (product - b) + productError;
      high[j] = sum;
    }
  }

  /** {@code g} over all rows of a design (one pass; merged in partition order, for the same bits). */
  static double[] over(JavaRDD<Row> rows, DesignRows design, double[] beta) {
    int p = design.designColumns();
    JavaRDD<ResidualCorrelation> parts = rows.mapPartitions(it -> {
      ResidualCorrelation g = new ResidualCorrelation(p);
      design.forEachDesignRow(it, row -> g.add(row, row[p], beta));
      return Collections.singletonList(g).iterator();
    }, true);
    return DeterministicReduce.reduce(parts, DeterministicReduce.leftFold(ResidualCorrelation::merge)).value();
  }

  ResidualCorrelation merge(ResidualCorrelation other) {
    for (int j = 0; j < high.length; j++) {
      double sum = high[j] + other.high[j];
      double b = sum - high[j];
      low[j] += (high[j] - (sum - b)) + (other.high[j] - b) + other.low[j];
      high[j] = sum;
    }
    return this;
  }

  double[] value() {
    double[] g = new double[high.length];
    for (int j = 0; j < g.length; j++) {
      g[j] = high[j] + low[j];
    }
    return g;
  }
}
