package org.penrose.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.penrose.blas.BlasBackend;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.OracleCase;

/**
 * Every public oracle case through the local kernels, all six fields at the stored tolerances,
 * compared as {@code check.py} compares them. The results are also written to
 * {@code target/oracle-results/local-native/} (or {@code local-java/}) so that {@code python3 data/oracle/check.py
 * data/oracle/cases target/oracle-results/local-native} can check them independently.
 */
class OracleCasesTest {

  static List<OracleCase> cases() {
    return OracleCase.all();
  }

  /** The six fields computed by the local kernels. */
  static Map<String, DoubleMatrix> compute(OracleCase c) {
    PseudoInverse pi = PseudoInverse.of(c.a, c.cutoff());
    LeastSquares ls = LeastSquares.solve(c.a, c.b, c.cutoff());
    Gradient<DoubleMatrix> grad = ls.vjp(c.gx);
    Map<String, DoubleMatrix> got = new LinkedHashMap<>();
    got.put("pinv", pi.pinv());
    got.put("jvp", pi.jvp(c.dA));
    got.put("vjp_A", pi.vjp(c.g).a());
    got.put("lstsq_x", ls.solution());
    got.put("lstsq_grad_A", grad.a());
    got.put("lstsq_grad_b", grad.b());
    assertEquals(c.rank, pi.rank(), "pinv rank");
    assertEquals(c.rank, ls.rank(), "lstsq rank");
    return got;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void allSixFieldsWithinTheOracleTolerance(OracleCase c) {
    Map<String, DoubleMatrix> got = compute(c);
    c.writeResults(Paths.get("target", "oracle-results", BlasBackend.isNative() ? "local-native" : "local-java"), got);
    String failures = c.failures(got);
    assertTrue(failures.isEmpty(), c.name + ": " + failures);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void thresholdMatchesTheCase(OracleCase c) {
    PseudoInverse pi = PseudoInverse.of(c.a, c.cutoff());
    // The threshold is max(atol, rtol * s_max); s_max agrees with numpy's to a few ulps.
    assertEquals(c.threshold, pi.threshold(), 1e-12 * Math.max(c.threshold, 1e-300) + 1e-300);
    assertEquals(Math.min(c.m, c.n), pi.singularValues().length);
  }
}
