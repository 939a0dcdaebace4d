package org.penrose.truncated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.penrose.engine.BlockStarts;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;
import org.penrose.matrix.SparseEntries;
import org.penrose.testing.BlockLowRank;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/**
 * The distributed truncated SVD against LAPACK's dense SVD of the same matrix (n > 4096 columns, sparse
 * and dense blocks), its certificate, determinism, exhaustion on matrices of exact low rank, and its
 * input errors.
 */
class TruncatedSvdTest extends SparkTestSession {
  private static final int M = 300;
  private static final int N = 5000;
  /** Largest {@code 1 - |cos|} between a computed and a reference right singular vector. */
  private static final double COSINE_TOLERANCE = 1e-12; // measured 1.7e-15 to 4.6e-15 (OpenBLAS, netlib Java)
  private SparseEntries graded;
  private Lapack.Svd reference;

  /** A random sparse pattern (1% of the entries) with column j scaled by 1 / (1 + j / 25): a decaying spectrum. */
  @BeforeAll
  void makeMatrix() {
    Random random = new Random(7);
    graded = new SparseEntries();
    DoubleMatrix dense = DoubleMatrix.zeros(M, N);
    for (int i = 0; i < M; i++) {
      for (int j = 0; j < N; j++) {
        if (random.nextDouble() < 0.01) {
          double v = random.nextGaussian() / (1 + j / 25.0);
          graded.add(i, j, v);
          dense.set(i, j, v);
        }
      }
    }
    reference = Lapack.svd(dense); // dgesdd, m <= n
  }

  private RowBlockMatrix sparseBlocks(int parts) {
    long[] starts = BlockStarts.balanced(M, parts);
    java.util.List<SparseEntries> chunks = new java.util.ArrayList<>();
    for (SparseEntries s : graded.splitByRows(starts)) {
      chunks.add(s == null ? new SparseEntries() : s);
    }
    return RowBlockMatrix.fromEntries(sc.parallelize(chunks, parts), M, N, starts, true).persist();
  }

  private static void assertMatchesReference(TruncatedSvd svd, Lapack.Svd ref, int k) {
    double[] s = svd.singularValues();
    assertEquals(k, s.length);
    double worst = 0;
    for (int i = 0; i < k; i++) {
      worst = Math.max(worst, Math.abs(s[i] - ref.s[i]));
    }
    System.out.printf("truncated SVD k=%d: |s - dgesdd| / s_1 = %.2e, certificate %.2e, |U^T U - I| %.1e,"
        + " |V^T V - I| %.1e, %d steps, %d restarts%n", k, worst / ref.s[0], svd.certificate(), svd.uOrthogonality(),
        svd.vOrthogonality(), svd.steps(), svd.restarts());
    assertTrue(worst <= 1e-10 * ref.s[0], "singular values " + worst / ref.s[0]);
    assertTrue(svd.certificate() <= svd.tolerance(), "certificate " + svd.certificate());
    assertTrue(svd.uOrthogonality() <= 1e-12 && svd.vOrthogonality() <= 1e-12);
    // each right singular vector is the reference's up to sign: |cos| = |v_ref_i . v_i| = 1 - O((residual / gap)^2)
    DoubleMatrix overlap = ref.v.columns(0, k).transposeTimes(svd.v());
    double worstCos = 0;
    for (int i = 0; i < k; i++) {
      worstCos = Math.max(worstCos, Math.abs(1.0 - Math.abs(overlap.get(i, i))));
    }
    System.out.printf("truncated SVD k=%d: max |1 - |v_ref_i . v_i|| = %.2e%n", k, worstCos);
    assertTrue(worstCos <= COSINE_TOLERANCE, "v_i against dgesdd's: " + worstCos);
  }

  @Test
  void sparseBlocksMatchLapack() {
    RowBlockMatrix a = sparseBlocks(3);
    assertTrue(a.blocks().first().isSparse());
    TruncatedSvd svd = TruncatedSvd.compute(a, 10, new TruncatedSvdOptions());
    assertMatchesReference(svd, reference, 10);
    DoubleMatrix u = svd.u().collectLocal();
    DoubleMatrix av = DoubleMatrix.zeros(M, N);
    graded.addTo(av, 0);
    DoubleMatrix residual = av.times(svd.v());
    for (int j = 0; j < 10; j++) {
      for (int i = 0; i < M; i++) {
        residual.set(i, j, residual.get(i, j) - svd.singularValues()[j] * u.get(i, j));
      }
    }
    assertTrue(residual.maxAbs() <= 1e-10 * svd.singularValues()[0], "A v - s u recomputed here");
    a.unpersist();
  }

