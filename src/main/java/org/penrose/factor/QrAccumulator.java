package org.penrose.factor;

import java.io.Serializable;
import org.penrose.matrix.DoubleMatrix;

/**
 * Builds the QR triangle of a matrix streamed one row at a time: rows are staged in a block of
 * {@link #STAGED_ROWS} (at least {@code c}) and folded into the triangle with one Householder QR
 * when the block is full, so memory stays {@code O(c^2)} and the work is BLAS-3. Two accumulators
 * merge by stacking their triangles ({@link QrTriangle#merge}); the result depends on the order in
 * which rows were added and accumulators merged, which the callers fix when they need the same bits.
 */
public final class QrAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Rows staged before a fold (more when the row is wider). */
  public static final int STAGED_ROWS = 256;

  private final int cols;
  private QrTriangle triangle;
  private double[] staged; // row-major, capacity x cols
  private int stagedRows;
  private long rows;

  public QrAccumulator(int cols) {
    if (cols < 0) {
      throw new IllegalArgumentException("negative column count " + cols);
    }
    this.cols = cols;
    this.triangle = QrTriangle.empty(cols);
  }

  public int cols() {
    return cols;
  }

  /** Rows added so far (including merged accumulators). */
  public long rows() {
    return rows;
  }

  /** Appends one row of {@code cols} values (the caller checks they are finite). */
  public void add(double[] row) {
    if (row.length != cols) {
      throw new IllegalArgumentException("a row of " + row.length + " values added to a triangle of " + cols
          + " columns");
    }
    if (staged == null) {
      staged = new double[Math.max(STAGED_ROWS, cols) * cols];
    }
    System.arraycopy(row, 0, staged, stagedRows * cols, cols);
    stagedRows++;
    rows++;
    if (stagedRows * cols == staged.length) {
      fold();
    }
  }

  /** Folds the staged rows into the triangle. */
  private void fold() {
    if (stagedRows == 0) {
      return;
    }
    DoubleMatrix block = DoubleMatrix.zeros(stagedRows, cols);
    for (int i = 0; i < stagedRows; i++) {
      for (int j = 0; j < cols; j++) {
        block.set(i, j, staged[i * cols + j]);
      }
    }
    triangle = triangle.append(block);
    stagedRows = 0;
  }

  /** Adds the rows of {@code other} after this accumulator's rows; returns this. */
  public QrAccumulator merge(QrAccumulator other) {
    if (other.cols != cols) {
      throw new IllegalArgumentException("cannot merge triangles of " + cols + " and " + other.cols + " columns");
    }
    fold();
    other.fold();
    triangle = triangle.merge(other.triangle);
    rows += other.rows;
    return this;
  }

  /** The triangle of every row added. */
  public QrTriangle triangle() {
    fold();
    return triangle;
  }
}
