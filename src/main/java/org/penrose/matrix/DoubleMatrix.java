package org.penrose.matrix;

import java.util.Arrays;

/**
 * A dense real matrix stored column-major in one {@code double[]}, as LAPACK wants it:
 * entry {@code (i, j)} is {@code values[i + j * rows]} and the leading dimension is {@code rows}.
 *
 * <p>The backing array is shared, not copied, by {@link #columnMajor} and {@link #values()}:
 * kernels write into it directly. Products go through BLAS {@code dgemm} ({@link Lapack#gemm}).
 * As a {@link MatrixBlock} it is the dense kind of row block ({@link CsrMatrix} is the sparse one).
 */
public final class DoubleMatrix implements MatrixBlock {
  private static final long serialVersionUID = 1L;

  /** Largest number of entries one Java array (hence one dense block) can hold. */
  public static final long MAX_ENTRIES = Integer.MAX_VALUE - 8;

  private final int rows;
  private final int cols;
  private final double[] values;

  private DoubleMatrix(int rows, int cols, double[] values) {
    this.rows = rows;
    this.cols = cols;
    this.values = values;
  }

  /** An all-zero {@code rows x cols} matrix. */
  public static DoubleMatrix zeros(int rows, int cols) {
    return new DoubleMatrix(rows, cols, new double[checkedSize(rows, cols)]);
  }

  /** Wraps (does not copy) column-major {@code values} of a {@code rows x cols} matrix. */
  public static DoubleMatrix columnMajor(int rows, int cols, double[] values) {
    int size = checkedSize(rows, cols);
    if (values.length != size) {
      throw new IllegalArgumentException(
          "a " + rows + " x " + cols + " matrix needs " + size + " values, got " + values.length);
    }
    return new DoubleMatrix(rows, cols, values);
  }

  /**
   * Copies row-major nested arrays (what JSON and SQL arrays give) into a matrix.
   *
   * @param cols the column count, used when there are no rows (a 0 x cols matrix)
   * @throws IllegalArgumentException naming the first row whose length differs from {@code cols}
   */
  public static DoubleMatrix fromRows(double[][] rowArrays, int cols) {
    int rows = rowArrays.length;
    DoubleMatrix result = zeros(rows, cols);
    for (int i = 0; i < rows; i++) {
      if (rowArrays[i].length != cols) {
        throw new IllegalArgumentException(
            "ragged rows: row " + i + " has " + rowArrays[i].length + " values, expected " + cols);
      }
      for (int j = 0; j < cols; j++) {
        result.values[i + j * rows] = rowArrays[i][j];
      }
    }
    return result;
  }

  /** Copies row-major nested arrays; the column count is taken from the first row. */
  public static DoubleMatrix fromRows(double[][] rowArrays) {
    return fromRows(rowArrays, rowArrays.length == 0 ? 0 : rowArrays[0].length);
  }

  /** The {@code n x n} identity. */
  public static DoubleMatrix identity(int n) {
    DoubleMatrix result = zeros(n, n);
    for (int i = 0; i < n; i++) {
      result.values[i + i * n] = 1.0;
    }
    return result;
  }

