package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.penrose.check.DistributedGradCheck;
import org.penrose.check.GradCheck;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/**
 * Finite-difference checks of the distributed derivatives ({@link DistributedGradCheck}) on a rank-deficient tall matrix
 * {@code A = X Y^T} (5000 x 40, rank 12), along the rank-preserving curve
 * {@code A(h) = (X + h dX)(Y + h dY)^T}. Every evaluation, including the finite differences, goes
 * through the distributed path (6 row blocks).
 *
 * <ul>
 *   <li>JVP: {@code dP} against {@code (4 D(h/2) - D(h)) / 3} with central differences {@code D};
 *   <li>VJP: the adjoint identity {@code <G, dP> = <grad_A, dA>} with a random {@code G}, against
 *       the finite difference of {@code <G, P(h)>};
 *   <li>lstsq: {@code dX} and {@code <gX, dX> = <grad_A, dA> + <grad_B, dB>} likewise.
 * </ul>
 *
 * Tolerance 1e-8 (normwise for the JVP, relative for the scalars); measured errors (printed) are 3e-12..5e-11.
 */
class DistributedGradCheckTest extends SparkTestSession {
  private static final int M = 5000;
  private static final int N = 40;
  private static final int R = 12;
  private static final int PARTS = 6;
  private static final double H = 1e-4;
  private static final double TOLERANCE = 1e-8;

  private DistributedGradCheck.Curve curve;

  @BeforeAll
  void makeCurve() {
    Random random = new Random(12);
    DoubleMatrix x = TestMatrices.gaussian(M, R, random);
    DoubleMatrix y = TestMatrices.gaussian(N, R, random);
    DoubleMatrix dx = TestMatrices.gaussian(M, R, random);
    DoubleMatrix dy = TestMatrices.gaussian(N, R, random);
    DoubleMatrix b = TestMatrices.gaussian(M, 2, random);
    DoubleMatrix db = TestMatrices.gaussian(M, 2, random);
    curve = new DistributedGradCheck.Curve(x, y, dx, dy, b, db);
  }

  private static void assertPasses(String what, GradCheck.Result r) {
    System.out.printf("distributed %s 5000x40 rank 12: JVP relerr %.2e, VJP (adjoint) relerr %.2e%n", what,
        r.jvpRelativeError(), r.vjpRelativeError());
    assertEquals(R, r.rank());
    assertTrue(r.rankPreserved(), "the curve stays on the rank-12 manifold: " + r);
    assertTrue(r.jvpRelativeError() < TOLERANCE, "JVP " + r.jvpRelativeError());
    assertTrue(r.vjpRelativeError() < TOLERANCE, "VJP " + r.vjpRelativeError());
  }

  @Test
  void pinvJvpAndVjpMatchFiniteDifferences() {
    DoubleMatrix gT = TestMatrices.gaussian(M, N, new Random(99)); // G^T
    assertPasses("pinv", DistributedGradCheck.pinv(sc, curve, PARTS, RankCutoff.DEFAULT, H, gT));
  }

  @Test
  void lstsqJvpAndVjpMatchFiniteDifferences() {
    DoubleMatrix gx = TestMatrices.gaussian(N, 2, new Random(98));
    assertPasses("lstsq", DistributedGradCheck.lstsq(sc, curve, PARTS, RankCutoff.DEFAULT, H, gx));
  }

  /** A curve that leaves the rank-r manifold (rank r - 1 at h = 0 only) is reported, and does not pass. */
  @Test
  void aCurveThatChangesRankIsReported() {
    Random random = new Random(7);
    int m = 400;
    int n = 10;
    int r = 4;
    DoubleMatrix y = TestMatrices.gaussian(n, r, random);
    for (int i = 0; i < n; i++) {
      y.set(i, r - 1, 0.0); // the last factor column is zero at h = 0 ...
    }
    DoubleMatrix dy = DoubleMatrix.zeros(n, r);
    for (int i = 0; i < n; i++) {
      dy.set(i, r - 1, random.nextGaussian()); // ... and not for h != 0
    }
    DistributedGradCheck.Curve crossing = new DistributedGradCheck.Curve(TestMatrices.gaussian(m, r, random), y,
        TestMatrices.gaussian(m, r, random), dy, TestMatrices.gaussian(m, 1, random), null);
    GradCheck.Result result = DistributedGradCheck.lstsq(sc, crossing, 3, RankCutoff.DEFAULT, H,
        TestMatrices.gaussian(n, 1, random));
    assertEquals(r - 1, result.rank());
    assertFalse(result.rankPreserved(), result.toString());
    assertFalse(result.passed(TOLERANCE), result.toString());
  }
}
