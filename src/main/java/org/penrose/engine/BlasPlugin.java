package org.penrose.engine;

import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;
import org.penrose.blas.BlasBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses every JVM's BLAS/LAPACK ({@link BlasBackend}) before any task runs, so that a cluster
 * needs nothing installed: {@code spark.plugins=org.penrose.engine.BlasPlugin}. The request is
 * {@code spark.penrose.blas} ({@code auto|system|bundled|java}), else the driver's
 * {@code PENROSE_BLAS}; it goes to the executors with the plugin's configuration (an executor's own
 * {@code PENROSE_BLAS} wins), and each JVM logs what it loaded. Without the plugin an executor makes
 * the automatic choice at its first Penrose task; the plugin also covers Spark's own (MLlib) calls.
 */
public final class BlasPlugin implements SparkPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(BlasPlugin.class);
  private static final String REQUEST = "penrose.blas";
  /** The Spark setting that requests a library for the whole application. */
  public static final String CONF = "spark.penrose.blas";

  @Override
  public DriverPlugin driverPlugin() {
    return new DriverPlugin() {
      @Override
      public Map<String, String> init(SparkContext sc, PluginContext context) {
        String requested = sc.getConf().getOption(CONF).getOrElse(() -> null);
        if (requested != null) {
          BlasBackend.request(requested);
        } else {
          requested = System.getProperty(REQUEST, System.getenv("PENROSE_BLAS"));
        }
        String loaded = BlasBackend.describe();
        if (sc.isLocal()) {
          LOG.debug("Penrose BLAS/LAPACK: {}", loaded); // one JVM: the reports name it
        } else {
          LOG.info("Penrose BLAS/LAPACK on the driver: {}", loaded);
        }
        return requested == null ? Map.of() : Map.of(REQUEST, requested);
      }
    };
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      @Override
      public void init(PluginContext context, Map<String, String> extraConf) {
        String fromDriver = extraConf.get(REQUEST);
        if (fromDriver != null && System.getenv("PENROSE_BLAS") == null && System.getProperty(REQUEST) == null) {
          System.setProperty(REQUEST, fromDriver);
        }
        String loaded = BlasBackend.describe();
        if (!"driver".equals(context.executorID())) { // local mode: the driver's JVM, logged already
          LOG.info("Penrose BLAS/LAPACK on executor {}: {}", context.executorID(), loaded);
        }
      }
    };
  }
}
