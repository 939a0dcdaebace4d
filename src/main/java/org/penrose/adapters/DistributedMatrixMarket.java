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
import org.penrose.matrix.SparseEntries;
import scala.Tuple2;

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
   * @throws MatrixFormatException for a bad header or line (naming the line) or a wrong entry count
   */
  public static DistributedMatrixMarket read(SparkContext spark, String path, int partitions) throws IOException {
    Configuration hadoop = spark.hadoopConfiguration();
    MatrixMarketHeader header = MatrixMarketEntries.header(hadoop, path);
    HadoopConf conf = new HadoopConf(hadoop);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark);
    JavaRDD<Tuple2<SparseEntries, Long>> chunks;
    if (MatrixMarketEntries.splittable(header)) {
      Path p = new Path(path);
      long length = p.getFileSystem(hadoop).getFileStatus(p).getLen();
      List<long[]> ranges = MatrixMarketEntries.byteRanges(header, length, partitions);
      chunks = sc.parallelize(ranges, ranges.size()).map(range -> {
        long[] counted = new long[1];
        SparseEntries e = MatrixMarketEntries.readRange(conf.get(), header, range[0], range[1], counted);
        return new Tuple2<>(e, counted[0]);
      });
    } else {
      chunks = sc.parallelize(List.of(0), 1).map(unused -> {
        SparseEntries e = MatrixMarketEntries.readAll(conf.get(), header);
        return new Tuple2<>(e, header.storedEntries()); // readAll checked the count itself
      });
    }
    chunks.persist(StorageLevel.MEMORY_AND_DISK());
    long total;
    try {
      total = chunks.map(Tuple2::_2).reduce(Long::sum);
    } catch (RuntimeException e) {
      chunks.unpersist(false);
      throw e;
    }
    try {
      MatrixMarketEntries.requireStoredCount(header, total);
    } catch (MatrixFormatException e) {
      chunks.unpersist(false);
      throw e;
    }
    return new DistributedMatrixMarket(header, chunks.map(Tuple2::_1));
  }
}
