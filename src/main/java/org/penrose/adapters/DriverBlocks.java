package org.penrose.adapters;

import java.util.List;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.MatrixBlock;

/**
 * A matrix's row blocks read on the driver without a Spark job ({@link MatrixFiles#readOnDriver}): block
 * {@code i} holds rows {@code [starts[i], starts[i+1])}, as the tasks of a Spark read would build it.
 */
public final class DriverBlocks {
  private final List<RowBlock> blocks;
  private final long[] starts;
  private final int cols;
  private final boolean vector;

  DriverBlocks(List<RowBlock> blocks, long[] starts, int cols, boolean vector) {
    this.blocks = List.copyOf(blocks);
    this.starts = starts.clone();
    this.cols = cols;
    this.vector = vector;
  }

  /** The number of row blocks. */
  public int numBlocks() {
    return blocks.size();
  }

  /** The blocks' values, in partition order. */
  public List<MatrixBlock> matrices() {
    return blocks.stream().map(RowBlock::matrix).toList();
  }

  /** The blocks' values as dense matrices (a sparse block densified), in partition order. */
  public List<DoubleMatrix> denseBlocks() {
    return blocks.stream().map(RowBlock::dense).toList();
  }

  /** Where each block's rows start, and the row count last. */
  public long[] starts() {
    return starts.clone();
  }

  /** Whether the file holds a 1-D array (a {@code .npy} vector), which an answer shaped like it keeps. */
  public boolean isVector() {
    return vector;
  }

  /** The row count of the stacked blocks. */
  public long rows() {
    return starts[starts.length - 1];
  }

  public int cols() {
    return cols;
  }

  /** The blocks as a {@link RowBlockMatrix} of {@code sc} (shipped once, {@link RowBlockMatrix#fromLocalBlocks}). */
  public RowBlockMatrix toMatrix(SparkContext sc) {
    return RowBlockMatrix.fromLocalBlocks(JavaSparkContext.fromSparkContext(sc), blocks, starts, cols);
  }
}
