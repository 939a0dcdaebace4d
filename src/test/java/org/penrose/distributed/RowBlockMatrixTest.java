package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.mllib.linalg.distributed.IndexedRow;
import org.apache.spark.mllib.linalg.distributed.IndexedRowMatrix;
import org.apache.spark.mllib.linalg.distributed.RowMatrix;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.linalg.LeastSquares;
import org.penrose.linalg.RankCutoff;
import org.penrose.source.NpyFile;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/** Building row-block matrices from every source, converting back, and the input errors. */
class RowBlockMatrixTest extends SparkTestSession {
  @TempDir Path dir;

  private final DoubleMatrix a = TestMatrices.gaussian(23, 4, new Random(1));

  private Dataset<Row> vectorRows(DoubleMatrix m, int partitions, boolean shuffleOrder) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < m.rows(); i++) {
      rows.add(RowFactory.create((long) i, Vectors.dense(RowBlockMatrix.row(m, i))));
    }
    if (shuffleOrder) {
      Collections.shuffle(rows, new Random(2));
    }
    StructType schema = new StructType().add("id", "long").add("features", org.apache.spark.ml.linalg.SQLDataTypes.VectorType());
    return spark.createDataFrame(rows, schema).repartition(partitions);
  }

  @Test
  void fromDatasetByIndexRestoresTheOrder() {
    RowBlockMatrix m = RowBlockMatrix.fromDataset(vectorRows(a, 3, true), "features", "id");
    assertEquals("23 x 4", m.shape());
    assertEquals(a, m.collectLocal());
  }

  @Test
  void fromDatasetInOrderAndFromArrays() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < a.rows(); i++) {
      List<Double> values = new ArrayList<>();
      for (double v : RowBlockMatrix.row(a, i)) {
        values.add(v);
      }
      rows.add(RowFactory.create(values));
    }
    Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("x", "array<double>")).coalesce(1);
    RowBlockMatrix m = RowBlockMatrix.fromDataset(df, "x", null);
    assertEquals(a, m.collectLocal());
  }

  @Test
  void mllibMatricesRoundTrip() {
    RowBlockMatrix blocks = RowBlockMatrix.fromLocal(sc, a, 4);
    IndexedRowMatrix indexed = blocks.toIndexedRowMatrix();
    assertEquals(23, indexed.numRows());
    RowBlockMatrix back = RowBlockMatrix.fromIndexedRowMatrix(indexed);
    assertEquals(a, back.collectLocal());
    RowMatrix plain = new RowMatrix(sc.parallelize(List.of(
        org.apache.spark.mllib.linalg.Vectors.dense(1, 2), org.apache.spark.mllib.linalg.Vectors.dense(3, 4)), 2).rdd());
    assertEquals(DoubleMatrix.fromRows(new double[][] {{1, 2}, {3, 4}}), RowBlockMatrix.fromRowMatrix(plain).collectLocal());
    Dataset<Row> df = blocks.toDataset(spark);
    assertEquals(List.of("row", "vector"), List.of(df.schema().fieldNames()));
    assertEquals(a, RowBlockMatrix.fromDataset(df, "vector", "row").collectLocal());
  }

  @Test
  void emptyBlocksAndAZeroRowMatrixWork() {
    // 5 rows in 4 blocks, two of them empty, one with fewer rows than columns
    DoubleMatrix small = TestMatrices.gaussian(5, 4, new Random(3));
    RowBlockMatrix m = RowBlockMatrix.fromLocal(sc, small, new long[] {0, 0, 2, 2, 5});
    DoubleMatrix b = TestMatrices.gaussian(5, 1, new Random(4));
    DistributedLstsq ls = DistributedLstsq.solve(m, RowBlockMatrix.fromLocal(sc, b, new long[] {0, 0, 2, 2, 5}),
        RankCutoff.DEFAULT);
    assertTrue(TestMatrices.relativeError(ls.solution(), LeastSquares.solve(small, b).solution()) < 1e-13);
    RowBlockMatrix empty = RowBlockMatrix.fromLocal(sc, DoubleMatrix.zeros(0, 3), 3);
    DistributedPinv pinv = DistributedPinv.factor(empty, RankCutoff.DEFAULT);
    assertEquals(0, pinv.rank());
    assertEquals("0 x 3", pinv.pinvTranspose().collectLocal().shape());
  }

  @Test
  void raggedRowsNameTheFirstBadRow() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      rows.add(RowFactory.create((long) i, Vectors.dense(i == 7 ? new double[] {1, 2} : new double[] {1, 2, 3})));
    }
    Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("id", "long")
        .add("v", org.apache.spark.ml.linalg.SQLDataTypes.VectorType())).repartition(3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RowBlockMatrix.fromDataset(df, "v", "id"));
    assertTrue(e.getMessage().contains("row 7 has 2 values but row 0 has 3"), e.getMessage());
  }

  @Test
  void nonFiniteValuesNameTheRowAndColumn() {
    DoubleMatrix bad = a.copy();
    bad.set(11, 2, Double.POSITIVE_INFINITY);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RowBlockMatrix.fromDataset(vectorRows(bad, 3, true), "features", "id"));
    assertTrue(e.getMessage().contains("row 11 has a non-finite value Infinity in column 2"), e.getMessage());
  }

  @Test
  void indexGapsAndDuplicatesAreRefused() {
    StructType schema = new StructType().add("id", "long").add("v", org.apache.spark.ml.linalg.SQLDataTypes.VectorType());
    List<Row> gap = List.of(RowFactory.create(0L, Vectors.dense(1)), RowFactory.create(1L, Vectors.dense(2)),
        RowFactory.create(3L, Vectors.dense(3)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> RowBlockMatrix.fromDataset(spark.createDataFrame(gap, schema), "v", "id"));
    assertTrue(e.getMessage().contains("row index 2 is missing"), e.getMessage());
    List<Row> dup = List.of(RowFactory.create(0L, Vectors.dense(1)), RowFactory.create(1L, Vectors.dense(2)),
        RowFactory.create(1L, Vectors.dense(3)));
    e = assertThrows(IllegalArgumentException.class,
        () -> RowBlockMatrix.fromDataset(spark.createDataFrame(dup, schema), "v", "id"));
    assertTrue(e.getMessage().contains("duplicate row index 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> RowBlockMatrix.fromDataset(spark.createDataFrame(gap, schema), "nope", "id"));
    assertTrue(e.getMessage().contains("no column 'nope'"), e.getMessage());
  }

  @Test
  void misalignedInputsAreRefused() {
    RowBlockMatrix m = RowBlockMatrix.fromLocal(sc, a, 3);
    RowBlockMatrix other = RowBlockMatrix.fromLocal(sc, TestMatrices.gaussian(23, 1, new Random(5)), 4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DistributedLstsq.solve(m, other, RankCutoff.DEFAULT));
    assertTrue(e.getMessage().contains("B is not row-aligned with A"), e.getMessage());
    RowBlockMatrix shorter = RowBlockMatrix.fromLocal(sc, TestMatrices.gaussian(22, 1, new Random(5)), 3);
    e = assertThrows(IllegalArgumentException.class, () -> DistributedLstsq.solve(m, shorter, RankCutoff.DEFAULT));
    assertTrue(e.getMessage().contains("B has 22 rows but A has 23"), e.getMessage());
  }

  @Test
  void npyFilesAlignedTransposedAndWritten() throws IOException {
    Path f = dir.resolve("A.npy");
    NpyFile.writeRowMajor(f, a);
    RowBlockMatrix m = RowBlockMatrix.fromNpy(spark, f.toString(), 5);
    assertEquals(5, m.numBlocks());
    assertEquals(a, m.collectLocal());
    // the transpose of a 4 x 23 file, aligned with m's blocks, in both storage orders
    Path t = dir.resolve("T.npy");
    NpyFile.writeRowMajor(t, a.transpose());
    assertEquals(a, RowBlockMatrix.fromNpyTransposed(spark, t.toString(), m).collectLocal());
    NpyFile.write(t, a.transpose());
    assertEquals(a, RowBlockMatrix.fromNpyTransposed(spark, t.toString(), m).collectLocal());
    // a folder of two files read in blocks that span both
    NpyFile.writeRowMajor(dir.resolve("parts/0.npy"), a.rowRange(0, 9));
    NpyFile.write(dir.resolve("parts/1.npy"), a.rowRange(9, 23));
    assertEquals(a, RowBlockMatrix.fromNpy(spark, dir.resolve("parts").toString(), m).collectLocal());
    // written back as one file, and transposed
    Path out = dir.resolve("out.npy");
    m.writeNpy(spark, out.toString(), false, false);
    assertEquals(a, NpyFile.read(out));
    m.writeNpy(spark, out.toString(), true, false);
    assertEquals(a.transpose(), NpyFile.read(out));
    assertArrayEquals(new long[] {23, 4}, NpyFile.header(dir.resolve("A.npy")).shape());
  }

  @Test
  void tooManyColumnsFailBeforeAnyJob() {
    RowBlockMatrix wide = RowBlockMatrix.fromLocal(sc, DoubleMatrix.zeros(2, Tsqr.MAX_COLUMNS + 1), 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DistributedPinv.factor(wide, RankCutoff.DEFAULT));
    assertTrue(e.getMessage().contains("4097 columns is more than Penrose supports (4096)"), e.getMessage());
  }

  @Test
  void truncatedNpyFilesAreNamed() throws IOException {
    Path f = dir.resolve("A.npy");
    NpyFile.writeRowMajor(f, a);
    byte[] bytes = java.nio.file.Files.readAllBytes(f);
    java.nio.file.Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 16));
    Exception e = assertThrows(Exception.class, () -> RowBlockMatrix.fromNpy(spark, f.toString(), 2));
    assertTrue(e.getMessage().contains("truncated .npy data"), e.getMessage());
  }
}
