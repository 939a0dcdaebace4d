package org.penrose.adapters;

import java.io.IOException;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.io.ByteSource;
import org.penrose.io.HadoopConf;
import org.penrose.io.NpyAssembler;
import org.penrose.io.NpyFile;
import org.penrose.io.NpyFileSet;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;

/**
 * {@code .npy} files (or folders of them, {@link NpyFileSet}) read into row blocks by the tasks, and
 * row blocks written into one {@code .npy} file. Only headers are read on the driver.
 */
final class NpyRowBlocks implements RowBlockFormat {
  static final NpyRowBlocks INSTANCE = new NpyRowBlocks();

  private NpyRowBlocks() {}

  /**
   * The file (or folder) cut into {@code partitions} row blocks (more when there are more files;
   * Fortran-order files are one block each).
   */
  @Override
  public RowBlockMatrix read(SparkContext spark, String path, int partitions) throws IOException {
    NpyFileSet files = NpyFileSet.open(spark.hadoopConfiguration(), path);
    List<NpyFileSet.RowRange> ranges = files.split(files.rowsPerPartitionFor(partitions));
    HadoopConf conf = new HadoopConf(spark.hadoopConfiguration());
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark);
    JavaRDD<RowBlock> blocks = sc.parallelize(ranges, ranges.size())
        .map(range -> new RowBlock(range.firstRow(), range.read(conf.get())));
    return new RowBlockMatrix(blocks, NpyFileSet.starts(ranges, files.rows()), files.cols());
  }

  /** The file (or folder) read in the row blocks of {@code alignedWith}; blocks may span files of a folder. */
  @Override
  public RowBlockMatrix readAligned(SparkContext spark, String path, RowBlockMatrix alignedWith) throws IOException {
    NpyFileSet files = NpyFileSet.open(spark.hadoopConfiguration(), path);
    alignedWith.requireRowsOf(path, files.rows(), files.cols());
    HadoopConf conf = new HadoopConf(spark.hadoopConfiguration());
    return alignedWith.withBlocks(alignedWith.rangesRdd().map(
        range -> new RowBlock(range[0], files.readRange(conf.get(), range[0], range[1] - range[0]))), files.cols());
  }

  /**
   * The transpose {@code M^T} of the {@code n x m} matrix in a single {@code .npy} file, in the row
   * blocks of {@code alignedWith}; C-order files are read with one strided read per row of {@code M}.
   */
  @Override
  public RowBlockMatrix readTransposed(SparkContext spark, String path, RowBlockMatrix alignedWith) throws IOException {
    NpyFileSet files = NpyFileSet.open(spark.hadoopConfiguration(), path);
    if (files.members().size() != 1) {
      throw new InvalidInputException(path + ": a transposed read needs a single .npy file");
    }
    NpyFileSet.Member file = files.members().get(0);
    long transposedRows = file.header.cols();
    if (transposedRows > Integer.MAX_VALUE || files.rows() > Integer.MAX_VALUE) {
      throw new InvalidInputException(path + ": " + files.rows() + " x " + transposedRows
          + " is too large to transpose");
    }
    alignedWith.requireRowsOf(path + " (transposed)", transposedRows, (int) files.rows());
    HadoopConf conf = new HadoopConf(spark.hadoopConfiguration());
    return alignedWith.withBlocks(alignedWith.rangesRdd().map(range -> {
      Path p = new Path(file.path);
      try (ByteSource in = ByteSource.open(p.getFileSystem(conf.get()), p)) {
        DoubleMatrix block = NpyFile.readTransposedRows(in, file.header, range[0], range[1] - range[0], file.path);
        return new RowBlock(range[0], NpyFileSet.requireFinite(block, file.path + " (transposed)", range[0]));
      }
    }), (int) files.rows());
  }

  @Override
  public DoubleMatrix readLocal(SparkContext spark, String path, long maxEntries) throws IOException {
    Configuration hadoop = spark.hadoopConfiguration();
    NpyFileSet files = NpyFileSet.open(hadoop, path);
    RowBlockFormat.requireLocal(path, files.rows(), files.cols(), maxEntries);
    return files.readRange(hadoop, 0, files.rows());
  }

  /**
   * {@code spark.default.parallelism}, more when a block would exceed 128 MiB ({@link NpyFileSet#defaultPartitions}).
   */
  @Override
  public int defaultPartitions(SparkContext spark, String path) throws IOException {
    return NpyFileSet.open(spark.hadoopConfiguration(), path)
        .defaultPartitions(spark.defaultParallelism());
  }

  /** True for a single 1-D file. */
  @Override
  public boolean isVector(SparkContext spark, String path) throws IOException {
    return NpyFileSet.open(spark.hadoopConfiguration(), path).isVector();
  }

  /**
   * Writes the matrix to one float64 {@code .npy} file: {@code m x n} in C order, or with
   * {@code transpose} its transpose ({@code n x m}, Fortran order), or with {@code asVector} (one
   * column) a 1-D array. Tasks write parts that the driver streams into the file ({@link NpyAssembler}).
   */
  static void write(SparkContext spark, RowBlockMatrix matrix, String path, boolean transpose, boolean asVector)
      throws IOException {
    if (asVector && (transpose || matrix.cols() != 1)) {
      throw new InvalidInputException("only a single-column matrix can be written as a vector, not " + matrix.shape());
    }
    Configuration hadoop = spark.hadoopConfiguration();
    HadoopConf conf = new HadoopConf(hadoop);
    String folder = NpyAssembler.partsFolder(path);
    try {
      List<NpyAssembler.Part> parts = matrix.blocks().mapPartitionsWithIndex((index, it) -> {
        TaskContext task = TaskContext.get();
        long attempt = task == null ? 0 : task.taskAttemptId();
        NpyAssembler.PartWriter writer = new NpyAssembler.PartWriter(conf.get(), folder, index, attempt);
        try {
          while (it.hasNext()) {
            RowBlock b = it.next();
            writer.writeBlock(b.dense(), b.firstRow()); // a .npy file is dense: a sparse block is densified here
          }
          return Collections.singletonList(writer.commit()).iterator();
        } catch (RuntimeException | IOException e) {
          writer.abort();
          throw e;
        }
      }, true).collect();
      NpyAssembler.assemble(hadoop, path, folder, parts, transpose, true, matrix.cols(), asVector);
    } catch (RuntimeException | IOException e) {
      NpyAssembler.discard(hadoop, folder);
      throw e;
    }
  }
}
