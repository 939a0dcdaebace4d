package org.penrose.datasource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;
import org.penrose.io.HadoopConf;
import org.penrose.io.NpyFileSet;
import org.penrose.matrix.InvalidInputException;

/** Plans the row ranges of a {@code .npy} read (driver side: headers only). */
final class NpyScan implements Scan, Batch {
  private final CaseInsensitiveStringMap options;
  private final NpyFileSet files;
  private final List<NpyFileSet.RowRange> ranges;
  private final HadoopConf conf;

  NpyScan(CaseInsensitiveStringMap options) {
    this.options = options;
    SourceOptions declared = new SourceOptions("reading npy", options, SourceOptions.NPY_READ);
    String path = declared.path("load(\"A.npy\") or OPTIONS (path '...')");
    SparkSession spark = SparkSession.active();
    this.conf = new HadoopConf(new Configuration(spark.sparkContext().hadoopConfiguration()));
    try {
      this.files = NpyFileSet.open(conf.get(), path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (declared.text("partitions") != null && declared.text("rowsPerPartition") != null) {
      throw new InvalidInputException("reading npy takes partitions or rowsPerPartition, not both");
    }
    int parallelism = spark.sparkContext().defaultParallelism();
    long partitions = declared.positive("partitions", files.defaultPartitions(parallelism));
    long rowsPerPartition = declared.positive("rowsPerPartition",
        files.rowsPerPartitionFor((int) Math.min(partitions, Integer.MAX_VALUE)));
    this.ranges = files.split(rowsPerPartition);
  }

  @Override
  public StructType readSchema() {
    return NpyDataSource.SCHEMA;
  }

  @Override
  public String description() {
    return "npy " + files.rows() + " x " + files.cols() + " in " + ranges.size() + " row ranges: "
        + options.get("path");
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
