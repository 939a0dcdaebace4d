package org.penrose.factor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;
import org.penrose.testing.TestMatrices;

/** The small-matrix Jacobi SVD against LAPACK's dgesdd and against the defining identities. */
class JacobiSvdTest {

  private static void check(DoubleMatrix m) {
    Lapack.Svd jacobi = JacobiSvd.svd(m);
    Lapack.Svd lapack = Lapack.svd(m);
    double smax = lapack.s.length == 0 ? 0 : lapack.s[0];
    for (int k = 0; k < lapack.s.length; k++) {
      assertEquals(lapack.s[k], jacobi.s[k], 1e-14 * smax + 1e-300, "singular value " + k + " of " + m.shape());
    }
    // M = U diag(s) V^T over the nonzero singular values, and U, V orthonormal there
    DoubleMatrix us = jacobi.u.copy();
    for (int k = 0; k < jacobi.s.length; k++) {
      for (int i = 0; i < us.rows(); i++) {
        us.set(i, k, us.get(i, k) * jacobi.s[k]);
      }
    }
    DoubleMatrix rebuilt = us.timesTranspose(jacobi.v);
    assertTrue(rebuilt.plusScaled(-1, m).maxAbs() <= 1e-14 * Math.max(smax, 1e-300), "reconstruction of " + m.shape());
    DoubleMatrix utu = jacobi.u.transposeTimes(jacobi.u).plusScaled(-1, DoubleMatrix.identity(m.rows()));
    assertTrue(utu.maxAbs() < 1e-14, "U orthonormal");
    int nonzero = 0;
    while (nonzero < jacobi.s.length && jacobi.s[nonzero] > 1e-13 * smax) {
      nonzero++;
    }
    DoubleMatrix vk = jacobi.v.columns(0, nonzero);
    assertTrue(vk.transposeTimes(vk).plusScaled(-1, DoubleMatrix.identity(nonzero)).maxAbs() < 1e-13, "V orthonormal");
  }

  @ParameterizedTest(name = "{0} x {1}")
  @CsvSource({"1, 1", "1, 7", "3, 3", "4, 4", "4, 9", "8, 8", "16, 16", "12, 64"})
  void randomMatrices(int q, int n) {
    check(TestMatrices.gaussian(q, n, new Random(q * 100 + n)));
  }

  @ParameterizedTest(name = "scale {0}")
  @CsvSource({"1e-300", "1e-150", "1e-30", "1e30", "1e150", "1e300"})
  void extremeScales(double scale) {
    DoubleMatrix m = TestMatrices.gaussian(5, 6, new Random(3));
    for (int i = 0; i < m.values().length; i++) {
      m.values()[i] *= scale;
    }
    check(m);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"rank-deficient", "repeated", "zero", "graded"})
  void structuredMatrices(String kind) {
    Random random = new Random(11);
    DoubleMatrix m;
    switch (kind) {
      case "rank-deficient":
        m = TestMatrices.gaussian(6, 2, random).timesTranspose(TestMatrices.gaussian(8, 2, random));
        break;
      case "repeated": { // Q1 diag(1, 1, 1, .5, .5) Q2^T
        DoubleMatrix q1 = TestMatrices.orthonormalColumns(5, 5, random);
        DoubleMatrix q2 = TestMatrices.orthonormalColumns(7, 5, random);
        double[] d = {1, 1, 1, 0.5, 0.5};
        for (int j = 0; j < 5; j++) {
          for (int i = 0; i < 5; i++) {
            q1.set(i, j, q1.get(i, j) * d[j]);
          }
        }
        m = q1.timesTranspose(q2);
        assertArrayEquals(d, JacobiSvd.svd(m).s, 1e-15);
        break;
      }
      case "zero":
        m = DoubleMatrix.zeros(4, 6);
        assertArrayEquals(new double[4], JacobiSvd.svd(m).s, 0.0);
        break;
      default: { // singular values 1 .. 1e-12
        DoubleMatrix q1 = TestMatrices.orthonormalColumns(6, 6, random);
        for (int j = 0; j < 6; j++) {
          for (int i = 0; i < 6; i++) {
            q1.set(i, j, q1.get(i, j) * Math.pow(10, -2.4 * j));
          }
        }
        m = q1.timesTranspose(TestMatrices.orthonormalColumns(6, 6, random));
        break;
      }
    }
    check(m);
  }

  /**
   * A NaN reaching the small SVD (here through a triangle factored without the entry points' checks)
   * is an error, not rank 0: NaN compares false, so without the check the sweeps stop at once and the
   * cut-off keeps nothing.
   */
  @org.junit.jupiter.api.Test
  void aNonFiniteTriangleIsAnErrorNotRankZero() {
    DoubleMatrix a = TestMatrices.gaussian(40, 6, new Random(2));
    a.set(7, 3, Double.NaN);
    ArithmeticException e = org.junit.jupiter.api.Assertions.assertThrows(ArithmeticException.class,
        () -> PinvFactorization.fromTriangle(QrTriangle.ofBlock(a, null), 6, RankCutoff.DEFAULT));
    assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
  }
}
