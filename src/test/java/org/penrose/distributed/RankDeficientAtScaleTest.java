package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.junit.jupiter.api.Test;
import org.penrose.engine.BlockStarts;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.SparkTestSession;

/**
 * 200,000 x 100 where columns 51-100 copy columns 1-50 (rank 50), and {@code b = A_1 beta}: the
 * minimum-norm solution gives each duplicated pair half of {@code beta_j}. (Measured here, MLlib's
 * {@code computeSVD} route returns a solution that is not minimum-norm and {@code tallSkinnyQR}
 * returns coefficients near 1e16; see {@code jobs/penrose bench}.)
 */
class RankDeficientAtScaleTest extends SparkTestSession {
  static final int ROWS = 200_000;
  static final int HALF = 50;
  static final int PARTS = 8;

  @Test
  void duplicatedColumnsGetHalfTheCoefficientEach() {
    double[] beta = new double[HALF];
    Random random = new Random(50);
    for (int j = 0; j < HALF; j++) {
      beta[j] = random.nextGaussian();
    }
    long[] starts = BlockStarts.balanced(ROWS, PARTS);
    List<Integer> parts = new ArrayList<>();
    for (int p = 0; p < PARTS; p++) {
      parts.add(p);
    }
    // Each task generates its own rows from a seed derived from the block index.
    JavaRDD<RowBlock[]> generated = sc.parallelize(parts, PARTS).map(p -> {
      int rows = (int) (starts[p + 1] - starts[p]);
      Random r = new Random(1000 + p);
      DoubleMatrix a = DoubleMatrix.zeros(rows, 2 * HALF);
      DoubleMatrix b = DoubleMatrix.zeros(rows, 1);
      for (int i = 0; i < rows; i++) {
        double sum = 0;
        for (int j = 0; j < HALF; j++) {
          double v = r.nextGaussian();
          a.set(i, j, v);
          a.set(i, j + HALF, v);
          sum += v * beta[j];
        }
        b.set(i, 0, sum);
      }
      return new RowBlock[] {new RowBlock(starts[p], a), new RowBlock(starts[p], b)};
    }).cache();
    RowBlockMatrix a = new RowBlockMatrix(generated.map(x -> x[0]), starts, 2 * HALF);
    RowBlockMatrix b = new RowBlockMatrix(generated.map(x -> x[1]), starts, 1);
    DistributedLstsq ls = DistributedLstsq.solve(a, b, RankCutoff.DEFAULT);
    assertEquals(HALF, ls.rank());
    DoubleMatrix x = ls.solution();
    double maxError = 0;
    double maxBeta = 0;
    for (int j = 0; j < HALF; j++) {
      maxError = Math.max(maxError, Math.abs(x.get(j, 0) - beta[j] / 2));
      maxError = Math.max(maxError, Math.abs(x.get(j + HALF, 0) - beta[j] / 2));
      maxBeta = Math.max(maxBeta, Math.abs(beta[j] / 2));
    }
    double relative = maxError / maxBeta;
    System.out.printf("200000 x 100 rank 50: rank %d, max relative error of the min-norm solution %.2e, rss %.2e%n",
        ls.rank(), relative, ls.residualSumOfSquares()[0]);
    assertTrue(relative < 1e-13, "relative error " + relative); // measured 1.65e-15
    generated.unpersist();
  }
}