  @Test
  void denseBlocksGiveTheSameTriplets() {
    DoubleMatrix dense = DoubleMatrix.zeros(M, N);
    graded.addTo(dense, 0);
    RowBlockMatrix a = RowBlockMatrix.fromLocal(sc, dense, 4).persist();
    assertMatchesReference(TruncatedSvd.compute(a, 6, new TruncatedSvdOptions().tolerance(1e-11)), reference, 6);
    a.unpersist();
  }

  @Test
  void sameInputPartitioningAndSeedGiveTheSameBits() {
    RowBlockMatrix a = sparseBlocks(3);
    TruncatedSvd first = TruncatedSvd.compute(a, 5, new TruncatedSvdOptions().seed(11));
    TruncatedSvd second = TruncatedSvd.compute(a, 5, new TruncatedSvdOptions().seed(11));
    assertArrayEquals(first.singularValues(), second.singularValues());
    assertEquals(first.v(), second.v());
    assertEquals(first.u().collectLocal(), second.u().collectLocal());
    TruncatedSvd otherSeed = TruncatedSvd.compute(a, 5, new TruncatedSvdOptions().seed(12));
    assertArrayEquals(first.singularValues(), otherSeed.singularValues(), 1e-10 * first.singularValues()[0]);
    a.unpersist();
  }

  @Test
  void bothIterationsGiveTheSameTripletsAndTheDefaultIsTheNormalOperator() {
    RowBlockMatrix a = sparseBlocks(3);
    TruncatedSvd normal = TruncatedSvd.compute(a, 10, new TruncatedSvdOptions());
    assertEquals(KrylovIteration.NORMAL_OPERATOR, normal.iteration(), "well within its range");
    TruncatedSvd golubKahan = TruncatedSvd.compute(a, 10,
        new TruncatedSvdOptions().iteration(KrylovIteration.GOLUB_KAHAN));
    assertEquals(KrylovIteration.GOLUB_KAHAN, golubKahan.iteration());
    assertMatchesReference(normal, reference, 10);
    assertMatchesReference(golubKahan, reference, 10);
    assertEquals(normal.steps(), golubKahan.steps(), "the same Krylov space from the same start block");
    a.unpersist();
  }

  @Test
  void stepsInTheDriverGiveTheBitsOfStepsAsSparkJobs() {
    RowBlockMatrix a = sparseBlocks(3);
    TruncatedSvd driver = TruncatedSvd.compute(a, 6, new TruncatedSvdOptions().driverSteps(true));
    TruncatedSvd jobs = TruncatedSvd.compute(a, 6, new TruncatedSvdOptions().driverSteps(false));
    assertArrayEquals(driver.singularValues(), jobs.singularValues());
    assertEquals(driver.v(), jobs.v());
    assertEquals(driver.u().collectLocal(), jobs.u().collectLocal());
    // and the tree of DeterministicReduce, for more blocks than one merge takes
    java.util.List<DoubleMatrix> items = new java.util.ArrayList<>();
    Random random = new Random(3);
    for (int i = 0; i < 19; i++) {
      items.add(org.penrose.testing.TestMatrices.gaussian(4, 3, random));
    }
    DoubleMatrix viaSpark = DeterministicReduce.reduce(sc.parallelize(items, 19), 4, DeterministicReduce::sum);
    assertEquals(viaSpark, DeterministicReduce.reduceInOrder(items, 4, DeterministicReduce::sum));
    a.unpersist();
  }

