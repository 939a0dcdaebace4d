package org.penrose.iterative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.penrose.engine.DriverThreads;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.matrix.MatrixBlock;
import org.penrose.matrix.ShiftedBlock;
import org.penrose.solver.LeastSquares;
import org.penrose.solver.Ridge;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/**
 * LSMR against the dense direct solvers (Householder QR + SVD of the triangle: an independent route to
 * the same answers): the least-squares solution of a full-rank sparse matrix, the minimum-norm one of an
 * exactly rank-deficient matrix (the iterates stay in range(A^T)), ridge for damp > 0; the same bits in
 * the driver and with one Spark job per pass; the degenerate and bad inputs.
 */
class LsmrTest extends SparkTestSession {
  private static final LsmrOptions TIGHT = LsmrOptions.defaults().withTolerances(1e-14, 1e-14).withConlim(0)
      .withMaxIterations(500);

  private RowBlockMatrix sparse(DoubleMatrix dense, int parts) {
    return TestMatrices.sparseBlocks(sc, dense, parts);
  }

  /** A random matrix with about {@code density} of its entries nonzero. */
  private static DoubleMatrix sparseRandom(int m, int n, double density, Random random) {
    DoubleMatrix a = DoubleMatrix.zeros(m, n);
    for (int i = 0; i < m; i++) {
      a.set(i, i % n, 1 + random.nextDouble()); // every column and row used
      for (int j = 0; j < n; j++) {
        if (random.nextDouble() < density) {
          a.set(i, j, random.nextGaussian());
        }
      }
    }
    return a;
  }

  private RowBlockMatrix column(double[] b, RowBlockMatrix like) {
    return RowBlockMatrix.fromLocal(sc, DoubleMatrix.column(b), like.blockStarts());
  }

  /**
   * {@link Lsmr#solveEachInDriver} on {@code blocks} collected to the driver and {@code b} cut into their rows, on
   * two threads, with {@code deflation} (or none).
   */
  static LsmrResult solvedInDriver(RowBlockMatrix blocks, double[] b, LsmrOptions options, Deflation deflation) {
    List<RowBlock> collected = blocks.blocks().collect();
    List<MatrixBlock> aBlocks = collected.stream().map(RowBlock::matrix).toList();
    List<DoubleMatrix> bBlocks = collected.stream().map(block -> DoubleMatrix.column(
        Arrays.copyOfRange(b, (int) block.firstRow(), (int) block.firstRow() + block.rows()))).toList();
    try (DriverThreads threads = new DriverThreads(2, "lsmr-test")) {
      return Lsmr.solveEachInDriver(aBlocks, bBlocks, options, deflation, threads).get(0);
    }
  }

  static double relativeError(double[] got, double[] expected) {
    double diff = 0;
    for (int i = 0; i < got.length; i++) {
      diff = Math.hypot(diff, got[i] - expected[i]);
    }
    return diff / Vectors.norm(expected);
  }

