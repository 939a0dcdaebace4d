package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.penrose.blas.BlasBackend;
import org.penrose.engine.BlasPlugin;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.LeastSquares;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/**
 * A cluster that has nothing installed: {@code spark.penrose.blas=bundled} through {@link BlasPlugin}
 * gives every executor JVM ({@code local-cluster[1,1,1024]}) the OpenBLAS shipped in the jar, whatever
 * the driver loaded, and the engine's results agree with the driver's local kernels.
 */
class BundledExecutorsTest extends SparkTestSession {
  @Override
  protected String master() {
    return "local-cluster[1,1,1024]";
  }

  @Override
  protected void configure(SparkSession.Builder builder) {
    LocalClusterTest.configureLocalCluster(builder).config(BlasPlugin.CONF, "bundled");
  }

  @Test
  void executorsLoadTheBundledOpenBlas() {
    List<String> seen = sc.parallelize(List.of(1, 2), 2).map(i -> org.penrose.blas.BlasBackend.describe()).collect();
    System.out.println("driver: " + org.penrose.blas.BlasBackend.describe() + "; executors: " + seen);
    for (String s : seen) {
      assertTrue(s.startsWith("bundled OpenBLAS 0.3.31") && s.endsWith("[JNIBLAS/JNILAPACK]"), s);
    }
    DoubleMatrix a = TestMatrices.gaussian(3000, 20, new Random(7));
    DoubleMatrix b = TestMatrices.gaussian(3000, 2, new Random(8));
    DoubleMatrix x = DistributedLstsq.solve(RowBlockMatrix.fromLocal(sc, a, 3), RowBlockMatrix.fromLocal(sc, b, 3),
        RankCutoff.DEFAULT).solution();
    double error = TestMatrices.relativeError(x, LeastSquares.solve(a, b).solution());
    assertTrue(error < 1e-13, "bundled executors vs the driver's kernels: " + error);
  }
}
