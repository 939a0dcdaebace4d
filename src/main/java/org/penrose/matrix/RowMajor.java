package org.penrose.matrix;

/**
 * Dense matrices in row-major order ({@code m_ij} at {@code i * cols + j}), the layout the sparse products
 * ({@link CsrMatrix}) read and write a dense operand in: a row of it is contiguous. Conversions to and from
 * the column-major {@link DoubleMatrix}, by a cache-blocked transpose.
 */
public final class RowMajor {
  /** Tiles of the cache-blocked transpose. */
  private static final int TILE = 32;

  private RowMajor() {}

  /** {@code m}'s entries row by row ({@code m.rows() x m.cols()}, row-major), in a new array. */
  public static double[] of(DoubleMatrix m) {
    double[] out = new double[m.values().length];
    into(m, out);
    return out;
  }

  /** {@code m}'s entries row by row into {@code dst} (at least {@code m.rows() x m.cols()} long). */
  public static void into(DoubleMatrix m, double[] dst) {
    transpose(m.values(), m.rows(), m.cols(), dst, false);
  }

  /** The column-major {@code rows x cols} matrix whose entries {@code rowMajor} holds row by row. */
  public static DoubleMatrix toMatrix(double[] rowMajor, int rows, int cols) {
    DoubleMatrix m = DoubleMatrix.zeros(rows, cols);
    transpose(rowMajor, cols, rows, m.values(), false);
    return m;
  }

  /** {@code dst += m} for {@code dst} row-major ({@code m.rows() x m.cols()}): {@code dst[i cols + j] += m_ij}. */
  public static void addTo(DoubleMatrix m, double[] dst) {
    transpose(m.values(), m.rows(), m.cols(), dst, true);
  }

  /**
   * Rejects row-major operands {@code x} and {@code z} of {@code block}'s normal product
   * ({@link MatrixBlock#addNormalTimes}) that hold fewer than {@code cols x k} values.
   */
  static void requireOperands(double[] xRows, double[] zRows, int cols, int k, MatrixBlock block) {
    if (xRows.length < (long) cols * k || zRows.length < (long) cols * k) {
      throw new IllegalArgumentException("row-major operands of " + xRows.length + " and " + zRows.length
          + " values for (" + block.shape() + ")^T (" + block.shape() + ") times " + cols + " x " + k);
    }
  }

  /**
   * {@code dst} = (or, with {@code add}, {@code +=}) the transpose of the column-major {@code rows x cols} matrix
   * {@code src} (that is, {@code src} read row by row), in tiles so that reads and writes both stay in cache.
   */
  private static void transpose(double[] src, int rows, int cols, double[] dst, boolean add) {
    for (int j0 = 0; j0 < cols; j0 += TILE) {
      int j1 = Math.min(cols, j0 + TILE);
      for (int i0 = 0; i0 < rows; i0 += TILE) {
        int i1 = Math.min(rows, i0 + TILE);
        for (int i = i0; i < i1; i++) {
          int base = i * cols;
          for (int j = j0; j < j1; j++) {
            dst[base + j] = add ? dst[base + j] + src[i + j * rows] : src[i + j * rows];
          }
        }
      }
    }
  }
}
