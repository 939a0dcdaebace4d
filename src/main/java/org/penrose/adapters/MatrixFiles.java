package org.penrose.adapters;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.SparkSession;
import org.penrose.engine.BlockStarts;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.io.FileFormat;
import org.penrose.io.HadoopConf;
import org.penrose.io.MatrixFormatException;
import org.penrose.io.MatrixMarketEntries;
import org.penrose.io.MatrixMarketHeader;
import org.penrose.io.MatrixMarketParts;
import org.penrose.io.NpyAssembler;
import org.penrose.io.NpyBlocks;
import org.penrose.io.NpyFileSet;
import org.penrose.matrix.DoubleMatrix;

/**
 * Matrix files into row blocks and back: the one place where a path becomes a {@link RowBlockMatrix}.
 * Inputs are recognized by {@link FileFormat}: {@code .npy} (a file or a folder of them stacked in
 * file-name order), {@code .mtx} / {@code .mtx.gz} (Matrix Market), and Parquet with a vector or
 * {@code array<double>} column ({@link #withColumn}, default the only such column) and, if present, a
 * {@code row} index column. Outputs are float64 {@code .npy} files.
 *
 * <pre>{@code
 * MatrixFiles files = new MatrixFiles(spark);
 * RowBlockMatrix a = files.read("A.npy", 8).persist();       // 8 row blocks
 * RowBlockMatrix b = files.readAligned("B.npy", a);          // B in A's row blocks
 * RowBlockMatrix gT = files.readTransposed("G.npy", a);      // G (n x m) as G^T in A's row blocks
 * files.writeNpy(gradA, "GA.npy");                           // m x n, C order
 * files.writeNpyTransposed(pT, "P.npy");                     // P^T's blocks written as P (n x m)
 * }</pre>
 */
public final class MatrixFiles {
  /** Largest matrix {@link #readLocal} brings to the driver, in entries (512 MiB of doubles). */
  public static final long MAX_LOCAL_ENTRIES = 64L << 20;

  private final SparkContext spark;
  private final String column;

  /** Files read and written through {@code spark}'s Hadoop configuration. */
  public MatrixFiles(SparkSession spark) {
    this(spark.sparkContext(), null);
  }

  /**
   * The same over a bare {@code SparkContext}: no SparkSession is created unless a Parquet file is
   * read (which saves a command the session's start-up, about a second here).
   */
  public MatrixFiles(SparkContext sc) {
    this(sc, null);
  }

  private MatrixFiles(SparkContext spark, String column) {
    this.spark = spark;
    this.column = column;
  }

  /** The same, reading Parquet inputs from the vector column {@code column} (null: the only one). */
  public MatrixFiles withColumn(String column) {
    return new MatrixFiles(spark, column);
  }

  private Configuration hadoop() {
    return spark.hadoopConfiguration();
  }

  /** The reader for {@code path}'s format, refusing formats that do not hold a matrix (CSV). */
  private RowBlockFormat format(String path) throws IOException {
    switch (FileFormat.of(hadoop(), path)) {
      case NPY:
        return NpyRowBlocks.INSTANCE;
      case MTX:
        return MatrixMarketRowBlocks.INSTANCE;
      case PARQUET:
        return new ParquetRowBlocks(column);
      default:
        throw new MatrixFormatException(path + ": a CSV file is a table, not a matrix; convert it to .npy or Parquet,"
            + " or fit it with `penrose regress`");
    }
  }

  /**
   * A local {@code .npy} or Matrix Market file read on the driver without Spark (e.g. while Spark starts), in
   * the row blocks {@link #read} makes: {@code partitions}, or when null the default for a Spark default
   * parallelism of {@code parallelism}; block for block the same, each block read or built as one of
   * {@code tasks}. Null for other formats (Parquet needs a session).
   */
  public static DriverBlocks readOnDriver(String path, Integer partitions, int parallelism, NpyBlocks.Tasks tasks)
      throws IOException {
    FileFormat format = FileFormat.byName(path);
    if (format == FileFormat.NPY) {
      NpyBlocks npy = NpyBlocks.read(path, partitions, parallelism, tasks);
      long[] starts = npy.starts();
      List<RowBlock> blocks = new ArrayList<>();
      List<DoubleMatrix> values = npy.blocks();
      for (int i = 0; i < values.size(); i++) {
        blocks.add(new RowBlock(starts[i], values.get(i)));
      }
      return new DriverBlocks(blocks, starts, npy.cols(), npy.isVector());
    }
    if (format == FileFormat.MTX) {
      int parts = partitions != null ? partitions : parallelism;
      return MatrixMarketRowBlocks.readOnDriver(path, parts, tasks);
    }
    return null;
  }

