package org.penrose.adapters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.penrose.engine.BlockStarts;
import org.penrose.engine.EntryShuffle;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.io.MatrixMarketEntries;
import org.penrose.io.MatrixMarketHeader;
import org.penrose.io.MatrixMarketRanges;
import org.penrose.io.NpyBlocks;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.SparseEntries;

/**
 * Matrix Market files ({@code .mtx}, {@code .mtx.gz}; coordinate or array) read into row blocks
 * (sparse for coordinate files, dense for array files):
 * parsed in byte ranges where the file allows ({@link DistributedMatrixMarket}), then the entries
 * moved to the blocks that own their rows ({@link EntryShuffle}).
 */
final class MatrixMarketRowBlocks implements RowBlockFormat {
  static final MatrixMarketRowBlocks INSTANCE = new MatrixMarketRowBlocks();

  private MatrixMarketRowBlocks() {}

  /** The file in {@code partitions} balanced row blocks. */
  @Override
  public RowBlockMatrix read(SparkContext spark, String path, int partitions) throws IOException {
    DistributedMatrixMarket source = DistributedMatrixMarket.read(spark, path, partitions);
    long rows = source.header().rows();
    return RowBlockMatrix.fromEntries(source.entries(), rows, RowBlockMatrix.columnCount(path, source.header().cols()),
        BlockStarts.balanced(rows, partitions), source.header().isCoordinate());
  }

  /**
   * The file in {@code partitions} balanced row blocks built on the driver, without a Spark job (e.g. while
   * Spark starts): a coordinate file's entries parsed in file order into each block's list and the blocks built
   * from them as {@link #read}'s tasks build them ({@link RowBlock#fromEntries}, one of {@code tasks} each), an
   * array file's values into one dense matrix cut into the blocks; the same blocks either way. A local file,
   * read through java.nio (Hadoop is not needed, nor loaded).
   */
  static DriverBlocks readOnDriver(String path, int partitions, NpyBlocks.Tasks tasks) throws IOException {
    MatrixMarketHeader header = MatrixMarketEntries.header(null, path);
    int cols = RowBlockMatrix.columnCount(path, header.cols());
    long[] starts = BlockStarts.balanced(header.rows(), partitions);
    if (!header.isCoordinate()) { // an array file: the dense matrix cut into row blocks
      DoubleMatrix dense = MatrixMarketEntries.readDense(null, header);
      List<RowBlock> blocks = tasks.map(partitions, p -> new RowBlock(starts[p],
          dense.rowRange((int) starts[p], (int) starts[p + 1])).requireFinite("the entries"));
      return new DriverBlocks(blocks, starts, cols, false);
    }
    SparseEntries[] split;
    if (MatrixMarketRanges.splittable(header)) {
      // byte ranges parsed side by side, each into the blocks' lists; a block's entries then in file order
      List<long[]> ranges = MatrixMarketRanges.of(header, Files.size(Path.of(path)), 2 * partitions);
      List<MatrixMarketRanges.Parsed> parsed = tasks.mapReading(ranges.size(), r -> MatrixMarketRanges.parse(null,
          header, ranges.get(r)[0], ranges.get(r)[1], starts));
      MatrixMarketRanges.requireGood(header, parsed);
      split = new SparseEntries[partitions];
      for (int p = 0; p < partitions; p++) {
        int block = p;
        split[p] = SparseEntries.concat(parsed.stream().map(range -> range.part(block)).toList());
      }
    } else {
      split = MatrixMarketEntries.readAll(null, header, starts);
    }
    SparseEntries[] entries = split;
    List<RowBlock> blocks = tasks.map(partitions, p -> RowBlock.fromEntries(entries[p], starts[p],
        (int) (starts[p + 1] - starts[p]), cols, true));
    return new DriverBlocks(blocks, starts, cols, false);
  }

  /** The file in the row blocks of {@code alignedWith} (e.g. {@code B} for {@code A}). */
  @Override
  public RowBlockMatrix readAligned(SparkContext spark, String path, RowBlockMatrix alignedWith) throws IOException {
    DistributedMatrixMarket source = DistributedMatrixMarket.read(spark, path, alignedWith.numBlocks());
    int cols = RowBlockMatrix.columnCount(path, source.header().cols());
    alignedWith.requireRowsOf(path, source.header().rows(), cols);
    return RowBlockMatrix.fromEntries(source.entries(), source.header().rows(), cols, alignedWith.blockStarts(),
        source.header().isCoordinate());
  }

  /**
   * The transpose {@code M^T} of the {@code n x m} matrix in the file, in the row blocks of
   * {@code alignedWith}: how a cotangent {@code G} ({@code n x m}) becomes {@code G^T} aligned with {@code A}.
   */
  @Override
  public RowBlockMatrix readTransposed(SparkContext spark, String path, RowBlockMatrix alignedWith) throws IOException {
    DistributedMatrixMarket source = DistributedMatrixMarket.read(spark, path, alignedWith.numBlocks());
    int transposedCols = RowBlockMatrix.columnCount(path, source.header().rows());
    alignedWith.requireRowsOf(path + " (transposed)", source.header().cols(), transposedCols);
    JavaRDD<SparseEntries> swapped = source.entries().map(SparseEntries::transposed);
    return RowBlockMatrix.fromEntries(swapped, source.header().cols(), transposedCols, alignedWith.blockStarts(),
        source.header().isCoordinate());
  }

  @Override
  public DoubleMatrix readLocal(SparkContext spark, String path, long maxEntries) throws IOException {
    Configuration hadoop = spark.hadoopConfiguration();
    MatrixMarketHeader header = MatrixMarketEntries.header(hadoop, path);
    RowBlockFormat.requireLocal(path, header.rows(), header.cols(), maxEntries);
    if (!header.isCoordinate()) {
      return MatrixMarketEntries.readDense(hadoop, header);
    }
    DoubleMatrix m = DoubleMatrix.zeros((int) header.rows(), (int) header.cols());
    MatrixMarketEntries.readAll(hadoop, header).addTo(m, 0);
    return m;
  }
}
