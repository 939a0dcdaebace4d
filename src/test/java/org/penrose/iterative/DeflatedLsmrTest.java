package org.penrose.iterative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.penrose.matrix.Lapack;
import org.penrose.matrix.MatrixBlock;
import org.penrose.solver.LeastSquares;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/**
 * LSMR preconditioned by A's largest singular triplets ({@link Deflation}), against the dense minimum-norm solution
 * (Householder QR + SVD of the triangle, {@link LeastSquares}) on an exactly rank-deficient sparse matrix whose
 * largest singular values stand apart: the same minimum-norm x in fewer iterations than the plain solve, A's own
 * certificate within atol, the same bits in the driver and with one Spark job per pass; the options it refuses.
 * The deflation's vectors come from LAPACK's dense SVD ({@code dgesdd}), not from Penrose's truncated SVD.
 */
class DeflatedLsmrTest extends SparkTestSession {
  private static final int M = 1200;
  private static final int N = 240;
  private static final int RANK = N - 6;

  /**
   * A sparse 1200 x 240 matrix of rank 234: random sparse columns, the first 16 scaled up by factors from 10 down to
   * about 1.2 (A's largest singular values spread far above the rest), and six columns copies (or multiples) of
   * others.
   */
  private static DoubleMatrix rankDeficientSparse(Random random) {
    DoubleMatrix a = DoubleMatrix.zeros(M, N);
    for (int i = 0; i < M; i++) {
      a.set(i, i % N, 1 + random.nextDouble());
      for (int j = 0; j < N; j++) {
        if (random.nextDouble() < 0.02) {
          a.set(i, j, random.nextGaussian());
        }
      }
    }
    for (int j = 0; j < 16; j++) {
      double scale = Math.pow(10, (16 - j) / 16.0);
      for (int i = 0; i < M; i++) {
        a.set(i, j, scale * a.get(i, j));
      }
    }
    int[][] copies = {{20, 40}, {21, 41}, {22, 42}, {23, 43}, {24, 44}, {2, 45}};
    for (int[] copy : copies) {
      for (int i = 0; i < M; i++) {
        a.set(i, copy[1], (copy[0] % 2 == 0 ? 1 : -2) * a.get(i, copy[0]));
      }
    }
    return a;
  }

  /** A's {@code k} leading right singular vectors and values, from LAPACK's SVD of {@code A^T} (n x m, n <= m). */
  private static Deflation leading(DoubleMatrix a, int k) {
    Lapack.Svd svd = Lapack.svd(a.transpose());
    return Deflation.of(svd.u.columns(0, k), Arrays.copyOf(svd.s, k));
  }

  private RowBlockMatrix column(double[] b, RowBlockMatrix like) {
    return RowBlockMatrix.fromLocal(sc, DoubleMatrix.column(b), like.blockStarts());
  }

