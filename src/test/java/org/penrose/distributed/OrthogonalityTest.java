package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.storage.StorageLevel;
import org.junit.jupiter.api.Test;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.PinvFactorization;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;
import org.penrose.solver.PinvTranspose;
import org.penrose.testing.OracleCase;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/**
 * The engine computes the left singular vectors indirectly, {@code U_i = A_i V S^-1}, which loses
 * orthogonality like {@code kappa * eps}. This measures {@code max|U^T U - I|} at {@code kappa ~ 1e10}
 * against direct TSQR (Benson, Gleich &amp; Demmel 2013: a second pass re-applies each block's
 * {@code Q}, here a one-level tree: {@code U_i = Q_i (Q_stack)_i W}), and checks that the indirect
 * form stays within the oracle tolerance {@code 100 kappa eps} (the oracle errors themselves are
 * checked in {@link DistributedOracleTest}). {@code P^T} itself uses {@code U} refined by Cholesky QR
 * ({@link PinvTranspose}), which must come out orthonormal like direct TSQR's. When every leaf was
 * certified, the loss is known from the leaves' Gram matrices before any pass, and must agree with the
 * explicit {@code U}'s. The measured numbers are printed.
 */
class OrthogonalityTest extends SparkTestSession {

  /** max |U^T U - I| over the kept columns. */
  private static double orthogonalityLoss(DoubleMatrix u) {
    DoubleMatrix gram = u.transposeTimes(u);
    return gram.plusScaled(-1, DoubleMatrix.identity(gram.rows())).maxAbs();
  }

  /** Direct TSQR's U for the given blocks (one level: leaves, then one stacked QR). */
  private static DoubleMatrix directU(List<DoubleMatrix> blocks, PinvFactorization f) {
    int n = blocks.get(0).cols();
    List<DoubleMatrix> leafQ = new ArrayList<>();
    for (DoubleMatrix block : blocks) {
      DoubleMatrix work = block.copy();
      double[] tau = Lapack.geqrf(work);
      leafQ.add(Lapack.orgqr(work, tau));
    }
    // stack the leaves' R_b = Q_b^T A_b
    int stackedRows = 0;
    for (DoubleMatrix q : leafQ) {
      stackedRows += q.cols();
    }
    DoubleMatrix stacked = DoubleMatrix.zeros(stackedRows, n);
    int offset = 0;
    for (int b = 0; b < blocks.size(); b++) {
      DoubleMatrix r = leafQ.get(b).transposeTimes(blocks.get(b));
      for (int j = 0; j < n; j++) {
        for (int i = 0; i < r.rows(); i++) {
          stacked.set(offset + i, j, r.get(i, j));
        }
      }
      offset += r.rows();
    }
    DoubleMatrix work = stacked.copy();
    double[] tau = Lapack.geqrf(work);
    DoubleMatrix qStack = Lapack.orgqr(work, tau);
    DoubleMatrix rTop = DoubleMatrix.zeros(n, n);
    for (int j = 0; j < n; j++) {
      for (int i = 0; i <= j; i++) {
        rTop.set(i, j, work.get(i, j));
      }
    }
    Lapack.Svd svd = Lapack.svd(rTop);
    DoubleMatrix w = svd.u.columns(0, f.rank());
    int m = 0;
    for (DoubleMatrix block : blocks) {
      m += block.rows();
    }
    DoubleMatrix u = DoubleMatrix.zeros(m, f.rank());
    int rowOffset = 0;
    int stackOffset = 0;
    for (int b = 0; b < blocks.size(); b++) {
      DoubleMatrix q = leafQ.get(b);
      DoubleMatrix piece = qStack.rowRange(stackOffset, stackOffset + q.cols()).times(w);
      DoubleMatrix ub = q.times(piece);
      for (int j = 0; j < f.rank(); j++) {
        for (int i = 0; i < ub.rows(); i++) {
          u.set(rowOffset + i, j, ub.get(i, j));
        }
      }
      rowOffset += ub.rows();
      stackOffset += q.cols();
    }
    return u;
  }

  private double[] measure(DoubleMatrix a, int parts, RankCutoff cutoff) {
    RowBlockMatrix blocks = RowBlockMatrix.fromLocal(sc, a, parts);
    PinvFactorization f = DistributedPinv.factor(blocks, cutoff).factorization();
    DoubleMatrix indirect = new RowBlockMatrix(
        blocks.blocks().map(b -> b.withValues(f.leftSingularVectors(b.values()))), blocks.blockStarts(), f.rank())
        .collectLocal();
    List<DoubleMatrix> localBlocks = new ArrayList<>();
    long[] starts = blocks.blockStarts();
    for (int p = 0; p < parts; p++) {
      localBlocks.add(a.rowRange((int) starts[p], (int) starts[p + 1]));
    }
    // the engine's U for P^T: refined by Cholesky QR passes (PinvTranspose) until orthonormal
    PinvTranspose t = PinvTranspose.unrefined(f);
    DoubleMatrix gram;
    while (t.needsRefinement(gram = sumGram(t, localBlocks))) {
      t = t.fromReduction(gram);
    }
    PinvTranspose refined = t;
    DoubleMatrix refinedU = new RowBlockMatrix(
        blocks.blocks().map(b -> b.withValues(refined.leftSingularVectors(b.values()))), blocks.blockStarts(), f.rank())
        .collectLocal();
    double[] s = f.keptSingularValues();
    double kappa = s[0] / s[s.length - 1];
    return new double[] {kappa, orthogonalityLoss(indirect), orthogonalityLoss(directU(localBlocks, f)),
        orthogonalityLoss(refinedU), refined.passes()};
  }

