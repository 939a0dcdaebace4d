package org.penrose.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.feature.LabeledPoint;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.penrose.check.RandomMatrices;
import org.penrose.engine.BlockStarts;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.DoubleMatrix;

/**
 * A generated least-squares problem {@code b = A beta + 0.1 noise} ({@code A} is {@code m x n},
 * Gaussian), cached in the shapes the routes being compared want: Penrose's row blocks, and (for
 * the MLlib baselines) row vectors, labels and a {@code (features, label)} DataFrame. Generated in the
 * tasks, each block from its own seed. With {@code duplicated}, columns {@code n/2+1..n} copy
 * {@code 1..n/2} and {@code b = A_1 beta} exactly, so the minimum-norm solution is
 * {@code (beta/2, beta/2)}.
 */
public final class BenchProblem {
  public final RowBlockMatrix a;
  public final RowBlockMatrix b;
  /** The coefficients {@code b} was made from ({@code n}, or {@code n/2} when duplicated). */
  public final double[] beta;
  private final JavaRDD<RowBlock[]> blocks;
  private final JavaRDD<Vector> rowVectors;
  private final JavaRDD<Double> labels;
  private final Dataset<Row> frame;

  private BenchProblem(RowBlockMatrix a, RowBlockMatrix b, double[] beta, JavaRDD<RowBlock[]> blocks,
      JavaRDD<Vector> rowVectors, JavaRDD<Double> labels, Dataset<Row> frame) {
    this.a = a;
    this.b = b;
    this.beta = beta;
    this.blocks = blocks;
    this.rowVectors = rowVectors;
    this.labels = labels;
    this.frame = frame;
  }

  /**
   * Generates and caches the problem (materialized before returning, so timings exclude it).
   *
   * @param withMllibShapes also cache the row vectors, labels and DataFrame the MLlib routes read
   */
  public static BenchProblem generate(SparkSession spark, int m, int n, int parts, boolean duplicated,
      boolean withMllibShapes) {
    int independent = duplicated ? n / 2 : n;
    double[] beta = randomVector(independent, 1);
    long[] starts = BlockStarts.balanced(m, parts);
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < parts; i++) {
      ids.add(i);
    }
    JavaRDD<RowBlock[]> blocks = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(ids, parts)
        .map(id -> {
      int rows = (int) (starts[id + 1] - starts[id]);
      Random r = new Random(7919L * (id + 1));
      DoubleMatrix a = DoubleMatrix.zeros(rows, n);
      DoubleMatrix rhs = DoubleMatrix.zeros(rows, 1);
      for (int i = 0; i < rows; i++) {
        double dot = 0;
        for (int j = 0; j < independent; j++) {
          double v = r.nextGaussian();
          a.set(i, j, v);
          if (duplicated) {
            a.set(i, j + independent, v);
          }
          dot += v * beta[j];
        }
        rhs.set(i, 0, duplicated ? dot : dot + 0.1 * r.nextGaussian());
      }
      return new RowBlock[] {new RowBlock(starts[id], a), new RowBlock(starts[id], rhs)};
    }).persist(StorageLevel.MEMORY_AND_DISK());
    RowBlockMatrix a = RowBlockMatrix.fromBlocks(blocks.map(x -> x[0]), starts, n);
    RowBlockMatrix b = RowBlockMatrix.fromBlocks(blocks.map(x -> x[1]), starts, 1);
    blocks.count();
    if (!withMllibShapes) {
      return new BenchProblem(a, b, beta, blocks, null, null, null);
    }
    JavaRDD<Vector> rowVectors = blocks.flatMap(x -> {
      DoubleMatrix block = x[0].values();
      List<Vector> out = new ArrayList<>(block.rows());
      for (int i = 0; i < block.rows(); i++) {
        out.add(Vectors.dense(block.row(i)));
      }
      return out.iterator();
    }).persist(StorageLevel.MEMORY_AND_DISK());
    JavaRDD<Double> labels = blocks.flatMap(x -> {
      List<Double> values = new ArrayList<>();
      for (double v : x[1].values().values()) {
        values.add(v);
      }
      return values.iterator();
    }).persist(StorageLevel.MEMORY_AND_DISK());
    JavaRDD<LabeledPoint> points = rowVectors.zip(labels).map(t -> new LabeledPoint(t._2(), t._1().asML()));
    Dataset<Row> frame = spark.createDataFrame(points, LabeledPoint.class).persist(StorageLevel.MEMORY_AND_DISK());
    rowVectors.count();
    labels.count();
    frame.count();
    return new BenchProblem(a, b, beta, blocks, rowVectors, labels, frame);
  }

  /**
   * {@code G^T = b gX^T} ({@code m x n}, in A's row blocks, computed by the tasks) for the cotangent {@code G = gX b^T}
   * of {@code P}.
   */
  public RowBlockMatrix cotangentTranspose(DoubleMatrix gx) {
    return RowBlockMatrix.fromBlocks(b.blocks().map(block -> block.withValues(block.values().timesTranspose(gx))),
        a.blockStarts(), a.cols());
  }

  /** The minimum-norm solution of a duplicated problem, {@code (beta/2, beta/2)}. */
  public double[] duplicatedSolution() {
    double[] expected = new double[2 * beta.length];
    for (int j = 0; j < beta.length; j++) {
      expected[j] = beta[j] / 2;
      expected[j + beta.length] = beta[j] / 2;
    }
    return expected;
  }

  /** The rows of {@code A} as MLlib vectors (cached). */
  JavaRDD<Vector> rowVectors() {
    requireMllibShapes();
    return rowVectors;
  }

  /** {@code b} as one label per row, aligned with {@link #rowVectors} (cached). */
  JavaRDD<Double> labels() {
    requireMllibShapes();
    return labels;
  }

  /** {@code (features, label)} rows (cached). */
  public Dataset<Row> frame() {
    requireMllibShapes();
    return frame;
  }

  private void requireMllibShapes() {
    if (rowVectors == null) {
      throw new IllegalStateException("this problem was generated without the MLlib shapes");
    }
  }

  /** Frees every cached shape. */
  public void unpersist() {
    blocks.unpersist(false);
    if (rowVectors != null) {
      rowVectors.unpersist(false);
      labels.unpersist(false);
      frame.unpersist();
    }
  }

  /** {@code n} standard normal values from {@code seed}. */
  public static double[] randomVector(int n, long seed) {
    return RandomMatrices.gaussian(n, 1, new Random(seed)).values();
  }
}
