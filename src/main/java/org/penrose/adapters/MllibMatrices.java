package org.penrose.adapters;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;
import org.apache.spark.mllib.linalg.distributed.CoordinateMatrix;
import org.apache.spark.mllib.linalg.distributed.IndexedRow;
import org.apache.spark.mllib.linalg.distributed.IndexedRowMatrix;
import org.apache.spark.mllib.linalg.distributed.MatrixEntry;
import org.apache.spark.mllib.linalg.distributed.RowMatrix;
import org.penrose.engine.BlockStarts;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.matrix.SparseEntries;
import scala.Tuple2;

/**
 * Row-block matrices to and from MLlib's distributed matrices ({@code RowMatrix},
 * {@code IndexedRowMatrix}, {@code CoordinateMatrix}, {@code BlockMatrix}).
 *
 * <pre>{@code
 * RowBlockMatrix a = MllibMatrices.fromIndexedRowMatrix(irm);      // indices must be exactly 0..m-1
 * RowBlockMatrix c = MllibMatrices.fromCoordinateMatrix(cm, 8);    // rows without entries are zero rows
 * IndexedRowMatrix back = MllibMatrices.toIndexedRowMatrix(a);
 * }</pre>
 */
public final class MllibMatrices {
  private MllibMatrices() {}

  /** MLlib's {@code RowMatrix} (rows in RDD order). */
  public static RowBlockMatrix fromRowMatrix(RowMatrix matrix) {
    return DatasetRows.fromRowsInOrder(matrix.rows().toJavaRDD().map(v -> v.asML()));
  }

  /** MLlib's {@code IndexedRowMatrix}; its indices must be exactly {@code 0..m-1}. */
  public static RowBlockMatrix fromIndexedRowMatrix(IndexedRowMatrix matrix) {
    return DatasetRows.fromIndexedRows(
        matrix.rows().toJavaRDD().mapToPair(r -> new Tuple2<>(r.index(), r.vector().asML())));
  }

  /**
   * MLlib's {@code CoordinateMatrix} (its entries; rows without entries are zero) in balanced sparse
   * row blocks.
   */
  public static RowBlockMatrix fromCoordinateMatrix(CoordinateMatrix matrix, int partitions) {
    long rows = matrix.numRows();
    int cols = RowBlockMatrix.columnCount("the CoordinateMatrix", matrix.numCols());
    JavaRDD<SparseEntries> entries = matrix.entries().toJavaRDD().mapPartitions(it -> {
      SparseEntries chunk = new SparseEntries();
      while (it.hasNext()) {
        MatrixEntry e = it.next();
        if (!Double.isFinite(e.value())) {
          throw new InvalidInputException("row " + e.i() + " has a non-finite value " + e.value() + " in column "
              + e.j());
        }
        chunk.add(e.i(), (int) e.j(), e.value());
      }
      return Collections.singletonList(chunk).iterator();
    }, true);
    return RowBlockMatrix.fromEntries(entries, rows, cols, BlockStarts.balanced(rows, partitions), true);
  }

  /** MLlib's {@code BlockMatrix} in balanced row blocks (through its entries). */
  public static RowBlockMatrix fromBlockMatrix(BlockMatrix matrix, int partitions) {
    return fromCoordinateMatrix(matrix.toCoordinateMatrix(), partitions);
  }

  /** Rows as an MLlib {@code IndexedRowMatrix} (indices {@code 0..m-1}; sparse vectors for sparse blocks). */
  public static IndexedRowMatrix toIndexedRowMatrix(RowBlockMatrix matrix) {
    JavaRDD<IndexedRow> rows = matrix.blocks().flatMap(b -> {
      List<IndexedRow> out = new ArrayList<>(b.rows());
      for (int i = 0; i < b.rows(); i++) {
        out.add(new IndexedRow(b.firstRow() + i, Vectors.fromML(DatasetRows.rowVector(b, i))));
      }
      return out.iterator();
    });
    return new IndexedRowMatrix(rows.rdd(), matrix.rows(), matrix.cols());
  }
}
