package org.penrose.testing;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.penrose.check.RandomMatrices;
import org.penrose.engine.BlockStarts;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.CsrMatrix;
import org.penrose.matrix.DoubleMatrix;

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

  /**
   * The exact least-squares solution {@code x} of {@code min ||A x - b||} for a full-column-rank
   * {@code A} and one right-hand side, and its residual sum of squares: the normal equations of the
   * doubles as given, formed exactly in decimal arithmetic and solved by Gaussian elimination with
   * {@code digits} digits (an independent reference for double-precision solvers).
   *
   * @return {@code n + 1} values: {@code x}, then {@code ||b - A x||^2}
   */
  public static BigDecimal[] exactLeastSquares(DoubleMatrix a, double[] b, int digits) {
    int m = a.rows();
    int p = a.cols();
    MathContext mc = new MathContext(digits);
    BigDecimal[][] normal = new BigDecimal[p][p + 1];
    BigDecimal bb = BigDecimal.ZERO;
    for (int i = 0; i < m; i++) {
      BigDecimal v = new BigDecimal(b[i]);
      bb = bb.add(v.multiply(v));
    }
    for (int r = 0; r < p; r++) {
      for (int c = 0; c <= p; c++) {
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 0; i < m; i++) {
          sum = sum.add(new BigDecimal(a.get(i, r)).multiply(new BigDecimal(c == p ? b[i] : a.get(i, c))));
        }
        normal[r][c] = sum;
      }
    }
    BigDecimal[] rhs = new BigDecimal[p];
    for (int r = 0; r < p; r++) {
      rhs[r] = normal[r][p];
    }
    for (int c = 0; c < p; c++) { // Gaussian elimination (the Gram matrix is positive definite)
      for (int r = c + 1; r < p; r++) {
        BigDecimal f = normal[r][c].divide(normal[c][c], mc);
        for (int k = c; k <= p; k++) {
          normal[r][k] = normal[r][k].subtract(f.multiply(normal[c][k]), mc);
        }
      }
    }
    BigDecimal[] out = new BigDecimal[p + 1];
    for (int c = p - 1; c >= 0; c--) {
      BigDecimal sum = normal[c][p];
      for (int k = c + 1; k < p; k++) {
        sum = sum.subtract(normal[c][k].multiply(out[k]), mc);
      }
      out[c] = sum.divide(normal[c][c], mc);
    }
    // ||b - A x||^2 = b^T b - x^T A^T b at the exact solution
    BigDecimal rss = bb;
    for (int c = 0; c < p; c++) {
      rss = rss.subtract(out[c].multiply(rhs[c]), mc);
    }
    out[p] = rss;
    return out;
  }

  /** A sparse row-block matrix (CSR blocks) holding {@code dense}'s nonzeros. */
  public static RowBlockMatrix sparseBlocks(JavaSparkContext sc, DoubleMatrix dense, int parts) {
    long[] starts = BlockStarts.balanced(dense.rows(), parts);
    List<RowBlock> blocks = new ArrayList<>();
    for (int p = 0; p + 1 < starts.length; p++) {
      DoubleMatrix rows = dense.rowRange((int) starts[p], (int) starts[p + 1]);
      int[] rowStart = new int[rows.rows() + 1];
      List<Integer> cols = new ArrayList<>();
      List<Double> values = new ArrayList<>();
      for (int i = 0; i < rows.rows(); i++) {
        for (int j = 0; j < rows.cols(); j++) {
          if (rows.get(i, j) != 0) {
            cols.add(j);
            values.add(rows.get(i, j));
          }
        }
        rowStart[i + 1] = cols.size();
      }
      int[] colIndex = cols.stream().mapToInt(Integer::intValue).toArray();
      double[] stored = values.stream().mapToDouble(Double::doubleValue).toArray();
      blocks.add(new RowBlock(starts[p], CsrMatrix.of(rows.rows(), rows.cols(), rowStart, colIndex, stored)));
    }
    return RowBlockMatrix.fromLocalBlocks(sc, blocks, starts, dense.cols());
  }
}
