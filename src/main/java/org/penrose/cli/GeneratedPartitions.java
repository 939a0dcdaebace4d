package org.penrose.cli;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/** {@code --partitions N} for commands that generate their data in the tasks. */
final class GeneratedPartitions {
  @Option(names = "--partitions",
      description = "Partitions of the generated data (default: twice spark.default.parallelism).")
  Integer partitions;

  /** The given count, or twice the session's default parallelism. */
  int resolve(SparkSession spark) {
    return SparkJob.requirePartitions(partitions != null ? partitions : 2 * spark.sparkContext().defaultParallelism());
  }
}
