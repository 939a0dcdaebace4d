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
    return triangle(a, b, fanIn, QrTriangle::certifiedLeafOf);
  }

  /** {@link #triangle} with every leaf by Householder QR ({@link QrTriangle#ofBlock}), as the bench's baseline. */
  public static QrTriangle householderTriangle(RowBlockMatrix a, RowBlockMatrix b, int fanIn) {
    return triangle(a, b, fanIn, (aBlock, bBlock) -> null);
  }

  /**
   * {@link #triangle} over row blocks held on the driver ({@code aBlocks.get(i)} in the place of partition
   * {@code i}, {@code bBlocks} aligned with them, or null): the same leaves, computed on {@code threads}, and
   * the same merge tree ({@link DeterministicReduce#reduceInOrder}), hence the same bits as a Spark job over
   * those blocks. The blocks are finite already: the in-driver readers check them as they read them.
   */
  public static QrTriangle triangle(List<DoubleMatrix> aBlocks, List<DoubleMatrix> bBlocks, int fanIn,
      DriverThreads threads) {
    int columns = aBlocks.get(0).cols() + (bBlocks == null ? 0 : bBlocks.get(0).cols());
    requireSupportedColumns(columns, fanIn);
    List<QrTriangle> leaves = threads.map(aBlocks.size(), i -> QrTriangle.leafOf(aBlocks.get(i),
        bBlocks == null ? null : bBlocks.get(i)));
    return DeterministicReduce.reduceInOrder(leaves, fanIn, QrTriangle::merge);
  }

  /**
   * A block's certified leaf ({@code b} null when there is no {@code B}), or null where the leaf is Householder's
   * ({@link QrTriangle#certifiedLeafOf}, or never certified for the baseline).
   */
  private interface CertifiedLeaf extends Serializable {
    QrTriangle of(DoubleMatrix a, DoubleMatrix b);
  }

  private static QrTriangle triangle(RowBlockMatrix a, RowBlockMatrix b, int fanIn, CertifiedLeaf certified) {
    int columns = a.cols() + (b == null ? 0 : b.cols());
    requireSupportedColumns(columns, fanIn);
    JavaRDD<QrTriangle> leaves;
    if (b == null) {
      leaves = a.blocks().map(block -> leaf(certified, block, null)); // n <= MAX_COLUMNS: bounded
    } else {
      a.requireAlignedWith("B", b);
      leaves = a.blocks().zip(b.blocks()).map(pair -> leaf(certified, pair._1(), pair._2()));
    }
    return DeterministicReduce.reduce(leaves, fanIn, QrTriangle::merge);
  }

  /**
   * One task's leaf, its blocks checked finite (a non-finite entry is an error naming it) before any Householder QR
   * and before the leaf is returned: {@code B} always, {@code A} only when the certificate fails, since a certified
   * leaf has shown {@code A} finite already ({@link QrTriangle#certifiedLeafOf}) without a pass over it of its own
   * (about a sixth of a warm TSQR pass here). {@code A}'s error comes before {@code B}'s, as when both were scanned.
   */
  private static QrTriangle leaf(CertifiedLeaf certified, RowBlock aBlock, RowBlock bBlock) {
    DoubleMatrix a = aBlock.dense();
    DoubleMatrix b = bBlock == null ? null : bBlock.dense();
    QrTriangle leaf = certified.of(a, b);
    if (leaf == null) {
      aBlock.requireFinite("A");
    }
    if (bBlock != null) {
      bBlock.requireFinite("B");
    }
    return leaf != null ? leaf : QrTriangle.ofBlock(a, b);
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
