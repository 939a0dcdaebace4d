package org.penrose.adapters;

import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.penrose.io.HadoopConf;
import org.penrose.io.MatrixFormatException;
import org.penrose.io.MatrixMarketEntries;
import org.penrose.io.MatrixMarketHeader;
import org.penrose.io.MatrixMarketRanges;
import org.penrose.matrix.SparseEntries;

/**
 * A Matrix Market file read by Spark tasks as chunks of entries: an uncompressed coordinate file in
 * byte ranges (the header is read once, on the driver; each task parses the lines that start in its
 * range), a compressed or {@code array} file by one task. The chunks are cached and the entry count
 * is checked against the size line before anything else uses them.
 */
public final class DistributedMatrixMarket {
  private final MatrixMarketHeader header;
  private final JavaRDD<SparseEntries> entries;

  private DistributedMatrixMarket(MatrixMarketHeader header, JavaRDD<SparseEntries> entries) {
    this.header = header;
    this.entries = entries;
  }

  /** The header: shape, format, symmetry. */
  public MatrixMarketHeader header() {
    return header;
  }

  /** The entries (0-based, symmetric ones mirrored), one chunk per partition, cached. */
  public JavaRDD<SparseEntries> entries() {
    return entries;
  }

  /** Frees the cached chunks. */
  public void unpersist() {
    entries.unpersist(false);
  }

  /**
   * Reads {@code path} in about {@code partitions} byte ranges (one when it cannot be split).
   *
   * @throws MatrixFormatException for a bad header or line (naming the file's first bad line) or a wrong entry count
   */
  public static DistributedMatrixMarket read(SparkContext spark, String path, int partitions) throws IOException {
    Configuration hadoop = spark.hadoopConfiguration();
    MatrixMarketHeader header = MatrixMarketEntries.header(hadoop, path);
    HadoopConf conf = new HadoopConf(hadoop);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark);
    JavaRDD<MatrixMarketRanges.Parsed> chunks;
    if (MatrixMarketRanges.splittable(header)) {
      Path p = new Path(path);
      long length = p.getFileSystem(hadoop).getFileStatus(p).getLen();
      List<long[]> ranges = MatrixMarketRanges.of(header, length, partitions);
      long[] all = {0, header.rows()};
      chunks = sc.parallelize(ranges, ranges.size()).map(range -> MatrixMarketRanges.parse(conf.get(), header,
          range[0], range[1], all));
    } else {
      chunks = sc.parallelize(List.of(0), 1).map(unused -> MatrixMarketRanges.Parsed.whole(
          MatrixMarketEntries.readAll(conf.get(), header), header)); // readAll checked the count and names errors
    }
    chunks.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      // the first bad line in file order, whichever task met a bad line first
      MatrixMarketRanges.requireGood(header, chunks.map(MatrixMarketRanges.Parsed::summary).collect());
    } catch (RuntimeException e) {
      chunks.unpersist(false);
      throw e;
    }
    return new DistributedMatrixMarket(header, chunks.map(parsed -> parsed.part(0)));
  }
}
