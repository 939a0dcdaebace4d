package org.penrose.matrix;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A matrix {@code Q = [Q_1 | Q_2 | ...]} ({@code rows x d}) stored as column segments, so that a
 * block appended to it is not copied: the basis of a block Krylov process, or one row block of it.
 * Appending shares the earlier segments with the matrix it came from (both stay valid). The list is
 * an {@code ArrayList}, which Spark's Kryo serializer can rebuild when a cached block spills.
 */
public final class SegmentedColumns implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int rows;
  private final List<DoubleMatrix> segments;
  private final int cols;

  private SegmentedColumns(int rows, List<DoubleMatrix> segments) {
    this.rows = rows;
    this.segments = segments;
    int c = 0;
    for (DoubleMatrix s : segments) {
      c += s.cols();
    }
    this.cols = c;
  }

  /** No columns, {@code rows} rows. */
  public static SegmentedColumns empty(int rows) {
    return new SegmentedColumns(rows, new ArrayList<>());
  }

  /** One segment. */
  public static SegmentedColumns of(DoubleMatrix matrix) {
    List<DoubleMatrix> one = new ArrayList<>();
    one.add(matrix);
    return new SegmentedColumns(matrix.rows(), one);
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** {@code [Q | block]}. */
  public SegmentedColumns append(DoubleMatrix block) {
    if (block.rows() != rows) {
      throw new IllegalArgumentException("a block of " + block.rows() + " rows cannot extend columns of " + rows);
    }
    List<DoubleMatrix> grown = new ArrayList<>(segments);
    grown.add(block);
    return new SegmentedColumns(rows, grown);
  }

  /** {@code Q^T Y} ({@code d x k}). */
  public DoubleMatrix transposeTimes(DoubleMatrix y) {
    DoubleMatrix result = DoubleMatrix.zeros(cols, y.cols());
    int offset = 0;
    for (DoubleMatrix s : segments) {
      DoubleMatrix part = s.transposeTimes(y);
      for (int j = 0; j < y.cols(); j++) {
        System.arraycopy(part.values(), j * s.cols(), result.values(), offset + j * cols, s.cols());
      }
      offset += s.cols();
    }
    return result;
  }

  /** {@code Q C} ({@code rows x k}) for {@code C} ({@code d x k}). */
  public DoubleMatrix times(DoubleMatrix c) {
    c.requireShape("the coefficients", cols, c.cols(), "one row per column of Q");
    DoubleMatrix result = DoubleMatrix.zeros(rows, c.cols());
    int offset = 0;
    for (DoubleMatrix s : segments) {
      Lapack.gemmInto(false, false, 1.0, s, c.rowRange(offset, offset + s.cols()), 1.0, result);
      offset += s.cols();
    }
    return result;
  }

  /** {@code Y - Q C}; segments whose rows of {@code C} are all zero are skipped. */
  public DoubleMatrix minusTimes(DoubleMatrix y, DoubleMatrix c) {
    c.requireShape("the coefficients", cols, y.cols(), "one row per column of Q");
    DoubleMatrix result = y.copy();
    int offset = 0;
    for (DoubleMatrix s : segments) {
      DoubleMatrix part = c.rowRange(offset, offset + s.cols());
      if (part.maxAbs() > 0) {
        Lapack.gemmInto(false, false, -1.0, s, part, 1.0, result);
      }
      offset += s.cols();
    }
    return result;
  }

  /** The whole matrix ({@code rows x d}). */
  public DoubleMatrix matrix() {
    DoubleMatrix result = DoubleMatrix.zeros(rows, cols);
    int offset = 0;
    for (DoubleMatrix s : segments) {
      System.arraycopy(s.values(), 0, result.values(), offset * rows, s.values().length);
      offset += s.cols();
    }
    return result;
  }
}
