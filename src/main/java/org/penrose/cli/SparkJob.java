package org.penrose.cli;

import java.io.IOException;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.penrose.distributed.MatrixFiles;
import org.penrose.distributed.RowBlockMatrix;
import picocli.CommandLine.Option;

/** The Spark side of a command: the session, and the options saying how its matrix files are read. */
final class SparkJob {
  @Option(names = "--input", required = true, paramLabel = "A.npy",
      description = "The matrix A (m x n): .npy (file or folder), .mtx/.mtx.gz, or Parquet with a vector column.")
  String input;

  @Option(names = "--partitions", paramLabel = "N",
      description = "Row blocks of A (default: spark.default.parallelism, more for blocks over 128 MiB).")
  Integer partitions;

  @Option(names = "--column", paramLabel = "NAME",
      description = "For Parquet inputs: the vector or array<double> column (default: the only one).")
  String column;

  /** The command's matrix files (.npy, .mtx/.mtx.gz or Parquet), with {@code --column} for Parquet. */
  MatrixFiles files(SparkSession spark) {
    return new MatrixFiles(spark).withColumn(column);
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

  /** A's row blocks from {@code --input}, in {@code --partitions} blocks or the input's default. */
  RowBlockMatrix readA(SparkSession spark) throws IOException {
    MatrixFiles files = files(spark);
    if (partitions != null && partitions < 1) {
      throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
    }
    return partitions != null ? files.read(input, partitions) : files.read(input);
  }
}
