package org.penrose.matrix;

import java.util.Arrays;
import java.util.List;

/**
 * A sparse block in compressed sparse row form: row {@code i}'s entries are
 * {@code colIndex[rowStart[i] .. rowStart[i+1])} with {@code values} alongside, columns ascending
 * and distinct within a row. Memory is {@code O(rows + nonzeros)}, whatever the column count, so a
 * block of a 35,000-column one-hot design stays the size of its nonzeros.
 *
 * <p>Products with dense matrices work row by row on a row-major copy of the dense operand
 * ({@code O(nonzeros x k)} flops): {@code A x} visits each stored {@code a_ij} once and adds
 * {@code a_ij x_j.} to {@code y_i.}; {@code A^T y} adds {@code a_ij y_i.} to {@code z_j.}.
 */
public final class CsrMatrix implements MatrixBlock {
  private static final long serialVersionUID = 1L;

  private final int rows;
  private final int cols;
  private final int[] rowStart;
  private final int[] colIndex;
  private final double[] values;

  private CsrMatrix(int rows, int cols, int[] rowStart, int[] colIndex, double[] values) {
    this.rows = rows;
    this.cols = cols;
    this.rowStart = rowStart;
    this.colIndex = colIndex;
    this.values = values;
  }

  /**
   * Wraps (does not copy) compressed rows, checking their structure.
   *
   * @throws IllegalArgumentException for inconsistent arrays, columns out of range or not ascending
   */
  public static CsrMatrix of(int rows, int cols, int[] rowStart, int[] colIndex, double[] values) {
    if (rows < 0 || cols < 0 || rowStart.length != rows + 1 || rowStart[0] != 0
        || colIndex.length != values.length || rowStart[rows] != values.length) {
      throw new IllegalArgumentException("inconsistent compressed rows for a " + rows + " x " + cols + " block");
    }
    for (int i = 0; i < rows; i++) {
      if (rowStart[i + 1] < rowStart[i]) {
        throw new IllegalArgumentException("row " + i + " of a compressed block ends before it starts");
      }
      for (int p = rowStart[i]; p < rowStart[i + 1]; p++) {
        if (colIndex[p] < 0 || colIndex[p] >= cols || (p > rowStart[i] && colIndex[p] <= colIndex[p - 1])) {
          throw new IllegalArgumentException("row " + i + " of a compressed block has column " + colIndex[p]
              + " out of order or outside 0.." + (cols - 1));
        }
      }
    }
    return new CsrMatrix(rows, cols, rowStart, colIndex, values);
  }

  /**
   * The block of rows {@code [firstRow, firstRow + rows)} from matrix entries (0-based), duplicates
   * summed in the order the entries are given (so the same entries give the same bits).
   *
   * @throws IllegalArgumentException for an entry outside the block
   */
  public static CsrMatrix fromEntries(SparseEntries entries, long firstRow, int rows, int cols) {
    int[] rowStart = new int[rows + 1];
    for (int k = 0; k < entries.size(); k++) {
      long i = entries.row(k) - firstRow;
      int j = entries.col(k);
      if (i < 0 || i >= rows || j < 0 || j >= cols) {
        throw new IllegalArgumentException("entry (" + entries.row(k) + ", " + j + ") is outside the block of rows ["
            + firstRow + ", " + (firstRow + rows) + ") x " + cols + " columns");
      }
      rowStart[(int) i + 1]++;
    }
    for (int i = 0; i < rows; i++) {
      rowStart[i + 1] += rowStart[i];
    }
    // bucket by row keeping entry order (counting sort), straight into the stored arrays; a row whose columns
    // do not strictly increase in that order (another file order, or duplicates) is marked for sorting
    int total = rowStart[rows];
    int[] colIndex = new int[total];
    double[] vals = new double[total];
    int[] fill = Arrays.copyOf(rowStart, rows);
    boolean[] unordered = null;
    for (int k = 0; k < entries.size(); k++) {
      int i = (int) (entries.row(k) - firstRow);
      int place = fill[i]++;
      int j = entries.col(k);
      if (place > rowStart[i] && colIndex[place - 1] >= j) {
        if (unordered == null) {
          unordered = new boolean[rows];
        }
        unordered[i] = true;
      }
      colIndex[place] = j;
      vals[place] = entries.value(k);
    }
    return unordered == null ? new CsrMatrix(rows, cols, rowStart, colIndex, vals)
        : sortedRows(rows, cols, rowStart, colIndex, vals, unordered);
  }

