package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.OracleCase;
import org.penrose.testing.SparkTestSession;

/**
 * Every oracle case with {@code m >= n} through the distributed path at 1, 3 and 7 row blocks, all
 * six fields at the stored tolerances. With 7 blocks most cases have blocks with fewer rows than
 * columns, and the 1 x 1 case has empty blocks.
 */
class DistributedOracleTest extends SparkTestSession {

  static List<Arguments> cases() {
    List<Arguments> args = new ArrayList<>();
    for (OracleCase c : OracleCase.all()) {
      if (c.m >= c.n) {
        for (int parts : new int[] {1, 3, 7}) {
          args.add(Arguments.of(c, parts));
        }
      }
    }
    return args;
  }

  @ParameterizedTest(name = "{0}, {1} blocks")
  @MethodSource("cases")
  void allSixFieldsWithinTheOracleTolerance(OracleCase c, int parts) {
    RowBlockMatrix a = RowBlockMatrix.fromLocal(sc, c.a, parts).persist();
    RowBlockMatrix b = RowBlockMatrix.fromLocal(sc, c.b, parts);
    DistributedPinv pinv = DistributedPinv.factor(a, c.cutoff());
    DistributedLstsq lstsq = DistributedLstsq.solve(a, b, c.cutoff());
    DistributedLstsq.LowRankGradient grad = lstsq.vjp(c.gx);
    Map<String, DoubleMatrix> got = new LinkedHashMap<>();
    got.put("pinv", pinv.pinvTranspose().collectLocal().transpose());
    got.put("jvp", pinv.jvpTranspose(RowBlockMatrix.fromLocal(sc, c.dA, parts)).collectLocal().transpose());
    got.put("vjp_A", pinv.vjp(RowBlockMatrix.fromLocal(sc, c.g.transpose(), parts)).a().collectLocal());
    got.put("lstsq_x", lstsq.solution());
    got.put("lstsq_grad_A", grad.a().collectLocal());
    got.put("lstsq_grad_b", grad.b().collectLocal());
    assertEquals(c.rank, pinv.rank());
    assertEquals(c.rank, lstsq.rank());
    // P^T kept from the first pass or recomputed after it: the same bits
    assertEquals(got.get("pinv").transpose(), pinv.pinvTranspose(false).collectLocal(), c.name);
    if (parts == 3) {
      c.writeResults(Paths.get("target", "oracle-results", "distributed-3"), got);
    }
    String failures = c.failures(got);
    assertTrue(failures.isEmpty(), c.name + " at " + parts + " blocks: " + failures);
    a.unpersist();
  }
}
