package org.penrose.adapters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.mllib.linalg.distributed.IndexedRowMatrix;
import org.apache.spark.mllib.linalg.distributed.RowMatrix;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/** Row-block matrices from and to DataFrames and MLlib's matrices ({@link DatasetRows}, {@link MllibMatrices}), and the input errors. */
class DatasetRowsTest extends SparkTestSession {
  private final DoubleMatrix a = TestMatrices.gaussian(23, 4, new Random(1));

  private Dataset<Row> vectorRows(DoubleMatrix m, int partitions, boolean shuffleOrder) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < m.rows(); i++) {
      rows.add(RowFactory.create((long) i, Vectors.dense(m.row(i))));
    }
    if (shuffleOrder) {
      Collections.shuffle(rows, new Random(2));
    }
    StructType schema = new StructType().add("id", "long").add("features", org.apache.spark.ml.linalg.SQLDataTypes.VectorType());
    return spark.createDataFrame(rows, schema).repartition(partitions);
  }

  @Test
  void fromDatasetByIndexRestoresTheOrder() {
    RowBlockMatrix m = DatasetRows.fromDataset(vectorRows(a, 3, true), "features", "id");
    assertEquals("23 x 4", m.shape());
    assertEquals(a, m.collectLocal());
  }

  /** The matrix from a DataFrame is cached once (its blocks), also after a fit asks for it cached, and then freed. */
  @Test
  void aDatasetsBlocksAreCachedOnceAndFreedByUnpersist() {
    Set<Integer> before = persistentRdds();
    RowBlockMatrix m = DatasetRows.fromDataset(vectorRows(a, 3, false), "features", "id");
    assertEquals(Set.of(m.blocks().id()), added(before));
    m.cacheFor(RowBlockMatrix.MANY_PASSES);
    assertEquals(a, m.collectLocal());
    assertEquals(Set.of(m.blocks().id()), added(before));
    m.unpersist();
    assertEquals(Set.of(), added(before));
    assertEquals(a, m.collectLocal()); // recomputed from the DataFrame
  }

  private Set<Integer> persistentRdds() {
    return new HashSet<>(JavaSparkContext.fromSparkContext(spark.sparkContext()).getPersistentRDDs().keySet());
  }

  private Set<Integer> added(Set<Integer> before) {
    Set<Integer> now = persistentRdds();
    now.removeAll(before);
    return now;
  }

  @Test
  void fromDatasetInOrderAndFromArrays() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < a.rows(); i++) {
      List<Double> values = new ArrayList<>();
      for (double v : a.row(i)) {
        values.add(v);
      }
      rows.add(RowFactory.create(values));
    }
    Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("x", "array<double>")).coalesce(1);
    RowBlockMatrix m = DatasetRows.fromDataset(df, "x", null);
    assertEquals(a, m.collectLocal());
  }

  @Test
  void mllibMatricesRoundTrip() {
    RowBlockMatrix blocks = RowBlockMatrix.fromLocal(sc, a, 4);
    IndexedRowMatrix indexed = MllibMatrices.toIndexedRowMatrix(blocks);
    assertEquals(23, indexed.numRows());
    RowBlockMatrix back = MllibMatrices.fromIndexedRowMatrix(indexed);
    assertEquals(a, back.collectLocal());
    RowMatrix plain = new RowMatrix(sc.parallelize(List.of(
        org.apache.spark.mllib.linalg.Vectors.dense(1, 2), org.apache.spark.mllib.linalg.Vectors.dense(3, 4)), 2).rdd());
    assertEquals(DoubleMatrix.fromRows(new double[][] {{1, 2}, {3, 4}}), MllibMatrices.fromRowMatrix(plain).collectLocal());
    Dataset<Row> df = DatasetRows.toDataset(spark, blocks);
    assertEquals(List.of("row", "vector"), List.of(df.schema().fieldNames()));
    assertEquals(a, DatasetRows.fromDataset(df, "vector", "row").collectLocal());
  }

  @Test
  void raggedRowsNameTheFirstBadRow() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(RowFactory.create((long) i, Vectors.dense(i == 7 ? new double[] {1, 2} : new double[] {1, 2, 3})));
    }
    Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("id", "long")
        .add("v", org.apache.spark.ml.linalg.SQLDataTypes.VectorType())).repartition(3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatasetRows.fromDataset(df, "v", "id"));
    assertTrue(e.getMessage().contains("row 7 has 2 values but row 0 has 3"), e.getMessage());
  }

  @Test
  void nonFiniteValuesNameTheRowAndColumn() {
    DoubleMatrix bad = a.copy();
    bad.set(11, 2, Double.POSITIVE_INFINITY);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DatasetRows.fromDataset(vectorRows(bad, 3, true), "features", "id"));
    assertTrue(e.getMessage().contains("row 11 has a non-finite value Infinity in column 2"), e.getMessage());
  }

  @Test
  void indexGapsAndDuplicatesAreRefused() {
    StructType schema = new StructType().add("id", "long").add("v", org.apache.spark.ml.linalg.SQLDataTypes.VectorType());
    List<Row> gap = List.of(RowFactory.create(0L, Vectors.dense(1)), RowFactory.create(1L, Vectors.dense(2)),
        RowFactory.create(3L, Vectors.dense(3)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DatasetRows.fromDataset(spark.createDataFrame(gap, schema), "v", "id"));
    assertTrue(e.getMessage().contains("row index 2 is missing"), e.getMessage());
    List<Row> dup = List.of(RowFactory.create(0L, Vectors.dense(1)), RowFactory.create(1L, Vectors.dense(2)),
        RowFactory.create(1L, Vectors.dense(3)));
    e = assertThrows(IllegalArgumentException.class,
        () -> DatasetRows.fromDataset(spark.createDataFrame(dup, schema), "v", "id"));
    assertTrue(e.getMessage().contains("duplicate row index 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> DatasetRows.fromDataset(spark.createDataFrame(gap, schema), "nope", "id"));
    assertTrue(e.getMessage().contains("no column 'nope'"), e.getMessage());
  }
}
