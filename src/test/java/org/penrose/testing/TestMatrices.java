package org.penrose.testing;

import java.util.Random;
import org.penrose.check.RandomMatrices;
import org.penrose.linalg.DoubleMatrix;

/** Random test matrices from a seeded generator. */
public final class TestMatrices {
  private TestMatrices() {}

  public static DoubleMatrix gaussian(int rows, int cols, Random random) {
    return RandomMatrices.gaussian(rows, cols, random);
  }

  public static double[] gaussian(int length, Random random) {
    return gaussian(length, 1, random).values();
  }

  /** A {@code rows x cols} matrix with orthonormal columns (Gram–Schmidt, applied twice). */
  public static DoubleMatrix orthonormalColumns(int rows, int cols, Random random) {
    DoubleMatrix q = gaussian(rows, cols, random);
    for (int pass = 0; pass < 2; pass++) {
      for (int j = 0; j < cols; j++) {
        for (int p = 0; p < j; p++) {
          double dot = 0;
          for (int i = 0; i < rows; i++) {
            dot += q.get(i, p) * q.get(i, j);
          }
          for (int i = 0; i < rows; i++) {
            q.set(i, j, q.get(i, j) - dot * q.get(i, p));
          }
        }
        double norm = 0;
        for (int i = 0; i < rows; i++) {
          norm += q.get(i, j) * q.get(i, j);
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < rows; i++) {
          q.set(i, j, q.get(i, j) / norm);
        }
      }
    }
    return q;
  }

  /** {@code [vec(X); vec(Y)]}, the parameter vector of {@code ParametrizedMatrix.outerProduct}. */
  public static double[] concat(DoubleMatrix x, DoubleMatrix y) {
    double[] theta = new double[x.values().length + y.values().length];
    System.arraycopy(x.values(), 0, theta, 0, x.values().length);
    System.arraycopy(y.values(), 0, theta, x.values().length, y.values().length);
    return theta;
  }

  /** Largest absolute entrywise difference divided by the largest absolute entry of {@code expected}. */
  public static double relativeError(DoubleMatrix got, DoubleMatrix expected) {
    DoubleMatrix.requireSameShape("expected", expected, "got", got);
    double num = 0;
    for (int i = 0; i < got.values().length; i++) {
      num = Math.max(num, Math.abs(got.values()[i] - expected.values()[i]));
    }
    double den = expected.maxAbs();
    return den > 0 ? num / den : num;
  }

  /** The number of entries that are not zero. */
  public static long nonzeros(DoubleMatrix m) {
    long count = 0;
    for (double v : m.values()) {
      if (v != 0.0) {
        count++;
      }
    }
    return count;
  }
}
