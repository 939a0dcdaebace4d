package org.penrose.matrix;

import java.util.Arrays;

/**
 * A block minus a rank-one term, {@code S = B - r c^T} ({@code B}: {@code rows x cols}, dense or
 * sparse; {@code r}: {@code rows}; {@code c}: {@code cols}), applied without forming it: how a
 * sparse design is centered without densifying it. With {@code r = sqrt(w)} (the rows' weights)
 * and {@code c} the weighted column means, {@code S} is the weighted design with its column means
 * removed, whose principal components a principal-component regression keeps.
 *
 * <p>Products cost one product with {@code B} and {@code O((rows + cols) k)} more:
 * {@code S X = B X - r (c^T X)} and {@code S^T Y = B^T Y - c (r^T Y)}.
 */
public final class ShiftedBlock implements MatrixBlock {
  private static final long serialVersionUID = 1L;

  private final MatrixBlock block;
  private final double[] left;
  private final double[] right;

  /**
   * @param block {@code B}
   * @param left {@code r}, one value per row of {@code B}
   * @param right {@code c}, one value per column of {@code B}
   */
  public ShiftedBlock(MatrixBlock block, double[] left, double[] right) {
    if (left.length != block.rows() || right.length != block.cols()) {
      throw new IllegalArgumentException("a rank-one shift of " + left.length + " x " + right.length
          + " does not fit a " + block.shape() + " block");
    }
    this.block = block;
    this.left = left;
    this.right = right;
  }

  /** {@code B}. */
  public MatrixBlock block() {
    return block;
  }

  /** {@code r} ({@code rows}; shared, not copied). */
  public double[] rowFactor() {
    return left;
  }

  /** {@code c} ({@code cols}; shared, not copied). */
  public double[] columnFactor() {
    return right;
  }

  @Override
  public int rows() {
    return block.rows();
  }

  @Override
  public int cols() {
    return block.cols();
  }

  @Override
  public boolean isSparse() {
    return false;
  }

  @Override
  public long storedEntries() {
    return block.storedEntries() + left.length + right.length;
  }

  @Override
  public DoubleMatrix times(DoubleMatrix x) {
    DoubleMatrix product = block.times(x);
    // B X - r (c^T X)
    for (int j = 0; j < x.cols(); j++) {
      double cx = 0;
      for (int i = 0; i < right.length; i++) {
        cx += right[i] * x.get(i, j);
      }
      for (int i = 0; i < left.length; i++) {
        product.set(i, j, product.get(i, j) - left[i] * cx);
      }
    }
    return product;
  }

  @Override
  public DoubleMatrix transposeTimes(DoubleMatrix y) {
    DoubleMatrix product = block.transposeTimes(y);
    // B^T Y - c (r^T Y)
    for (int j = 0; j < y.cols(); j++) {
      double ry = 0;
      for (int i = 0; i < left.length; i++) {
        ry += left[i] * y.get(i, j);
      }
      for (int i = 0; i < right.length; i++) {
        product.set(i, j, product.get(i, j) - right[i] * ry);
      }
    }
    return product;
  }

  @Override
  public DoubleMatrix dense() {
    DoubleMatrix d = block.dense().copy();
    for (int j = 0; j < right.length; j++) {
      for (int i = 0; i < left.length; i++) {
        d.set(i, j, d.get(i, j) - left[i] * right[j]);
      }
    }
    return d;
  }

  @Override
  public MatrixBlock rowRange(int from, int to) {
    return new ShiftedBlock(block.rowRange(from, to), Arrays.copyOfRange(left, from, to), right);
  }

  @Override
  public SparseEntries entries(long firstRow) {
    return dense().entries(firstRow);
  }

  @Override
  public MatrixBlock requireFinite(String name) {
    block.requireFinite(name);
    for (double v : left) {
      requireFinite(name, v);
    }
    for (double v : right) {
      requireFinite(name, v);
    }
    return this;
  }

  private static void requireFinite(String name, double v) {
    if (!Double.isFinite(v)) {
      throw new InvalidInputException(name + " has a non-finite value " + v + " in its rank-one shift");
    }
  }
}