  @Test
  void theMinimumNormSolutionInFewerIterations() {
    Random random = new Random(11);
    DoubleMatrix a = rankDeficientSparse(random);
    double[] b = TestMatrices.gaussian(M, random);
    RowBlockMatrix blocks = TestMatrices.sparseBlocks(sc, a, 3);
    LsmrOptions options = LsmrOptions.defaults().withTolerances(1e-12, 1e-12).withConlim(0).withMaxIterations(5000);
    Deflation deflation = leading(a, 16);
    LsmrResult plain = Lsmr.solve(blocks, column(b, blocks), options);
    LsmrResult deflated = Lsmr.solve(blocks, column(b, blocks), options, deflation);
    LeastSquares reference = LeastSquares.solve(a, DoubleMatrix.column(b), RankCutoff.DEFAULT);
    assertEquals(RANK, reference.rank());
    double[] minimumNorm = reference.solution().values();
    System.out.printf("deflated LSMR: %d iterations (plain %d), relative error %.2e (plain %.2e), certificate %.2e%n",
        deflated.iterations(), plain.iterations(), LsmrTest.relativeError(deflated.x(), minimumNorm),
        LsmrTest.relativeError(plain.x(), minimumNorm), deflated.certificate());
    assertTrue(deflated.stop().converged(), deflated.stop().meaning());
    assertTrue(LsmrTest.relativeError(deflated.x(), minimumNorm) < 1e-9, "relative error " + LsmrTest.relativeError(deflated.x(),
        minimumNorm));
    assertTrue(LsmrTest.relativeError(plain.x(), minimumNorm) < 1e-9, "plain: relative error " + LsmrTest.relativeError(plain.x(),
        minimumNorm));
    assertTrue(deflated.iterations() * 3 < plain.iterations() * 2, deflated.iterations() + " against "
        + plain.iterations());
    assertTrue(deflated.where().endsWith("16 singular triplets deflated"), deflated.where());
    // ||r||, ||x|| and the certificate are those of the returned x on A itself
    double[] ax = a.times(DoubleMatrix.column(deflated.x())).values();
    double[] r = new double[M];
    for (int i = 0; i < M; i++) {
      r[i] = b[i] - ax[i];
    }
    double normR = Vectors.norm(r);
    assertEquals(normR, deflated.normR(), 1e-10 * normR);
    assertEquals(Math.sqrt(reference.residualSumOfSquares()[0]), normR, 1e-9 * normR, "a least-squares solution");
    assertEquals(Vectors.norm(deflated.x()), deflated.normX(), 1e-12 * deflated.normX());
    double normAtr = Vectors.norm(a.transposeTimes(DoubleMatrix.column(r)).values());
    double frobenius = Vectors.norm(a.values());
    // A^T r at 1e-13 of ||A|| ||r|| is all cancellation: the two sums agree to rounding on that scale
    assertEquals(normAtr, deflated.normAr(), 1e-15 * frobenius * normR);
    assertTrue(deflated.certificate() <= 1e-12, "certificate " + deflated.certificate());
    assertTrue(deflated.normA() <= frobenius * (1 + 1e-12) && deflated.normA() > 0.5 * frobenius,
        deflated.normA() + " against ||A||_F " + frobenius);

    LsmrResult inDriver = LsmrTest.solvedInDriver(blocks, b, options, deflation);
    LsmrResult jobs = Lsmr.solve(blocks, column(b, blocks), options.withDriverSteps(false), deflation);
    assertTrue(jobs.where().startsWith("one Spark job"), jobs.where());
    assertArrayEquals(deflated.x(), inDriver.x());
    assertArrayEquals(deflated.x(), jobs.x());
  }

