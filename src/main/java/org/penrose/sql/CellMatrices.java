package org.penrose.sql;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.penrose.matrix.DoubleMatrix;

/**
 * Conversions between Spark SQL cell values (Catalyst's internal form) and {@link DoubleMatrix}:
 * a matrix cell is {@code array<array<double>>}, row-major (what PySpark lists of lists become), a
 * vector cell {@code array<double>}. Reading checks the shape and the values and names the
 * function, the argument and the first bad entry.
 */
final class CellMatrices {
  private CellMatrices() {}

  /** A matrix from {@code array<array<double>>} (rows), checked: no null rows or values, no ragged rows, finite. */
  static DoubleMatrix matrix(ArrayData rows, String function, String argument) {
    int m = rows.numElements();
    int n = -1;
    DoubleMatrix result = null;
    for (int i = 0; i < m; i++) {
      if (rows.isNullAt(i)) {
        throw invalid(function, argument + " has a null row " + i);
      }
      ArrayData row = rows.getArray(i);
      if (n < 0) {
        n = row.numElements();
        requireCellSize(m, n, function, argument);
        result = DoubleMatrix.zeros(m, n);
      } else if (row.numElements() != n) {
        throw invalid(function, argument + " is ragged: row " + i + " has " + row.numElements()
            + " values but row 0 has " + n);
      }
      double[] values = result.values();
      for (int j = 0; j < n; j++) {
        if (row.isNullAt(j)) {
          throw invalid(function, argument + " has a null value at row " + i + ", column " + j);
        }
        double v = row.getDouble(j);
        if (!Double.isFinite(v)) {
          throw invalid(function, argument + " has a non-finite value " + v + " at row " + i + ", column " + j);
        }
        values[i + j * m] = v;
      }
    }
    return result == null ? DoubleMatrix.zeros(0, 0) : result;
  }

  /**
   * The largest matrix one SQL cell may hold, in entries: 2^22 = 4,194,304 (32 MiB of doubles, e.g.
   * 2048 x 2048 or 100,000 x 40). A cell is one task's local work, computed, converted and copied
   * a few times in that task's memory; larger matrices belong to the distributed row-block API.
   */
  static final long MAX_CELL_ENTRIES = 1L << 22;

  /** Throws before any allocation when an {@code m x n} cell exceeds {@link #MAX_CELL_ENTRIES}. */
  static void requireCellSize(long m, long n, String function, String argument) {
    if (m * n > MAX_CELL_ENTRIES) {
      throw new CellTooLargeException(function + ": " + argument + " is " + m + " x " + n + " (" + m * n
          + " entries), more than the " + MAX_CELL_ENTRIES + " one SQL cell may hold; use the distributed API"
          + " (RowBlockMatrix with DistributedPinv / DistributedLstsq) or jobs/penrose pinv / lstsq on a file");
    }
  }

  /** A column ({@code k x 1}) from {@code array<double>}, checked. */
  static DoubleMatrix vector(ArrayData values, String function, String argument) {
    int k = values.numElements();
    DoubleMatrix result = DoubleMatrix.zeros(k, 1);
    for (int i = 0; i < k; i++) {
      if (values.isNullAt(i)) {
        throw invalid(function, argument + " has a null value at position " + i);
      }
      double v = values.getDouble(i);
      if (!Double.isFinite(v)) {
        throw invalid(function, argument + " has a non-finite value " + v + " at position " + i);
      }
      result.values()[i] = v;
    }
    return result;
  }

  /** {@code array<array<double>>}, row-major. */
  static ArrayData rows(DoubleMatrix m) {
    Object[] rows = new Object[m.rows()];
    double[] row = new double[m.cols()];
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < row.length; j++) {
        row[j] = m.get(i, j);
      }
      rows[i] = UnsafeArrayData.fromPrimitiveArray(row);
    }
    return new GenericArrayData(rows);
  }

  /** {@code array<double>} of a single-column matrix, or of the given values. */
  static ArrayData values(double[] values) {
    return UnsafeArrayData.fromPrimitiveArray(values);
  }

  /**
   * The rows of an {@code ml.linalg.Matrix} cell (MatrixUDT's internal struct: type, numRows,
   * numCols, colPtrs, rowIndices, values, isTransposed; dense when type is 1).
   */
  static ArrayData rowsOfMatrixUdt(InternalRow udt) {
    byte type = udt.getByte(0);
    int numRows = udt.getInt(1);
    int numCols = udt.getInt(2);
    double[] values = udt.getArray(5).toDoubleArray();
    boolean transposed = udt.getBoolean(6);
    requireCellSize(numRows, numCols, "matrix", "an ml.linalg.Matrix");
    DoubleMatrix m = DoubleMatrix.zeros(numRows, numCols);
    if (type == 1) { // dense: column-major, or row-major when transposed
      for (int i = 0; i < numRows; i++) {
        for (int j = 0; j < numCols; j++) {
          m.set(i, j, transposed ? values[j + i * numCols] : values[i + j * numRows]);
        }
      }
    } else { // sparse: CSC, or CSR when transposed
      int[] pointers = udt.getArray(3).toIntArray();
      int[] indices = udt.getArray(4).toIntArray();
      int outer = transposed ? numRows : numCols;
      for (int o = 0; o < outer; o++) {
        for (int p = pointers[o]; p < pointers[o + 1]; p++) {
          if (transposed) {
            m.set(o, indices[p], values[p]);
          } else {
            m.set(indices[p], o, values[p]);
          }
        }
      }
    }
    return rows(m);
  }

  /**
   * The values of an {@code ml.linalg.Vector} cell (VectorUDT's struct: type, size, indices, values; dense when type is
   * 1).
   */
  static ArrayData valuesOfVectorUdt(InternalRow udt) {
    byte type = udt.getByte(0);
    double[] values = udt.getArray(3).toDoubleArray();
    if (type == 1) {
      return values(values);
    }
    int size = udt.getInt(1);
    requireCellSize(size, 1, "vector", "an ml.linalg.Vector");
    int[] indices = udt.getArray(2).toIntArray();
    double[] dense = new double[size];
    for (int p = 0; p < indices.length; p++) {
      dense[indices[p]] = values[p];
    }
    return values(dense);
  }

  static InvalidCellException invalid(String function, String message) {
    return new InvalidCellException(function + ": " + message);
  }

  /**
   * An invalid cell value (ragged, null, non-finite, mismatched shapes): an error, or NULL under {@code
   * spark.penrose.sql.invalidAsNull}.
   */
  static final class InvalidCellException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    InvalidCellException(String message) {
      super(message);
    }
  }

  /**
   * A cell beyond {@link #MAX_CELL_ENTRIES}: always an error (also under {@code invalidAsNull}), since the value is not
   * wrong, only too large here.
   */
  static final class CellTooLargeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    CellTooLargeException(String message) {
      super(message);
    }
  }
}
