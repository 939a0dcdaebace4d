package org.penrose.ml;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.penrose.adapters.DatasetRows;
import org.penrose.distributed.DistributedLstsq;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.engine.Scratch;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.ShiftedBlock;
import org.penrose.matrix.SparseEntries;
import org.penrose.truncated.TruncatedSvd;
import org.penrose.truncated.TruncatedSvdOptions;

/**
 * The estimator's truncated route, for designs of more than 4096 columns or a fixed {@code rank}:
 * principal-component regression. With an intercept the weighted design {@code sqrt(w) X} is
 * centered at the weighted column means {@code mu} without densifying it (row blocks
 * {@code S = sqrt(w) X - sqrt(w) mu^T}, a {@link ShiftedBlock} over the sparse or dense blocks), and
 * the label at its weighted mean {@code ybar}; without one nothing is centered. The columns are
 * equilibrated to unit (centered) norm ({@code S D^-1}), the certified truncated SVD of the scaled
 * design gives {@code z = V_k S_k^-1 U_k^T sqrt(w) (y - ybar)}, {@code beta = D^-1 z} and the
 * intercept {@code ybar - mu . beta}: the least-squares fit restricted to the leading {@code k}
 * principal components. The rank is the given one, or the one the cut-off decides (up to
 * {@code maxRank}); singular values at or below the cut-off are dropped either way. No standard
 * errors or dependent columns are reported on this route.
 */
final class TruncatedRegression {
  /** A column whose centered norm is below this times its norm is constant: it is not scaled up. */
  private static final double CONSTANT_COLUMN = Math.sqrt(RankCutoff.EPS);

  private TruncatedRegression() {}

