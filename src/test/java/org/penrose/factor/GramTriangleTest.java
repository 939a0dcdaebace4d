package org.penrose.factor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.PinvTranspose;
import org.penrose.solver.PseudoInverse;
import org.penrose.testing.TestMatrices;

/**
 * The Cholesky leaf: taken only for certified well-conditioned blocks, and then as accurate as the
 * Householder leaf against an exact (60-digit) least-squares reference.
 */
class GramTriangleTest {
  private static final int ROWS = 5000;
  private static final int COLS = 6;

  /** Gaussian columns scaled by {@code 10^(j - 3)} ({@code kappa(A)} about 1e5, {@code kappa(A D^-1)} about 1.1). */
  private static DoubleMatrix scaledGaussian(Random random) {
    DoubleMatrix a = TestMatrices.gaussian(ROWS, COLS, random);
    for (int j = 0; j < COLS; j++) {
      double scale = Math.pow(10, j - 3);
      for (int i = 0; i < ROWS; i++) {
        a.set(i, j, a.get(i, j) * scale);
      }
    }
    return a;
  }

  /** {@code b = A x + noise * e} with {@code x = (1, -2, 3, ...)} and Gaussian {@code e}. */
  private static DoubleMatrix rightHandSide(DoubleMatrix a, double noise, Random random) {
    DoubleMatrix b = DoubleMatrix.zeros(a.rows(), 1);
    for (int i = 0; i < a.rows(); i++) {
      double v = noise * random.nextGaussian();
      for (int j = 0; j < a.cols(); j++) {
        v += a.get(i, j) * (j % 2 == 0 ? j + 1 : -(j + 1)) / Math.pow(10, j - 3);
      }
      b.set(i, 0, v);
    }
    return b;
  }

  @Test
  void aCertifiedBlockSolvesAsAccuratelyAsHouseholder() {
    Random random = new Random(11);
    DoubleMatrix a = scaledGaussian(random);
    for (double noise : new double[] {1.0, 1e-6}) {
      DoubleMatrix b = rightHandSide(a, noise, random);
      GramTriangle.Certified certified = GramTriangle.triangle(a, b);
      assertNotNull(certified, "a well-conditioned block is certified");
      assertEquals(a.gram(), certified.gram(), "the Gram matrix of A it came from");
      DoubleMatrix r = certified.r();
      DoubleMatrix c = DoubleMatrix.zeros(ROWS, COLS + 1);
      System.arraycopy(a.values(), 0, c.values(), 0, ROWS * COLS);
      System.arraycopy(b.values(), 0, c.values(), ROWS * COLS, ROWS);
      double gram = TestMatrices.relativeError(r.transposeTimes(r), c.transposeTimes(c));
      assertTrue(gram < 1e-14, "R^T R vs C^T C: " + gram);

      BigDecimal[] exact = TestMatrices.exactLeastSquares(a, b.values(), 60);
      PinvFactorization gramLeaf = PinvFactorization.fromTriangle(QrTriangle.leafOf(a, b), COLS, RankCutoff.DEFAULT);
      PinvFactorization householder =
          PinvFactorization.fromTriangle(QrTriangle.ofBlock(a, b), COLS, RankCutoff.DEFAULT);
      double[] errorGram = errors(gramLeaf, exact);
      double[] errorHouseholder = errors(householder, exact);
      System.out.printf("noise %.0e: x error (column-scaled) Gram leaf %.1e, Householder %.1e; residual sum of squares"
          + " error %.1e, %.1e%n", noise, errorGram[0], errorHouseholder[0], errorGram[1], errorHouseholder[1]);
      // kappa(A D^-1) ~ 1.1: both near eps in x; the residual of the small-noise case is 1e-6 of ||b||,
      // so its sum of squares has about (1e-16 / 1e-6) relative error for either leaf (the cancellation
      // of B^T B - R12^T R12 would leave about 1e-16 / 1e-12 = 1e-4 instead)
      assertTrue(errorGram[0] < 1e-14 && errorHouseholder[0] < 1e-14, "x: " + errorGram[0] + " " + errorHouseholder[0]);
      double rssBound = noise == 1.0 ? 1e-13 : 1e-8;
      assertTrue(errorGram[1] < rssBound && errorHouseholder[1] < rssBound,
          "residual sum of squares: " + errorGram[1] + " " + errorHouseholder[1]);
    }
  }

  /** Largest {@code |x_j - exact_j| / |exact_j|}, and the relative error of the residual sum of squares. */
  private static double[] errors(PinvFactorization f, BigDecimal[] exact) {
    double worst = 0;
    for (int j = 0; j < COLS; j++) {
      double e = exact[j].doubleValue();
      worst = Math.max(worst, Math.abs(f.solution().get(j, 0) - e) / Math.abs(e));
    }
    double rss = exact[COLS].doubleValue();
    return new double[] {worst, Math.abs(f.residualSumOfSquares()[0] - rss) / rss};
  }