  /** A column vector ({@code values.length x 1}) wrapping {@code values}. */
  public static DoubleMatrix column(double[] values) {
    return new DoubleMatrix(values.length, 1, values);
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int cols() {
    return cols;
  }

  @Override
  public boolean isSparse() {
    return false;
  }

  @Override
  public long storedEntries() {
    return (long) rows * cols;
  }

  /** This matrix (it is dense already). */
  @Override
  public DoubleMatrix dense() {
    return this;
  }

  @Override
  public SparseEntries entries(long firstRow) {
    SparseEntries e = new SparseEntries((int) Math.min(Integer.MAX_VALUE - 8, Math.max(1L, (long) rows * cols)));
    for (int j = 0; j < cols; j++) {
      for (int i = 0; i < rows; i++) {
        e.add(firstRow + i, j, values[i + j * rows]);
      }
    }
    return e;
  }

  /** The backing column-major array (shared, not a copy). */
  public double[] values() {
    return values;
  }

  public double get(int i, int j) {
    return values[i + j * rows];
  }

  public void set(int i, int j, double value) {
    values[i + j * rows] = value;
  }

  /** {@code "rows x cols"}, for messages. */
  @Override
  public String shape() {
    return rows + " x " + cols;
  }

  public DoubleMatrix copy() {
    return new DoubleMatrix(rows, cols, values.clone());
  }

  public DoubleMatrix transpose() {
    DoubleMatrix result = zeros(cols, rows);
    for (int j = 0; j < cols; j++) {
      for (int i = 0; i < rows; i++) {
        result.values[j + i * cols] = values[i + j * rows];
      }
    }
    return result;
  }

  /** Row {@code i} as a new array of {@code cols} values. */
  public double[] row(int i) {
    double[] r = new double[cols];
    for (int j = 0; j < cols; j++) {
      r[j] = values[i + j * rows];
    }
    return r;
  }

  /** Row-major nested arrays (a copy). */
  public double[][] toRows() {
    double[][] result = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        result[i][j] = values[i + j * rows];
      }
    }
    return result;
  }

  /** Columns {@code [from, to)} as a new matrix. */
  public DoubleMatrix columns(int from, int to) {
    DoubleMatrix result = zeros(rows, to - from);
    System.arraycopy(values, from * rows, result.values, 0, (to - from) * rows);
    return result;
  }

  /** Rows {@code [from, to)} as a new matrix. */
  @Override
  public DoubleMatrix rowRange(int from, int to) {
    int count = to - from;
    DoubleMatrix result = zeros(count, cols);
    for (int j = 0; j < cols; j++) {
      System.arraycopy(values, from + j * rows, result.values, j * count, count);
    }
    return result;
  }

  /** {@code this * other} (BLAS dgemm). */
  @Override
  public DoubleMatrix times(DoubleMatrix other) {
    return Lapack.gemm(false, false, 1.0, this, other);
  }

  /** {@code this^T * other} (BLAS dgemm). */
  @Override
  public DoubleMatrix transposeTimes(DoubleMatrix other) {
    return Lapack.gemm(true, false, 1.0, this, other);
  }

  /**
   * {@code this^T * this} ({@code cols x cols}, both triangles) by BLAS {@code dsyrk}: half the work of {@code
   * transposeTimes(this)}.
   */
  public DoubleMatrix gram() {
    return gramOfTopRows(rows);
  }

  /** {@link #gram} of the first {@code top} rows only. */
  public DoubleMatrix gramOfTopRows(int top) {
    DoubleMatrix g = zeros(cols, cols);
    if (top > 0 && cols > 0) {
      Lapack.blas().dsyrk("U", "T", cols, top, 1.0, values, 0, rows, 0.0, g.values, 0, cols);
    }
    g.copyUpperToLower();
    return g;
  }

  /** Makes a square matrix symmetric from its upper triangle (what {@code dsyrk "U"} fills). */
  public void copyUpperToLower() {
    for (int j = 0; j < cols; j++) {
      for (int i = j + 1; i < rows; i++) {
        values[i + j * rows] = values[j + i * rows];
      }
    }
  }

  /** {@code this * other^T} (BLAS dgemm). */
  public DoubleMatrix timesTranspose(DoubleMatrix other) {
    return Lapack.gemm(false, true, 1.0, this, other);
  }

  /** {@code this + alpha * other}, a new matrix of the same shape. */
  public DoubleMatrix plusScaled(double alpha, DoubleMatrix other) {
    requireSameShape("this", this, "other", other);
    double[] result = values.clone();
    for (int i = 0; i < result.length; i++) {
      result[i] += alpha * other.values[i];
    }
    return new DoubleMatrix(rows, cols, result);
  }

  /** {@code this += other}, in place (same shape). */
  public void addInPlace(DoubleMatrix other) {
    requireSameShape("this", this, "other", other);
    for (int i = 0; i < values.length; i++) {
      values[i] += other.values[i];
    }
  }

  /** {@code alpha * this}, a new matrix. */
  public DoubleMatrix scaled(double alpha) {
    double[] result = values.clone();
    for (int i = 0; i < result.length; i++) {
      result[i] *= alpha;
    }
    return new DoubleMatrix(rows, cols, result);
  }

  /** Largest absolute entry (0 for an empty matrix). */
  public double maxAbs() {
    double max = 0.0;
    for (double v : values) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }

  /** {@code sum_{i = from}^{to - 1} this_ij^2}, summed in row order. */
  public double columnSumOfSquares(int j, int from, int to) {
    double sum = 0.0;
    for (int i = from; i < to; i++) {
      double v = values[i + j * rows];
      sum += v * v;
    }
    return sum;
  }

  /** {@code sum_i values_i^2}, summed in order. */
  public static double sumOfSquares(double[] values) {
    double sum = 0.0;
    for (double v : values) {
      sum += v * v;
    }
    return sum;
  }

  /** Frobenius inner product {@code sum_ij this_ij * other_ij}. */
  public double dot(DoubleMatrix other) {
    requireSameShape("this", this, "other", other);
    double sum = 0.0;
    for (int i = 0; i < values.length; i++) {
      sum += values[i] * other.values[i];
    }
    return sum;
  }

  /**
   * Rejects NaN and infinite entries.
   *
   * @param name the argument's name, used in the message
   * @return this matrix
   * @throws IllegalArgumentException naming the first non-finite entry (0-based row and column)
   */
  @Override
  public DoubleMatrix requireFinite(String name) {
    int p = firstNonFinite();
    if (p >= 0) {
      throw new InvalidInputException(
          name + " has a non-finite value " + values[p] + " at row " + p % rows + ", column " + p / rows
              + " (0-based; " + name + " is " + shape() + ")");
    }
    return this;
  }

  /** The column-major index of the first NaN or infinite entry, or -1 when every entry is finite. */
  public int firstNonFinite() {
    for (int p = 0; p < values.length; p++) {
      if (!Double.isFinite(values[p])) {
        return p;
      }
    }
    return -1;
  }

  /** Throws unless {@code b} has the shape of {@code a}; the message names both shapes. */
  public static void requireSameShape(String nameA, DoubleMatrix a, String nameB, DoubleMatrix b) {
    if (a.rows != b.rows || a.cols != b.cols) {
      throw new InvalidInputException(
          "shape mismatch: " + nameB + " is " + b.shape() + " but must match " + nameA + ", which is "
              + a.shape());
    }
  }

  /** Throws unless the matrix is {@code rows x cols}; the message names both shapes. */
  public DoubleMatrix requireShape(String name, int expectedRows, int expectedCols, String why) {
    if (rows != expectedRows || cols != expectedCols) {
      throw new IllegalArgumentException(
          "shape mismatch: " + name + " is " + shape() + " but must be " + expectedRows + " x "
              + expectedCols + " (" + why + ")");
    }
    return this;
  }

  static int checkedSize(int rows, int cols) {
    if (rows < 0 || cols < 0) {
      throw new InvalidInputException("negative matrix dimension: " + rows + " x " + cols);
    }
    long size = (long) rows * cols;
    if (size > MAX_ENTRIES) {
      throw new IllegalArgumentException(
          "a " + rows + " x " + cols + " matrix has " + size + " entries, more than one dense block"
              + " can hold (" + MAX_ENTRIES + "); use the distributed row-block path");
    }
    return (int) size;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DoubleMatrix)) {
      return false;
    }
    DoubleMatrix other = (DoubleMatrix) o;
    return rows == other.rows && cols == other.cols && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * rows + cols) + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("DoubleMatrix(").append(shape()).append(")");
    if ((long) rows * cols <= 64) {
      for (int i = 0; i < rows; i++) {
        sb.append(i == 0 ? " [" : ", ").append(Arrays.toString(toRows()[i]));
      }
      if (rows > 0) {
        sb.append("]");
      }
    }
    return sb.toString();
  }
}
