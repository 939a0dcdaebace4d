package org.penrose.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.storage.StorageLevel;

/**
 * Reliable checkpoints (files in the context's checkpoint directory) for the blocks that the truncated
 * SVD computes from broadcasts it later destroys: each new block of a Krylov basis is written once, so
 * that a lost executor's share of the basis, and of the {@code U} handed back, is recomputed from the
 * files rather than failing the job (a local checkpoint keeps its blocks on the executor that is lost).
 *
 * <p>The directory is Spark's {@code spark.checkpoint.dir} (or {@code SparkContext.setCheckpointDir}).
 * On a local master ({@code local[*]}, {@code local-cluster[...]}) without one, a temporary folder is
 * used and deleted when the application ends. On a cluster it is required: a folder every executor
 * reaches (HDFS, S3, ...); {@code spark.cleaner.referenceTracking.cleanCheckpoints=true} lets Spark delete
 * the files of results no longer referenced.
 */
public final class ReliableCheckpoints {
  /** The Spark setting that names the checkpoint directory. */
  static final String DIRECTORY_SETTING = "spark.checkpoint.dir";

  private ReliableCheckpoints() {}

  /**
   * Makes sure {@code sc} has a checkpoint directory: a temporary one on a local master.
   *
   * @throws IllegalStateException on a cluster without one, naming the setting
   */
  public static synchronized void requireDirectory(SparkContext sc) {
    if (sc.getCheckpointDir().isDefined()) {
      return;
    }
    requireLocalMaster(sc.master());
    Path dir;
    try {
      dir = Files.createTempDirectory(Paths.get(System.getProperty("java.io.tmpdir")), "penrose-checkpoints-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary checkpoint folder", e);
    }
    sc.setCheckpointDir(dir.toString());
    sc.addSparkListener(new SparkListener() {
      @Override
      public void onApplicationEnd(SparkListenerApplicationEnd end) {
        deleteTree(dir);
      }
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "penrose-checkpoint-cleanup"));
  }

  /** Throws unless {@code master} runs every executor on this machine (where a temporary folder serves). */
  public static void requireLocalMaster(String master) {
    if (!master.startsWith("local")) {
      throw new IllegalStateException("the truncated SVD keeps its bases in reliable checkpoints so that a lost"
          + " executor costs time, not the job: set " + DIRECTORY_SETTING + " (or SparkContext.setCheckpointDir) to a"
          + " folder every executor can reach, e.g. on HDFS");
    }
  }

  /**
   * {@code blocks}, cached and marked to be written to the checkpoint directory by the next job that
   * computes them (cached first, so that writing them computes nothing twice). After that job their
   * lineage is the files: the broadcasts {@code blocks} were computed from may be destroyed. The
   * marked RDD is an identity map over {@code blocks}: a checkpointed RDD keeps its own function (only
   * its parents are cut), and a task that serializes a function holding a destroyed broadcast fails.
   */
  public static <T> JavaRDD<T> save(JavaRDD<T> blocks) {
    requireDirectory(blocks.context());
    JavaRDD<T> saved = blocks.mapPartitions(rows -> rows, true);
    saved.persist(StorageLevel.MEMORY_AND_DISK());
    saved.rdd().checkpoint();
    return saved;
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: a temporary folder
    }
  }
}