  @Test
  void illConditionedOrDegenerateBlocksGoToHouseholder() {
    assertRefused("two nearly collinear columns", a -> {
      for (int i = 0; i < ROWS; i++) {
        a.set(i, 1, a.get(i, 0) + 1e-3 * a.get(i, 1));
      }
    });
    assertRefused("an intercept and a feature of mean 10, sd 1 (kappa(A D^-1) ~ 20)", a -> {
      for (int i = 0; i < ROWS; i++) {
        a.set(i, 0, 1.0);
        a.set(i, 1, 10 + a.get(i, 1));
      }
    });
    assertRefused("a zero column", a -> {
      for (int i = 0; i < ROWS; i++) {
        a.set(i, 2, 0.0);
      }
    });
    assertRefused("a NaN", a -> a.set(17, 3, Double.NaN));
    assertRefused("an infinity", a -> a.set(4000, 0, Double.POSITIVE_INFINITY));
    assertRefused("a column whose squares overflow", a -> {
      for (int i = 0; i < ROWS; i++) {
        a.set(i, 4, a.get(i, 4) * 1e160);
      }
    });
    assertRefused("a column whose squares underflow", a -> {
      for (int i = 0; i < ROWS; i++) {
        a.set(i, 5, a.get(i, 5) * 1e-160);
      }
    });
    Random random = new Random(5);
    assertNull(GramTriangle.triangle(TestMatrices.gaussian(QrTriangle.LEAF_ROWS, COLS, random), null),
        "one Householder chunk's worth of rows");
    DoubleMatrix a = TestMatrices.gaussian(ROWS, COLS, random);
    DoubleMatrix b = TestMatrices.gaussian(ROWS, 1, random);
    b.set(9, 0, Double.NaN);
    assertNull(GramTriangle.triangle(a, b), "a NaN in B");
    assertNotNull(GramTriangle.triangle(a, null), "the same A alone");
  }

  private static void assertRefused(String what, Consumer<DoubleMatrix> damage) {
    DoubleMatrix a = TestMatrices.gaussian(ROWS, COLS, new Random(7));
    assertNotNull(GramTriangle.triangle(a, null), "the undamaged Gaussian block");
    damage.accept(a);
    assertNull(GramTriangle.triangle(a, null), what);
    // and the leaf is then Householder's, bit for bit
    assertEquals(QrTriangle.ofBlock(a, null).r(), QrTriangle.leafOf(a, null).r(), what);
  }

  /**
   * A triangle carries the sum of its leaves' Gram matrices only while every leaf was certified:
   * merges sum them in order, a Householder leaf or appended rows drop it, a leaf with no rows adds
   * zero, and dividing columns divides the Gram matrix on both sides.
   */
  @Test
  void trianglesCarryTheCertifiedGramMatrixOfTheirBlocks() {
    Random random = new Random(13);
    DoubleMatrix a1 = scaledGaussian(random);
    DoubleMatrix a2 = scaledGaussian(random);
    DoubleMatrix b = TestMatrices.gaussian(ROWS, 1, random);
    QrTriangle t1 = QrTriangle.leafOf(a1, b);
    QrTriangle t2 = QrTriangle.leafOf(a2, b);
    assertEquals(a1.gram(), t1.certifiedGram(), "A's columns only, B left out");
    DoubleMatrix sum = a1.gram().plusScaled(1.0, a2.gram());
    assertEquals(sum, t1.merge(t2).certifiedGram());
    QrTriangle none = QrTriangle.leafOf(a1.rowRange(0, 0), b.rowRange(0, 0));
    assertEquals(DoubleMatrix.zeros(COLS, COLS), none.certifiedGram(), "no rows: vacuously certified");
    assertEquals(sum, QrTriangle.merge(java.util.List.of(t1, none, t2)).certifiedGram());
    QrTriangle householder = QrTriangle.leafOf(a1.rowRange(0, 100), b.rowRange(0, 100));
    assertNull(householder.certifiedGram(), "a short block takes Householder QR");
    assertNull(t1.merge(householder).certifiedGram());
    assertNull(t1.append(DoubleMatrix.zeros(1, COLS + 1)).certifiedGram(), "appended rows are not certified");
    double[] divisors = {2, 4};
    DoubleMatrix divided = t1.withColumnsDivided(divisors).certifiedGram();
    assertEquals(a1.gram().get(0, 1) / 8, divided.get(0, 1), 0.0);
    assertEquals(a1.gram().get(1, 2) / 4, divided.get(1, 2), 0.0);
    assertEquals(a1.gram().get(3, 4), divided.get(3, 4), 0.0);

    // the local pinv of a certified block needs no Gram pass and solves as the 60-digit reference
    PinvFactorization f = PinvFactorization.fromTriangle(QrTriangle.leafOf(a1, null), COLS, RankCutoff.DEFAULT);
    assertTrue(PinvTranspose.unrefined(f).isFinal(), "estimate " + f.certifiedOrthogonalityError());
    DoubleMatrix x = PseudoInverse.of(a1).pinv().times(b);
    BigDecimal[] exact = TestMatrices.exactLeastSquares(a1, b.values(), 60);
    for (int j = 0; j < COLS; j++) {
      double e = exact[j].doubleValue();
      assertEquals(e, x.get(j, 0), 1e-13 * Math.abs(e), "x_" + j + " (columns scaled by 10^(j-3))");
    }
  }
}
