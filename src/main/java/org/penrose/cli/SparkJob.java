package org.penrose.cli;

import java.io.IOException;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.penrose.distributed.RowBlockMatrix;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.source.NpyAssembler;
import picocli.CommandLine.Option;

/** The Spark side of a command: the session, {@code --partitions}, and small-matrix file I/O on the driver. */
final class SparkJob {
  @Option(names = "--partitions", paramLabel = "N",
      description = "Row blocks of A (default: spark.default.parallelism, more for blocks over 128 MiB).")
  Integer partitions;

  @Option(names = "--column", paramLabel = "NAME",
      description = "For Parquet inputs: the vector or array<double> column (default: the only one).")
  String column;

  /** The inputs of a command: .npy, .mtx/.mtx.gz or Parquet. */
  MatrixInputs inputs(SparkSession spark) {
    return new MatrixInputs(spark, column);
  }

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

  /** A's row blocks from any supported input. */
  RowBlockMatrix readA(SparkSession spark, String path) throws IOException {
    MatrixInputs inputs = inputs(spark);
    int parts = partitions != null ? partitions : inputs.defaultPartitions(path);
    if (parts < 1) {
      throw new IllegalArgumentException("--partitions must be at least 1, got " + parts);
    }
    return inputs.read(path, parts);
  }

  static void writeSmall(SparkSession spark, String path, DoubleMatrix m, boolean asVector) throws IOException {
    NpyAssembler.writeSmall(spark.sparkContext().hadoopConfiguration(), path, m, asVector);
  }
}