  @Test
  void bothProductsGiveTheColumnMajorKernelsBitsThroughATwoLevelTree() {
    // the reference: each block's column-major A_i^T (A_i W) (a sparse block's normalTimes, a dense block's two
    // BLAS products), summed in the same tree of fan-in 8 (12 blocks: two groups, then their merge). The operators
    // move W and the terms row-major: on 6 threads the driver keeps its buffers (at most two blocks a thread; two
    // products in a row reuse them), on 5 it does not; the Spark jobs allocate them
    Random random = new Random(5);
    for (boolean sparse : new boolean[] {true, false}) {
      RowBlockMatrix a = sparse ? sparseBlocks(12) : RowBlockMatrix.fromLocal(sc, denseGraded(), 12).persist();
      java.util.List<org.penrose.matrix.MatrixBlock> blocks = new java.util.ArrayList<>();
      for (org.penrose.engine.RowBlock b : a.blocks().collect()) {
        blocks.add(b.matrix());
        assertEquals(sparse, b.isSparse());
      }
      for (int threads : new int[] {6, 5}) {
        try (org.penrose.engine.DriverThreads pool = new org.penrose.engine.DriverThreads(threads, "test-normal");
            NormalOperator driver = NormalOperator.inDriver(blocks, pool, false);
            NormalOperator jobs = NormalOperator.spark(a)) {
          for (int product = 0; product < 2; product++) {
            DoubleMatrix w = TestMatrices.gaussian(N, 4, random);
            java.util.List<DoubleMatrix> terms = new java.util.ArrayList<>();
            for (org.penrose.matrix.MatrixBlock block : blocks) {
              terms.add(block.normalTimes(w));
            }
            DoubleMatrix expected = org.penrose.engine.DeterministicReduce.reduceInOrder(terms,
                org.penrose.engine.Tsqr.DEFAULT_FAN_IN, org.penrose.engine.DeterministicReduce::sum);
            assertEquals(expected, driver.apply(w), "driver, " + threads + " threads, sparse " + sparse);
            assertEquals(expected, jobs.apply(w), "Spark jobs, sparse " + sparse);
          }
        }
      }
      a.unpersist();
    }
  }

  private DoubleMatrix denseGraded() {
    DoubleMatrix dense = DoubleMatrix.zeros(M, N);
    graded.addTo(dense, 0);
    return dense;
  }

  @Test
  void aBasisSpanningEveryColumnIsCertifiedInTheDriver() {
    // 40 x 12, k = 5: k + p covers all 12 columns; blocks of 8, so the second block has the 4 directions left and
    // the second step's image none: the Ritz pairs of the whole space are the triplets, certified from A, where the
    // iteration used to give up at the smaller block (and a command then started Spark for Golub-Kahan)
    double[] s = {9, 7, 5, 4, 3, 2, 1.5, 1, 0.5, 0.25, 0.125, 0.0625};
    DoubleMatrix a = withSingularValues(40, 12, s);
    java.util.List<org.penrose.matrix.MatrixBlock> blocks = java.util.List.of(a.rowRange(0, 20), a.rowRange(20, 40));
    try (org.penrose.engine.DriverThreads pool = new org.penrose.engine.DriverThreads(2, "test-small")) {
      TruncatedSvd svd = TruncatedSvd.computeInDriver(blocks, 5, new TruncatedSvdOptions(), pool);
      assertTrue(svd != null, "certified in the driver");
      assertEquals(KrylovIteration.NORMAL_OPERATOR, svd.iteration());
      assertEquals(2, svd.steps());
      assertArrayEquals(java.util.Arrays.copyOf(s, 5), svd.singularValues(), 1e-13 * s[0]);
      assertArrayEquals(java.util.Arrays.copyOf(Lapack.svd(a.transpose()).s, 5), svd.singularValues(), 1e-13 * s[0]);
      assertTrue(svd.certificate() <= svd.tolerance());
      // the whole space: every other singular value estimated, to rounding
      assertArrayEquals(java.util.Arrays.copyOfRange(s, 5, 12), svd.nextSingularValueEstimates(), 1e-13 * s[0]);
      // rank 5 of 12 columns, k = 2: certified there too; the next estimates stop at A's rank, as Golub-Kahan's
      // (the null space's eigenvalues of H, about eps s_1^2, are rounding, not singular values)
      double[] deficient = {5, 4, 3, 2, 1};
      DoubleMatrix r = withSingularValues(40, 12, deficient);
      TruncatedSvd low = TruncatedSvd.computeInDriver(java.util.List.of(r.rowRange(0, 20), r.rowRange(20, 40)), 2,
          new TruncatedSvdOptions(), pool);
      assertTrue(low != null, "certified in the driver");
      assertArrayEquals(new double[] {5, 4}, low.singularValues(), 1e-13 * 5);
      assertArrayEquals(new double[] {3, 2, 1}, low.nextSingularValueEstimates(), 1e-13 * 5);
      // k = 8 past that rank: s_8 is 0, out of the iteration's reach, and it says so (Golub-Kahan's to report)
      java.util.List<String> progress = new java.util.ArrayList<>();
      assertEquals(null, TruncatedSvd.computeInDriver(java.util.List.of(r.rowRange(0, 20), r.rowRange(20, 40)), 8,
          new TruncatedSvdOptions().progress(progress::add), pool));
      assertTrue(progress.stream().anyMatch(line -> line.contains("s_8 ~") && line.contains("is too small next to s_1")),
          String.join("\n", progress));
    }
  }