  @Test
  void aZeroRightHandSideAndRefusedOptions() {
    Random random = new Random(12);
    DoubleMatrix a = rankDeficientSparse(random);
    RowBlockMatrix blocks = TestMatrices.sparseBlocks(sc, a, 2);
    Deflation deflation = leading(a, 3);
    LsmrResult zero = Lsmr.solve(blocks, column(new double[M], blocks), LsmrOptions.defaults(), deflation);
    assertEquals(LsmrResult.Stop.ZERO_RIGHT_HAND_SIDE, zero.stop());
    assertArrayEquals(new double[N], zero.x());
    RowBlockMatrix b = column(TestMatrices.gaussian(M, random), blocks);
    assertThrows(InvalidInputException.class, () -> Lsmr.solve(blocks, b, LsmrOptions.defaults().withDamp(1),
        deflation));
    assertThrows(InvalidInputException.class, () -> Lsmr.solve(blocks, b,
        LsmrOptions.defaults().withColumnScaling(true), deflation));
    Deflation shorter = Deflation.of(DoubleMatrix.zeros(N - 1, 1), new double[] {1});
    assertThrows(InvalidInputException.class, () -> Lsmr.solve(blocks, b, LsmrOptions.defaults(), shorter));
    assertThrows(InvalidInputException.class, () -> Deflation.of(DoubleMatrix.zeros(N, 2), new double[] {1, 0}));
  }
  /**
   * The deflation decided during the solve ({@link DeferredDeflation}): plain LSMR for 12 iterations, then the
   * deflated solve from its x: the same minimum-norm x in fewer iterations than the plain solve, the SVD asked for
   * once for both columns of B; the same bits in the driver; an easy (damped) solve never asks for it, and a source
   * with no deflation leaves the solve to go on unpreconditioned from x_0, to the same x.
   */
  @Test
  void aDeferredDeflationContinuesFromThePlainIterate() {
    Random random = new Random(13);
    DoubleMatrix a = rankDeficientSparse(random);
    DoubleMatrix b = DoubleMatrix.zeros(M, 2);
    for (int i = 0; i < M; i++) {
      b.set(i, 0, random.nextGaussian());
      b.set(i, 1, random.nextGaussian());
    }
    RowBlockMatrix blocks = TestMatrices.sparseBlocks(sc, a, 3);
    RowBlockMatrix rhs = RowBlockMatrix.fromLocal(sc, b, blocks.blockStarts());
    LsmrOptions options = LsmrOptions.defaults().withTolerances(1e-12, 1e-12).withConlim(0).withMaxIterations(5000);
    int[] asked = new int[1];
    DeferredDeflation later = DeferredDeflation.of(12, () -> {
      asked[0]++;
      return leading(a, 16);
    });
    List<LsmrResult> plain = Lsmr.solveEach(blocks, rhs, options);
    List<LsmrResult> deferred = Lsmr.solveEach(blocks, rhs, options, later);
    assertEquals(1, asked[0], "the SVD is computed once for both columns");
    DoubleMatrix reference = LeastSquares.solve(a, b, RankCutoff.DEFAULT).solution();
    for (int j = 0; j < 2; j++) {
      double[] minimumNorm = reference.columns(j, j + 1).values();
      LsmrResult r = deferred.get(j);
      double error = LsmrTest.relativeError(r.x(), minimumNorm);
      System.out.printf("deferred deflation, column %d: %d iterations (plain %d), relative error %.2e, certificate"
          + " %.2e%n", j, r.iterations(), plain.get(j).iterations(), error, r.certificate());
      assertTrue(r.stop().converged(), r.stop().meaning());
      assertTrue(error < 1e-9, "relative error " + error);
      assertTrue(r.certificate() <= 1e-12, "certificate " + r.certificate());
      assertTrue(r.iterations() > 12 && r.iterations() * 4 < plain.get(j).iterations() * 3, r.iterations()
          + " against " + plain.get(j).iterations());
      assertTrue(r.where().endsWith("16 singular triplets deflated"), r.where());
    }
    List<RowBlock> collected = blocks.blocks().collect();
    List<MatrixBlock> aBlocks = collected.stream().map(RowBlock::matrix).toList();
    List<DoubleMatrix> bBlocks = rhs.blocks().collect().stream().map(RowBlock::dense).toList();
    try (DriverThreads threads = new DriverThreads(2, "deferred-deflation-test")) {
      List<LsmrResult> inDriver = Lsmr.solveEachInDriver(aBlocks, bBlocks, options, DeferredDeflation.of(12,
          () -> leading(a, 16)), threads);
      assertArrayEquals(deferred.get(0).x(), inDriver.get(0).x());
      assertArrayEquals(deferred.get(1).x(), inDriver.get(1).x());
    }
    // damped: not deflatable, the source is never asked and the bits are the plain solve's
    LsmrOptions damped = options.withDamp(0.5);
    assertArrayEquals(Lsmr.solveEach(blocks, rhs, damped).get(0).x(), Lsmr.solveEach(blocks, rhs, damped,
        DeferredDeflation.of(12, () -> {
          throw new AssertionError("asked for a deflation of a damped solve");
        })).get(0).x());
    // no deflation at hand: the solve goes on from x_0 on A itself, to the same minimum-norm x
    LsmrResult unpreconditioned = Lsmr.solveEach(blocks, rhs, options, DeferredDeflation.of(12, () -> null)).get(0);
    assertTrue(LsmrTest.relativeError(unpreconditioned.x(), reference.columns(0, 1).values()) < 1e-9);
    assertTrue(unpreconditioned.certificate() <= 1e-12, "certificate " + unpreconditioned.certificate());
    assertThrows(IllegalArgumentException.class, () -> DeferredDeflation.of(0, () -> null));
  }

  /**
   * The automatic deflation's rank is 20, or less than min(m, n); where the SVD refuses or cannot certify, there is
   * none and the reason is said.
   */
  @Test
  void theAutomaticDeflationsRankAndItsFallback() {
    List<Integer> asked = new java.util.ArrayList<>();
    List<String> said = new java.util.ArrayList<>();
    assertEquals(DeferredDeflation.AUTOMATIC_AFTER, DeferredDeflation.automatic(5000, 3000, k -> {
      asked.add(k);
      return null;
    }, said::add).after());
    DeferredDeflation.automatic(5000, 3000, k -> {
      asked.add(k);
      return null;
    }, said::add).get();
    DeferredDeflation.automatic(5000, 12, k -> {
      asked.add(k);
      return null;
    }, said::add).get();
    assertEquals(List.of(20, 11), asked);
    assertEquals(null, DeferredDeflation.automatic(1, 1, k -> {
      throw new AssertionError("no rank to ask for");
    }, said::add).get());
    assertEquals(null, DeferredDeflation.automatic(5000, 3000, k -> {
      throw new ArithmeticException("the normal-operator iteration could not certify the 20 largest triplets");
    }, said::add).get());
    assertEquals(List.of("LSMR: no automatic deflation (the normal-operator iteration could not certify the 20"
        + " largest triplets); the solve goes on without one"), said);
    assertThrows(IllegalStateException.class, () -> DeferredDeflation.automatic(5000, 3000, k -> {
      throw new IllegalStateException("a bug is not a reason to go on");
    }, said::add).get());
  }
}
