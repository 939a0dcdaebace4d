package org.penrose.datasource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.penrose.io.NpyFile;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestData;

/** The {@code npy} DataSource V2: reading in row ranges, folders, SQL views, writing. */
class NpyDataSourceTest extends SparkTestSession {
  @TempDir Path dir;

  private static DoubleMatrix grid(int rows, int cols) {
    DoubleMatrix m = DoubleMatrix.zeros(rows, cols);
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        m.set(i, j, 10 * i + j + 0.5);
      }
    }
    return m;
  }

  private static void assertRowsAreGrid(List<Row> rows, int cols) {
    for (int i = 0; i < rows.size(); i++) {
      Row r = rows.get(i);
      assertEquals(i, r.getLong(0));
      double[] v = ((Vector) r.get(1)).toArray();
      assertEquals(cols, v.length);
      for (int j = 0; j < cols; j++) {
        assertEquals(10 * i + j + 0.5, v[j], 0.0);
      }
    }
  }

  @Test
  void readsRowRangesInParallel() throws IOException {
    Path a = dir.resolve("A.npy");
    NpyFile.writeRowMajor(a, grid(1000, 7));
    Dataset<Row> df = spark.read().format("npy").option("rowsPerPartition", 150).load(a.toString());
    assertEquals("row", df.schema().fields()[0].name());
    assertEquals(7, df.rdd().getNumPartitions()); // ceil(1000 / 150)
    assertRowsAreGrid(df.orderBy("row").collectAsList(), 7);
    assertEquals(1000, df.count());
  }

  @Test
  void readsNumpyFixturesOfEveryKind() {
    for (String name : new String[] {"f8_c_3x4.npy", "f8_fortran_3x4.npy", "f8_big_endian_3x4.npy", "f8_v3_3x4.npy"}) {
      List<Row> rows = spark.read().format("npy").option("rowsPerPartition", 1)
          .load(TestData.npyFixture(name).toString()).orderBy("row").collectAsList();
      assertEquals(3, rows.size(), name);
      assertRowsAreGrid(rows, 4);
    }
  }

  @Test
  void aFolderIsStackedInFileNameOrder() throws IOException {
    Path folder = dir.resolve("parts");
    DoubleMatrix all = grid(10, 3);
    NpyFile.writeRowMajor(folder.resolve("b.npy"), all.rowRange(4, 10));
    NpyFile.writeRowMajor(folder.resolve("a.npy"), all.rowRange(0, 4));
    Files.writeString(folder.resolve("_SUCCESS"), "");
    List<Row> rows = spark.read().format("npy").load(folder.toString()).orderBy("row").collectAsList();
    assertRowsAreGrid(rows, 3);
    assertEquals(10, rows.size());
  }

  @Test
  void sqlTemporaryViewsWork() throws IOException {
    Path a = dir.resolve("view.npy");
    NpyFile.writeRowMajor(a, grid(20, 2));
    spark.sql("CREATE OR REPLACE TEMPORARY VIEW a USING npy OPTIONS (path '" + a + "', rowsPerPartition '6')");
    assertEquals(20L, spark.sql("SELECT count(*) FROM a").first().getLong(0));
    assertEquals(190L, spark.sql("SELECT sum(row) FROM a").first().getLong(0));
  }

  @Test
  void writesOneFileThatReadsBack() throws IOException {
    Path a = dir.resolve("A.npy");
    NpyFile.writeRowMajor(a, grid(100, 5));
    Path out = dir.resolve("copy.npy");
    spark.read().format("npy").option("rowsPerPartition", 13).load(a.toString())
        .write().format("npy").mode("overwrite").save(out.toString());
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(out), "byte-identical to the C-order original");
    try (var files = Files.list(dir)) {
      assertEquals(List.of("A.npy", "copy.npy"), files.map(p -> p.getFileName().toString()).sorted().toList(),
          "no part folders or .crc files left behind");
    }
  }

  @Test
  void writesTheTransposeAsFortranOrder() throws IOException {
    Path out = dir.resolve("t.npy");
    Dataset<Row> df = spark.createDataFrame(List.of(
        org.apache.spark.sql.RowFactory.create(0L, List.of(1.0, 2.0, 3.0)),
        org.apache.spark.sql.RowFactory.create(1L, List.of(4.0, 5.0, 6.0))),
        new org.apache.spark.sql.types.StructType().add("row", "long").add("values", "array<double>"));
    df.write().format("npy").option("transpose", "true").mode("overwrite").save(out.toString());
    DoubleMatrix t = NpyFile.read(out);
    assertEquals("3 x 2", t.shape());
    assertEquals(4.0, t.get(0, 1));
    assertEquals(3.0, t.get(2, 0));
    assertTrue(NpyFile.header(out).fortranOrder());
    // a misspelt value is an error, not a silent row-major write
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> df.write().format("npy")
        .option("transpose", "ture").mode("overwrite").save(dir.resolve("t2.npy").toString()));
    assertTrue(e.getMessage().contains("option transpose must be true or false, got 'ture'"), e.getMessage());
    assertTrue(!Files.exists(dir.resolve("t2.npy")), "nothing written");
  }

  @Test
  void rowsOutOfOrderAreRefusedAndNothingIsWritten() throws IOException {
    Path a = dir.resolve("A.npy");
    NpyFile.writeRowMajor(a, grid(50, 2));
    Path out = dir.resolve("shuffled.npy");
    Dataset<Row> shuffled = spark.read().format("npy").load(a.toString()).orderBy(functions.desc("row"));
    Exception e = assertThrows(Exception.class,
        () -> shuffled.write().format("npy").mode("overwrite").save(out.toString()));
    assertTrue(rootMessage(e).contains("rows are not in row order"), rootMessage(e));
    assertFalse(Files.exists(out));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "the parts folder is removed");
    }
  }

  @Test
  void anExistingFileNeedsOverwrite() throws IOException {
    Path a = dir.resolve("A.npy");
    NpyFile.writeRowMajor(a, grid(5, 2));
    Dataset<Row> df = spark.read().format("npy").load(a.toString());
    Exception e = assertThrows(Exception.class, () -> df.write().format("npy").mode("append").save(a.toString()));
    assertTrue(rootMessage(e).contains("already exists"), rootMessage(e));
  }

  @Test
  void corruptAndMissingFilesAreNamed() throws IOException {
    Exception e = assertThrows(Exception.class,
        () -> spark.read().format("npy").load(TestData.npyFixture("bad_truncated.npy").toString()).count());
    assertTrue(rootMessage(e).contains("truncated .npy data"), rootMessage(e));
    e = assertThrows(Exception.class, () -> spark.read().format("npy").load(dir.resolve("none.npy").toString()).count());
    assertTrue(rootMessage(e).contains("no such file or folder"), rootMessage(e));
    Path nan = dir.resolve("nan.npy");
    DoubleMatrix m = grid(30, 2);
    m.set(17, 1, Double.NaN);
    NpyFile.writeRowMajor(nan, m);
    e = assertThrows(Exception.class, () -> spark.read().format("npy").option("rowsPerPartition", 7).load(nan.toString()).count());
    assertTrue(rootMessage(e).contains("row 17 has a non-finite value NaN in column 1"), rootMessage(e));
    e = assertThrows(Exception.class, () -> spark.read().format("npy").option("rowsPerPartition", "x").load(nan.toString()).count());
    assertTrue(rootMessage(e).contains("rowsPerPartition must be a whole number"), rootMessage(e));
  }

  @Test
  void optionsAreDeclaredAndTyped() throws IOException {
    Path a = dir.resolve("A.npy");
    NpyFile.writeRowMajor(a, grid(40, 3));
    Exception e = assertThrows(Exception.class,
        () -> spark.read().format("npy").option("rowPerPartition", 7).load(a.toString()).count());
    assertTrue(rootMessage(e).contains("unknown option 'rowperpartition' for reading npy (options: path, partitions,"
        + " rowsPerPartition)"), rootMessage(e));
    // one name for one concept: partitions, as for mtx
    assertEquals(4, spark.read().format("npy").option("partitions", 4).load(a.toString()).rdd().getNumPartitions());
    assertEquals(40L, spark.read().format("npy").option("PARTITIONS", 4).load(a.toString()).count());
    e = assertThrows(Exception.class, () -> spark.read().format("npy").option("partitions", 4)
        .option("rowsPerPartition", 10).load(a.toString()).count());
    assertTrue(rootMessage(e).contains("partitions or rowsPerPartition, not both"), rootMessage(e));
    Dataset<Row> df = spark.read().format("npy").load(a.toString());
    e = assertThrows(Exception.class,
        () -> df.write().format("npy").option("transposed", true).mode("overwrite").save(dir.resolve("t.npy").toString()));
    assertTrue(rootMessage(e).contains("unknown option 'transposed' for writing npy (options: path, column,"
        + " transpose)"), rootMessage(e));
    assertFalse(Files.exists(dir.resolve("t.npy")), "nothing written");
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    StringBuilder all = new StringBuilder();
    while (t != null) {
      all.append(t.getMessage()).append(" | ");
      t = t.getCause();
    }
    return all.toString();
  }
}
