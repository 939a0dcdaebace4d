package org.penrose.engine;

import java.io.Serializable;
import org.penrose.matrix.CsrMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.matrix.MatrixBlock;
import org.penrose.matrix.SparseEntries;

/**
 * One contiguous row block of a distributed matrix: rows {@code [firstRow, firstRow + rows)} of
 * the whole matrix, stored dense (a column-major {@link DoubleMatrix}, {@code rows x n}, so that
 * every kernel on it is one BLAS-3/LAPACK call) or sparse (a {@link CsrMatrix}, memory
 * {@code O(nonzeros)}), as the input was.
 */
public final class RowBlock implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long firstRow;
  private final MatrixBlock matrix;

  public RowBlock(long firstRow, MatrixBlock matrix) {
    if (firstRow < 0) {
      throw new InvalidInputException("negative first row " + firstRow);
    }
    this.firstRow = firstRow;
    this.matrix = matrix;
  }

  /** Index of the block's first row in the whole matrix (0-based). */
  public long firstRow() {
    return firstRow;
  }

  /** Number of rows in the block. */
  public int rows() {
    return matrix.rows();
  }

  /** The block's values, dense or sparse. */
  public MatrixBlock matrix() {
    return matrix;
  }

  /** True when the block is stored sparse (compressed rows). */
  public boolean isSparse() {
    return matrix.isSparse();
  }

  /**
   * The values of a dense block ({@code rows x n}, column-major).
   *
   * @throws IllegalStateException for a sparse block: call {@link #dense()} to densify it explicitly
   */
  public DoubleMatrix values() {
    if (matrix instanceof DoubleMatrix values) {
      return values;
    }
    throw new IllegalStateException("row block " + range() + " is not stored dense (" + matrix.storedEntries()
        + " stored entries of " + matrix.shape() + "); use matrix(), or dense() to densify it");
  }

  /** The values as a dense matrix, densifying a sparse block (which takes {@code rows x n x 8} bytes). */
  public DoubleMatrix dense() {
    return matrix.dense();
  }

  /**
   * Rejects NaN and infinite values.
   *
   * @param name the matrix's name, for the message
   * @throws IllegalArgumentException naming the first non-finite value by its row in the whole matrix
   */
  public RowBlock requireFinite(String name) {
    if (matrix instanceof CsrMatrix c) {
      for (int i = 0; i < c.rows(); i++) {
        for (int p = c.rowStart()[i]; p < c.rowStart()[i + 1]; p++) {
          requireFinite(name, c.values()[p], i, c.colIndex()[p]);
        }
      }
    } else if (matrix instanceof DoubleMatrix v) {
      int p = v.firstNonFinite(); // column-major: the first by column, then row
      if (p >= 0) {
        requireFinite(name, v.values()[p], p % v.rows(), p / v.rows());
      }
    } else {
      matrix.requireFinite(name);
    }
    return this;
  }

  private void requireFinite(String name, double value, int row, int col) {
    if (!Double.isFinite(value)) {
      throw new InvalidInputException(name + " has a non-finite value " + value + " at row " + (firstRow + row)
          + ", column " + col);
    }
  }

  /**
   * The block of rows {@code [firstRow, firstRow + rows)} holding {@code entries} (their rows in that range): a
   * CSR block built in entry order ({@link CsrMatrix#fromEntries}), or a dense one; checked finite. How the
   * row blocks of a Matrix Market file are built, in a task or on the driver.
   */
  public static RowBlock fromEntries(SparseEntries entries, long firstRow, int rows, int cols, boolean sparse) {
    MatrixBlock block;
    if (sparse) {
      block = CsrMatrix.fromEntries(entries, firstRow, rows, cols);
    } else {
      DoubleMatrix dense = DoubleMatrix.zeros(rows, cols);
      entries.addTo(dense, firstRow);
      block = dense;
    }
    return new RowBlock(firstRow, block).requireFinite("the entries");
  }

  /** {@code "[first, end)"}, for messages. */
  public String range() {
    return "[" + firstRow + ", " + (firstRow + matrix.rows()) + ")";
  }

  /** The same row range holding {@code other} values (e.g. a result row-aligned with this block). */
  public RowBlock withValues(MatrixBlock other) {
    if (other.rows() != matrix.rows()) {
      throw new InvalidInputException("a block for rows " + range() + " cannot hold " + other.rows() + " rows");
    }
    return new RowBlock(firstRow, other);
  }
}
