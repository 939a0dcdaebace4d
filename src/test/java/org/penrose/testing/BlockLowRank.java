package org.penrose.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.penrose.engine.BlockStarts;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.SparseEntries;

/**
 * A sparse matrix of exact rank {@code r}, {@code A = sum_g x_g y_g^T}: row group {@code g} is the rows
 * {@code [g m / r, (g+1) m / r)} where {@code x_g} is dense, column group {@code g} holds {@code support}
 * random columns of {@code [g n / r, (g+1) n / r)} where {@code y_g} is nonzero. The groups are disjoint,
 * so everything is known in closed form: {@code s_g = |x_g| |y_g|}, {@code u_g = x_g / |x_g|},
 * {@code v_g = y_g / |y_g|}, and {@code pinv(A) b} restricted to group {@code g}'s columns is
 * {@code y_g (x_g . b_g) / (|x_g|^2 |y_g|^2)}. Moving {@code x} and {@code y} along {@code dx}, {@code dy}
 * keeps the pattern and the rank: a rank-preserving curve of sparse matrices.
 */
public final class BlockLowRank {
  public final int m;
  public final int n;
  public final int rank;
  public final double[] x;
  public final double[] y;
  public final double[] dx;
  public final double[] dy;
  private final int[] rowGroup;
  private final List<int[]> support = new ArrayList<>();

  public BlockLowRank(int m, int n, int rank, int supportPerGroup, long seed) {
    this.m = m;
    this.n = n;
    this.rank = rank;
    Random random = new Random(seed);
    x = new double[m];
    y = new double[n];
    dx = new double[m];
    dy = new double[n];
    rowGroup = new int[m];
    for (int g = 0; g < rank; g++) {
      for (int i = (int) ((long) g * m / rank); i < (long) (g + 1) * m / rank; i++) {
        rowGroup[i] = g;
        x[i] = random.nextGaussian() * (1 + g); // distinct singular values
        dx[i] = random.nextGaussian();
      }
      int first = (int) ((long) g * n / rank);
      int width = (int) ((long) (g + 1) * n / rank) - first;
      int[] cols = random.ints(first, first + width).distinct().limit(supportPerGroup).sorted().toArray();
      for (int j : cols) {
        y[j] = random.nextGaussian();
        dy[j] = random.nextGaussian();
      }
      support.add(cols);
    }
  }

  /** The entries of {@code A(h) = sum_g (x_g + h dx_g)(y_g + h dy_g)^T}. */
  public SparseEntries entries(double h) {
    SparseEntries e = new SparseEntries();
    for (int i = 0; i < m; i++) {
      for (int j : support.get(rowGroup[i])) {
        e.add(i, j, (x[i] + h * dx[i]) * (y[j] + h * dy[j]));
      }
    }
    return e;
  }

  /** The entries of the tangent {@code dA = sum_g dx_g y_g^T + x_g dy_g^T} (same pattern). */
  public SparseEntries tangent() {
    SparseEntries e = new SparseEntries();
    for (int i = 0; i < m; i++) {
      for (int j : support.get(rowGroup[i])) {
        e.add(i, j, dx[i] * y[j] + x[i] * dy[j]);
      }
    }
    return e;
  }

  /** {@code A(h)} (or a pattern-aligned matrix from {@code entries}) in {@code parts} sparse row blocks. */
  public RowBlockMatrix blocks(JavaSparkContext sc, SparseEntries entries, int parts) {
    List<SparseEntries> chunks = new ArrayList<>();
    long[] starts = BlockStarts.balanced(m, parts);
    SparseEntries[] split = entries.splitByRows(starts);
    for (SparseEntries s : split) {
      chunks.add(s == null ? new SparseEntries() : s);
    }
    return RowBlockMatrix.fromEntries(sc.parallelize(chunks, chunks.size()), m, n, starts, true);
  }

  /** The singular values, descending. */
  public double[] singularValues() {
    double[] s = new double[rank];
    for (int g = 0; g < rank; g++) {
      s[g] = Math.sqrt(groupSquares(x, g, true)) * Math.sqrt(groupSquares(y, g, false));
    }
    java.util.Arrays.sort(s);
    for (int i = 0; i < rank / 2; i++) {
      double t = s[i];
      s[i] = s[rank - 1 - i];
      s[rank - 1 - i] = t;
    }
    return s;
  }

  private double groupSquares(double[] v, int g, boolean rows) {
    double sum = 0;
    if (rows) {
      for (int i = 0; i < m; i++) {
        if (rowGroup[i] == g) {
          sum += v[i] * v[i];
        }
      }
    } else {
      for (int j : support.get(g)) {
        sum += v[j] * v[j];
      }
    }
    return sum;
  }

  /** {@code pinv(A) b} in closed form ({@code n x 1}). */
  public DoubleMatrix minimumNormSolution(DoubleMatrix b) {
    DoubleMatrix out = DoubleMatrix.zeros(n, 1);
    for (int g = 0; g < rank; g++) {
      double xb = 0;
      for (int i = 0; i < m; i++) {
        if (rowGroup[i] == g) {
          xb += x[i] * b.get(i, 0);
        }
      }
      double scale = xb / (groupSquares(x, g, true) * groupSquares(y, g, false));
      for (int j : support.get(g)) {
        out.set(j, 0, y[j] * scale);
      }
    }
    return out;
  }
}
