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
    transpose(m.values(), m.rows(), m.cols(), dst);
  }

  /** The column-major {@code rows x cols} matrix whose entries {@code rowMajor} holds row by row. */
  public static DoubleMatrix toMatrix(double[] rowMajor, int rows, int cols) {
    DoubleMatrix m = DoubleMatrix.zeros(rows, cols);
    transpose(rowMajor, cols, rows, m.values());
    return m;
  }

  /**
   * {@code dst} = the transpose of the column-major {@code rows x cols} matrix {@code src} (that is,
   * {@code src} read row by row), in tiles so that reads and writes both stay in cache.
   */
  static void transpose(double[] src, int rows, int cols, double[] dst) {
    for (int j0 = 0; j0 < cols; j0 += TILE) {
      int j1 = Math.min(cols, j0 + TILE);
      for (int i0 = 0; i0 < rows; i0 += TILE) {
        int i1 = Math.min(rows, i0 + TILE);
        for (int i = i0; i < i1; i++) {
          int base = i * cols;
          for (int j = j0; j < j1; j++) {
            dst[base + j] = src[i + j * rows];
          }
        }
      }
    }
  }
}
