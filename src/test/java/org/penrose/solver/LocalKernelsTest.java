package org.penrose.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.penrose.factor.QrTriangle;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.TestMatrices;

/** Shapes, cut-off semantics and bad inputs of the local kernels. */
class LocalKernelsTest {

  /** The four Penrose conditions, normwise relative to |A| |P|. */
  private static void assertPenroseConditions(DoubleMatrix a, DoubleMatrix p, double tol) {
    double scale = Math.max(1e-300, a.maxAbs() * p.maxAbs());
    DoubleMatrix ap = a.times(p);
    DoubleMatrix pa = p.times(a);
    assertTrue(ap.times(a).plusScaled(-1, a).maxAbs() <= tol * a.maxAbs() * scale + 1e-300, "A P A = A");
    assertTrue(pa.times(p).plusScaled(-1, p).maxAbs() <= tol * p.maxAbs() * scale + 1e-300, "P A P = P");
    assertTrue(ap.plusScaled(-1, ap.transpose()).maxAbs() <= tol * scale, "(A P)^T = A P");
    assertTrue(pa.plusScaled(-1, pa.transpose()).maxAbs() <= tol * scale, "(P A)^T = P A");
  }

  @ParameterizedTest(name = "{0} x {1}")
  @CsvSource({"0, 4", "4, 0", "0, 0", "1, 1", "3, 8", "8, 3", "6, 6"})
  void anyShapeWorks(int m, int n) {
    DoubleMatrix a = TestMatrices.gaussian(m, n, new Random(m * 31 + n));
    PseudoInverse pi = PseudoInverse.of(a);
    DoubleMatrix p = pi.pinv();
    assertEquals(n + " x " + m, p.shape());
    assertEquals(Math.min(m, n), pi.rank());
    assertEquals(Math.min(m, n), pi.singularValues().length);
    assertPenroseConditions(a, p, 1e-13);
    assertEquals(m + " x " + n, pi.vjp(DoubleMatrix.zeros(n, m)).a().shape());
    assertEquals(n + " x " + m, pi.jvp(DoubleMatrix.zeros(m, n)).shape());
    LeastSquares ls = LeastSquares.solve(a, TestMatrices.gaussian(m, 2, new Random(1)));
    assertEquals(n + " x 2", ls.solution().shape());
    assertEquals(2, ls.residualSumOfSquares().length);
  }

  @Test
  void theZeroMatrixHasRankZeroAndZeroDerivatives() {
    DoubleMatrix a = DoubleMatrix.zeros(5, 3);
    PseudoInverse pi = PseudoInverse.of(a);
    assertEquals(0, pi.rank());
    assertEquals(0.0, pi.threshold());
    assertEquals(DoubleMatrix.zeros(3, 5), pi.pinv());
    assertEquals(0.0, pi.vjp(TestMatrices.gaussian(3, 5, new Random(2))).a().maxAbs());
    LeastSquares ls = LeastSquares.solve(a, DoubleMatrix.column(new double[] {1, 2, 3, 4, 5}));
    assertEquals(0.0, ls.solution().maxAbs());
    assertEquals(55.0, ls.residualSumOfSquares()[0], 1e-12);
  }

  @Test
  void wideMinimumNormSolution() {
    // x + y = 2 has minimum-norm solution (1, 1) and zero residual.
    DoubleMatrix a = DoubleMatrix.fromRows(new double[][] {{1, 1}});
    LeastSquares ls = LeastSquares.solve(a, DoubleMatrix.column(new double[] {2}));
    assertEquals(1.0, ls.solution().get(0, 0), 1e-15);
    assertEquals(1.0, ls.solution().get(1, 0), 1e-15);
    assertEquals(0.0, ls.residualSumOfSquares()[0], 1e-28);
  }

  @Test
  void duplicatedColumnsSplitTheirCoefficient() {
    // A = [a a]: the minimum-norm solution of A x = 2a is (1, 1); the residual of b = 2a + e is |e|^2.
    Random random = new Random(4);
    DoubleMatrix col = TestMatrices.gaussian(50, 1, random);
    DoubleMatrix a = DoubleMatrix.columnMajor(50, 2, TestMatrices.concat(col, col));
    DoubleMatrix b = col.plusScaled(1.0, col);
    LeastSquares ls = LeastSquares.solve(a, b);
    assertEquals(1, ls.rank());
    assertEquals(1.0, ls.solution().get(0, 0), 1e-14);
    assertEquals(1.0, ls.solution().get(1, 0), 1e-14);
    assertTrue(ls.residualSumOfSquares()[0] < 1e-26);
  }

  @Test
  void tallBlocksAreFactoredInChunksWithoutLosingAccuracy() {
    // 10,000 rows: five chunks of 2048 rows merged in a tree. R^T R = [A b]^T [A b] and a consistent
    // system is solved to rounding.
    Random random = new Random(9);
    DoubleMatrix a = TestMatrices.gaussian(10_000, 30, random);
    DoubleMatrix xTrue = TestMatrices.gaussian(30, 1, random);
    DoubleMatrix b = a.times(xTrue);
    QrTriangle t = QrTriangle.ofBlock(a, b);
    assertEquals(10_000, t.rowCount());
    assertEquals("31 x 31", t.r().shape());
    DoubleMatrix ab = DoubleMatrix.columnMajor(10_000, 31, TestMatrices.concat(a, b));
    DoubleMatrix gram = ab.transposeTimes(ab);
    assertTrue(TestMatrices.relativeError(t.r().transposeTimes(t.r()), gram) < 1e-13);
    LeastSquares ls = LeastSquares.solve(a, b);
    assertTrue(TestMatrices.relativeError(ls.solution(), xTrue) < 1e-13);
    assertTrue(ls.residualSumOfSquares()[0] < 1e-20 * b.dot(b));
  }

