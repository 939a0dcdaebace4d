package org.penrose.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.BlockResult;
import org.apache.spark.storage.RDDBlockId;

/**
 * The driver's threads for the in-driver routes (a local master whose driver holds {@code A}'s blocks):
 * {@code count} tasks run on a fixed pool of daemon threads and their results come back in task order,
 * so what is merged from them merges in the order Spark's partitions would (the same bits).
 */
public final class DriverThreads implements AutoCloseable {
  /** The driver may hold {@code A}'s blocks when they take at most this fraction of its maximum heap. */
  public static final double DRIVER_SHARE = 0.125;

  private final ExecutorService pool;
  private final int threads;

  /** A pool of {@code threads} daemon threads named {@code name}. */
  public DriverThreads(int threads, String name) {
    this.threads = Math.max(1, threads);
    this.pool = Executors.newFixedThreadPool(this.threads, r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Whether an in-driver route may run on {@code a}: when {@code allowed}, the master is local and A's
   * blocks fit {@link #DRIVER_SHARE} of the heap (12 bytes per stored entry of a sparse block, value and
   * column, 8 per dense entry, 4 per row). Sizing A takes one Spark job, run only when the rest holds.
   */
  public static boolean hold(RowBlockMatrix a, boolean allowed) {
    return allowed && a.blocks().context().isLocal()
        && storedBytes(a) <= DRIVER_SHARE * Runtime.getRuntime().maxMemory();
  }

  /**
   * A's blocks on the driver, in partition order. On a local master a cached A (as {@link #hold}'s sizing job
   * leaves it) is read from this JVM's block store as it is, without serializing 1e8 bytes to copy them;
   * a block not found there, or an A not cached, is collected. The blocks are shared with the cache: read them
   * only.
   */
  public static List<RowBlock> gather(RowBlockMatrix a) {
    JavaRDD<RowBlock> blocks = a.blocks();
    if (blocks.context().isLocal() && blocks.getStorageLevel().useMemory() && SparkEnv.get() != null) {
      BlockManager store = SparkEnv.get().blockManager();
      List<RowBlock> out = new ArrayList<>();
      for (int p = 0; p < blocks.getNumPartitions(); p++) {
        scala.Option<BlockResult> cached = store.getLocalValues(new RDDBlockId(blocks.id(), p));
        if (cached.isEmpty()) {
          return blocks.collect();
        }
        scala.collection.Iterator<Object> values = cached.get().data();
        while (values.hasNext()) { // read to the end: that releases the block's read lock
          out.add((RowBlock) values.next());
        }
      }
      return out;
    }
    return blocks.collect();
  }

  private static double storedBytes(RowBlockMatrix a) {
    return a.blocks().map(b -> (double) b.matrix().storedEntries() * (b.matrix().isSparse() ? 12 : 8)
        + 4.0 * b.matrix().rows()).reduce(Double::sum);
  }

  public int threads() {
    return threads;
  }

  /** {@code task(0), ..., task(count - 1)} on the pool, their results in that order; a task's exception is rethrown. */
  public <T> List<T> map(int count, IntFunction<T> task) {
    List<Future<T>> parts = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int index = i;
      parts.add(pool.submit(() -> task.apply(index)));
    }
    List<T> results = new ArrayList<>(count);
    try {
      for (Future<T> part : parts) {
        results.add(part.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the driver's threads ran", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(cause);
    }
    return results;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