  private static DoubleMatrix sumGram(PinvTranspose t, List<DoubleMatrix> blocks) {
    List<DoubleMatrix> terms = new ArrayList<>();
    for (DoubleMatrix b : blocks) {
      terms.add(t.blockTerm(b));
    }
    return DeterministicReduce.sum(terms);
  }

  @Test
  void indirectUStaysWithinTheOracleToleranceAtKappa1e10() {
    OracleCase c = OracleCase.all().stream().filter(o -> o.name.startsWith("ill_conditioned_cond1e10")).findFirst().orElseThrow();
    double[] oracle = measure(c.a, 3, c.cutoff());
    // a tall one: A = G diag(logspace(0, -10, 20)) Q^T, G Gaussian 20000 x 20
    Random random = new Random(10);
    int n = 20;
    DoubleMatrix scaled = TestMatrices.gaussian(20000, n, random);
    for (int j = 0; j < n; j++) {
      double s = Math.pow(10, -10.0 * j / (n - 1));
      for (int i = 0; i < scaled.rows(); i++) {
        scaled.set(i, j, scaled.get(i, j) * s);
      }
    }
    DoubleMatrix a = scaled.timesTranspose(TestMatrices.orthonormalColumns(n, n, random));
    double[] tall = measure(a, 8, RankCutoff.DEFAULT);
    System.out.printf("max|U^T U - I|: %s (kappa %.2e, 3 blocks): indirect %.2e, direct %.2e, refined %.2e (%.0f passes); "
        + "20000x20 (kappa %.2e, 8 blocks): indirect %.2e, direct %.2e, refined %.2e (%.0f passes)%n",
        c.name, oracle[0], oracle[1], oracle[2], oracle[3], oracle[4], tall[0], tall[1], tall[2], tall[3], tall[4]);
    assertEquals(6, c.rank);
    for (double[] r : new double[][] {oracle, tall}) {
      double kappa = r[0];
      double oracleTolerance = Math.max(1e-8, 100 * kappa * RankCutoff.EPS);
      assertTrue(kappa > 1e9, "kappa " + kappa);
      assertTrue(r[1] <= oracleTolerance, "indirect loss " + r[1] + " > " + oracleTolerance);
      assertTrue(r[2] <= 1e-13, "direct TSQR keeps U orthonormal: " + r[2]);
      assertTrue(r[3] <= PinvTranspose.ORTHOGONALITY, "the refined U used for P^T is orthonormal: " + r[3]);
    }
  }

  /**
   * Four blocks of 3000 rows (each longer than one Householder chunk, so every leaf is certified):
   * the certified estimate of {@code max|U^T U - I|} agrees with the explicit {@code U}'s to a tenth
   * of the tolerance, at {@code kappa ~ 1} and at {@code kappa ~ 1e8} (columns scaled over eight
   * decades, {@code kappa(A D^-1) ~ 1}). In the first case {@code P^T} is one uncached map and
   * {@code P b} matches an exact 60-digit least-squares solution; in the second the estimate asks for
   * the refined route.
   */
  @Test
  void certifiedLeavesKnowTheOrthogonalityOfUBeforeAnyPass() {
    Random random = new Random(12);
    int m = 12000;
    int n = 20; // more than JacobiSvd takes: LAPACK's SVD of R, whose normwise error shows in U at kappa 1e8
    for (double spread : new double[] {1, 1e8}) {
      DoubleMatrix a = TestMatrices.gaussian(m, n, random);
      for (int j = 0; j < n; j++) {
        double scale = Math.pow(spread, j / (n - 1.0));
        for (int i = 0; i < m; i++) {
          a.set(i, j, a.get(i, j) * scale);
        }
      }
      RowBlockMatrix blocks = RowBlockMatrix.fromLocal(sc, a, 4);
      DistributedPinv pinv = DistributedPinv.factor(blocks, RankCutoff.DEFAULT);
      PinvFactorization f = pinv.factorization();
      DoubleMatrix u = new RowBlockMatrix(blocks.blocks().map(b -> b.withValues(f.leftSingularVectors(b.values()))),
          blocks.blockStarts(), f.rank()).collectLocal();
      double estimate = f.certifiedOrthogonalityError();
      double explicit = orthogonalityLoss(u);
      System.out.printf("certified leaves, columns spread %.0e: max|U^T U - I| estimated %.3e, explicit U %.3e"
          + " (apart by %.1e)%n", spread, estimate, explicit, Math.abs(estimate - explicit));
      assertTrue(Math.abs(estimate - explicit) <= PinvTranspose.ORTHOGONALITY / 10,
          "estimate " + estimate + " vs explicit " + explicit);
      boolean known = PinvTranspose.unrefined(f).isFinal();
      if (spread == 1) {
        assertTrue(known, "kappa ~ 1: U known orthonormal, " + estimate);
        RowBlockMatrix pT = pinv.pinvTranspose();
        assertEquals(StorageLevel.NONE(), pT.blocks().getStorageLevel(), "a map, not a kept pass");
        double[] b = TestMatrices.gaussian(m, random);
        DoubleMatrix x = pT.collectLocal().transposeTimes(DoubleMatrix.column(b));
        BigDecimal[] exact = TestMatrices.exactLeastSquares(a, b, 60);
        double worst = 0;
        double size = 0;
        for (int j = 0; j < n; j++) {
          worst = Math.max(worst, Math.abs(x.get(j, 0) - exact[j].doubleValue()));
          size = Math.max(size, Math.abs(exact[j].doubleValue()));
        }
        assertTrue(worst <= 1e-13 * size, "P b vs the exact solution: " + worst / size);
      } else {
        assertFalse(known, "kappa ~ 1e8: U = A V S^-1 is not orthonormal, " + estimate);
        assertTrue(estimate > 1e3 * PinvTranspose.ORTHOGONALITY, "estimate " + estimate);
      }
    }
  }
}
