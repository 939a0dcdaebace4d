package org.penrose.adapters;

import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.penrose.engine.BlockStarts;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;

/**
 * Parquet files (a {@code .parquet} file or a folder of them) with a vector or {@code array<double>}
 * column and an optional {@code row} index column ({@link RowVectors#columns}), read through
 * {@link DatasetRows} and then re-blocked.
 */
final class ParquetRowBlocks implements RowBlockFormat {
  private final String column;

  /** {@code column}: the vector column, or null for the only one. */
  ParquetRowBlocks(String column) {
    this.column = column;
  }

  /** The active SparkSession, or one over this context (created only when a Parquet file is read). */
  private static SparkSession session(SparkContext sc) {
    scala.Option<SparkSession> active = SparkSession.getActiveSession();
    return active.isDefined() ? active.get() : SparkSession.builder().config(sc.getConf()).getOrCreate();
  }

  private RowBlockMatrix rows(SparkContext spark, String path) {
    Dataset<Row> df = session(spark).read().parquet(path);
    RowVectors.Columns columns = RowVectors.columns(df.schema(), column, path, "MatrixFiles.withColumn(name)");
    return DatasetRows.fromDataset(df, columns.vectorName(), columns.rowName());
  }

  @Override
  public RowBlockMatrix read(SparkContext spark, String path, int partitions) {
    RowBlockMatrix m = rows(spark, path);
    return m.reblock(BlockStarts.balanced(m.rows(), partitions));
  }

  @Override
  public RowBlockMatrix readAligned(SparkContext spark, String path, RowBlockMatrix alignedWith) {
    RowBlockMatrix m = rows(spark, path);
    alignedWith.requireRowsOf(path, m.rows(), m.cols());
    return m.reblock(alignedWith.blockStarts());
  }

  /** The values travel as entries ({@link RowBlockMatrix#transpose}): meant for cotangent-sized inputs. */
  @Override
  public RowBlockMatrix readTransposed(SparkContext spark, String path, RowBlockMatrix alignedWith) {
    RowBlockMatrix m = rows(spark, path);
    if (m.cols() != alignedWith.rows()) {
      throw new InvalidInputException("shape mismatch: " + path + " is " + m.shape() + " but its transpose must have"
          + " as many rows as A, which is " + alignedWith.shape());
    }
    return m.transpose(alignedWith.blockStarts());
  }

  @Override
  public DoubleMatrix readLocal(SparkContext spark, String path, long maxEntries) {
    RowBlockMatrix m = rows(spark, path);
    RowBlockFormat.requireLocal(path, m.rows(), m.cols(), maxEntries);
    return m.collectLocal();
  }
}
