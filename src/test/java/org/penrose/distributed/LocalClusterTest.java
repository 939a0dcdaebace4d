package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.penrose.adapters.MatrixFiles;
import org.penrose.blas.BlasBackend;
import org.penrose.engine.BlasPlugin;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.io.NpyFile;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.LeastSquares;
import org.penrose.solver.PseudoInverse;
import org.penrose.testing.OracleCase;
import org.penrose.testing.SparkTestSession;

/**
 * The engine with separate executor JVMs ({@code local-cluster[2,1,1024]}), so that anything that
 * does not serialize, or depends on driver-side state, fails here. The surefire configuration sets
 * {@code SPARK_HOME} to a folder with an empty {@code jars/} and {@code SPARK_SCALA_VERSION=2.13};
 * the executors get the test class path.
 */
class LocalClusterTest extends SparkTestSession {
  @TempDir Path dir;

  @Override
  protected String master() {
    return "local-cluster[2,1,1024]";
  }

  @Override
  protected void configure(SparkSession.Builder builder) {
    // the executors take the driver's library (through BlasPlugin), so that bits can be compared
    configureLocalCluster(builder).config(BlasPlugin.CONF, org.penrose.blas.BlasBackend.source().name()
        .toLowerCase(java.util.Locale.ROOT));
  }

  /**
   * Executors launched through the surefire configuration's {@code SPARK_HOME} (an empty {@code jars/})
   * with the test class path, one BLAS thread each, and {@link BlasPlugin}.
   */
  static SparkSession.Builder configureLocalCluster(SparkSession.Builder builder) {
    String sparkHome = System.getenv("SPARK_HOME");
    if (sparkHome == null) {
      throw new IllegalStateException("SPARK_HOME is not set (the surefire configuration sets it)");
    }
    try {
      Files.createDirectories(Paths.get(sparkHome, "jars"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return builder.config("spark.executor.extraClassPath", classPath.replace(File.pathSeparatorChar, ':'))
        .config("spark.executorEnv.OPENBLAS_NUM_THREADS", "1")
        .config("spark.executor.extraJavaOptions", "-Xss16m")
        .config("spark.plugins", BlasPlugin.class.getName());
  }

  @Test
  void executorsUseTheDriversBlas() {
    List<String> seen = sc.parallelize(List.of(1, 2, 3, 4), 4)
        .map(i -> org.penrose.blas.BlasBackend.describe() + " threads=" + System.getenv("OPENBLAS_NUM_THREADS")
            + " pid=" + ProcessHandle.current().pid())
        .collect();
    System.out.println("driver: " + org.penrose.blas.BlasBackend.describe() + " pid=" + ProcessHandle.current().pid()
        + "; executors: " + seen);
    for (String s : seen) {
      assertTrue(s.startsWith(org.penrose.blas.BlasBackend.describe()), s);
      assertTrue(s.contains(" threads=1 "), s);
    }
  }

  @Test
  void oracleCaseAndNpyRoundTripOnSeparateExecutors() throws IOException {
    OracleCase c = OracleCase.all().stream().filter(o -> o.name.equals("rank3_tall_160x10_int")).findFirst().orElseThrow();
    Path a = dir.resolve("A.npy");
    NpyFile.writeRowMajor(a, c.a);
    RowBlockMatrix am = new MatrixFiles(spark).read(a.toString(), 4).persist();
    DistributedPinv pinv = DistributedPinv.factor(am, c.cutoff());
    DistributedLstsq ls = DistributedLstsq.solve(am, RowBlockMatrix.fromLocal(sc, c.b, am.blockStarts()), c.cutoff());
    assertEquals(c.rank, pinv.rank());
    assertTrue(c.relativeError("pinv", pinv.pinvTranspose().collectLocal().transpose()) <= c.tolerance("pinv"));
    assertTrue(c.relativeError("vjp_A", pinv.vjp(RowBlockMatrix.fromLocal(sc, c.g.transpose(), am.blockStarts()))
        .a().collectLocal()) <= c.tolerance("vjp_A"));
    assertTrue(c.relativeError("lstsq_x", ls.solution()) <= c.tolerance("lstsq_x"));
    assertTrue(c.relativeError("lstsq_grad_A", ls.vjp(c.gx).a().collectLocal()) <= c.tolerance("lstsq_grad_A"));
    // results written by executor JVMs and assembled by the driver
    Path p = dir.resolve("P.npy");
    new MatrixFiles(spark).writeNpyTransposed(pinv.pinvTranspose(), p.toString());
    assertTrue(c.relativeError("pinv", NpyFile.read(p)) <= c.tolerance("pinv"));
    // the DataSource reads on the executors too
    assertEquals(c.m, spark.read().format("npy").option("rowsPerPartition", 50).load(a.toString()).count());
    // and a single block gives exactly the local kernels' bits (same algorithm, same BLAS)
    RowBlockMatrix one = RowBlockMatrix.fromLocal(sc, c.a, 1);
    assertArrayEquals(LeastSquares.solve(c.a, c.b, c.cutoff()).solution().values(),
        DistributedLstsq.solve(one, RowBlockMatrix.fromLocal(sc, c.b, 1), c.cutoff()).solution().values(), 0.0);
    DoubleMatrix localP = PseudoInverse.of(c.a, c.cutoff()).pinv();
    assertArrayEquals(localP.values(), DistributedPinv.factor(one, c.cutoff()).pinvTranspose().collectLocal().transpose().values(), 0.0);
    am.unpersist();
  }
}