  static LeastSquaresFit fit(SparkSession spark, JavaRDD<Row> rows, DesignRows design, boolean intercept,
      boolean equilibrate, RankCutoff cutoff, Integer rank, TruncatedSvdOptions options, List<String> names) {
    // (sqrt(w) x [with the intercept's column when not centering], sqrt(w) y, sqrt(w)): one pass, cached
    JavaRDD<Row> prepared = rows.mapPartitions(it -> {
      List<Row> out = new ArrayList<>();
      while (it.hasNext()) {
        Row r = it.next();
        double sw = design.sqrtWeight(r);
        if (sw > 0) {
          // one conversion of each row, [design | sqrt(w) y | sqrt(w)], so that A, y and sqrt(w) come from
          // the same rows
          double swy = sw * design.label(r);
          out.add(RowFactory.create(intercept ? design.weightedFeatures(r, sw, swy, sw)
              : design.designVector(r, sw, swy, sw), swy, sw));
        }
      }
      return out.iterator();
    }, true).persist(StorageLevel.MEMORY_AND_DISK());
    StructType schema = new StructType().add("row", SQLDataTypes.VectorType(), false);
    Dataset<Row> frame = spark.createDataFrame(prepared.map(r -> RowFactory.create(r.get(0))), schema);
    RowBlockMatrix all = DatasetRows.fromDataset(frame, "row", null);
    int width = all.cols() - 2;
    RowBlockMatrix a = all.columnRange(0, width);
    RowBlockMatrix y = all.denseColumns(width, width + 1);
    RowBlockMatrix sw = intercept ? all.denseColumns(width + 1, width + 2) : null;
    // sums of w, w y, w y^2 and the row count
    double[] sums = DeterministicReduce.reduce(prepared.mapPartitions(it -> {
      double[] s = new double[4];
      while (it.hasNext()) {
        Row r = it.next();
        double swy = r.getDouble(1);
        s[0] += r.getDouble(2) * r.getDouble(2);
        s[1] += r.getDouble(2) * swy;
        s[2] += swy * swy;
        s[3] += 1;
      }
      return Collections.singletonList(DoubleMatrix.column(s)).iterator();
    }, true), DeterministicReduce::sum).values();
    int p = a.cols();
    double yMean = intercept && sums[0] > 0 ? sums[1] / sums[0] : 0;
    double[] mean = intercept ? weightedMeans(a, sw, sums[0]) : new double[p];
    double[] scale = new double[p];
    Arrays.fill(scale, 1.0);
    if (equilibrate) {
      double[] norms = a.columnNorms();
      double[] centered = intercept ? centeredNorms(a, sw, mean, sums[0]) : norms;
      for (int j = 0; j < p; j++) {
        // an all-zero (or, centered, constant) column is not scaled up: it stays ~0 and the cut-off drops it
        scale[j] = centered[j] > CONSTANT_COLUMN * norms[j] ? centered[j] : norms[j] > 0 ? norms[j] : 1.0;
      }
      a = a.divideColumns(scale);
    }
    if (intercept) {
      double[] shift = new double[p];
      for (int j = 0; j < p; j++) {
        shift[j] = mean[j] / scale[j];
      }
      a = a.minusOuter(sw, shift);
      y = y.minusOuter(sw, new double[] {yMean});
    }
    a.persist();
    TruncatedSvd svd = rank != null ? TruncatedSvd.compute(a, rank, options)
        : TruncatedSvd.byCutoff(a, cutoff, options);
    DistributedLstsq ls = DistributedLstsq.fromSvd(a, y, svd, cutoff);
    double[] beta = new double[p];
    double intercept0 = yMean;
    for (int j = 0; j < p; j++) {
      beta[j] = ls.solution().get(j, 0) / scale[j];
      intercept0 -= mean[j] * beta[j];
    }
    double tss = intercept ? sums[2] - sums[1] * sums[1] / sums[0] : sums[2];
    double rss = ls.residualSumOfSquares()[0];
    prepared.unpersist(false);
    a.unpersist();
    svd.u().unpersist();
    double[] coefficients = intercept ? beta : Arrays.copyOfRange(beta, design.designColumns() - p, p);
    Double fittedIntercept = intercept ? intercept0 : null;
    return LeastSquaresFit.of(new LeastSquaresFit.Coefficients(coefficients, fittedIntercept, null, null),
        new LeastSquaresFit.RankDecision(ls.rank(), ls.singularValues(), ls.threshold(), List.of()),
        new LeastSquaresFit.Goodness(rss, tss > 0 ? 1 - rss / tss : null, (long) sums[3]), List.copyOf(names), 0,
        null);
  }

  /** The weighted column means {@code mu = X^T w / sum(w)}, as {@code (sqrt(w) X)^T sqrt(w) / sum(w)}. */
  private static double[] weightedMeans(RowBlockMatrix a, RowBlockMatrix sw, double weightSum) {
    double[] sums = DeterministicReduce.reduce(a.blocks().zip(sw.blocks()).map(pair ->
        pair._1().matrix().transposeTimes(pair._2().values())), DeterministicReduce::sum).values();
    for (int j = 0; j < sums.length; j++) {
      sums[j] = weightSum > 0 ? sums[j] / weightSum : 0;
    }
    return sums;
  }

  /**
   * {@code ||sqrt(w) (x_j - mu_j)||} per column without cancellation: over the stored entries
   * {@code (b_ij - sqrt(w_i) mu_j)^2}, plus {@code mu_j^2} times the weight of the rows where column
   * {@code j} stores nothing.
   */
  private static double[] centeredNorms(RowBlockMatrix a, RowBlockMatrix sw, double[] means, double weightSum) {
    int n = a.cols();
    Broadcast<double[]> mu = JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(means);
    double[] sums = DeterministicReduce.reduce(a.blocks().zip(sw.blocks()).map(pair -> {
      double[] mean = mu.value();
      SparseEntries entries = pair._1().matrix().entries(0);
      double[] r = pair._2().values().values();
      double[] out = new double[2 * n]; // [sum of squares about the mean | weight of the stored rows]
      for (int t = 0; t < entries.size(); t++) {
        int i = (int) entries.row(t);
        int j = entries.col(t);
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
