package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.DoubleFunction;
import org.junit.jupiter.api.Test;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.iterative.Lsmr;
import org.penrose.iterative.LsmrOptions;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.LeastSquares;
import org.penrose.solver.Ridge;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/**
 * The LSMR route's VJP ({@link LsmrVjp}) and JVP ({@link LsmrJvp}) against central differences of the direct solvers' solutions
 * (Householder QR + SVD, {@link LeastSquares}; {@link Ridge}) along curves that keep the rank: full rank,
 * {@code A = X Y^T} of rank 3, a sparse matrix with a zero and a dependent column (its gradient at the stored
 * entries), and damped (ridge, with {@code dL/dmu}).
 */
class LsmrDerivativesTest extends SparkTestSession {
  private static final LsmrOptions TIGHT = LsmrOptions.defaults().withTolerances(1e-15, 1e-15).withConlim(0)
      .withMaxIterations(1000);
  private static final double H = 1e-5;

  /** {@code (f(h) - f(-h)) / 2h} with one Richardson step: O(h^4). */
  private static double centralDifference(DoubleFunction<Double> f) {
    double coarse = (f.apply(H) - f.apply(-H)) / (2 * H);
    double fine = (f.apply(H / 2) - f.apply(-H / 2)) / H;
    return (4 * fine - coarse) / 3;
  }

  /**
   * Checks {@code <grad_A, A'(0)> + <grad_B, dB> (+ dL/dmu dmu)} against the central difference of
   * {@code t -> <G, X(A(t), B + t dB, mu + t dmu)>}, X from the direct solver.
   */
  private void check(String name, DoubleFunction<DoubleMatrix> curve, DoubleMatrix tangentA, RowBlockMatrix blocks,
      DoubleMatrix b, double damp, double dMu, boolean storedEntries) {
    Random random = new Random(name.hashCode());
    DoubleMatrix a = curve.apply(0);
    DoubleMatrix dB = TestMatrices.gaussian(b.rows(), b.cols(), random);
    DoubleMatrix g = TestMatrices.gaussian(a.cols(), b.cols(), random);
    LsmrOptions options = TIGHT.withDamp(damp);
    RowBlockMatrix bBlocks = RowBlockMatrix.fromLocal(sc, b, blocks.blockStarts());
    DoubleMatrix x = Lsmr.solution(Lsmr.solveEach(blocks, bBlocks, options));
    DistributedLstsq.LowRankGradient grad = LsmrVjp.of(blocks, bBlocks, x, g, options);
    DoubleMatrix gradA = (storedEntries ? grad.aOnStoredEntries() : grad.a()).collectLocal();
    double analytic = gradA.dot(tangentA) + grad.b().collectLocal().dot(dB) + grad.mu() * dMu;
    double mu = damp * damp;
    double numeric = centralDifference(t -> {
      DoubleMatrix at = curve.apply(t);
      DoubleMatrix bt = b.plusScaled(t, dB);
      DoubleMatrix xt = damp == 0 ? LeastSquares.solve(at, bt, RankCutoff.DEFAULT).solution()
          : Ridge.solve(at, bt, mu + t * dMu).solution();
      return g.dot(xt);
    });
    System.out.printf("lsmr vjp, %s: <grad, tangent> %.12e, central difference %.12e%n", name, analytic, numeric);
    assertEquals(numeric, analytic, 1e-7 * Math.abs(numeric), name);
    // the JVP, entry by entry, against the central difference of X along the same curve (mu fixed)
    DoubleMatrix dX = LsmrJvp.of(blocks, bBlocks, x, RowBlockMatrix.fromLocal(sc, tangentA, blocks.blockStarts()),
        RowBlockMatrix.fromLocal(sc, dB, blocks.blockStarts()), options);
    double worst = 0;
    double size = 0;
    for (int i = 0; i < dX.rows(); i++) {
      for (int j = 0; j < dX.cols(); j++) {
        int row = i;
        int col = j;
        double entry = centralDifference(t -> {
          DoubleMatrix at = curve.apply(t);
          DoubleMatrix bt = b.plusScaled(t, dB);
          DoubleMatrix xt = damp == 0 ? LeastSquares.solve(at, bt, RankCutoff.DEFAULT).solution()
              : Ridge.solve(at, bt, mu).solution();
          return xt.get(row, col);
        });
        worst = Math.max(worst, Math.abs(entry - dX.get(i, j)));
        size = Math.hypot(size, entry);
      }
    }
    System.out.printf("lsmr jvp, %s: max |dX - central difference| / ||dX|| = %.1e%n", name, worst / size);
    assertTrue(worst <= 1e-7 * size, name + ": " + worst / size);
  }

