package org.penrose.ml;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.penrose.adapters.DatasetRows;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.engine.Scratch;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.MatrixBlock;
import org.penrose.matrix.SparseEntries;

/**
 * The weighted, centered, column-scaled design of the routes that keep the rows distributed (truncated,
 * LSMR): {@code A = sqrt(w) (X - 1 mu^T) D^-1} and {@code y = sqrt(w) (label - ybar)}, in row blocks, made
 * in one pass over the rows and without densifying a sparse {@code X}. With an intercept {@code mu} are the
 * weighted column means and {@code ybar} the weighted label mean (the centering is a {@link
 * org.penrose.matrix.ShiftedBlock} over the stored blocks); without one nothing is centered. The
 * coefficients are then {@code beta = D^-1 z} for the solution {@code z} in the scaled coordinates, and the
 * intercept {@code ybar - mu . beta}.
 */
final class ScaledDesign {
  /** A column whose centered norm is below this times its norm is constant: it is not scaled up. */
  private static final double CONSTANT_COLUMN = Math.sqrt(RankCutoff.EPS);

  /** How the columns are scaled ({@code D}). */
  enum Scaling {
    /** {@code D = I}. */
    NONE,
    /** Unit (centered, with an intercept) norm; an all-zero or constant column keeps its raw norm (or 1). */
    EQUILIBRATE,
    /**
     * {@code D_jj = sqrt(W) sigma_j}, the weighted population standard deviation (Spark's standardization);
     * a column of zero variance is multiplied by 0, so its coefficient is 0, as in Spark.
     */
    STANDARDIZE
  }

  final RowBlockMatrix a;
  final RowBlockMatrix y;
  final double[] mean;
  final double[] scale;
  final double labelMean;
  /** {@code W = sum w}, {@code sum w y}, {@code sum w y^2}, rows of positive weight. */
  final double[] sums;
  /** {@code [sqrt(w) y | sqrt(w)]}, uncentered, in the design's row blocks. */
  private final RowBlockMatrix weightedLabels;

  private ScaledDesign(RowBlockMatrix a, RowBlockMatrix y, double[] mean, double[] scale, double labelMean,
      double[] sums, RowBlockMatrix weightedLabels) {
    this.a = a;
    this.y = y;
    this.mean = mean;
    this.scale = scale;
    this.labelMean = labelMean;
    this.sums = sums;
    this.weightedLabels = weightedLabels;
  }

  static ScaledDesign of(JavaRDD<Row> rows, DesignRows design, boolean intercept,
      Scaling scaling) {
    // [sqrt(w) x [with the intercept's column when not centering] | sqrt(w) y | sqrt(w)]: one conversion of
    // each row, so that A, y and sqrt(w) come from the same rows; the blocks built from them are cached
    JavaRDD<Vector> prepared = rows.mapPartitions(it -> {
      List<Vector> out = new ArrayList<>();
      while (it.hasNext()) {
        Row r = it.next();
        double sw = design.sqrtWeight(r);
        if (sw > 0) {
          double swy = sw * design.label(r);
          out.add(intercept ? design.weightedFeatures(r, sw, swy, sw) : design.designVector(r, sw, swy, sw));
        }
      }
      return out.iterator();
    }, true);
    RowBlockMatrix all = DatasetRows.fromRowsInOrder(prepared);
    int width = all.cols() - 2;
    // [sqrt(w) y | sqrt(w)] taken from the rows' blocks once and kept: every pass below reads y or sqrt(w)
    RowBlockMatrix weighted = all.denseColumns(width, width + 2).persist();
    RowBlockMatrix y = weighted.denseColumns(0, 1);
    RowBlockMatrix sw = weighted.denseColumns(1, 2);
    int p = width;
    boolean means = intercept || scaling == Scaling.STANDARDIZE;
    boolean squares = scaling != Scaling.NONE;
    // one pass: [sum w, sum w y, sum w y^2, rows | (sqrt(w) X)^T sqrt(w) | sum x^2], summed in partition order;
    // over the rows' blocks themselves (X's columns first), where taking X's columns out would copy each block
    double[] statistics = DeterministicReduce.reduce(all.blocks().zip(y.blocks()).zip(sw.blocks()).map(blocks ->
        blockStatistics(blocks._1()._1().matrix(), p, blocks._1()._2().values().values(), blocks._2().values(), means,
            squares)), DeterministicReduce::sum).values();
    double[] sums = Arrays.copyOf(statistics, 4);
    double labelMean = intercept && sums[0] > 0 ? sums[1] / sums[0] : 0;
    double[] columnMeans = new double[p];
    if (means) {
      for (int j = 0; j < p; j++) {
        columnMeans[j] = sums[0] > 0 ? statistics[4 + j] / sums[0] : 0;
      }
    }
    double[] scale = new double[p];
    Arrays.fill(scale, 1.0);
    if (squares) {
      double[] norms = new double[p];
      for (int j = 0; j < p; j++) {
        norms[j] = Math.sqrt(statistics[4 + (means ? p : 0) + j]);
      }
      double[] centered = means ? centeredNorms(all, p, sw, columnMeans, sums[0]) : norms; // centered wherever mu is
      for (int j = 0; j < p; j++) {
        // EQUILIBRATE: an all-zero (or, centered, constant) column is not scaled up: it stays ~0 and the cut-off
        // drops it; STANDARDIZE: a column of zero variance is multiplied by 0
        boolean varies = centered[j] > CONSTANT_COLUMN * norms[j];
        scale[j] = scaling == Scaling.STANDARDIZE ? (varies ? centered[j] : Double.POSITIVE_INFINITY)
            : varies ? centered[j] : norms[j] > 0 ? norms[j] : 1.0;
      }
    }
    RowBlockMatrix a = all.columnRange(0, width);
    if (scaling != Scaling.NONE) {
      a = a.divideColumns(scale);
    }
    double[] mean = intercept ? columnMeans : new double[p];
    if (intercept) {
      double[] shift = new double[p];
      for (int j = 0; j < p; j++) {
        shift[j] = mean[j] / scale[j];
      }
      a = a.minusOuter(sw, shift);
      y = y.minusOuter(sw, new double[] {labelMean});
    }
    a.persist();
    return new ScaledDesign(a, y, mean, scale, labelMean, sums, weighted);
  }

