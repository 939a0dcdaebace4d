package org.penrose.testing;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * One {@code local[2]} SparkSession per test class (extend this class), with the serializer the jobs
 * use ({@code conf/spark-defaults.conf}: Kryo, unsafe-based IO), so that whatever travels in RDDs is
 * tested as it travels there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SparkTestSession {
  protected SparkSession spark;
  protected JavaSparkContext sc;

  /** The master URL; {@code local[2]} unless a test class needs another. */
  protected String master() {
    return "local[2]";
  }

  /** Extra settings for a test class's session. */
  protected void configure(SparkSession.Builder builder) {}

  @BeforeAll
  void startSpark() {
    SparkSession.Builder builder = SparkSession.builder()
        .master(master())
        .appName(getClass().getSimpleName())
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .config("spark.kryo.unsafe", "true")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1");
    configure(builder);
    spark = builder.getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  void stopSpark() {
    if (spark != null) {
      spark.stop();
    }
  }
}
