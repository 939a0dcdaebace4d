package org.penrose.datasource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.penrose.io.HadoopConf;
import org.penrose.io.NpyFileSet;
import org.penrose.linalg.InvalidInputException;

/** Plans the row ranges of a {@code .npy} read (driver side: headers only). */
final class NpyScan implements Scan, Batch {
  private final CaseInsensitiveStringMap options;
  private final NpyFileSet files;
  private final List<NpyFileSet.RowRange> ranges;
  private final HadoopConf conf;

  NpyScan(CaseInsensitiveStringMap options) {
    this.options = options;
    String path = options.get("path");
    if (path == null) {
      throw new InvalidInputException("the npy source needs a path: load(\"A.npy\") or OPTIONS (path '...')");
    }
    SparkSession spark = SparkSession.active();
    this.conf = new HadoopConf(new org.apache.hadoop.conf.Configuration(spark.sparkContext().hadoopConfiguration()));
    try {
      this.files = NpyFileSet.open(conf.get(), path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long rowsPerPartition = options.containsKey("rowsPerPartition")
        ? positiveLong(options.get("rowsPerPartition"), "rowsPerPartition")
        : files.rowsPerPartitionFor(files.defaultPartitions(spark.sparkContext().defaultParallelism()));
    this.ranges = files.split(rowsPerPartition);
  }

  static long positiveLong(String text, String name) {
    try {
      long v = Long.parseLong(text.trim());
      if (v >= 1) {
        return v;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new InvalidInputException("option " + name + " must be a whole number >= 1, got '" + text + "'");
  }

  @Override
  public StructType readSchema() {
    return NpyDataSource.SCHEMA;
  }

  @Override
  public String description() {
    return "npy " + files.rows() + " x " + files.cols() + " in " + ranges.size() + " row ranges: " + options.get("path");
  }

  @Override
  public Batch toBatch() {
    return this;
  }

  @Override
  public InputPartition[] planInputPartitions() {
    InputPartition[] partitions = new InputPartition[ranges.size()];
    for (int i = 0; i < partitions.length; i++) {
      partitions[i] = new NpyInputPartition(ranges.get(i));
    }
    return partitions;
  }

  @Override
  public PartitionReaderFactory createReaderFactory() {
    return new NpyPartitionReaderFactory(conf);
  }
}