  @Test
  void aRankBelowTheBasisIsCertifiedOnceTheRowSpaceIsSpanned() {
    // rank 20, k = 5 (a basis of up to 39): the blocks deflate as the row space fills, the smaller block goes on,
    // and the step without a new direction has the triplets (Golub-Kahan in Spark ran before)
    double[] s = new double[20];
    for (int c = 0; c < s.length; c++) {
      s[c] = 10 - 0.4 * c;
    }
    DoubleMatrix a = withSingularValues(300, 500, s);
    try (org.penrose.engine.DriverThreads pool = new org.penrose.engine.DriverThreads(2, "test-rank")) {
      TruncatedSvd svd = TruncatedSvd.computeInDriver(java.util.List.of(a.rowRange(0, 150), a.rowRange(150, 300)), 5,
          new TruncatedSvdOptions(), pool);
      assertTrue(svd != null, "certified in the driver");
      assertArrayEquals(java.util.Arrays.copyOf(s, 5), svd.singularValues(), 1e-13 * s[0]);
      assertTrue(svd.certificate() <= svd.tolerance());
      double[] next = svd.nextSingularValueEstimates();
      assertTrue(next.length > 0 && next.length <= 15, "estimates " + java.util.Arrays.toString(next));
      assertArrayEquals(java.util.Arrays.copyOfRange(s, 5, 5 + next.length), next, 1e-12 * s[0]);
    }
  }

