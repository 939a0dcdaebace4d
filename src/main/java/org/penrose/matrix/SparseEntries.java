package org.penrose.matrix;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * A growable list of matrix entries {@code (row, column, value)} (0-based; duplicates allowed and
 * summed when densified), in primitive arrays: the unit in which sparse inputs (Matrix Market
 * coordinate files, MLlib's {@code CoordinateMatrix}) travel before they become dense row blocks.
 */
public final class SparseEntries implements Serializable {
  private static final long serialVersionUID = 1L;

  private long[] rows;
  private int[] cols;
  private double[] values;
  private int size;

  public SparseEntries() {
    this(16);
  }

  public SparseEntries(int capacity) {
    rows = new long[Math.max(1, capacity)];
    cols = new int[rows.length];
    values = new double[rows.length];
  }

  public void add(long row, int col, double value) {
    if (size == rows.length) {
      int grown = Math.max(16, (int) Math.min(Integer.MAX_VALUE - 8, 2L * size));
      if (grown == size) {
        throw new IllegalStateException("more than " + size + " entries in one chunk");
      }
      rows = Arrays.copyOf(rows, grown);
      cols = Arrays.copyOf(cols, grown);
      values = Arrays.copyOf(values, grown);
    }
    rows[size] = row;
    cols[size] = col;
    values[size] = value;
    size++;
  }

  public int size() {
    return size;
  }

  public long row(int k) {
    return rows[k];
  }

  public int col(int k) {
    return cols[k];
  }

  public double value(int k) {
    return values[k];
  }

  /**
   * The entries of the transpose: {@code (row, col, value)} becomes {@code (col, row, value)}.
   *
   * @throws IllegalArgumentException when a row index does not fit a column index ({@code int})
   */
  public SparseEntries transposed() {
    SparseEntries t = new SparseEntries(size);
    for (int k = 0; k < size; k++) {
      if (rows[k] > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("row " + rows[k] + " is too large to become a column index");
      }
      t.add(cols[k], (int) rows[k], values[k]);
    }
    return t;
  }

  /**
   * The entries split by row ranges: part {@code p} holds the entries with
   * {@code starts[p] <= row < starts[p+1]} (in their original order).
   */
  public SparseEntries[] splitByRows(long[] starts) {
    int parts = starts.length - 1;
    SparseEntries[] out = new SparseEntries[parts];
    for (int k = 0; k < size; k++) {
      int p = partOf(starts, rows[k]);
      if (out[p] == null) {
        out[p] = new SparseEntries();
      }
      out[p].add(rows[k], cols[k], values[k]);
    }
    return out;
  }

  /** The entries of {@code parts} one list after the other, in order. */
  public static SparseEntries concat(List<SparseEntries> parts) {
    long total = 0;
    for (SparseEntries part : parts) {
      total += part.size;
    }
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("more than " + (Integer.MAX_VALUE - 8) + " entries in one chunk");
    }
    SparseEntries out = new SparseEntries((int) total);
    for (SparseEntries part : parts) {
      System.arraycopy(part.rows, 0, out.rows, out.size, part.size);
      System.arraycopy(part.cols, 0, out.cols, out.size, part.size);
      System.arraycopy(part.values, 0, out.values, out.size, part.size);
      out.size += part.size;
    }
    return out;
  }

  /** The range index {@code p} with {@code starts[p] <= row < starts[p+1]} (binary search). */
  public static int partOf(long[] starts, long row) {
    int p = Arrays.binarySearch(starts, row);
    if (p < 0) {
      p = -p - 2;
    } else {
      while (p + 1 < starts.length - 1 && starts[p + 1] == row) {
        p++; // empty ranges share a start: the row belongs to the last of them
      }
    }
    return p;
  }

  /**
   * Adds the entries of rows {@code [firstRow, firstRow + block.rows())} into a dense block
   * (summing duplicates).
   */
  public void addTo(DoubleMatrix block, long firstRow) {
    int b = block.rows();
    double[] v = block.values();
    for (int k = 0; k < size; k++) {
      long i = rows[k] - firstRow;
      if (i < 0 || i >= b || cols[k] < 0 || cols[k] >= block.cols()) {
        throw new IllegalArgumentException("entry (" + rows[k] + ", " + cols[k] + ") is outside the block of rows ["
            + firstRow + ", " + (firstRow + b) + ") x " + block.cols() + " columns");
      }
      v[(int) i + cols[k] * b] += values[k];
    }
  }
}
