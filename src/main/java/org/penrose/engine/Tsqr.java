package org.penrose.engine;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.penrose.factor.QrTriangle;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;

/**
 * Tall-skinny QR over row blocks: each task computes the triangle of its block {@code [A_i | B_i]}
 * ({@link QrTriangle#leafOf}: Cholesky QR when certified well conditioned, else Householder QR;
 * a sparse block is densified for it, which {@link #MAX_COLUMNS} bounds)
 * and keeps only the small triangle; the triangles are merged by stacking and re-factoring, in a
 * tree of bounded fan-in whose shape is fixed by partition index ({@link DeterministicReduce}).
 * Only triangles ({@code (n+k) x (n+k)}) travel, with the {@code n x n} Gram matrices of certified
 * leaves ({@link QrTriangle#certifiedGram()}); the driver holds at most {@code fanIn} of them.
 * Backward stable: {@code A^T A} is formed only for blocks certified well conditioned.
 */
public final class Tsqr {
  /** How an error names the truncated route to a caller (the command line: {@code --rank K}). */
  public static final String TRUNCATED_ROUTE = "TruncatedSvd, DistributedLstsq.solveTruncated";

  /** Triangles merged at once, at each level of the tree and on the driver. */
  public static final int DEFAULT_FAN_IN = 8;

  /**
   * Largest {@code n + k} supported: the driver holds {@code fanIn} triangles of {@code (n+k)^2}
   * doubles and computes an SVD of the {@code n x n} one ({@code O(n^3)}); at 4096 a triangle is 128 MiB.
   */
  public static final int MAX_COLUMNS = 4096;

  private Tsqr() {}

  /**
   * The triangle of {@code [A | B]}, or of {@code A} alone when {@code b} is null; each block's leaf
   * by {@link QrTriangle#leafOf} (from the Gram matrix when certified well conditioned, else Householder).
   */
  public static QrTriangle triangle(RowBlockMatrix a, RowBlockMatrix b, int fanIn) {
    return triangle(a, b, fanIn, QrTriangle::leafOf);
  }

  /** {@link #triangle} with every leaf by Householder QR ({@link QrTriangle#ofBlock}), as the bench's baseline. */
  public static QrTriangle householderTriangle(RowBlockMatrix a, RowBlockMatrix b, int fanIn) {
    return triangle(a, b, fanIn, QrTriangle::ofBlock);
  }

  /**
   * {@link #triangle} over row blocks held on the driver ({@code aBlocks.get(i)} in the place of partition
   * {@code i}, {@code bBlocks} aligned with them, or null): the same leaves, computed on {@code threads}, and
   * the same merge tree ({@link DeterministicReduce#reduceInOrder}), hence the same bits as a Spark job over
   * those blocks. Blocks are checked finite as the tasks check them.
   */
  public static QrTriangle triangle(List<DoubleMatrix> aBlocks, List<DoubleMatrix> bBlocks, int fanIn,
      DriverThreads threads) {
    int columns = aBlocks.get(0).cols() + (bBlocks == null ? 0 : bBlocks.get(0).cols());
    requireSupportedColumns(columns, fanIn);
    List<QrTriangle> leaves = threads.map(aBlocks.size(), i -> QrTriangle.leafOf(aBlocks.get(i),
        bBlocks == null ? null : bBlocks.get(i)));
    return DeterministicReduce.reduceInOrder(leaves, fanIn, QrTriangle::merge);
  }

  /** How a task computes its block's triangle ({@code b} null when there is no {@code B}). */
  private interface Leaf extends Serializable {
    QrTriangle of(DoubleMatrix a, DoubleMatrix b);
  }

  private static QrTriangle triangle(RowBlockMatrix a, RowBlockMatrix b, int fanIn, Leaf leaf) {
    int columns = a.cols() + (b == null ? 0 : b.cols());
    requireSupportedColumns(columns, fanIn);
    JavaRDD<QrTriangle> leaves;
    if (b == null) {
      leaves = a.blocks().map(block -> leaf.of(block.requireFinite("A").dense(), null)); // n <= MAX_COLUMNS: bounded
    } else {
      a.requireAlignedWith("B", b);
      leaves = a.blocks().zip(b.blocks()).map(pair -> leaf.of(pair._1().requireFinite("A").dense(),
          pair._2().requireFinite("B").dense()));
    }
    return DeterministicReduce.reduce(leaves, fanIn, QrTriangle::merge);
  }

  static void requireSupportedColumns(long columns, int fanIn) {
    if (columns > MAX_COLUMNS) {
      throw new InvalidInputException("n + k = " + columns + " columns is more than the TSQR route supports ("
          + MAX_COLUMNS + "): the (n+k) x (n+k) QR triangle and its SVD live on the driver; take the truncated"
          + " route (" + TRUNCATED_ROUTE + ")");
    }
    long bytes = (long) fanIn * columns * columns * Double.BYTES * 4; // triangles, stack, Gram matrices
    long max = Runtime.getRuntime().maxMemory();
    if (bytes > max / 2) {
      throw new InvalidInputException(String.format(
          "n + k = %d columns needs about %.1f GiB of driver memory for the TSQR merge (fan-in %d) but the driver"
              + " has %.1f GiB; raise spark.driver.memory", columns, bytes / 1073741824.0, fanIn, max / 1073741824.0));
    }
  }
}
