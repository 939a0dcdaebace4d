package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.penrose.check.FiniteDifferences;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.CsrMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.BlockLowRank;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;
import org.penrose.truncated.TruncatedSvd;
import org.penrose.truncated.TruncatedSvdOptions;

/**
 * The truncated route's pinv and lstsq and their derivatives on sparse row blocks with more than 4096
 * columns, at matrices of exact rank k (where the truncated map is smooth): against the closed-form
 * solution, and against central differences (one Richardson step) along the rank-preserving curve
 * {@code A(h) = sum_g (x_g + h dx_g)(y_g + h dy_g)^T}, every evaluation through the truncated route.
 */
class TruncatedDerivativesTest extends SparkTestSession {
  private static final int PARTS = 3;
  private static final double H = 1e-4;
  /**
   * Richardson-extrapolated central differences against the formulas: measured 1.2e-11 to 1.1e-10 on
   * OpenBLAS (bundled and Debian's), 4.0e-11 to 3.6e-10 on netlib's Java; the bound leaves a factor 10.
   */
  private static final double TOLERANCE = 5e-9;
  private BlockLowRank low;
  private DoubleMatrix b;
  private DoubleMatrix db;

  @BeforeAll
  void makeCurve() {
    low = new BlockLowRank(240, 6000, 4, 5, 21);
    Random random = new Random(22);
    b = TestMatrices.gaussian(240, 1, random);
    db = TestMatrices.gaussian(240, 1, random);
  }

  private RowBlockMatrix a(double h) {
    return low.blocks(sc, low.entries(h), PARTS);
  }

  private DistributedLstsq solve(double h, DoubleMatrix rhs) {
    return DistributedLstsq.solveTruncated(a(h).persist(), RowBlockMatrix.fromLocal(sc, rhs, PARTS), 4,
        RankCutoff.DEFAULT, new TruncatedSvdOptions());
  }

  @Test
  void theSolutionIsTheClosedFormMinimumNormOne() {
    RowBlockMatrix a = a(0).persist();
    assertTrue(a.blocks().first().isSparse());
    DistributedLstsq ls = DistributedLstsq.solve(a, RowBlockMatrix.fromLocal(sc, b, PARTS), RankCutoff.DEFAULT);
    assertTrue(ls.truncatedSvd() != null, "6000 columns take the truncated route");
    assertEquals(4, ls.rank(), "the cut-off finds the exact rank");
    DoubleMatrix expected = low.minimumNormSolution(b);
    assertTrue(TestMatrices.relativeError(ls.solution(), expected) < 1e-12,
        "error " + TestMatrices.relativeError(ls.solution(), expected));
    DoubleMatrix dense = DoubleMatrix.zeros(240, 6000);
    low.entries(0).addTo(dense, 0);
    DoubleMatrix residual = b.plusScaled(-1.0, dense.times(expected));
    assertEquals(residual.dot(residual), ls.residualSumOfSquares()[0], 1e-10 * b.dot(b));
    a.unpersist();
  }

