package org.penrose.adapters;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.penrose.engine.BlockBuild;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.CsrMatrix;
import org.penrose.matrix.InvalidInputException;
import scala.Tuple2;

/**
 * Row-block matrices to and from DataFrames whose rows are matrix rows ({@link RowVectors}): a
 * vector or {@code array<double>} column, optionally with a row-index column.
 *
 * <pre>{@code
 * RowBlockMatrix a = DatasetRows.fromDataset(df, "features", "id");   // id must hold exactly 0..m-1
 * Dataset<Row> back = DatasetRows.toDataset(spark, a);                 // (row: bigint, vector: vector)
 * }</pre>
 */
public final class DatasetRows {
  private DatasetRows() {}

  /**
   * Rows of a Dataset: {@code vectorColumn} is an {@code ml.linalg.Vector} or {@code array<double>}.
   * The rows are converted once into blocks that are cached ({@code MEMORY_AND_DISK}): a partition
   * with a sparse vector becomes a sparse block (its stored entries, memory {@code O(nonzeros)}), the
   * others dense blocks. Ragged rows, NULL rows or values, NaN/Inf, and index gaps or duplicates are
   * errors naming the first bad row.
   *
   * @param indexColumn null to take rows in the Dataset's order; otherwise a bigint/int column that
   *     must hold exactly {@code 0..m-1} (the rows are sorted by it)
   */
  public static RowBlockMatrix fromDataset(Dataset<Row> data, String vectorColumn, String indexColumn) {
    StructType schema = data.schema();
    DataType type = RowVectors.field(schema, vectorColumn).dataType();
    if (!RowVectors.isVectorOrDoubleArray(type)) {
      throw new InvalidInputException("column '" + vectorColumn + "' has type " + type.simpleString()
          + "; expected a vector (org.apache.spark.ml.linalg.Vector) or array<double>");
    }
    String what = "column '" + vectorColumn + "'";
    if (indexColumn == null) {
      JavaRDD<Vector> rows = data.select(vectorColumn).javaRDD().map(r -> RowVectors.vector(r, 0, what));
      return BlockBuild.toRowBlocks(rows.map(r -> new Tuple2<Long, Vector>(null, r)), false);
    }
    StructField index = RowVectors.field(schema, indexColumn);
    if (!RowVectors.isIndexType(index.dataType())) {
      throw new InvalidInputException("index column '" + indexColumn + "' has type "
          + index.dataType().simpleString() + "; expected bigint or int");
    }
    JavaPairRDD<Long, Vector> indexed = data.select(indexColumn, vectorColumn).javaRDD()
        .mapToPair(r -> {
          if (r.isNullAt(0)) {
            throw new InvalidInputException("index column '" + indexColumn + "' has a null value");
          }
          return new Tuple2<>(((Number) r.get(0)).longValue(), RowVectors.vector(r, 1, what));
        });
    return fromIndexedRows(indexed);
  }

  /** (index, row) pairs whose indices must be exactly {@code 0..m-1}, sorted into row blocks. */
  static RowBlockMatrix fromIndexedRows(JavaPairRDD<Long, Vector> indexed) {
    return BlockBuild.toRowBlocks(indexed.sortByKey(true).rdd().toJavaRDD(), true);
  }

  /** Rows in RDD order, one block per partition. */
  public static RowBlockMatrix fromRowsInOrder(JavaRDD<Vector> rows) {
    return BlockBuild.toRowBlocks(rows.map(r -> new Tuple2<Long, Vector>(null, r)), false);
  }

  /**
   * Rows as a Dataset {@link RowVectors#SCHEMA} {@code (row: bigint, vector: vector)}, in row order:
   * dense vectors from dense blocks, sparse vectors (the stored entries) from sparse ones.
   */
  public static Dataset<Row> toDataset(SparkSession spark, RowBlockMatrix matrix) {
    JavaRDD<Row> rows = matrix.blocks().flatMap(b -> {
      List<Row> out = new ArrayList<>(b.rows());
      for (int i = 0; i < b.rows(); i++) {
        out.add(RowFactory.create(b.firstRow() + i, rowVector(b, i)));
      }
      return out.iterator();
    });
    return spark.createDataFrame(rows, RowVectors.SCHEMA);
  }

  /** Row {@code i} of a block as an {@code ml.linalg.Vector}: sparse for a sparse block. */
  static Vector rowVector(RowBlock block, int i) {
    if (block.isSparse()) {
      CsrMatrix c = (CsrMatrix) block.matrix();
      int from = c.rowStart()[i];
      int to = c.rowStart()[i + 1];
      return Vectors.sparse(c.cols(), Arrays.copyOfRange(c.colIndex(), from, to),
          Arrays.copyOfRange(c.values(), from, to));
    }
    return new DenseVector(block.values().row(i));
  }
}