  /**
   * The marked rows ordered by column, stably (a row's entries with one column stay in entry order), and their
   * duplicates summed in that order; the rows moved up over the room the duplicates leave.
   */
  private static CsrMatrix sortedRows(int rows, int cols, int[] bucketStart, int[] colIndex, double[] vals,
      boolean[] unordered) {
    int[] rowStart = new int[rows + 1];
    long[] keys = new long[0];
    double[] rowValues = new double[0];
    int stored = 0;
    for (int i = 0; i < rows; i++) {
      int from = bucketStart[i];
      int length = bucketStart[i + 1] - from;
      rowStart[i] = stored;
      if (!unordered[i]) {
        System.arraycopy(colIndex, from, colIndex, stored, length);
        System.arraycopy(vals, from, vals, stored, length);
        stored += length;
        continue;
      }
      // the key (column, place in the row's entry order), sorted as a primitive: a stable sort by column
      if (keys.length < length) {
        keys = new long[Math.max(length, 2 * keys.length)];
        rowValues = new double[keys.length];
      }
      for (int p = 0; p < length; p++) {
        keys[p] = (long) colIndex[from + p] << 32 | p;
      }
      System.arraycopy(vals, from, rowValues, 0, length);
      Arrays.sort(keys, 0, length);
      for (int p = 0; p < length; p++) { // stored <= from + p: the row's entries are read before they are overwritten
        int column = (int) (keys[p] >>> 32);
        double value = rowValues[(int) keys[p]];
        if (stored > rowStart[i] && colIndex[stored - 1] == column) {
          vals[stored - 1] += value;
        } else {
          colIndex[stored] = column;
          vals[stored] = value;
          stored++;
        }
      }
    }
    rowStart[rows] = stored;
    return new CsrMatrix(rows, cols, rowStart, Arrays.copyOf(colIndex, stored), Arrays.copyOf(vals, stored));
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
    return true;
  }

  @Override
  public long storedEntries() {
    return values.length;
  }

  /** Start of each row's entries, and the entry count at the end ({@code rows + 1} values; shared). */
  public int[] rowStart() {
    return rowStart;
  }

  /** Column of each stored entry (shared, do not modify). */
  public int[] colIndex() {
    return colIndex;
  }

  /** Value of each stored entry (shared). */
  public double[] values() {
    return values;
  }

  /** The same pattern holding {@code other} values (one per stored entry). */
  public CsrMatrix withValues(double[] other) {
    if (other.length != values.length) {
      throw new IllegalArgumentException("a block with " + values.length + " stored entries cannot hold "
          + other.length + " values");
    }
    return new CsrMatrix(rows, cols, rowStart, colIndex, other);
  }

  @Override
  public DoubleMatrix times(DoubleMatrix x) {
    if (x.rows() != cols) {
      throw new IllegalArgumentException("shape mismatch in product: " + shape() + " (sparse) times " + x.shape());
    }
    int k = x.cols();
    double[] xRows = RowMajor.of(x); // x_j. contiguous
    double[] out = new double[DoubleMatrix.checkedSize(rows, k)]; // row-major y_i.
    for (int i = 0; i < rows; i++) {
      gatherRow(i, xRows, k, out, i * k);
    }
    return RowMajor.toMatrix(out, rows, k);
  }

  @Override
  public DoubleMatrix transposeTimes(DoubleMatrix y) {
    if (y.rows() != rows) {
      throw new IllegalArgumentException("shape mismatch in product: (" + shape() + ")^T (sparse) times " + y.shape());
    }
    int k = y.cols();
    double[] yRows = RowMajor.of(y);
    double[] out = new double[DoubleMatrix.checkedSize(cols, k)]; // row-major z_j.
    for (int i = 0; i < rows; i++) {
      scatterRow(i, yRows, i * k, k, out);
    }
    return RowMajor.toMatrix(out, cols, k);
  }

