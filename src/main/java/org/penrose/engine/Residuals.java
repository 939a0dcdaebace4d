package org.penrose.engine;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.penrose.matrix.DoubleMatrix;

/** Residuals over row blocks, computed rather than estimated. */
public final class Residuals {
  private Residuals() {}

  /**
   * {@code ||B_j - A X_j||^2} for each column {@code j}: one pass over {@code A} and {@code B} ({@code X},
   * {@code n x k}, broadcast), each block's sums merged in partition order.
   */
  public static double[] sumsOfSquares(RowBlockMatrix a, RowBlockMatrix b, DoubleMatrix x) {
    a.requireAlignedWith("B", b);
    int k = x.cols();
    Broadcast<DoubleMatrix> xb = JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(x);
    double[] rss = DeterministicReduce.reduce(a.blocks().zip(b.blocks()).map(p -> {
      DoubleMatrix residual = p._2().dense().plusScaled(-1.0, p._1().matrix().times(xb.value()));
      DoubleMatrix sums = DoubleMatrix.zeros(1, k);
      for (int j = 0; j < k; j++) {
        double sum = 0;
        for (int i = 0; i < residual.rows(); i++) {
          sum += residual.get(i, j) * residual.get(i, j);
        }
        sums.set(0, j, sum);
      }
      return sums;
    }), DeterministicReduce::sum).values();
    Scratch.destroy(xb);
    return rss;
  }
}
