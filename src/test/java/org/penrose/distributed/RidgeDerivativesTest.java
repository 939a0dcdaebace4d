package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.penrose.check.FiniteDifferences;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.Gradient;
import org.penrose.solver.PseudoInverse;
import org.penrose.solver.Ridge;
import org.penrose.testing.SparkTestSession;

/**
 * Ridge regression {@code X = (A^T A + mu I)^-1 A^T B} and its derivatives in {@code A}, {@code B} and
 * {@code mu}, locally and on row blocks, against the normal equations and central differences (with a
 * Richardson step) along {@code (A + t dA, B + t dB, mu + t dmu)} — at full rank and at rank 3 (the
 * map is smooth at every rank).
 */
class RidgeDerivativesTest extends org.penrose.testing.SparkTestSession {
  private static DoubleMatrix gaussian(int m, int n, Random random) {
    DoubleMatrix x = DoubleMatrix.zeros(m, n);
    for (int i = 0; i < x.values().length; i++) {
      x.values()[i] = random.nextGaussian();
    }
    return x;
  }

  private static double relative(DoubleMatrix actual, DoubleMatrix expected) {
    return actual.plusScaled(-1, expected).maxAbs() / expected.maxAbs();
  }

  @Test
  void localAndDistributedDerivativesMatchCentralDifferences() {
    Random random = new Random(5);
    int m = 80, n = 6, k = 2;
    DoubleMatrix[] designs = {gaussian(m, n, random), gaussian(m, 3, random).timesTranspose(gaussian(n, 3, random))};
    for (DoubleMatrix a : designs) {
      DoubleMatrix b = gaussian(m, k, random);
      DoubleMatrix dA = gaussian(m, n, random);
      DoubleMatrix dB = gaussian(m, k, random);
      DoubleMatrix gX = gaussian(n, k, random);
      double mu = 0.7, dMu = 0.3;

      // the solution against the normal equations
      DoubleMatrix normal = a.transposeTimes(a);
      for (int j = 0; j < n; j++) {
        normal.set(j, j, normal.get(j, j) + mu);
      }
      DoubleMatrix expected = PseudoInverse.of(normal, RankCutoff.DEFAULT).pinv().times(a.transposeTimes(b));
      Ridge local = Ridge.solve(a, b, mu);
      assertTrue(relative(local.solution(), expected) < 1e-12, "solution " + relative(local.solution(), expected));

      // JVP against central differences of the solution along the curve
      double[] fd = FiniteDifferences.derivative(t -> Ridge.solve(a.plusScaled(t, dA), b.plusScaled(t, dB), mu + t * dMu)
          .solution().values(), 5e-4);
      DoubleMatrix numeric = DoubleMatrix.columnMajor(n, k, fd);
      DoubleMatrix jvp = local.jvp(dA, dB, dMu);
      assertTrue(relative(jvp, numeric) < 1e-8, "local JVP " + relative(jvp, numeric));

      // VJP: <gX, dX> = <dL/dA, dA> + <dL/dB, dB> + dL/dmu dmu
      Gradient<DoubleMatrix> g = local.vjp(gX);
      double adjoint = g.a().dot(dA) + g.b().dot(dB) + g.mu() * dMu;
      double forward = gX.dot(numeric);
      assertEquals(forward, adjoint, 1e-8 * Math.abs(forward), "local VJP");

      // distributed, in 3 row blocks: the same solution, JVP and VJP
      RowBlockMatrix ra = RowBlockMatrix.fromLocal(sc, a, 3);
      RowBlockMatrix rb = RowBlockMatrix.fromLocal(sc, b, 3);
      DistributedRidge ridge = DistributedRidge.solve(ra, rb, mu);
      assertTrue(relative(ridge.solution(), expected) < 1e-12, "distributed solution");
      DoubleMatrix djvp = ridge.jvp(RowBlockMatrix.fromLocal(sc, dA, 3), RowBlockMatrix.fromLocal(sc, dB, 3), dMu);
      assertTrue(relative(djvp, numeric) < 1e-8, "distributed JVP " + relative(djvp, numeric));
      // the local and the 3-block TSQR differ in rounding only (another triangle), a few ulps of conditioning
      Gradient<RowBlockMatrix> dg = ridge.vjp(gX);
      assertTrue(relative(dg.a().collectLocal(), g.a()) < 1e-10, "distributed dL/dA");
      assertTrue(relative(dg.b().collectLocal(), g.b()) < 1e-10, "distributed dL/dB");
      assertEquals(g.mu(), dg.mu(), 1e-10 * Math.abs(g.mu()), "distributed dL/dmu");
      double distributedAdjoint = dg.a().collectLocal().dot(dA) + dg.b().collectLocal().dot(dB) + dg.mu() * dMu;
      assertEquals(forward, distributedAdjoint, 1e-8 * Math.abs(forward), "distributed VJP");
      // d/dmu alone (the tuning direction): -<Q, X> against differences in mu only
      double[] fdMu = FiniteDifferences.derivative(t -> new double[] {gX.dot(Ridge.solve(a, b, mu + t).solution())}, 1e-3);
      assertEquals(fdMu[0], dg.mu(), 1e-8 * Math.abs(fdMu[0]), "dL/dmu");
      System.out.printf("ridge derivatives (rank %s): local JVP %.1e, VJP %.1e; distributed JVP %.1e, VJP %.1e, dL/dmu %.1e%n",
          a == designs[0] ? "full" : "3", relative(jvp, numeric), Math.abs(adjoint - forward) / Math.abs(forward),
          relative(djvp, numeric), Math.abs(distributedAdjoint - forward) / Math.abs(forward),
          Math.abs(fdMu[0] - dg.mu()) / Math.abs(fdMu[0]));
    }
  }
}