  /**
   * Row {@code i} of {@code A x}: {@code t = sum_p a_ip x_(col p).} ({@code k} wide, row-major
   * {@code xRows}), written to {@code t[offset, offset + k)}. The three products share this and
   * {@link #scatterRow}, so whichever runs first compiles the inner loops for all of them.
   */
  private void gatherRow(int i, double[] xRows, int k, double[] t, int offset) {
    for (int p = rowStart[i]; p < rowStart[i + 1]; p++) {
      double a = values[p];
      int xBase = colIndex[p] * k;
      for (int c = 0; c < k; c++) {
        t[offset + c] += a * xRows[xBase + c];
      }
    }
  }

  /** Row {@code i}'s part of {@code A^T y}: {@code z_(col p). += a_ip t} for {@code t = y[offset, offset + k)}. */
  private void scatterRow(int i, double[] y, int offset, int k, double[] z) {
    for (int p = rowStart[i]; p < rowStart[i + 1]; p++) {
      double a = values[p];
      int base = colIndex[p] * k;
      for (int c = 0; c < k; c++) {
        z[base + c] += a * y[offset + c];
      }
    }
  }

  /**
   * {@code A^T (A x)} in one sweep over the rows: row {@code i} of {@code A x}, {@code t = sum_p a_ip
   * x_(col p).}, is formed and at once scattered back, {@code z_(col p). += a_ip t}; the row's entries
   * are read twice while in cache and {@code A x} is never stored.
   */
  @Override
  public DoubleMatrix normalTimes(DoubleMatrix x) {
    if (x.rows() != cols) {
      throw new IllegalArgumentException("shape mismatch in product: (" + shape() + ")^T (" + shape()
          + ") (sparse) times " + x.shape());
    }
    int k = x.cols();
    double[] out = new double[DoubleMatrix.checkedSize(cols, k)]; // row-major z_j.
    addNormalTimes(RowMajor.of(x), k, out);
    return RowMajor.toMatrix(out, cols, k);
  }

  /**
   * {@code z += A^T (A x)} in row-major storage ({@link RowMajor}): {@code xRows} and {@code zRows} both
   * {@code cols x k}; into a zero {@code zRows}, the bits of {@link #normalTimes}, for callers that keep
   * their buffers from one product to the next.
   */
  @Override
  public void addNormalTimes(double[] xRows, int k, double[] zRows) {
    RowMajor.requireOperands(xRows, zRows, cols, k, this);
    double[] t = new double[k];
    for (int i = 0; i < rows; i++) {
      Arrays.fill(t, 0.0);
      gatherRow(i, xRows, k, t, 0);
      scatterRow(i, t, 0, k, zRows);
    }
  }

  /**
   * The entries of {@code L R^T} at this block's stored positions: entry {@code (i, j)} is
   * {@code sum_c L_ic R_jc}, with {@code L} ({@code rows x q}) and {@code R} ({@code cols x q}). How a
   * low-rank gradient becomes the gradient with respect to the stored values.
   */
  public CsrMatrix lowRankAtEntries(DoubleMatrix left, DoubleMatrix right) {
    if (left.rows() != rows || right.rows() != cols || left.cols() != right.cols()) {
      throw new IllegalArgumentException("shape mismatch: L is " + left.shape() + " and R is " + right.shape()
          + " for a " + shape() + " block");
    }
    int q = left.cols();
    double[] l = RowMajor.of(left);
    double[] r = RowMajor.of(right);
    double[] out = new double[values.length];
    for (int i = 0; i < rows; i++) {
      for (int p = rowStart[i]; p < rowStart[i + 1]; p++) {
        int li = i * q;
        int rj = colIndex[p] * q;
        double sum = 0;
        for (int c = 0; c < q; c++) {
          sum += l[li + c] * r[rj + c];
        }
        out[p] = sum;
      }
    }
    return new CsrMatrix(rows, cols, rowStart, colIndex, out);
  }

