package org.penrose.adapters;

import java.io.IOException;
import org.apache.spark.SparkContext;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;

/** How one file format ({@code .npy}, Matrix Market, Parquet) is read into row blocks; see {@link MatrixFiles}. */
interface RowBlockFormat {

  /** The file in about {@code partitions} row blocks. */
  RowBlockMatrix read(SparkContext spark, String path, int partitions) throws IOException;

  /** The file in the row blocks of {@code alignedWith}; its row count must be {@code alignedWith}'s. */
  RowBlockMatrix readAligned(SparkContext spark, String path, RowBlockMatrix alignedWith) throws IOException;

  /** The transpose of the {@code n x m} matrix in the file, in the row blocks of {@code alignedWith}. */
  RowBlockMatrix readTransposed(SparkContext spark, String path, RowBlockMatrix alignedWith) throws IOException;

  /** The whole (small) matrix on the driver, at most {@code maxEntries} entries. */
  DoubleMatrix readLocal(SparkContext spark, String path, long maxEntries) throws IOException;

  /** The default number of row blocks. */
  default int defaultPartitions(SparkContext spark, String path) throws IOException {
    return spark.defaultParallelism();
  }

  /** True when the file holds a 1-D array (results are then written 1-D). */
  default boolean isVector(SparkContext spark, String path) throws IOException {
    return false;
  }

  /** Throws when a {@code rows x cols} matrix is too large to read on the driver. */
  static void requireLocal(String path, long rows, long cols, long maxEntries) {
    if (rows * cols > maxEntries) {
      throw new InvalidInputException(path + " is " + rows + " x " + cols + ", too large for a driver-side matrix"
          + " (at most " + maxEntries + " entries)");
    }
  }
}
