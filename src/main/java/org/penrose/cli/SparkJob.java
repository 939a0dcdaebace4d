package org.penrose.cli;

import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.penrose.adapters.DriverBlocks;
import org.penrose.adapters.MatrixFiles;
import org.penrose.engine.BlockStarts;
import org.penrose.engine.DriverThreads;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.engine.TaskErrorLogFilter;
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

  private static boolean quietTaskErrors;

  /**
   * Whether Spark's log lines about a task failed on bad input are dropped ({@link TaskErrorLogFilter}, installed
   * by {@link #beforeSparkStarts}): the command line reports the error itself, once (not with {@code --verbose}).
   */
  static void quietTaskErrors(boolean quiet) {
    quietTaskErrors = quiet;
  }

  /** What a command does before it starts a SparkContext: the log filter, when asked for. */
  static void beforeSparkStarts() {
    if (quietTaskErrors) {
      TaskErrorLogFilter.install();
    }
  }

  /** {@code --partitions N}: a number of row blocks ({@link BlockStarts#requireCount}). */
  static int requirePartitions(int partitions) {
    BlockStarts.requireCount(partitions);
    return partitions;
  }

  /** {@code --partitions}, checked ({@link #requirePartitions}), or null for the input's default. */
  Integer requestedPartitions() {
    return partitions == null ? null : requirePartitions(partitions);
  }

  /** The command's matrix files (.npy, .mtx/.mtx.gz or Parquet), with {@code --column} for Parquet. */
  MatrixFiles files(SparkContext sc) {
    return new MatrixFiles(sc).withColumn(column);
  }

  /**
   * A command's Spark: the context, and a SparkSession made only when asked for (matrix commands need
   * none, which saves its start-up). Stopped at the end only if this command started it.
   */
  static final class Session implements AutoCloseable {
    private final SparkContext sc;
    private final boolean owned;
    private SparkSession spark;

    private Session(SparkContext sc, SparkSession spark, boolean owned) {
      this.sc = sc;
      this.spark = spark;
      this.owned = owned;
    }

    SparkContext context() {
      return sc;
    }

    /** The SparkSession over this context (created on first use, with spark-submit's settings). */
    SparkSession spark() {
      if (spark == null) {
        // Built on the running context itself (Builder.sparkContext, Scala-private but public in the
        // bytecode): getOrCreate with settings would warn "Using an existing SparkContext".
        spark = SparkSession.builder().sparkContext(sc).getOrCreate();
      }
      return spark;
    }

    @Override
    public void close() {
      if (owned) {
        sc.stop();
      }
    }
  }

  /**
   * The running session (e.g. a notebook's or a test's), or a new SparkContext from spark-submit's
   * settings (or the launcher's {@code spark.*} system properties), {@code local[*]} when no master
   * is configured (running Main directly).
   */
  static Session session(String appName) {
    scala.Option<SparkSession> active = SparkSession.getActiveSession();
    if (active.isDefined()) {
      return new Session(active.get().sparkContext(), active.get(), false);
    }
    beforeSparkStarts();
    SparkConf conf = new SparkConf().setIfMissing("spark.app.name", appName).setIfMissing("spark.master", "local[*]");
    return new Session(SparkContext.getOrCreate(conf), null, true);
  }

  /**
   * A command's Spark session and its {@code A} ({@link #startReadingA}); {@code readBy} says who read it:
   * {@code "driver"} (while Spark started) or {@code "spark"} (its tasks).
   */
  record Started(Session session, RowBlockMatrix a, String readBy) implements AutoCloseable {
    @Override
    public void close() {
      session.close();
    }
  }

  /**
   * The session and {@code A} from {@code --input}. On a local master with a local {@code .npy} or Matrix Market
   * {@code A} that fits the driver ({@link InDriver#readWhileSparkStarts}), Spark starts on another thread while
   * this one reads {@code A} on the driver, in the blocks {@link #readA} makes; otherwise as {@link #readA}.
   */
  Started startReadingA(String appName) throws Exception {
    Integer parts = requestedPartitions();
    int threads = InDriver.readWhileSparkStarts(input);
    if (threads == 0) {
      Session session = session(appName);
      try {
        return new Started(session, readA(session.context()), "spark");
      } catch (Exception | Error e) {
        session.close();
        throw e;
      }
    }
    ExecutorService starter = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "penrose-spark-start");
      t.setDaemon(true);
      return t;
    });
    Future<Session> starting = starter.submit(() -> session(appName));
    starter.shutdown();
    DriverBlocks blocks;
    try {
      try (DriverThreads pool = new DriverThreads(threads, "penrose-read")) {
        blocks = MatrixFiles.readOnDriver(input, parts, threads, pool::map);
      }
    } catch (Exception | Error e) {
      starting.get().close(); // a bad input: the Spark that was starting stops
      throw e;
    }
    Session session = starting.get();
    return new Started(session, blocks.toMatrix(session.context()), "driver");
  }

  /** A session and {@code A} from blocks the driver read already ({@link MatrixFiles#readOnDriver}), shipped once. */
  static Started startWith(DriverBlocks blocks, String appName) {
    Session session = session(appName);
    try {
      return new Started(session, blocks.toMatrix(session.context()), "driver");
    } catch (RuntimeException | Error e) {
      session.close();
      throw e;
    }
  }

  /** A's row blocks from {@code --input}, in {@code --partitions} blocks or the input's default. */
  RowBlockMatrix readA(SparkContext sc) throws IOException {
    MatrixFiles files = files(sc);
    Integer parts = requestedPartitions();
    return parts != null ? files.read(input, parts) : files.read(input);
  }
}
