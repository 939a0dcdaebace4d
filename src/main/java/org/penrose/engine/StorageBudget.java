package org.penrose.engine;

import org.apache.spark.SparkContext;
import scala.jdk.javaapi.CollectionConverters;

/** How much a computation may cache: a quarter of the storage memory of the driver and executors. */
public final class StorageBudget {
  private StorageBudget() {}

  /** True when {@code bytes} is at most a quarter of the storage memory Spark reports for its block managers. */
  public static boolean fits(SparkContext sc, double bytes) {
    long storage = 0;
    for (scala.Tuple2<Object, Object> memory : CollectionConverters.asJava(
        sc.getExecutorMemoryStatus()).values()) {
      storage += (Long) memory._1();
    }
    return bytes <= storage / 4.0;
  }
}