  @Override
  public DoubleMatrix dense() {
    DoubleMatrix d = DoubleMatrix.zeros(rows, cols);
    double[] v = d.values();
    for (int i = 0; i < rows; i++) {
      for (int p = rowStart[i]; p < rowStart[i + 1]; p++) {
        v[i + colIndex[p] * rows] = values[p];
      }
    }
    return d;
  }

  @Override
  public CsrMatrix rowRange(int from, int to) {
    if (from < 0 || to > rows || from > to) {
      throw new IllegalArgumentException("rows [" + from + ", " + to + ") of a block of " + rows + " rows");
    }
    int start = rowStart[from];
    int end = rowStart[to];
    int[] starts = new int[to - from + 1];
    for (int i = 0; i <= to - from; i++) {
      starts[i] = rowStart[from + i] - start;
    }
    return new CsrMatrix(to - from, cols, starts, Arrays.copyOfRange(colIndex, start, end),
        Arrays.copyOfRange(values, start, end));
  }

  /** Blocks of the same column count stacked in order (rows of the first come first). */
  public static CsrMatrix stack(List<CsrMatrix> blocks, int cols) {
    int rows = 0;
    int stored = 0;
    for (CsrMatrix b : blocks) {
      if (b.cols != cols) {
        throw new IllegalArgumentException("cannot stack a block of " + b.cols + " columns onto " + cols);
      }
      rows += b.rows;
      stored += b.values.length;
    }
    int[] starts = new int[rows + 1];
    int[] colIndex = new int[stored];
    double[] vals = new double[stored];
    int row = 0;
    int offset = 0;
    for (CsrMatrix b : blocks) {
      for (int i = 0; i < b.rows; i++) {
        starts[row + i] = offset + b.rowStart[i];
      }
      System.arraycopy(b.colIndex, 0, colIndex, offset, b.values.length);
      System.arraycopy(b.values, 0, vals, offset, b.values.length);
      row += b.rows;
      offset += b.values.length;
    }
    starts[rows] = stored;
    return new CsrMatrix(rows, cols, starts, colIndex, vals);
  }

  @Override
  public SparseEntries entries(long firstRow) {
    SparseEntries e = new SparseEntries(Math.max(1, values.length));
    for (int i = 0; i < rows; i++) {
      for (int p = rowStart[i]; p < rowStart[i + 1]; p++) {
        e.add(firstRow + i, colIndex[p], values[p]);
      }
    }
    return e;
  }

  @Override
  public CsrMatrix requireFinite(String name) {
    for (int i = 0; i < rows; i++) {
      for (int p = rowStart[i]; p < rowStart[i + 1]; p++) {
        if (!Double.isFinite(values[p])) {
          throw new InvalidInputException(name + " has a non-finite value " + values[p] + " at row " + i
              + ", column " + colIndex[p] + " (0-based; " + name + " is " + shape() + ")");
        }
      }
    }
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CsrMatrix)) {
      return false;
    }
    CsrMatrix other = (CsrMatrix) o;
    return rows == other.rows && cols == other.cols && Arrays.equals(rowStart, other.rowStart)
        && Arrays.equals(colIndex, other.colIndex) && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * rows + cols) + Arrays.hashCode(colIndex)) + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return "CsrMatrix(" + shape() + ", " + values.length + " stored)";
  }

  @Override
  public CsrMatrix columnRange(int from, int to) {
    if (from < 0 || to > cols || from > to) {
      throw new IllegalArgumentException("columns [" + from + ", " + to + ") of a " + shape() + " matrix");
    }
    SparseEntries kept = new SparseEntries();
    for (int i = 0; i < rows; i++) {
      for (int p = rowStart[i]; p < rowStart[i + 1]; p++) {
        if (colIndex[p] >= from && colIndex[p] < to) {
          kept.add(i, colIndex[p] - from, values[p]);
        }
      }
    }
    return fromEntries(kept, 0, rows, to - from);
  }
}
