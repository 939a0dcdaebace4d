package org.penrose.matrix;

import java.io.Serializable;

/**
 * One block of rows of a matrix, stored dense ({@link DoubleMatrix}, column-major) or sparse
 * ({@link CsrMatrix}, compressed rows): what the kernels need from a block of {@code A}. Products
 * with dense matrices come back dense; {@link #dense()} densifies explicitly (and refuses what one
 * dense block cannot hold), so no route densifies a sparse block without saying so.
 */
public interface MatrixBlock extends Serializable {

  int rows();

  int cols();

  /** {@code "rows x cols"}, for messages. */
  default String shape() {
    return rows() + " x " + cols();
  }

  /** True for compressed sparse rows. */
  boolean isSparse();

  /** Stored entries: {@code rows x cols} when dense, the nonzero pattern's size when sparse. */
  long storedEntries();

  /** {@code this * x} ({@code rows x k}) for a dense {@code x} ({@code cols x k}). */
  DoubleMatrix times(DoubleMatrix x);

  /** {@code this^T * y} ({@code cols x k}) for a dense {@code y} ({@code rows x k}). */
  DoubleMatrix transposeTimes(DoubleMatrix y);

  /**
   * {@code this^T (this x)} ({@code cols x k}) for a dense {@code x} ({@code cols x k}): the normal operator's product.
   */
  default DoubleMatrix normalTimes(DoubleMatrix x) {
    return transposeTimes(times(x));
  }

  /**
   * {@code z += this^T (this x)} with {@code x} and {@code z} ({@code cols x k}) in row-major order
   * ({@link RowMajor}): the form in which the truncated SVD's normal-operator products are summed over blocks.
   * Into a zero {@code z}, the entries of {@link #normalTimes} (a sparse block computes it in this order; a dense
   * one through {@link #normalTimes} and two transposes).
   */
  default void addNormalTimes(double[] xRows, int k, double[] zRows) {
    RowMajor.requireOperands(xRows, zRows, cols(), k, this);
    RowMajor.addTo(normalTimes(RowMajor.toMatrix(xRows, cols(), k)), zRows);
  }

  /** The block as a dense matrix (this one when already dense). */
  DoubleMatrix dense();

  /** Rows {@code [from, to)} as a block of the same kind. */
  MatrixBlock rowRange(int from, int to);

  /** The stored entries as {@code (row + firstRow, col, value)} (every entry when dense). */
  SparseEntries entries(long firstRow);

  /**
   * Rejects NaN and infinite entries.
   *
   * @param name the block's name, used in the message
   * @return this block
   * @throws IllegalArgumentException naming the first non-finite entry
   */
  MatrixBlock requireFinite(String name);

  /** Columns {@code [from, to)} as a block of the same kind (a sparse block stays sparse). */
  default MatrixBlock columnRange(int from, int to) {
    return dense().columns(from, to);
  }
}