  /**
   * The shape {@code {rows, cols}} of a local {@code .npy} file (or folder) or Matrix Market file, from its
   * header, without Spark; null for other formats.
   */
  public static long[] shapeOnDriver(String path) throws IOException {
    FileFormat format = FileFormat.byName(path);
    if (format == FileFormat.NPY) {
      NpyFileSet files = NpyFileSet.openLocal(path);
      return new long[] {files.rows(), files.cols()};
    }
    if (format == FileFormat.MTX) {
      MatrixMarketHeader header = MatrixMarketEntries.header(null, path);
      return new long[] {header.rows(), header.cols()};
    }
    return null;
  }

  /** A matrix in {@code partitions} row blocks. */
  public RowBlockMatrix read(String path, int partitions) throws IOException {
    BlockStarts.requireCount(partitions);
    return format(path).read(spark, path, partitions);
  }

  /** A matrix in its default number of row blocks ({@link #defaultPartitions}). */
  public RowBlockMatrix read(String path) throws IOException {
    return read(path, defaultPartitions(path));
  }

  /**
   * The default number of row blocks for {@code path}: {@code spark.default.parallelism}, more for
   * {@code .npy} inputs whose blocks would exceed 128 MiB ({@link NpyFileSet#defaultPartitions}).
   */
  public int defaultPartitions(String path) throws IOException {
    return format(path).defaultPartitions(spark, path);
  }

  /**
   * A matrix read in the row blocks of {@code a} (e.g. {@code B}, a tangent {@code dA}).
   *
   * @throws IllegalArgumentException when its row count differs from {@code a}'s
   */
  public RowBlockMatrix readAligned(String path, RowBlockMatrix a) throws IOException {
    return format(path).readAligned(spark, path, a);
  }

  /**
   * The transpose of the {@code n x m} matrix in {@code path}, in the row blocks of {@code a}: how a
   * cotangent {@code G = dL/dP} becomes {@code G^T}, aligned with {@code A}.
   */
  public RowBlockMatrix readTransposed(String path, RowBlockMatrix a) throws IOException {
    return format(path).readTransposed(spark, path, a);
  }

  /** Throws when a {@code rows x cols} matrix in {@code path} exceeds {@link #MAX_LOCAL_ENTRIES}. */
  public static void requireLocal(String path, long rows, long cols) {
    RowBlockFormat.requireLocal(path, rows, cols, MAX_LOCAL_ENTRIES);
  }

  /**
   * A small matrix (a cotangent {@code gX}, say) read whole on the driver.
   *
   * @throws IllegalArgumentException above {@link #MAX_LOCAL_ENTRIES} entries
   */
  public DoubleMatrix readLocal(String path) throws IOException {
    return format(path).readLocal(spark, path, MAX_LOCAL_ENTRIES);
  }

  /** True for a 1-D {@code .npy} array (the only input whose results are written 1-D). */
  public boolean isVector(String path) throws IOException {
    return format(path).isVector(spark, path);
  }

  /**
   * Writes {@code matrix} ({@code m x n}) as one C-order {@code .npy} file; tasks write parts, the driver joins them.
   */
  public void writeNpy(RowBlockMatrix matrix, String path) throws IOException {
    NpyRowBlocks.write(spark, matrix, path, false, false);
  }

  /**
   * Writes the transpose of {@code matrix} ({@code n x m}, Fortran order): how {@code P} is written from {@code P^T}.
   */
  public void writeNpyTransposed(RowBlockMatrix matrix, String path) throws IOException {
    NpyRowBlocks.write(spark, matrix, path, true, false);
  }

  /** Writes a single-column {@code matrix} as a 1-D {@code .npy} array of {@code m} values. */
  public void writeNpyVector(RowBlockMatrix matrix, String path) throws IOException {
    NpyRowBlocks.write(spark, matrix, path, false, true);
  }

  /**
   * Writes {@code matrix} as one coordinate Matrix Market file holding every stored entry of its
   * blocks (a sparse block's pattern, zeros included; every entry of a dense block): how a gradient
   * with respect to a sparse {@code A}'s stored values is written with {@code A}'s pattern.
   */
  public void writeMatrixMarket(RowBlockMatrix matrix, String path) throws IOException {
    HadoopConf conf = new HadoopConf(hadoop());
    String folder = NpyAssembler.partsFolder(path);
    List<MatrixMarketParts.Part> parts = matrix.blocks().mapPartitionsWithIndex((index, it) -> {
      TaskContext task = TaskContext.get();
      List<MatrixMarketParts.Part> out = new ArrayList<>();
      while (it.hasNext()) {
        RowBlock b = it.next();
        out.add(MatrixMarketParts.write(conf.get(), folder, index, task == null ? 0 : task.taskAttemptId(),
            b.matrix().entries(b.firstRow())));
      }
      return out.iterator();
    }, true).collect();
    MatrixMarketParts.assemble(hadoop(), path, folder, parts, matrix.rows(), matrix.cols());
  }

  /** Writes a driver-side matrix as one {@code .npy} file (C order, or 1-D when {@code asVector}). */
  public void writeLocalNpy(DoubleMatrix matrix, String path, boolean asVector) throws IOException {
    NpyAssembler.writeSmall(hadoop(), path, matrix, asVector);
  }
}
