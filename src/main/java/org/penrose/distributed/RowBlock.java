package org.penrose.distributed;

import java.io.Serializable;
import org.penrose.linalg.DoubleMatrix;

/**
 * One contiguous row block of a distributed matrix: rows {@code [firstRow, firstRow + rows)} of
 * the whole matrix, stored as a dense column-major {@link DoubleMatrix} ({@code rows x n}), so that
 * every kernel on it is one BLAS-3/LAPACK call.
 */
public final class RowBlock implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long firstRow;
  private final DoubleMatrix values;

  public RowBlock(long firstRow, DoubleMatrix values) {
    if (firstRow < 0) {
      throw new IllegalArgumentException("negative first row " + firstRow);
    }
    this.firstRow = firstRow;
    this.values = values;
  }

  /** Index of the block's first row in the whole matrix (0-based). */
  public long firstRow() {
    return firstRow;
  }

  /** Number of rows in the block. */
  public int rows() {
    return values.rows();
  }

  /** The block's values ({@code rows x n}, column-major). */
  public DoubleMatrix values() {
    return values;
  }

  /** {@code "[first, end)"}, for messages. */
  public String range() {
    return "[" + firstRow + ", " + (firstRow + values.rows()) + ")";
  }

  /** The same row range holding {@code other} values (e.g. a result row-aligned with this block). */
  public RowBlock withValues(DoubleMatrix other) {
    if (other.rows() != values.rows()) {
      throw new IllegalArgumentException("a block for rows " + range() + " cannot hold " + other.rows() + " rows");
    }
    return new RowBlock(firstRow, other);
  }
}
