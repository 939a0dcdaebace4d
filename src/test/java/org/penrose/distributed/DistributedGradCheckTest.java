package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.linalg.Lapack;
import org.penrose.linalg.RankCutoff;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/**
 * Finite-difference checks of the distributed derivatives on a rank-deficient tall matrix
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

  private DoubleMatrix x;
  private DoubleMatrix y;
  private DoubleMatrix dx;
  private DoubleMatrix dy;
  private DoubleMatrix b;
  private DoubleMatrix db;

  @BeforeAll
  void makeCurve() {
    Random random = new Random(12);
    x = TestMatrices.gaussian(M, R, random);
    y = TestMatrices.gaussian(N, R, random);
    dx = TestMatrices.gaussian(M, R, random);
    dy = TestMatrices.gaussian(N, R, random);
    b = TestMatrices.gaussian(M, 2, random);
    db = TestMatrices.gaussian(M, 2, random);
  }

  /** A(h) = (X + h dX)(Y + h dY)^T. */
  private DoubleMatrix a(double h) {
    return x.plusScaled(h, dx).timesTranspose(y.plusScaled(h, dy));
  }

  /** dA = dX Y^T + X dY^T. */
  private DoubleMatrix tangent() {
    DoubleMatrix t = dx.timesTranspose(y);
    Lapack.gemmInto(false, true, 1.0, x, dy, 1.0, t);
    return t;
  }

  private RowBlockMatrix blocks(DoubleMatrix m) {
    return RowBlockMatrix.fromLocal(sc, m, PARTS);
  }

  private DoubleMatrix pinvTranspose(double h) {
    DistributedPinv p = DistributedPinv.factor(blocks(a(h)), RankCutoff.DEFAULT);
    assertEquals(R, p.rank(), "the curve stays on the rank-12 manifold");
    return p.pinvTranspose().collectLocal();
  }

  private DoubleMatrix solution(double h) {
    DistributedLstsq ls = DistributedLstsq.solve(blocks(a(h)), blocks(b.plusScaled(h, db)), RankCutoff.DEFAULT);
    assertEquals(R, ls.rank());
    return ls.solution();
  }

  /** Central differences with one Richardson step. */
  private static DoubleMatrix richardson(DoubleMatrix plusH, DoubleMatrix minusH, DoubleMatrix plusHalf,
      DoubleMatrix minusHalf) {
    DoubleMatrix dH = plusH.plusScaled(-1, minusH);
    DoubleMatrix dHalf = plusHalf.plusScaled(-1, minusHalf);
    // (4 (f(h/2) - f(-h/2)) / h - (f(h) - f(-h)) / (2h)) / 3
    DoubleMatrix result = dHalf.copy();
    double[] r = result.values();
    for (int i = 0; i < r.length; i++) {
      r[i] = (4 * dHalf.values()[i] / H - dH.values()[i] / (2 * H)) / 3;
    }
    return result;
  }

  @Test
  void pinvJvpAndVjpMatchFiniteDifferences() {
    RowBlockMatrix a0 = blocks(a(0)).persist();
    DistributedPinv pinv = DistributedPinv.factor(a0, RankCutoff.DEFAULT);
    assertEquals(R, pinv.rank());
    DoubleMatrix tangent = tangent();
    DoubleMatrix jvpT = pinv.jvpTranspose(blocks(tangent)).collectLocal(); // dP^T
    DoubleMatrix fd = richardson(pinvTranspose(H), pinvTranspose(-H), pinvTranspose(H / 2), pinvTranspose(-H / 2));
    double jvpError = TestMatrices.relativeError(jvpT, fd);

    DoubleMatrix gT = TestMatrices.gaussian(M, N, new Random(99)); // G^T
    DoubleMatrix gradA = pinv.vjp(blocks(gT)).collectLocal();
    double analytic = gradA.dot(tangent); // <grad_A, dA>
    double finiteDifference = gT.dot(fd); // <G, dP> = <G^T, dP^T>
    double vjpError = Math.abs(analytic - finiteDifference) / Math.abs(finiteDifference);
    System.out.printf("distributed pinv 5000x40 rank 12: JVP relerr %.2e, VJP (adjoint) relerr %.2e%n", jvpError, vjpError);
    assertTrue(jvpError < TOLERANCE, "JVP " + jvpError);
    assertTrue(vjpError < TOLERANCE, "VJP " + vjpError);
    a0.unpersist();
  }

  @Test
  void lstsqJvpAndVjpMatchFiniteDifferences() {
    RowBlockMatrix a0 = blocks(a(0)).persist();
    RowBlockMatrix b0 = blocks(b);
    DistributedLstsq ls = DistributedLstsq.solve(a0, b0, RankCutoff.DEFAULT);
    DoubleMatrix tangent = tangent();
    DoubleMatrix dX = ls.jvp(blocks(tangent), blocks(db));
    DoubleMatrix fd = richardson(solution(H), solution(-H), solution(H / 2), solution(-H / 2));
    double jvpError = TestMatrices.relativeError(dX, fd);

    DoubleMatrix gx = TestMatrices.gaussian(N, 2, new Random(98));
    DistributedLstsq.Gradient g = ls.vjp(gx);
    double analytic = g.a().collectLocal().dot(tangent) + g.b().collectLocal().dot(db);
    double finiteDifference = gx.dot(fd);
    double vjpError = Math.abs(analytic - finiteDifference) / Math.abs(finiteDifference);
    System.out.printf("distributed lstsq 5000x40 rank 12: JVP relerr %.2e, VJP (adjoint) relerr %.2e%n", jvpError, vjpError);
    assertTrue(jvpError < TOLERANCE, "JVP " + jvpError);
    assertTrue(vjpError < TOLERANCE, "VJP " + vjpError);
    a0.unpersist();
  }
}