  @Test
  void cutoffDefaultsFollowTorch() {
    assertEquals(7 * RankCutoff.EPS, RankCutoff.DEFAULT.effectiveRtol(7, 3));
    assertEquals(0.0, RankCutoff.DEFAULT.effectiveAtol());
    // only atol given: rtol = 0
    assertEquals(0.0, RankCutoff.absolute(0.5).effectiveRtol(7, 3));
    assertEquals(0.5, RankCutoff.absolute(0.5).threshold(100, 7, 3));
    // both: the larger wins
    assertEquals(2.0, RankCutoff.of(0.02, 0.5).threshold(100, 7, 3));
    assertEquals(0.5, RankCutoff.of(0.001, 0.5).threshold(100, 7, 3));
  }

  @Test
  void aSingularValueEqualToTheThresholdIsDropped() {
    DoubleMatrix a = DoubleMatrix.fromRows(new double[][] {{2, 0, 0}, {0, 1, 0}, {0, 0, 0.5}, {0, 0, 0}});
    assertEquals(2, PseudoInverse.of(a, RankCutoff.relative(0.25)).rank()); // threshold 0.5 == s3
    assertEquals(3, PseudoInverse.of(a, RankCutoff.relative(0.2499)).rank());
    assertEquals(2, PseudoInverse.of(a, RankCutoff.absolute(0.5)).rank());
    assertArrayEquals(new double[] {2, 1, 0.5}, PseudoInverse.of(a).singularValues(), 1e-15);
  }

  @Test
  void nonFiniteInputsNameTheEntry() {
    DoubleMatrix a = TestMatrices.gaussian(4, 3, new Random(5));
    a.set(2, 1, Double.NaN);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PseudoInverse.of(a));
    assertTrue(e.getMessage().contains("A has a non-finite value NaN at row 2, column 1"), e.getMessage());
    DoubleMatrix good = TestMatrices.gaussian(4, 3, new Random(6));
    DoubleMatrix b = DoubleMatrix.zeros(4, 1);
    b.set(3, 0, Double.POSITIVE_INFINITY);
    e = assertThrows(IllegalArgumentException.class, () -> LeastSquares.solve(good, b));
    assertTrue(e.getMessage().contains("B has a non-finite value Infinity at row 3, column 0"), e.getMessage());
    DoubleMatrix g = DoubleMatrix.zeros(3, 4);
    g.set(0, 0, Double.NaN);
    e = assertThrows(IllegalArgumentException.class, () -> PseudoInverse.of(good).vjp(g));
    assertTrue(e.getMessage().contains("cotangent G has a non-finite value NaN"), e.getMessage());
  }

  @Test
  void shapeMismatchesNameBothShapes() {
    DoubleMatrix a = TestMatrices.gaussian(4, 3, new Random(7));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LeastSquares.solve(a, DoubleMatrix.zeros(5, 2)));
    assertTrue(e.getMessage().contains("B is 5 x 2") && e.getMessage().contains("A, which is 4 x 3"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> PseudoInverse.of(a).vjp(DoubleMatrix.zeros(4, 3)));
    assertTrue(e.getMessage().contains("G is 4 x 3 but must be 3 x 4"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> PseudoInverse.of(a).jvp(DoubleMatrix.zeros(3, 4)));
    assertTrue(e.getMessage().contains("dA is 3 x 4") && e.getMessage().contains("4 x 3"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> LeastSquares.solve(a, DoubleMatrix.zeros(4, 2)).vjp(DoubleMatrix.zeros(3, 1)));
    assertTrue(e.getMessage().contains("gX is 3 x 1 but must be 3 x 2"), e.getMessage());
  }

  @Test
  void badTolerancesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> RankCutoff.of(-1.0, null));
    assertThrows(IllegalArgumentException.class, () -> RankCutoff.of(null, Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> RankCutoff.of(Double.POSITIVE_INFINITY, null));
  }

  @Test
  void raggedRowsAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DoubleMatrix.fromRows(new double[][] {{1, 2}, {3}}));
    assertTrue(e.getMessage().contains("row 1 has 1 values, expected 2"), e.getMessage());
  }

  @Test
  void lstsqAgreesWithPinvTimesB() {
    Random random = new Random(8);
    DoubleMatrix a = TestMatrices.gaussian(40, 6, random).times(TestMatrices.gaussian(6, 9, random)); // rank 6 of 40 x 9
    DoubleMatrix b = TestMatrices.gaussian(40, 3, random);
    LeastSquares ls = LeastSquares.solve(a, b);
    DoubleMatrix viaPinv = PseudoInverse.of(a).pinv().times(b);
    assertEquals(6, ls.rank());
    assertTrue(TestMatrices.relativeError(ls.solution(), viaPinv) < 1e-12);
    DoubleMatrix residual = b.plusScaled(-1, a.times(ls.solution()));
    for (int j = 0; j < 3; j++) {
      double direct = 0;
      for (int i = 0; i < 40; i++) {
        direct += residual.get(i, j) * residual.get(i, j);
      }
      assertEquals(direct, ls.residualSumOfSquares()[j], 1e-12 * direct);
    }
  }
}
