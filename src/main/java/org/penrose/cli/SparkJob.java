package org.penrose.cli;

import java.io.IOException;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.penrose.distributed.RowBlockMatrix;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.source.NpyAssembler;
import org.penrose.source.NpyFileSet;
import picocli.CommandLine.Option;

/** The Spark side of a command: the session, {@code --partitions}, and small-matrix file I/O on the driver. */
final class SparkJob {
  @Option(names = "--partitions", paramLabel = "N",
      description = "Row blocks of A (default: spark.default.parallelism, more for blocks over 128 MiB).")
  Integer partitions;

  /** A session, stopped at the end only if this command started it. */
  static final class Session implements AutoCloseable {
    final SparkSession spark;
    private final boolean owned;

    Session(SparkSession spark, boolean owned) {
      this.spark = spark;
      this.owned = owned;
    }

    @Override
    public void close() {
      if (owned) {
        spark.stop();
      }
    }
  }

  /**
   * The running session (e.g. a notebook's or a test's), or a new one from spark-submit's settings,
   * {@code local[*]} when no master is configured (running Main directly).
   */
  static Session session(String appName) {
    scala.Option<SparkSession> active = SparkSession.getActiveSession();
    if (active.isDefined()) {
      return new Session(active.get(), false);
    }
    SparkConf conf = new SparkConf();
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    if (!conf.contains("spark.master")) {
      builder.master("local[*]");
    }
    return new Session(builder.getOrCreate(), true);
  }

  /** A's row blocks from a {@code .npy} file or folder. */
  RowBlockMatrix readA(SparkSession spark, String path) throws IOException {
    int parts = partitions != null ? partitions
        : NpyFileSet.open(spark.sparkContext().hadoopConfiguration(), path)
            .defaultPartitions(spark.sparkContext().defaultParallelism());
    if (parts < 1) {
      throw new IllegalArgumentException("--partitions must be at least 1, got " + parts);
    }
    return RowBlockMatrix.fromNpy(spark, path, parts);
  }

  /** A small matrix read on the driver (a cotangent of X, say). */
  static DoubleMatrix readSmall(SparkSession spark, String path) throws IOException {
    NpyFileSet files = NpyFileSet.open(spark.sparkContext().hadoopConfiguration(), path);
    if (files.rows() * files.cols() > 64L << 20) {
      throw new IllegalArgumentException(path + " is " + files.rows() + " x " + files.cols()
          + ", too large for a driver-side matrix");
    }
    return files.readRange(spark.sparkContext().hadoopConfiguration(), 0, files.rows());
  }

  /** True when the file holds a 1-D array. */
  static boolean isVector(SparkSession spark, String path) throws IOException {
    NpyFileSet files = NpyFileSet.open(spark.sparkContext().hadoopConfiguration(), path);
    return files.members().size() == 1 && files.members().get(0).header.shape().length == 1;
  }

  static void writeSmall(SparkSession spark, String path, DoubleMatrix m, boolean asVector) throws IOException {
    NpyAssembler.writeSmall(spark.sparkContext().hadoopConfiguration(), path, m, asVector);
  }
}
