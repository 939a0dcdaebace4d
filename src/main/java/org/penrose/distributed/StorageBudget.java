package org.penrose.distributed;

import org.apache.spark.SparkContext;

/** How much a computation may cache: a quarter of the storage memory of the driver and executors. */
final class StorageBudget {
  private StorageBudget() {}

  /** True when {@code bytes} is at most a quarter of the storage memory Spark reports for its block managers. */
  static boolean fits(SparkContext sc, double bytes) {
    long storage = 0;
    for (scala.Tuple2<Object, Object> memory : scala.jdk.javaapi.CollectionConverters.asJava(
        sc.getExecutorMemoryStatus()).values()) {
      storage += (Long) memory._1();
    }
    return bytes <= storage / 4.0;
  }
}
