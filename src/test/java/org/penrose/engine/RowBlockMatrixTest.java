package org.penrose.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.penrose.distributed.DistributedLstsq;
import org.penrose.distributed.DistributedPinv;
import org.penrose.distributed.Route;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.solver.LeastSquares;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/** Row blocks themselves: empty blocks, alignment, the column limit. */
class RowBlockMatrixTest extends SparkTestSession {
  private final DoubleMatrix a = TestMatrices.gaussian(23, 4, new Random(1));

  @Test
  void emptyBlocksAndAZeroRowMatrixWork() {
    // 5 rows in 4 blocks, two of them empty, one with fewer rows than columns
    DoubleMatrix small = TestMatrices.gaussian(5, 4, new Random(3));
    RowBlockMatrix m = RowBlockMatrix.fromLocal(sc, small, new long[] {0, 0, 2, 2, 5});
    DoubleMatrix b = TestMatrices.gaussian(5, 1, new Random(4));
    DistributedLstsq ls = DistributedLstsq.solve(m, RowBlockMatrix.fromLocal(sc, b, new long[] {0, 0, 2, 2, 5}),
        RankCutoff.DEFAULT);
    assertTrue(TestMatrices.relativeError(ls.solution(), LeastSquares.solve(small, b).solution()) < 1e-13);
    RowBlockMatrix empty = RowBlockMatrix.fromLocal(sc, DoubleMatrix.zeros(0, 3), 3);
    DistributedPinv pinv = DistributedPinv.factor(empty, RankCutoff.DEFAULT);
    assertEquals(0, pinv.rank());
    assertEquals("0 x 3", pinv.pinvTranspose().collectLocal().shape());
  }

  /**
   * A value that turns infinite after the checks of construction (a derived matrix whose division overflows) is
   * still refused by the TSQR leaves, named by row and column: in {@code A}, whose leaf then is Householder's (an
   * infinite column is never certified), and in {@code B} beside a certified {@code A}, whose own pass is skipped.
   */
  @Test
  void tsqrLeavesRefuseValuesMadeInfiniteAfterConstruction() {
    DoubleMatrix tall = TestMatrices.gaussian(6000, 5, new Random(7)); // blocks of 3000 rows: long enough to certify
    tall.set(4321, 1, 1e300);
    RowBlockMatrix overflowing = RowBlockMatrix.fromLocal(sc, tall, 2).divideColumns(new double[] {1, 1e-10, 1, 1, 1});
    String e = invalidInput(assertThrows(Exception.class, () -> Tsqr.triangle(overflowing, null, 2)));
    assertTrue(e.contains("A has a non-finite value Infinity at row 4321, column 1"), e);

    DoubleMatrix b = TestMatrices.gaussian(6000, 1, new Random(8));
    b.set(5000, 0, -1e300);
    RowBlockMatrix finite = RowBlockMatrix.fromLocal(sc, TestMatrices.gaussian(6000, 5, new Random(9)), 2);
    RowBlockMatrix overflowingB = RowBlockMatrix.fromLocal(sc, b, 2).divideColumns(new double[] {1e-10});
    e = invalidInput(assertThrows(Exception.class, () -> Tsqr.triangle(finite, overflowingB, 2)));
    assertTrue(e.contains("B has a non-finite value -Infinity at row 5000, column 0"), e);
    assertNotNull(Tsqr.triangle(finite, null, 2).certifiedGram(), "A's blocks are certified: its pass was skipped");
  }

