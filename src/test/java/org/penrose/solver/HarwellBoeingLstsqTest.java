package org.penrose.solver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.penrose.io.MatrixMarketFile;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.TestData;
import org.penrose.testing.TestMatrices;

/**
 * lstsq on the Harwell–Boeing least-squares problems (Saunders 1979) against their 20-digit
 * reference solutions (QR plus iterative refinement in exact rational arithmetic).
 */
class HarwellBoeingLstsqTest {

  @ParameterizedTest(name = "{0}")
  // measured 1.6e-14 / 1.8e-14 (well, cond 1.7e2) and 2.3e-13 / 4.2e-12 (illc, cond 1.9e4) on OpenBLAS / netlib Java
  @CsvSource({"well1033, 1e-12, 0.75215786915637739", "illc1033, 1e-10, 0.75215786869910"})
  void matchesTheReferenceSolution(String name, double tolerance, double residualNorm) throws IOException {
    DoubleMatrix a = MatrixMarketFile.read(TestData.path("sparse/hb_lsq/" + name + ".mtx.gz"));
    DoubleMatrix b = MatrixMarketFile.read(TestData.path("sparse/hb_lsq/" + name + "_rhs1.mtx.gz"));
    DoubleMatrix reference = MatrixMarketFile.read(TestData.path("reference/" + name + "_x_reference.mtx"));
    assertEquals("1033 x 320", a.shape());
    LeastSquares ls = LeastSquares.solve(a, b);
    double err = TestMatrices.relativeError(ls.solution(), reference);
    System.out.printf("%s: relative error %.3e (tolerance %.0e), rank %d%n", name, err, tolerance, ls.rank());
    assertEquals(320, ls.rank());
    assertTrue(err <= tolerance, name + ": relative error " + err);
    assertEquals(residualNorm, Math.sqrt(ls.residualSumOfSquares()[0]), 1e-12);
  }
}
