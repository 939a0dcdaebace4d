package org.penrose.cli;

import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.penrose.distributed.RowBlockMatrix;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.linalg.SparseEntries;
import org.penrose.source.MatrixFormatException;
import org.penrose.source.MatrixMarketEntries;
import org.penrose.source.MatrixMarketHeader;
import org.penrose.source.NpyFileSet;

/**
 * The matrix files the commands accept, recognized by name: {@code .npy} (or a folder of them),
 * {@code .mtx} / {@code .mtx.gz} (Matrix Market), and Parquet ({@code .parquet}, or a folder of
 * Parquet files) with a vector or {@code array<double>} column ({@code --column}, default the only
 * such column) and, if present, a {@code row} index column.
 */
final class MatrixInputs {
  enum Kind {
    NPY, MTX, PARQUET
  }

  private final SparkSession spark;
  private final String column;

  MatrixInputs(SparkSession spark, String column) {
    this.spark = spark;
    this.column = column;
  }

  Kind kind(String path) throws IOException {
    String lower = path.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".npy")) {
      return Kind.NPY;
    }
    if (lower.endsWith(".mtx") || lower.endsWith(".mtx.gz")) {
      return Kind.MTX;
    }
    if (lower.endsWith(".parquet")) {
      return Kind.PARQUET;
    }
    Path p = new Path(path);
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      throw new MatrixFormatException("no such file or folder: " + path);
    }
    if (fs.getFileStatus(p).isDirectory()) {
      for (FileStatus st : fs.listStatus(p)) {
        String name = st.getPath().getName().toLowerCase(Locale.ROOT);
        if (name.endsWith(".npy")) {
          return Kind.NPY;
        }
        if (name.endsWith(".parquet")) {
          return Kind.PARQUET;
        }
      }
    }
    throw new MatrixFormatException(path + ": unsupported input; expected a .npy file or folder, a .mtx or .mtx.gz"
        + " file, or a Parquet file or folder");
  }

  /** A matrix in {@code partitions} row blocks. */
  RowBlockMatrix read(String path, int partitions) throws IOException {
    switch (kind(path)) {
      case NPY:
        return RowBlockMatrix.fromNpy(spark, path, partitions);
      case MTX:
        return RowBlockMatrix.fromMatrixMarket(spark, path, partitions);
      default:
        RowBlockMatrix m = parquet(path);
        return m.reblock(RowBlockMatrix.balancedStarts(m.rows(), partitions));
    }
  }

  /** The default number of row blocks for {@code path} (see {@link NpyFileSet#defaultPartitions}). */
  int defaultPartitions(String path) throws IOException {
    int parallelism = spark.sparkContext().defaultParallelism();
    if (kind(path) == Kind.NPY) {
      return NpyFileSet.open(spark.sparkContext().hadoopConfiguration(), path).defaultPartitions(parallelism);
    }
    return parallelism;
  }

  /** A matrix in the row blocks of {@code a}. */
  RowBlockMatrix readAligned(String path, RowBlockMatrix a) throws IOException {
    switch (kind(path)) {
      case NPY:
        return RowBlockMatrix.fromNpy(spark, path, a);
      case MTX:
        return RowBlockMatrix.fromMatrixMarket(spark, path, a);
      default:
        RowBlockMatrix m = parquet(path);
        if (m.rows() != a.rows()) {
          throw new IllegalArgumentException("shape mismatch: " + path + " is " + m.shape()
              + " but must have as many rows as A, which is " + a.shape());
        }
        return m.reblock(a.blockStarts());
    }
  }

  /** The transpose of the {@code n x m} matrix in {@code path}, in the row blocks of {@code a}. */
  RowBlockMatrix readTransposedAligned(String path, RowBlockMatrix a) throws IOException {
    switch (kind(path)) {
      case NPY:
        return RowBlockMatrix.fromNpyTransposed(spark, path, a);
      case MTX:
        return RowBlockMatrix.fromMatrixMarketTransposed(spark, path, a);
      default:
        RowBlockMatrix m = parquet(path);
        if (m.cols() != a.rows()) {
          throw new IllegalArgumentException("shape mismatch: " + path + " is " + m.shape() + " but its transpose must have"
              + " as many rows as A, which is " + a.shape());
        }
        return m.transpose(a.blockStarts());
    }
  }

  /** A small matrix on the driver. */
  DoubleMatrix readSmall(String path) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    switch (kind(path)) {
      case NPY: {
        NpyFileSet files = NpyFileSet.open(conf, path);
        requireSmall(path, files.rows(), files.cols());
        return files.readRange(conf, 0, files.rows());
      }
      case MTX: {
        MatrixMarketHeader header = MatrixMarketEntries.header(conf, path);
        requireSmall(path, header.rows(), header.cols());
        DoubleMatrix m = DoubleMatrix.zeros((int) header.rows(), (int) header.cols());
        SparseEntries entries = MatrixMarketEntries.readAll(conf, header);
        entries.addTo(m, 0);
        return m;
      }
      default: {
        RowBlockMatrix m = parquet(path);
        requireSmall(path, m.rows(), m.cols());
        return m.collectLocal();
      }
    }
  }

  /** True for a 1-D {@code .npy} array (the only input whose results are written 1-D). */
  boolean isVector(String path) throws IOException {
    if (kind(path) != Kind.NPY) {
      return false;
    }
    NpyFileSet files = NpyFileSet.open(spark.sparkContext().hadoopConfiguration(), path);
    return files.members().size() == 1 && files.members().get(0).header.shape().length == 1;
  }

  private static void requireSmall(String path, long rows, long cols) {
    if (rows * cols > 64L << 20) {
      throw new IllegalArgumentException(path + " is " + rows + " x " + cols + ", too large for a driver-side matrix");
    }
  }

  private RowBlockMatrix parquet(String path) {
    Dataset<Row> df = spark.read().parquet(path);
    String vector = column;
    String index = null;
    for (StructField f : df.schema().fields()) {
      boolean usable = f.dataType().equals(SQLDataTypes.VectorType())
          || (f.dataType() instanceof ArrayType && ((ArrayType) f.dataType()).elementType().equals(DataTypes.DoubleType));
      if (f.name().equals("row") && (f.dataType().equals(DataTypes.LongType) || f.dataType().equals(DataTypes.IntegerType))) {
        index = "row";
      } else if (column == null && usable) {
        if (vector != null) {
          throw new IllegalArgumentException(path + " has several vector columns (" + vector + ", " + f.name()
              + "): choose one with --column");
        }
        vector = f.name();
      }
    }
    if (vector == null) {
      throw new IllegalArgumentException(path + " has no vector or array<double> column (columns: "
          + String.join(", ", df.schema().fieldNames()) + ")");
    }
    return RowBlockMatrix.fromDataset(df, vector, index);
  }
}