  @Test
  void lstsqJvpAndVjpMatchFiniteDifferences() {
    RowBlockMatrix a0 = a(0).persist();
    DistributedLstsq ls = DistributedLstsq.solveTruncated(a0, RowBlockMatrix.fromLocal(sc, b, PARTS), 4,
        RankCutoff.DEFAULT, new TruncatedSvdOptions());
    RowBlockMatrix tangent = low.blocks(sc, low.tangent(), PARTS);
    DoubleMatrix dX = ls.jvp(tangent, RowBlockMatrix.fromLocal(sc, db, PARTS));
    DoubleMatrix fd = DoubleMatrix.column(FiniteDifferences.derivative(h -> solve(h, b.plusScaled(h, db))
        .solution().values(), H));
    double jvpError = TestMatrices.relativeError(dX, fd);

    DoubleMatrix gx = TestMatrices.gaussian(6000, 1, new Random(23));
    DistributedLstsq.LowRankGradient g = ls.vjp(gx);
    RowBlockMatrix onEntries = g.aOnStoredEntries();
    double analytic = storedDot(onEntries, tangent) + g.b().collectLocal().dot(db);
    double reference = gx.dot(fd);
    double vjpError = Math.abs(analytic - reference) / Math.abs(reference);
    System.out.printf("truncated lstsq 240x6000 rank 4 (sparse): JVP relerr %.2e, VJP relerr %.2e%n", jvpError, vjpError);
    assertTrue(jvpError < TOLERANCE, "JVP " + jvpError);
    assertTrue(vjpError < TOLERANCE, "VJP " + vjpError);

    // the three forms of grad_A agree: dense blocks, factors L R^T, and values at the stored entries
    DoubleMatrix dense = g.a().collectLocal();
    DoubleMatrix fromFactors = g.aLeftFactor().collectLocal().timesTranspose(g.aRightFactor());
    assertTrue(TestMatrices.relativeError(fromFactors, dense) < 1e-14);
    assertEquals(3, g.aRightFactor().cols(), "q = 3k columns for k = 1");
    for (RowBlock block : onEntries.blocks().collect()) {
      CsrMatrix c = (CsrMatrix) block.matrix();
      for (int i = 0; i < c.rows(); i++) {
        for (int p = c.rowStart()[i]; p < c.rowStart()[i + 1]; p++) {
          assertEquals(dense.get((int) block.firstRow() + i, c.colIndex()[p]), c.values()[p], 1e-14 * dense.maxAbs());
        }
      }
    }
    a0.unpersist();
  }

  /** {@code sum} over the stored entries of two matrices with the same sparse pattern. */
  private static double storedDot(RowBlockMatrix x, RowBlockMatrix y) {
    return x.blocks().zip(y.blocks()).map(p -> {
      CsrMatrix cx = (CsrMatrix) p._1().matrix();
      CsrMatrix cy = (CsrMatrix) p._2().matrix();
      assertArrayEquals(cx.colIndex(), cy.colIndex(), "the gradient keeps A's pattern");
      double sum = 0;
      for (int k = 0; k < cx.values().length; k++) {
        sum += cx.values()[k] * cy.values()[k];
      }
      return sum;
    }).reduce(Double::sum);
  }

  @Test
  void pinvJvpAndVjpMatchFiniteDifferences() {
    RowBlockMatrix a0 = a(0).persist();
    DistributedPinv pinv = DistributedPinv.factor(a0, RankCutoff.DEFAULT);
    assertEquals(4, pinv.rank());
    assertTrue(pinv.truncatedSvd() != null);
    RowBlockMatrix tangent = low.blocks(sc, low.tangent(), PARTS);
    DoubleMatrix jvpT = pinv.jvpTranspose(tangent).collectLocal();
    DoubleMatrix fd = DoubleMatrix.columnMajor(240, 6000, FiniteDifferences.derivative(h -> {
      RowBlockMatrix ah = a(h).persist();
      DoubleMatrix pT = DistributedPinv.fromSvd(ah, TruncatedSvd.compute(ah, 4, new TruncatedSvdOptions()),
          RankCutoff.DEFAULT).pinvTranspose().collectLocal();
      ah.unpersist();
      return pT.values();
    }, H));
    double jvpError = TestMatrices.relativeError(jvpT, fd);
    DoubleMatrix gT = TestMatrices.gaussian(240, 6000, new Random(24));
    DoubleMatrix dense = DoubleMatrix.zeros(240, 6000);
    low.tangent().addTo(dense, 0);
    double analytic = pinv.vjp(RowBlockMatrix.fromLocal(sc, gT, PARTS).reblock(a0.blockStarts())).a().collectLocal()
        .dot(dense);
    double reference = gT.dot(fd);
    double vjpError = Math.abs(analytic - reference) / Math.abs(reference);
    System.out.printf("truncated pinv 240x6000 rank 4 (sparse): JVP relerr %.2e, VJP relerr %.2e%n", jvpError, vjpError);
    assertTrue(jvpError < TOLERANCE, "JVP " + jvpError);
    assertTrue(vjpError < TOLERANCE, "VJP " + vjpError);
    a0.unpersist();
  }
}