  /** The message of the task's {@link InvalidInputException} that {@code e} (a Spark job's failure) carries. */
  private static String invalidInput(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InvalidInputException) {
        return t.getMessage();
      }
    }
    throw new AssertionError("no InvalidInputException in the causes of " + e, e);
  }

  @Test
  void misalignedInputsAreRefused() {
    RowBlockMatrix m = RowBlockMatrix.fromLocal(sc, a, 3);
    RowBlockMatrix other = RowBlockMatrix.fromLocal(sc, TestMatrices.gaussian(23, 1, new Random(5)), 4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DistributedLstsq.solve(m, other, RankCutoff.DEFAULT));
    assertTrue(e.getMessage().contains("B is not row-aligned with A"), e.getMessage());
    RowBlockMatrix shorter = RowBlockMatrix.fromLocal(sc, TestMatrices.gaussian(22, 1, new Random(5)), 3);
    e = assertThrows(IllegalArgumentException.class, () -> DistributedLstsq.solve(m, shorter, RankCutoff.DEFAULT));
    assertTrue(e.getMessage().contains("B has 22 rows but A has 23"), e.getMessage());
  }

  @Test
  void tooManyColumnsForTsqrFailBeforeAnyJobAndFactorTakesTheTruncatedRoute() {
    RowBlockMatrix wide = RowBlockMatrix.fromLocal(sc, DoubleMatrix.zeros(2, Tsqr.MAX_COLUMNS + 1), 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Tsqr.triangle(wide, null, 2));
    assertTrue(e.getMessage().contains("4097 columns is more than the TSQR route supports (4096)"), e.getMessage());
    assertTrue(e.getMessage().contains("truncated route"), e.getMessage());
    // DistributedPinv.factor goes past 4096 columns by the truncated SVD: the zero matrix has rank 0
    DistributedPinv pinv = DistributedPinv.factor(wide, RankCutoff.DEFAULT);
    assertEquals(0, pinv.rank());
    assertNotNull(pinv.truncatedSvd());
  }

  /** One place decides the route: a fixed rank or more than 4096 columns (with B's) take the truncated SVD. */
  @org.junit.jupiter.api.Test
  void theRouteFollowsTheWidthAndTheRequest() {
    assertEquals(Route.Kind.TSQR, Route.of(4095, 1, null).kind());
    assertEquals("n + k = 4096 columns: one TSQR pass", Route.of(4095, 1, null).reason());
    Route wide = Route.of(4096, 1, null);
    assertTrue(wide.truncated());
    assertTrue(wide.reason().startsWith("n + k = 4097 columns is more than TSQR's 4096"), wide.reason());
    assertEquals(Route.Kind.TSQR, Route.of(4096, 0, null).kind(), "pinv of 4096 columns");
    assertEquals(new Route(Route.Kind.TRUNCATED, "the rank is fixed at 5"), Route.of(10, 1, 5));
    // past TSQR, a least-squares solve without rank or derivatives goes to LSMR; pinv and derivatives do not
    assertEquals(Route.Kind.LSMR, Route.of(4096, 1, null, null, false).kind());
    assertEquals(Route.Kind.TRUNCATED, Route.of(4096, 1, null, null, true).kind(), "derivatives need a factorization");
    assertEquals(Route.Kind.TRUNCATED, Route.of(5000, 0, null, null, false).kind(), "pinv");
    assertEquals(Route.Kind.TRUNCATED, Route.of(5000, 1, 7, null, false).kind(), "a fixed rank");
    assertEquals(Route.Kind.TSQR, Route.of(4095, 1, null, null, false).kind());
  }

  /**
   * The in-driver routes' blocks: a cached A's, read from the local block store, are the collected ones in
   * partition order, and reading them releases the blocks (a blocking unpersist returns); an uncached A is
   * collected.
   */
  @Test
  void gatheredBlocksAreTheCachedOnesInPartitionOrder() {
    DoubleMatrix dense = TestMatrices.gaussian(50, 4, new Random(1));
    RowBlockMatrix cached = RowBlockMatrix.fromLocal(sc, dense, 3).persist();
    cached.blocks().count();
    List<RowBlock> gathered = DriverThreads.gather(cached);
    assertEquals(3, gathered.size());
    int next = 0;
    for (RowBlock block : gathered) {
      assertEquals(next, block.firstRow(), "partition order");
      assertEquals(dense.rowRange(next, next + block.dense().rows()), block.dense());
      next += block.dense().rows();
    }
    assertEquals(50, next);
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> cached.blocks().unpersist(true), "no lock left held");
    List<RowBlock> collected = DriverThreads.gather(RowBlockMatrix.fromLocal(sc, dense, 2));
    assertEquals(2, collected.size());
    assertEquals(dense.rowRange(0, collected.get(0).dense().rows()), collected.get(0).dense());
  }
}