  /** {@code beta = D^-1 z}. */
  double[] coefficients(double[] z) {
    double[] beta = new double[z.length];
    for (int j = 0; j < z.length; j++) {
      beta[j] = z[j] / scale[j];
    }
    return beta;
  }

  /** {@code ybar - mu . beta}. */
  double intercept(double[] beta) {
    double value = labelMean;
    for (int j = 0; j < beta.length; j++) {
      value -= mean[j] * beta[j];
    }
    return value;
  }

  /** The total sum of squares: about the weighted mean with an intercept, about zero without. */
  double totalSumOfSquares(boolean intercept) {
    return intercept ? sums[2] - sums[1] * sums[1] / sums[0] : sums[2];
  }

  /**
   * The weighted population standard deviation of the label, {@code sqrt(sum w (y - ybar)^2 / W)} with the
   * weighted mean whether or not the fit has an intercept (as Spark's scaling of the penalty), summed about
   * the mean (one more pass over the cached blocks) rather than from {@code sum w y^2}, which cancels.
   */
  double labelStandardDeviation() {
    double m = sums[0] > 0 ? sums[1] / sums[0] : 0;
    double squares = DeterministicReduce.reduce(weightedLabels.blocks().map(block -> {
      DoubleMatrix labels = block.dense(); // [sqrt(w) y | sqrt(w)]
      double s = 0;
      for (int i = 0; i < labels.rows(); i++) {
        double e = labels.get(i, 0) - labels.get(i, 1) * m;
        s += e * e;
      }
      return DoubleMatrix.column(new double[] {s});
    }), DeterministicReduce::sum).values()[0];
    return sums[0] > 0 ? Math.sqrt(squares / sums[0]) : 0;
  }

  void unpersist() {
    a.unpersist();
    weightedLabels.unpersist();
  }

  /**
   * One block's {@code [sum w, sum w y, sum w y^2, rows | (sqrt(w) X)^T sqrt(w) (with means) | sum x^2 (with
   * squares)]} from its rows {@code sqrt(w) x} (the first {@code p} columns of {@code x}), {@code sqrt(w) y} and
   * {@code sqrt(w)}.
   */
  private static DoubleMatrix blockStatistics(MatrixBlock x, int p, double[] swy, DoubleMatrix sw, boolean means,
      boolean squares) {
    double[] out = new double[4 + (means ? p : 0) + (squares ? p : 0)];
    double[] weights = sw.values();
    for (int i = 0; i < swy.length; i++) {
      out[0] += weights[i] * weights[i];
      out[1] += weights[i] * swy[i];
      out[2] += swy[i] * swy[i];
      out[3] += 1;
    }
    if (means) {
      System.arraycopy(x.transposeTimes(sw).values(), 0, out, 4, p);
    }
    if (squares) {
      System.arraycopy(RowBlockMatrix.columnSumsOfSquares(x), 0, out, 4 + (means ? p : 0), p);
    }
    return DoubleMatrix.column(out);
  }

  /**
   * {@code ||sqrt(w) (x_j - mu_j)||} for the first {@code n} columns of {@code a} without cancellation: over
   * the stored entries {@code (b_ij - sqrt(w_i) mu_j)^2}, plus {@code mu_j^2} times the weight of the rows where
   * column {@code j} stores nothing.
   */
  private static double[] centeredNorms(RowBlockMatrix a, int n, RowBlockMatrix sw, double[] means,
      double weightSum) {
    Broadcast<double[]> mu = JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(means);
    double[] sums = DeterministicReduce.reduce(a.blocks().zip(sw.blocks()).map(pair -> {
      double[] mean = mu.value();
      SparseEntries entries = pair._1().matrix().entries(0);
      double[] r = pair._2().values().values();
      double[] out = new double[2 * n]; // [sum of squares about the mean | weight of the stored rows]
      for (int t = 0; t < entries.size(); t++) {
        int i = (int) entries.row(t);
        int j = entries.col(t);
        if (j >= n) {
          continue;
        }
        double e = entries.value(t) - r[i] * mean[j];
        out[j] += e * e;
        out[n + j] += r[i] * r[i];
      }
      return DoubleMatrix.column(out);
    }), DeterministicReduce::sum).values();
    Scratch.destroy(mu);
    double[] norms = new double[n];
    for (int j = 0; j < n; j++) {
      norms[j] = Math.sqrt(sums[j] + means[j] * means[j] * Math.max(0, weightSum - sums[n + j]));
    }
    return norms;
  }
}