  @Test
  void fullRankAndRankDeficientAlongRankPreservingCurves() {
    Random random = new Random(1);
    DoubleMatrix a = TestMatrices.gaussian(40, 6, random);
    DoubleMatrix da = TestMatrices.gaussian(40, 6, random);
    check("full rank 40 x 6, k = 2", t -> a.plusScaled(t, da), da, RowBlockMatrix.fromLocal(sc, a, 3),
        TestMatrices.gaussian(40, 2, random), 0, 0, false);
    // A(t) = (X + t dX)(Y + t dY)^T: rank 3 all along; A'(0) = dX Y^T + X dY^T
    DoubleMatrix x = TestMatrices.gaussian(40, 3, random);
    DoubleMatrix y = TestMatrices.gaussian(8, 3, random);
    DoubleMatrix dx = TestMatrices.gaussian(40, 3, random);
    DoubleMatrix dy = TestMatrices.gaussian(8, 3, random);
    DoubleMatrix low = x.timesTranspose(y);
    check("rank 3 of 40 x 8", t -> x.plusScaled(t, dx).timesTranspose(y.plusScaled(t, dy)),
        dx.timesTranspose(y).plusScaled(1, x.timesTranspose(dy)), RowBlockMatrix.fromLocal(sc, low, 2),
        TestMatrices.gaussian(40, 1, random), 0, 0, false);
  }

  @Test
  void sparseWithAZeroAndADependentColumnAtItsStoredEntries() {
    Random random = new Random(2);
    int m = 50;
    int n = 7;
    DoubleMatrix a = DoubleMatrix.zeros(m, n);
    DoubleMatrix da = DoubleMatrix.zeros(m, n);
    for (int i = 0; i < m; i++) {
      for (int j : new int[] {0, 1, 2, 4, 6}) {
        if (j == i % 5 || random.nextDouble() < 0.2) {
          a.set(i, j, random.nextGaussian());
          da.set(i, j, random.nextGaussian());
        }
      }
      a.set(i, 3, 2 * a.get(i, 1)); // column 3 = 2 column 1 along the curve; column 5 stays empty
      da.set(i, 3, 2 * da.get(i, 1));
    }
    check("sparse 50 x 7, rank 5", t -> a.plusScaled(t, da), da, TestMatrices.sparseBlocks(sc, a, 3),
        TestMatrices.gaussian(m, 2, random), 0, 0, true);
  }

  @Test
  void dampedWithTheDerivativeInMu() {
    Random random = new Random(3);
    DoubleMatrix dense = TestMatrices.gaussian(60, 8, random);
    DoubleMatrix a = DoubleMatrix.zeros(60, 8);
    DoubleMatrix da = DoubleMatrix.zeros(60, 8);
    for (int i = 0; i < 60; i++) {
      for (int j = 0; j < 8; j++) {
        if (j == i % 8 || random.nextDouble() < 0.3) {
          a.set(i, j, dense.get(i, j));
          da.set(i, j, random.nextGaussian());
        }
      }
    }
    check("damped sparse 60 x 8, damp 0.5", t -> a.plusScaled(t, da), da, TestMatrices.sparseBlocks(sc, a, 2),
        TestMatrices.gaussian(60, 2, random), 0.5, 0.3, true);
    DoubleMatrix low = TestMatrices.gaussian(30, 2, random).timesTranspose(TestMatrices.gaussian(5, 2, random));
    DoubleMatrix dlow = TestMatrices.gaussian(30, 5, random);
    check("damped rank 2 of 30 x 5, damp 0.1", t -> low.plusScaled(t, dlow), dlow, RowBlockMatrix.fromLocal(sc, low, 2),
        TestMatrices.gaussian(30, 1, random), 0.1, -0.2, false);
  }
}
