package org.penrose.factor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;
import org.penrose.testing.TestMatrices;

/** The recursive leaf QR against LAPACK's {@code dgeqrf}: the same {@code R}, and {@code R^T R = A^T A}. */
class RecursiveQrTest {
  @Test
  void givesDgeqrfsTriangleOnEveryShape() {
    Random random = new Random(3);
    int[][] shapes = {{1, 1}, {5, 5}, {9, 8}, {9, 9}, {40, 17}, {100, 33}, {101, 101}, {2048, 101}, {3000, 64},
        {500, 250}};
    for (int[] shape : shapes) {
      int m = shape[0];
      int n = shape[1];
      DoubleMatrix a = TestMatrices.gaussian(m, n, random);
      DoubleMatrix reference = a.copy();
      Lapack.geqrf(reference);
      double[] values = new double[m * n + RecursiveQr.padding(n)];
      System.arraycopy(a.values(), 0, values, 0, m * n);
      RecursiveQr.factor(values, 0, m, m, n, new double[n * n + RecursiveQr.padding(n)], new double[n]);
      DoubleMatrix r = DoubleMatrix.zeros(n, n);
      DoubleMatrix expected = DoubleMatrix.zeros(n, n);
      for (int j = 0; j < n; j++) {
        for (int i = 0; i <= j; i++) {
          r.set(i, j, values[i + j * m]);
          expected.set(i, j, reference.get(i, j));
        }
      }
      double error = TestMatrices.relativeError(r, expected);
      assertTrue(error < 1e-13, m + " x " + n + ": R differs from dgeqrf's by " + error);
      double gram = TestMatrices.relativeError(r.transposeTimes(r), a.transposeTimes(a));
      assertTrue(gram < 1e-13, m + " x " + n + ": R^T R differs from A^T A by " + gram);
    }
  }

  @Test
  void refusesWideOrUnpaddedInput() {
    assertThrows(IllegalArgumentException.class,
        () -> RecursiveQr.factor(new double[20 + 5], 0, 4, 4, 5, new double[30], new double[5]));
    assertThrows(IllegalArgumentException.class,
        () -> RecursiveQr.factor(new double[40], 0, 8, 8, 5, new double[30], new double[5]));
  }
}
