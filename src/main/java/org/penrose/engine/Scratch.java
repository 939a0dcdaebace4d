package org.penrose.engine;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;

/**
 * What a distributed computation cached and broadcast on the way to one result, held until a job has
 * materialized (and checkpointed) that result, then released together: cached blocks are unpersisted
 * without waiting (checkpoint files stay), broadcasts destroyed and waited for.
 */
public final class Scratch {
  private final List<JavaRDD<?>> cached;
  private final List<Broadcast<?>> broadcasts;

  /** Nothing held yet. */
  public Scratch() {
    this(List.of(), List.of());
  }

  /** Holds {@code cached} and {@code broadcasts} (copied). */
  public Scratch(List<? extends JavaRDD<?>> cached, List<? extends Broadcast<?>> broadcasts) {
    this.cached = new ArrayList<>(cached);
    this.broadcasts = new ArrayList<>(broadcasts);
  }

  /** Holds one more cached RDD. */
  public void add(JavaRDD<?> rdd) {
    cached.add(rdd);
  }

  public boolean isEmpty() {
    return cached.isEmpty() && broadcasts.isEmpty();
  }

  /** Unpersists the cached RDDs, then destroys the broadcasts; holds nothing after. */
  public void release() {
    cached.forEach(Scratch::drop);
    cached.clear();
    broadcasts.forEach(Scratch::destroy);
    broadcasts.clear();
  }

  /** Frees an RDD's cached blocks, without waiting (checkpoint files stay). */
  public static void drop(JavaRDD<?> rdd) {
    rdd.context().unpersistRDD(rdd.id(), false);
  }

  /**
   * Destroys a broadcast and waits until its blocks are gone: a non-blocking destroy can race with the
   * context cleaner removing the same blocks once the handle is collected, which Spark reports as
   * "Asked to remove block broadcast_..., which does not exist".
   */
  public static void destroy(Broadcast<?> broadcast) {
    broadcast.destroy(true);
  }
}