  @Test
  void theNormIsTheScaledOneToRoundingAndFallsBackOutsideTheSafeRange() {
    Random random = new Random(5);
    for (int t = 0; t < 200; t++) {
      double[] v = new double[1 + random.nextInt(40)];
      for (int j = 0; j < v.length; j++) {
        v[j] = random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20);
      }
      assertEquals(Vectors.scaledNorm(v), Vectors.norm(v), 4 * Math.ulp(Vectors.scaledNorm(v)), Arrays.toString(v));
    }
    // squares that overflow or lose their digits: the scaled sum
    assertEquals(5e200, Vectors.norm(new double[] {3e200, 4e200}), 2 * Math.ulp(5e200));
    assertEquals(5e-200, Vectors.norm(new double[] {3e-200, 4e-200}), 2 * Math.ulp(5e-200));
    assertEquals(Double.MAX_VALUE, Vectors.norm(new double[] {Double.MAX_VALUE, 0}));
    assertEquals(0, Vectors.norm(new double[] {0, 0, 0}));
    assertTrue(Double.isNaN(Vectors.norm(new double[] {1, Double.NaN})));
  }

  @Test
  void fullRankSparseLeastSquaresMatchesHouseholderQr() {
    Random random = new Random(1);
    DoubleMatrix a = sparseRandom(300, 40, 0.05, random);
    double[] b = TestMatrices.gaussian(300, random);
    RowBlockMatrix blocks = sparse(a, 3);
    LsmrResult r = Lsmr.solve(blocks, column(b, blocks), TIGHT);
    double[] reference = LeastSquares.solve(a, DoubleMatrix.column(b), RankCutoff.DEFAULT).solution().values();
    assertTrue(r.stop().converged(), r.stop().meaning());
    assertTrue(relativeError(r.x(), reference) < 1e-10, "relative error " + relativeError(r.x(), reference));
    double rss = 0;
    double[] ax = a.times(DoubleMatrix.column(r.x())).values();
    for (int i = 0; i < b.length; i++) {
      rss += (b[i] - ax[i]) * (b[i] - ax[i]);
    }
    assertEquals(Math.sqrt(rss), r.normR(), 1e-8 * Math.sqrt(rss), "the ||r|| estimate");
    assertTrue(r.certificate() < 1e-12, "certificate " + r.certificate());
  }

  @Test
  void rankDeficientConvergesToTheMinimumNormSolution() {
    Random random = new Random(2);
    // A = X Y^T (60 x 12, rank 4): exactly rank-deficient; min-norm from the SVD of the dense triangle
    DoubleMatrix a = TestMatrices.gaussian(60, 4, random).timesTranspose(TestMatrices.gaussian(12, 4, random));
    double[] b = TestMatrices.gaussian(60, random);
    RowBlockMatrix blocks = RowBlockMatrix.fromLocal(sc, a, 3);
    LsmrResult r = Lsmr.solve(blocks, column(b, blocks), TIGHT);
    double[] minimumNorm = LeastSquares.solve(a, DoubleMatrix.column(b), RankCutoff.DEFAULT).solution().values();
    assertTrue(relativeError(r.x(), minimumNorm) < 1e-10, "relative error " + relativeError(r.x(), minimumNorm));
  }

  @Test
  void aZeroColumnGetsAZeroCoefficient() {
    Random random = new Random(6);
    DoubleMatrix a = sparseRandom(120, 15, 0.1, random);
    for (int i = 0; i < 120; i++) {
      a.set(i, 7, 0); // column 7 empty: the minimum-norm solution has x_7 = 0
    }
    double[] b = TestMatrices.gaussian(120, random);
    RowBlockMatrix blocks = sparse(a, 2);
    LsmrResult r = Lsmr.solve(blocks, column(b, blocks), TIGHT);
    double[] minimumNorm = LeastSquares.solve(a, DoubleMatrix.column(b), RankCutoff.DEFAULT).solution().values();
    assertEquals(0.0, r.x()[7]);
    assertTrue(relativeError(r.x(), minimumNorm) < 1e-10, "relative error " + relativeError(r.x(), minimumNorm));
  }

  /**
   * {@code min ||A^T z - g||} at minimum norm, as {@code z = A s}: against the direct solver on {@code A^T}, for
   * a full-rank sparse matrix (a compatible system) and an exactly rank-deficient one ({@code g} with a part in
   * {@code null(A)}: least squares, and the preimage's null part does not reach {@code z}).
   */
  @Test
  void transposedSolveIsTheMinimumNormSolutionOfATransposeZ() {
    Random random = new Random(8);
    DoubleMatrix full = sparseRandom(200, 25, 0.08, random);
    DoubleMatrix deficient = TestMatrices.gaussian(60, 4, random).timesTranspose(TestMatrices.gaussian(12, 4, random));
    for (DoubleMatrix a : List.of(full, deficient)) {
      double[] g = TestMatrices.gaussian(a.cols(), random);
      RowBlockMatrix blocks = a == full ? sparse(a, 3) : RowBlockMatrix.fromLocal(sc, a, 2);
      LsmrResult r = Lsmr.solveTransposed(blocks, g, TIGHT);
      double[] z = a.times(DoubleMatrix.column(r.x())).values();
      double[] reference = LeastSquares.solve(a.transpose(), DoubleMatrix.column(g), RankCutoff.DEFAULT).solution()
          .values();
      assertTrue(r.stop().converged(), r.stop().meaning());
      assertTrue(relativeError(z, reference) < 1e-10, a.shape() + ": relative error " + relativeError(z, reference));
    }
    assertThrows(InvalidInputException.class, () -> Lsmr.solveTransposed(sparse(full, 2), new double[3], TIGHT));
    assertThrows(InvalidInputException.class,
        () -> Lsmr.solveTransposed(sparse(full, 2), new double[25], TIGHT.withDamp(1)));
  }

  /** One block's pass over a shifted sparse block (a centered sparse design) equals it over the dense shifted matrix. */
  @Test
  void theSweepOfAShiftedSparseBlockIsTheDenseOnes() {
    Random random = new Random(21);
    DoubleMatrix base = sparseRandom(40, 9, 0.2, random);
    double[] r = TestMatrices.gaussian(40, random);
    double[] shift = TestMatrices.gaussian(9, random);
    DoubleMatrix dense = base.copy();
    for (int i = 0; i < 40; i++) {
      for (int j = 0; j < 9; j++) {
        dense.set(i, j, dense.get(i, j) - r[i] * shift[j]);
      }
    }
    MatrixBlock shifted = new ShiftedBlock(
        sparse(base, 1).blocks().first().matrix(), r, shift);
    double[] v = TestMatrices.gaussian(9, random);
    double[] u = TestMatrices.gaussian(40, random);
    double[] outShifted = new double[40];
    double[] outDense = new double[40];
    double[] viaShift = BidiagonalizationPass.sweep(shifted, v, -0.7, u, outShifted).values();
    double[] viaDense = BidiagonalizationPass.sweep(dense, v, -0.7, u, outDense).values();
    assertTrue(relativeError(outShifted, outDense) < 1e-14, "A v + c u");
    assertTrue(relativeError(viaShift, viaDense) < 1e-13, "[A^T out; ||out||^2]");
  }

  @Test
  void dampIsRidgeWithMuDampSquared() {
    Random random = new Random(3);
    DoubleMatrix a = sparseRandom(200, 30, 0.1, random);
    double[] b = TestMatrices.gaussian(200, random);
    RowBlockMatrix blocks = sparse(a, 2);
    double damp = 0.7;
    LsmrResult r = Lsmr.solve(blocks, column(b, blocks), TIGHT.withDamp(damp));
    double[] ridge = Ridge.solve(a, DoubleMatrix.column(b), damp * damp).solution().values();
    assertTrue(relativeError(r.x(), ridge) < 1e-10, "relative error " + relativeError(r.x(), ridge));
    assertEquals(damp, r.damp());
  }

  /**
   * The forward-error bound {@code ||A^T r - damp^2 x|| / (damp^2 ||x||)} against the true error (a dense ridge
   * reference) at loose and tight tolerances, and the iteration to a requested accuracy: columns graded over four
   * orders of magnitude and a small damp, so that LSMR's tolerances leave a visible error.
   */
  @Test
  void theForwardErrorBoundHoldsAndATargetIsReached() {
    Random random = new Random(31);
    DoubleMatrix a = sparseRandom(300, 40, 0.15, random);
    for (int j = 0; j < 40; j++) {
      double scale = Math.pow(10, -4.0 * j / 39);
      for (int i = 0; i < 300; i++) {
        a.set(i, j, a.get(i, j) * scale);
      }
    }
    double[] b = TestMatrices.gaussian(300, random);
    RowBlockMatrix blocks = sparse(a, 3);
    double damp = 1e-2;
    double[] ridge = Ridge.solve(a, DoubleMatrix.column(b), damp * damp).solution().values();
    LsmrOptions damped = LsmrOptions.defaults().withDamp(damp).withConlim(0).withMaxIterations(5000);
    int looseIterations = 0;
    for (double tol : new double[] {1e-3, 1e-5, 1e-7, 1e-9}) {
      LsmrResult r = Lsmr.solve(blocks, column(b, blocks), damped.withTolerances(tol, tol));
      double error = relativeError(r.x(), ridge);
      System.out.printf("lsmr damp %.0e, tol %.0e: %d iterations, forward error %.2e, bound %.2e%n", damp, tol,
          r.iterations(), error, r.forwardErrorBound());
      assertTrue(error <= r.forwardErrorBound() * (1 + 1e-6) + 1e-12, "error " + error + " above the bound "
          + r.forwardErrorBound() + " at tol " + tol);
      if (tol == 1e-5) {
        looseIterations = r.iterations();
        assertTrue(error > 1e-8, "the loose tolerance should leave an error above the target below: " + error);
      }
    }
    LsmrResult targeted = Lsmr.solve(blocks, column(b, blocks), damped.withTolerances(1e-5, 1e-5)
        .withForwardError(1e-8));
    double error = relativeError(targeted.x(), ridge);
    assertEquals(LsmrResult.Stop.FORWARD_ERROR, targeted.stop());
    assertTrue(targeted.forwardErrorBound() <= 1e-8, "bound " + targeted.forwardErrorBound());
    assertTrue(error <= 1e-8, "error " + error);
    assertTrue(targeted.iterations() > looseIterations, targeted.iterations() + " vs " + looseIterations);
    // without damping: no bound, an estimate; a target is refused
    LsmrResult plain = Lsmr.solve(blocks, column(b, blocks), TIGHT);
    assertTrue(Double.isNaN(plain.forwardErrorBound()));
    assertTrue(plain.forwardErrorEstimate() >= 0 && plain.forwardErrorEstimate() < 1e-6,
        "estimate " + plain.forwardErrorEstimate());
    InvalidInputException refused = assertThrows(InvalidInputException.class,
        () -> Lsmr.solve(blocks, column(b, blocks), TIGHT.withForwardError(1e-8)));
    assertTrue(refused.getMessage().contains("needs damp > 0"), refused.getMessage());
  }

  @Test
  void theDriverAndSparkJobsGiveTheSameBits() {
    Random random = new Random(4);
    DoubleMatrix a = sparseRandom(300, 80, 0.05, random);
    double[] b = TestMatrices.gaussian(300, random);
    RowBlockMatrix blocks = sparse(a, 3);
    // more passes than the checkpoint interval (no tolerance stops it first): the Spark route writes u to a
    // reliable checkpoint on the way
    LsmrOptions options = TIGHT.withTolerances(0, 0).withMaxIterations(BidiagonalizationPass.CHECKPOINT_EVERY + 5);
    LsmrResult inDriver = Lsmr.solve(blocks, column(b, blocks), options.withDriverSteps(true));
    LsmrResult jobs = Lsmr.solve(blocks, column(b, blocks), options.withDriverSteps(false));
    assertTrue(inDriver.where().startsWith("in the driver") && jobs.where().startsWith("one Spark job"));
    assertArrayEquals(inDriver.x(), jobs.x());
    assertEquals(inDriver.iterations(), jobs.iterations());
    assertTrue(jobs.iterations() > BidiagonalizationPass.CHECKPOINT_EVERY, "iterations " + jobs.iterations());
  }

  /**
   * Column scaling on a full-rank matrix whose columns span six orders of magnitude: the least-squares solution of
   * the Householder QR reference in far fewer iterations than without, A's own certificate within atol (the
   * correction rounds after the scaled stop), the reported ||r|| and ||x|| those of the returned x; the same bits
   * from driver blocks ({@link Lsmr#solveEachInDriver}) and from one Spark job per pass.
   */
  @Test
  void columnScalingReachesTheSameSolutionInFewerIterations() {
    Random random = new Random(8);
    DoubleMatrix a = sparseRandom(400, 30, 0.1, random);
    for (int j = 0; j < 30; j++) {
      double scale = Math.pow(10, -3 + 6.0 * j / 29);
      for (int i = 0; i < 400; i++) {
        a.set(i, j, a.get(i, j) * scale);
      }
    }
    double[] b = TestMatrices.gaussian(400, random);
    RowBlockMatrix blocks = sparse(a, 3);
    LsmrOptions options = LsmrOptions.defaults().withTolerances(1e-10, 1e-10).withConlim(0).withMaxIterations(5000);
    LsmrResult plain = Lsmr.solve(blocks, column(b, blocks), options);
    LsmrResult scaled = Lsmr.solve(blocks, column(b, blocks), options.withColumnScaling(true));
    double[] reference = LeastSquares.solve(a, DoubleMatrix.column(b), RankCutoff.DEFAULT).solution().values();
    assertTrue(scaled.stop().converged(), scaled.stop().meaning());
    assertTrue(relativeError(scaled.x(), reference) < 1e-8, "relative error " + relativeError(scaled.x(), reference));
    assertTrue(scaled.iterations() * 3 < plain.iterations(), scaled.iterations() + " against " + plain.iterations());
    double[] ax = a.times(DoubleMatrix.column(scaled.x())).values();
    double[] r = new double[b.length];
    for (int i = 0; i < b.length; i++) {
      r[i] = b[i] - ax[i];
    }
    double[] atr = a.transposeTimes(DoubleMatrix.column(r)).values();
    double frobenius = Math.sqrt(sumOfSquares(a.values()));
    assertEquals(Vectors.norm(r), scaled.normR(), 1e-10 * Vectors.norm(r), "||r|| of the returned x");
    assertEquals(Vectors.norm(scaled.x()), scaled.normX(), 1e-12 * Vectors.norm(scaled.x()));
    assertEquals(frobenius, scaled.normA(), 1e-12 * frobenius, "||A||_F from the column norms");
    double certificate = Vectors.norm(atr) / (frobenius * Vectors.norm(r));
    assertTrue(certificate <= 1e-10, "A's certificate " + certificate);
    assertEquals(certificate, scaled.certificate(), 1e-6 * certificate);
    LsmrResult inDriver = solvedInDriver(blocks, b, options.withColumnScaling(true), null);
    LsmrResult jobs = Lsmr.solve(blocks, column(b, blocks), options.withColumnScaling(true).withDriverSteps(false));
    assertArrayEquals(scaled.x(), inDriver.x());
    assertArrayEquals(scaled.x(), jobs.x());
  }

  private static double sumOfSquares(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v * v;
    }
    return sum;
  }

  /**
   * On an exactly rank-deficient matrix column scaling gives a least-squares solution (the minimum residual) but
   * not the minimum-norm one, as documented; with damp, or in the transposed solve, it is refused.
   */
  @Test
  void columnScalingOnARankDeficientMatrixIsLeastSquaresNotMinimumNorm() {
    Random random = new Random(9);
    DoubleMatrix a = TestMatrices.gaussian(60, 4, random).timesTranspose(TestMatrices.gaussian(12, 4, random));
    for (int i = 0; i < 60; i++) {
      a.set(i, 0, 100 * a.get(i, 0)); // unequal column norms: D is not a multiple of I
    }
    double[] b = TestMatrices.gaussian(60, random);
    RowBlockMatrix blocks = RowBlockMatrix.fromLocal(sc, a, 3);
    LsmrResult scaled = Lsmr.solve(blocks, column(b, blocks), TIGHT.withColumnScaling(true));
    LeastSquares reference = LeastSquares.solve(a, DoubleMatrix.column(b), RankCutoff.DEFAULT);
    double minimumResidual = Math.sqrt(reference.residualSumOfSquares()[0]);
    assertEquals(minimumResidual, scaled.normR(), 1e-9 * minimumResidual, "a least-squares solution");
    double minimumNorm = Vectors.norm(reference.solution().values());
    assertTrue(scaled.normX() > minimumNorm * (1 + 1e-6), scaled.normX() + " against " + minimumNorm);
    assertThrows(InvalidInputException.class, () -> TIGHT.withDamp(1).withColumnScaling(true));
    assertThrows(InvalidInputException.class,
        () -> Lsmr.solveTransposed(blocks, new double[12], TIGHT.withColumnScaling(true)));
  }

  @Test
  void degenerateInputsAndTheIterationLimitAreReported() {
    Random random = new Random(5);
    DoubleMatrix a = sparseRandom(50, 10, 0.2, random);
    RowBlockMatrix blocks = sparse(a, 2);
    LsmrResult zeroB = Lsmr.solve(blocks, column(new double[50], blocks), TIGHT);
    assertEquals(LsmrResult.Stop.ZERO_RIGHT_HAND_SIDE, zeroB.stop());
    assertArrayEquals(new double[10], zeroB.x());
    RowBlockMatrix zeroA = RowBlockMatrix.fromLocal(sc, DoubleMatrix.zeros(50, 10), 2);
    LsmrResult atb = Lsmr.solve(zeroA, column(TestMatrices.gaussian(50, random), zeroA), TIGHT);
    assertEquals(LsmrResult.Stop.ZERO_GRADIENT, atb.stop());
    assertArrayEquals(new double[10], atb.x());
    LsmrResult limited = Lsmr.solve(blocks, column(TestMatrices.gaussian(50, random), blocks),
        TIGHT.withMaxIterations(2));
    assertEquals(LsmrResult.Stop.ITERATION_LIMIT, limited.stop());
    assertFalse(limited.stop().converged());
    assertEquals(2, limited.iterations());
    assertTrue(limited.certificate() > 1e-6, "not a least-squares solution yet: " + limited.certificate());
    InvalidInputException negative = assertThrows(InvalidInputException.class, () -> TIGHT.withDamp(-1));
    assertEquals("damp must be a finite number >= 0, got -1.0", negative.getMessage());
    InvalidInputException twoColumns = assertThrows(InvalidInputException.class,
        () -> Lsmr.solve(blocks, RowBlockMatrix.fromLocal(sc, DoubleMatrix.zeros(50, 2), blocks.blockStarts()),
            TIGHT));
    assertEquals("LSMR solves one right-hand side at a time; b has 2 columns", twoColumns.getMessage());
  }
}
