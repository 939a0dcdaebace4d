package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.Gradient;
import org.penrose.solver.LeastSquares;
import org.penrose.solver.PseudoInverse;
import org.penrose.solver.Ridge;
import org.penrose.solver.Solver;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/**
 * The six solvers through their one surface ({@link Solver}): on a rank-3 {@code A = X Y^T}, each
 * one's VJP is the adjoint of its JVP ({@code <dL/dA, dA> + <dL/dB, dB> = <G, dX>} for tangents that
 * keep the rank, {@code dA = dX Y^T + X dY^T}), the local and distributed solvers agree, and pinv's
 * missing {@code B} is an error rather than ignored.
 */
class SolverSurfaceTest extends SparkTestSession {
  private static final int M = 40;
  private static final int N = 6;
  private static final int K = 2;
  private static final int PARTS = 3;

  private final Random random = new Random(21);
  private final DoubleMatrix x = TestMatrices.gaussian(M, 3, random);
  private final DoubleMatrix y = TestMatrices.gaussian(N, 3, random);
  private final DoubleMatrix a = x.timesTranspose(y);
  private final DoubleMatrix b = TestMatrices.gaussian(M, K, random);
  private final DoubleMatrix dA = TestMatrices.gaussian(M, 3, random).timesTranspose(y)
      .plusScaled(1.0, x.timesTranspose(TestMatrices.gaussian(N, 3, random)));
  private final DoubleMatrix dB = TestMatrices.gaussian(M, K, random);

  /** {@code <u, v>} of two matrices held either way. */
  private static double dot(Object u, Object v) {
    return local(u).dot(local(v));
  }

  private static DoubleMatrix local(Object matrix) {
    return matrix instanceof RowBlockMatrix rows ? rows.collectLocal() : (DoubleMatrix) matrix;
  }

  /** The adjoint identity through the interface alone: VJP of the cotangent against the JVP's tangent. */
  private static <M, X> double adjointGap(Solver<M, X> solver, M tangentA, M tangentB, X cotangent) {
    Gradient<M> g = solver.vjp(cotangent);
    double backward = dot(g.a(), tangentA) + (tangentB == null ? 0.0 : dot(g.b(), tangentB));
    double forward = dot(cotangent, solver.jvp(tangentA, tangentB));
    return Math.abs(backward - forward) / Math.abs(forward);
  }

  @Test
  void everySolverIsTheAdjointOfItsForwardDerivative() {
    Function<DoubleMatrix, RowBlockMatrix> rows = m -> RowBlockMatrix.fromLocal(sc, m, PARTS);
    RowBlockMatrix ra = rows.apply(a), rb = rows.apply(b), rdA = rows.apply(dA), rdB = rows.apply(dB);
    DoubleMatrix gX = TestMatrices.gaussian(N, K, random);
    DoubleMatrix gP = TestMatrices.gaussian(N, M, random);
    Map<String, Double> gaps = new LinkedHashMap<>();
    gaps.put("PseudoInverse", adjointGap(PseudoInverse.of(a, RankCutoff.DEFAULT), dA, null, gP));
    gaps.put("LeastSquares", adjointGap(LeastSquares.solve(a, b, RankCutoff.DEFAULT), dA, dB, gX));
    gaps.put("Ridge", adjointGap(Ridge.solve(a, b, 0.5), dA, dB, gX));
    gaps.put("DistributedPinv", adjointGap(DistributedPinv.factor(ra, RankCutoff.DEFAULT), rdA, null,
        RowBlockMatrix.fromLocal(sc, gP.transpose(), PARTS)));
    gaps.put("DistributedLstsq", adjointGap(DistributedLstsq.solve(ra, rb, RankCutoff.DEFAULT), rdA, rdB, gX));
    gaps.put("DistributedRidge", adjointGap(DistributedRidge.solve(ra, rb, 0.5), rdA, rdB, gX));
    gaps.forEach((name, gap) -> assertTrue(gap < 1e-10, name + ": <vjp(G), t> - <G, jvp(t)> relative " + gap));
  }

  @Test
  void localAndDistributedSolversAgreeThroughTheSurface() {
    RowBlockMatrix ra = RowBlockMatrix.fromLocal(sc, a, PARTS), rb = RowBlockMatrix.fromLocal(sc, b, PARTS);
    Solver<DoubleMatrix, DoubleMatrix> local = LeastSquares.solve(a, b, RankCutoff.DEFAULT);
    Solver<RowBlockMatrix, DoubleMatrix> distributed = DistributedLstsq.solve(ra, rb, RankCutoff.DEFAULT);
    assertEquals(3, local.rank());
    assertEquals(local.rank(), distributed.rank());
    assertTrue(TestMatrices.relativeError(distributed.solution(), local.solution()) < 1e-12);
    Solver<DoubleMatrix, DoubleMatrix> pinv = PseudoInverse.of(a, RankCutoff.DEFAULT);
    Solver<RowBlockMatrix, RowBlockMatrix> pinvRows = DistributedPinv.factor(ra, RankCutoff.DEFAULT);
    assertTrue(TestMatrices.relativeError(pinvRows.solution().collectLocal(), pinv.solution().transpose()) < 1e-12);
    Ridge ridge = Ridge.solve(a, b, 0.5);
    assertEquals(N, ridge.rank());
    assertEquals(0.0, ridge.threshold());
    DoubleMatrix gX = TestMatrices.gaussian(N, K, random);
    double alongMu = gX.dot(ridge.jvp(null, null, 1.0));
    assertEquals(alongMu, ridge.vjp(gX).mu(), 1e-10 * Math.abs(alongMu), "dL/dmu against <G, dX/dmu>");
  }

  @Test
  void pinvHasNoRightHandSides() {
    PseudoInverse pinv = PseudoInverse.of(a, RankCutoff.DEFAULT);
    assertNull(pinv.vjp(TestMatrices.gaussian(N, M, random)).b());
    assertEquals(0.0, pinv.vjp(TestMatrices.gaussian(N, M, random)).mu());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pinv.jvp(dA, dB));
    assertTrue(e.getMessage().contains("has no B"), e.getMessage());
    RowBlockMatrix ra = RowBlockMatrix.fromLocal(sc, a, PARTS);
    DistributedPinv pinvRows = DistributedPinv.factor(ra, RankCutoff.DEFAULT);
    RowBlockMatrix rdB = RowBlockMatrix.fromLocal(sc, dB, PARTS);
    e = assertThrows(IllegalArgumentException.class, () -> pinvRows.jvp(ra, rdB));
    assertTrue(e.getMessage().contains("has no B"), e.getMessage());
    // a null tangent is zero, locally and distributed, shaped as the solution
    assertEquals(N + " x " + M, pinv.jvp(null, null).shape());
    assertEquals(0.0, pinv.jvp(null, null).maxAbs());
    DoubleMatrix zero = pinvRows.jvp(null, null).collectLocal();
    assertEquals(M + " x " + N, zero.shape());
    assertEquals(0.0, zero.maxAbs());
  }
}