  @Test
  void valuesTooSmallForTheNormalOperatorFallBackToGolubKahan() {
    // singular values 10^(-c/2), c < 24: s_8 / s_1 = 3.2e-4 is below 1000 eps / tol = 2.2e-3
    double[] s = new double[24];
    for (int c = 0; c < s.length; c++) {
      s[c] = Math.pow(10, -c / 2.0);
    }
    RowBlockMatrix a = RowBlockMatrix.fromLocal(sc, withSingularValues(120, 5000, s), 2).persist();
    java.util.List<String> progress = new java.util.ArrayList<>();
    TruncatedSvd svd = TruncatedSvd.compute(a, 8, new TruncatedSvdOptions().progress(progress::add));
    assertEquals(KrylovIteration.GOLUB_KAHAN, svd.iteration());
    assertTrue(progress.stream().anyMatch(line -> line.contains("normal-operator iteration stops")
        && line.contains("continuing with Golub-Kahan")), String.join("\n", progress));
    assertArrayEquals(java.util.Arrays.copyOf(s, 8), svd.singularValues(), 1e-12);
    assertTrue(svd.certificate() <= svd.tolerance());
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> TruncatedSvd.compute(a, 8,
        new TruncatedSvdOptions().iteration(KrylovIteration.NORMAL_OPERATOR)));
    assertTrue(e.getMessage().contains("use the golub-kahan iteration"), e.getMessage());
    a.unpersist();
  }

  @Test
  void anIllConditionedFirstBlockIsOrthonormalizedTwice() {
    // exact rank 8, singular values 1 .. 1e-7: the first left block A V_1 has condition ~1e7, and
    // U_1 = (A V_1) Z S^-1 alone would be orthonormal only to ~1e-9 (the certificate then failed)
    double[] s = new double[8];
    for (int c = 0; c < s.length; c++) {
      s[c] = Math.pow(10, -c);
    }
    RowBlockMatrix a = RowBlockMatrix.fromLocal(sc, withSingularValues(120, 5000, s), 2).persist();
    TruncatedSvd svd = TruncatedSvd.compute(a, 8, new TruncatedSvdOptions());
    assertArrayEquals(s, svd.singularValues(), 1e-14);
    assertTrue(svd.certificate() <= 1e-13, "certificate " + svd.certificate());
    assertTrue(svd.uOrthogonality() <= 1e-13, "U^T U - I: " + svd.uOrthogonality());
    a.unpersist();
  }

  /** {@code L diag(s) R^T} with Gaussian-QR orthonormal {@code L} ({@code m x r}) and {@code R} ({@code n x r}). */
  private static DoubleMatrix withSingularValues(int m, int n, double[] s) {
    Random random = new Random(5);
    DoubleMatrix left = orthonormal(m, s.length, random);
    DoubleMatrix right = orthonormal(n, s.length, random);
    DoubleMatrix scaled = left.copy();
    for (int c = 0; c < s.length; c++) {
      for (int i = 0; i < m; i++) {
        scaled.set(i, c, left.get(i, c) * s[c]);
      }
    }
    return scaled.timesTranspose(right);
  }

  /** The Q of a Gaussian matrix's Householder QR: orthonormal columns. */
  private static DoubleMatrix orthonormal(int rows, int cols, Random random) {
    DoubleMatrix factored = org.penrose.testing.TestMatrices.gaussian(rows, cols, random);
    double[] tau = Lapack.geqrf(factored);
    return Lapack.orgqr(factored, tau);
  }

  @Test
  void exactLowRankExhaustsTheKrylovSpace() {
    BlockLowRank low = new BlockLowRank(200, 6000, 5, 6, 3);
    RowBlockMatrix a = low.blocks(sc, low.entries(0), 3).persist();
    TruncatedSvd svd = TruncatedSvd.compute(a, 8, new TruncatedSvdOptions());
    assertTrue(svd.exhausted(), "rank 5 < 8");
    assertEquals(5, svd.rank());
    assertArrayEquals(low.singularValues(), svd.singularValues(), 1e-12 * low.singularValues()[0]);
    assertTrue(svd.certificate() <= 1e-12, "exact: " + svd.certificate());
    a.unpersist();
  }

  @Test
  void aZeroMatrixHasRankZero() {
    RowBlockMatrix zero = RowBlockMatrix.fromEntries(sc.parallelize(java.util.List.of(new SparseEntries()), 1), 50, 5000,
        new long[] {0, 50}, true);
    TruncatedSvd svd = TruncatedSvd.compute(zero, 3, new TruncatedSvdOptions());
    assertEquals(0, svd.rank());
    assertTrue(svd.exhausted());
    assertEquals("50 x 0", svd.u().shape());
  }

  @Test
  void theCutoffRouteGrowsTheRankOrSaysWhatToDo() {
    BlockLowRank low = new BlockLowRank(400, 5000, 40, 4, 5);
    RowBlockMatrix a = low.blocks(sc, low.entries(0), 2).persist();
    TruncatedSvd svd = TruncatedSvd.byCutoff(a, RankCutoff.DEFAULT, new TruncatedSvdOptions());
    assertEquals(40, svd.rank(), "grown from 32, then exhausted at the exact rank");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TruncatedSvd.byCutoff(a, RankCutoff.DEFAULT, new TruncatedSvdOptions().maxRank(16)));
    assertTrue(e.getMessage().contains("its 16 largest singular values are all above the threshold")
        && e.getMessage().contains(TruncatedSvd.FIX_THE_RANK) && e.getMessage().contains("raise maxRank (now 16)"),
        e.getMessage());
    a.unpersist();
  }

  @Test
  void badRanksAndOversizedBasesFailBeforeAnyJob() {
    RowBlockMatrix a = sparseBlocks(2);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TruncatedSvd.compute(a, 0, new TruncatedSvdOptions()));
    assertTrue(e.getMessage().contains("the rank must be at least 1, got 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> TruncatedSvd.compute(a, 301, new TruncatedSvdOptions()));
    assertTrue(e.getMessage().contains("the rank 301 is more than min(m, n) = 300"), e.getMessage());
    SparseEntries few = new SparseEntries();
    few.add(0, 999_999_000, 1.0);
    few.add(3, 5, 2.0);
    RowBlockMatrix huge = RowBlockMatrix.fromEntries(sc.parallelize(java.util.List.of(few), 1), 10, 1_000_000_000,
        new long[] {0, 10}, true);
    e = assertThrows(IllegalArgumentException.class, () -> TruncatedSvd.compute(huge, 5, new TruncatedSvdOptions()));
    assertTrue(e.getMessage().contains("GiB of driver memory") && e.getMessage().contains("1000000000 columns"),
        e.getMessage());
    assertFalse(huge.blocks().getStorageLevel().useMemory(), "refused before caching or running anything");
    a.unpersist();
  }
}
