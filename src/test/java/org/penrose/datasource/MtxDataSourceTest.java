package org.penrose.datasource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.penrose.adapters.DatasetRows;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.io.MatrixMarketFile;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestData;
import org.penrose.testing.TestMatrices;

/** The {@code mtx} data source: every shared matrix, byte-range splits, errors with line numbers, writing. */
class MtxDataSourceTest extends SparkTestSession {
  @TempDir Path dir;

  private static DoubleMatrix rowsToMatrix(List<Row> rows, int cols) {
    DoubleMatrix m = DoubleMatrix.zeros(rows.size(), cols);
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(i, rows.get(i).getLong(0), "rows in order, each once");
      double[] v = ((Vector) rows.get(i).get(1)).toArray();
      for (int j = 0; j < cols; j++) {
        m.set(i, j, v[j]);
      }
    }
    return m;
  }

  private DoubleMatrix load(String path, int partitions) {
    Dataset<Row> df = spark.read().format("mtx").option("partitions", partitions).load(path);
    List<Row> rows = df.collectAsList();
    int cols = rows.isEmpty() ? 0 : ((Vector) rows.get(0).get(1)).size();
    return rowsToMatrix(rows, cols);
  }

  /** Shapes and nonzeros as the data README states them (stored entries; a few HB files also store explicit zeros). */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "hb_lsq/well1033.mtx.gz, 1033, 320, 4732",
    "hb_lsq/illc1033.mtx.gz, 1033, 320, 4719", // 4732 stored, 13 of them explicit zeros
    "hb_lsq/well1850.mtx.gz, 1850, 712, 8755", // 8758 stored, 3 explicit zeros
    "hb_lsq/illc1850.mtx.gz, 1850, 712, 8636", // 8758 stored, 122 explicit zeros
    "hb_lsq/ash219.mtx, 219, 85, 438",
    "hb_lsq/ash958.mtx, 958, 292, 1916",
    "rank_deficient/abb313.mtx, 313, 176, 1557",
    "rank_deficient/abb313_b.mtx, 313, 1, 313",
    "rank_deficient/GD06_theory.mtx, 101, 101, 380",
    "rank_deficient/GD98_a.mtx, 38, 38, 50",
    "rank_deficient/Ragusa16.mtx, 24, 24, 81",
    "rank_deficient/GD01_b.mtx, 18, 18, 37",
    "rank_deficient/Tina_AskCal.mtx, 11, 11, 29",
    "other/west0479.mtx, 479, 479, 1888",
    "other/west0067.mtx, 67, 67, 294",
    "other/lp_share1b.mtx, 117, 253, 1179",
    "other/lp_e226.mtx, 223, 472, 2768"
  })
  void everySharedMatrixLoadsWithItsShapeAndNonzeros(String file, int rows, int cols, long nnz) throws IOException {
    String path = TestData.path("sparse/" + file).toString();
    DoubleMatrix viaSource = load(path, 4);
    assertEquals(rows + " x " + cols, viaSource.shape());
    assertEquals(nnz, TestMatrices.nonzeros(viaSource));
    assertEquals(MatrixMarketFile.read(TestData.path("sparse/" + file)), viaSource, "same as the in-memory reader");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"a0.mtx, 0, 0", "a01.mtx, 0, 1", "a04.mtx, 0, 4", "a10.mtx, 1, 0"})
  void emptyEdgeCases(String file, int rows, int cols) {
    List<Row> result = spark.read().format("mtx").load(TestData.path("sparse/edge_cases/" + file).toString())
        .collectAsList();
    assertEquals(rows, result.size());
    for (Row r : result) {
      assertEquals(cols, ((Vector) r.get(1)).size());
    }
  }

  @Test
  void byteRangesGiveTheSameRowsWhateverTheSplit() throws IOException {
    String path = TestData.path("sparse/other/west0479.mtx").toString();
    DoubleMatrix one = load(path, 1);
    for (int parts : new int[] {2, 7, 16}) {
      assertEquals(one, load(path, parts), parts + " byte ranges");
    }
    List<Row> sparse = spark.read().format("mtx").load(path).collectAsList();
    assertTrue(sparse.get(0).get(1) instanceof SparseVector);
    List<Row> dense = spark.read().format("mtx").option("vectors", "dense").load(path).collectAsList();
    assertTrue(dense.get(0).get(1) instanceof DenseVector);
  }

  /** A coordinate file of {@code lines} entries with a problem at entry {@code bad} (1-based), or none. */
  private Path bigFile(int entries, int bad, String badLine, String sizeLine) throws IOException {
    StringBuilder sb = new StringBuilder("%%MatrixMarket matrix coordinate real general\n% comment\n");
    sb.append(sizeLine == null ? "1000 10 " + entries : sizeLine).append('\n');
    for (int k = 1; k <= entries; k++) {
      sb.append(k == bad ? badLine : (k % 1000 + 1) + " " + (k % 10 + 1) + " " + k).append('\n');
    }
    Path p = dir.resolve("big.mtx");
    Files.writeString(p, sb.toString());
    return p;
  }

  @Test
  void errorsInAByteRangeNameTheLineNumber() throws IOException {
    // entry 4321 is on line 3 + 4321 = 4324 (banner, comment, size line first)
    Path p = bigFile(5000, 4321, "1001 3 1.0", null);
    Exception e = assertThrows(Exception.class, () -> load(p.toString(), 6));
    assertTrue(messages(e).contains("big.mtx, line 4324: row index 1001 is out of range 1..1000"), messages(e));
    Path q = bigFile(5000, 17, "5 x 2.0", null);
    e = assertThrows(Exception.class, () -> load(q.toString(), 6));
    assertTrue(messages(e).contains("big.mtx, line 20: column index is not an integer: 'x'"), messages(e));
    // bad lines at the end of the first of 6 ranges and at the start of the second, whose task runs beside the
    // first's and meets its bad line long before: the first is named (each range reports its lines and its bad
    // line, the driver names the first in file order), not the one whose task failed first
    int entries = 120_000;
    StringBuilder text = new StringBuilder("%%MatrixMarket matrix coordinate real general\n" + entries + " 10 " + entries
        + "\n");
    long[] lineStart = new long[entries + 3];
    for (int k = 1; k <= entries; k++) {
      lineStart[k + 2] = text.length();
      text.append(k).append(' ').append(k % 10 + 1).append(' ').append(k).append('\n');
    }
    long dataOffset = lineStart[3];
    long secondRange = dataOffset + (text.length() - dataOffset) / 6; // MatrixMarketRanges.of's first cut
    int firstBad = 0;
    int secondBad = 0;
    for (int k = 1; k <= entries; k++) {
      if (lineStart[k + 2] < secondRange - 200) {
        firstBad = k + 2; // the line number
      } else if (secondBad == 0 && lineStart[k + 2] > secondRange + 50) {
        secondBad = k + 2;
      }
    }
    List<String> lines = new java.util.ArrayList<>(List.of(text.toString().split("\n")));
    lines.set(firstBad - 1, entries + 1 + " 3 1.0");
    lines.set(secondBad - 1, "7 y 1.0");
    Path two = dir.resolve("two.mtx");
    Files.write(two, lines);
    for (int attempt = 0; attempt < 3; attempt++) {
      e = assertThrows(Exception.class, () -> load(two.toString(), 6));
      assertTrue(messages(e).contains("two.mtx, line " + firstBad + ": row index " + (entries + 1) + " is out of range"),
          messages(e));
    }
    Path r = bigFile(5000, -1, null, "1000 10 5001");
    e = assertThrows(Exception.class, () -> load(r.toString(), 6));
    assertTrue(messages(e).contains("the file holds 5000 entries but its size line (line 3) declares 5001"), messages(e));
    Path c = dir.resolve("complex.mtx");
    Files.writeString(c, "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n");
    e = assertThrows(Exception.class, () -> spark.read().format("mtx").load(c.toString()));
    assertTrue(messages(e).contains("line 1: complex matrices are not supported"), messages(e));
  }

  static String messages(Throwable e) {
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append(" | ");
    }
    return all.toString();
  }

  @Test
  void writesArrayAndCoordinateFilesThatReadBackExactly() throws IOException {
    DoubleMatrix m = TestMatrices.gaussian(57, 6, new Random(3));
    m.set(4, 2, 0.0);
    RowBlockMatrix blocks = RowBlockMatrix.fromLocal(sc, m, 5);
    Path dense = dir.resolve("dense.mtx");
    DatasetRows.toDataset(spark, blocks).write().format("mtx").save(dense.toString());
    assertTrue(Files.readString(dense).startsWith("%%MatrixMarket matrix array real general"));
    assertEquals(m, MatrixMarketFile.read(dense));
    Path sparse = dir.resolve("sparse.mtx");
    DatasetRows.toDataset(spark, blocks).write().format("mtx").option("format", "coordinate").save(sparse.toString());
    assertTrue(Files.readString(sparse).contains("\n57 6 341\n"), "nonzeros counted in the header");
    assertEquals(m, MatrixMarketFile.read(sparse));
    assertEquals(m, load(sparse.toString(), 3));
    // a solution vector (n x 1) from a plain array column
    Path x = dir.resolve("x.mtx");
    spark.sql("SELECT id AS row, array(CAST(id AS double) / 3) AS x FROM range(4)").coalesce(2)
        .write().format("mtx").save(x.toString());
    DoubleMatrix read = MatrixMarketFile.read(x);
    assertEquals("4 x 1", read.shape());
    assertEquals(2.0 / 3, read.get(2, 0), 0.0);
    try (var files = Files.list(dir)) {
      assertEquals(3, files.count(), "no part folders left behind");
    }
  }

  @Test
  void saveModesAndSqlViews() throws IOException {
    Path p = dir.resolve("m.mtx");
    Dataset<Row> df = org.penrose.adapters.DatasetRows.toDataset(spark, org.penrose.engine.RowBlockMatrix.fromLocal(sc, DoubleMatrix.identity(3), 1));
    df.write().format("mtx").save(p.toString());
    Exception e = assertThrows(Exception.class, () -> df.write().format("mtx").save(p.toString()));
    assertTrue(messages(e).contains("already exists"), messages(e));
    String before = Files.readString(p);
    org.penrose.adapters.DatasetRows.toDataset(spark, org.penrose.engine.RowBlockMatrix.fromLocal(sc, DoubleMatrix.zeros(2, 2), 1)).write().format("mtx").mode("ignore")
        .save(p.toString());
    assertEquals(before, Files.readString(p));
    spark.sql("CREATE OR REPLACE TEMPORARY VIEW m USING mtx OPTIONS (path '" + p + "')");
    assertEquals(3L, spark.sql("SELECT count(*) FROM m").first().getLong(0));
  }

  /** Reads are a DataSource V2 table (its scan an RDD, since it shuffles); a missing file fails at load. */
  @Test
  void readsAreDataSourceV2() throws IOException {
    Path p = dir.resolve("v2.mtx");
    Files.writeString(p, "%%MatrixMarket matrix coordinate real general\n3 2 2\n3 1 5.0\n1 2 7.0\n");
    Dataset<Row> a = spark.read().format("mtx").load(p.toString());
    String plan = ((org.apache.spark.sql.classic.Dataset<Row>) a).queryExecution().analyzed().toString();
    assertTrue(plan.contains("RelationV2") && plan.contains("mtx:"), plan);
    assertEquals("[[0,(2,[1],[7.0])], [1,(2,[],[])], [2,(2,[0],[5.0])]]", a.collectAsList().toString());
    Exception e = assertThrows(Exception.class, () -> spark.read().format("mtx").load(dir.resolve("no.mtx").toString()));
    assertTrue(messages(e).contains("no.mtx"), messages(e));
  }

  @Test
  void optionsAreDeclaredAndTyped() throws IOException {
    Path p = dir.resolve("o.mtx");
    Dataset<Row> df = DatasetRows.toDataset(spark, RowBlockMatrix.fromLocal(sc, DoubleMatrix.identity(4), 2));
    Exception e = assertThrows(Exception.class,
        () -> df.write().format("mtx").option("formt", "array").save(p.toString()));
    assertTrue(messages(e).contains("unknown option 'formt' for writing mtx (options: path, column, format)"),
        messages(e));
    assertTrue(!Files.exists(p), "nothing written");
    e = assertThrows(Exception.class, () -> df.write().format("mtx").option("format", "dense").save(p.toString()));
    assertTrue(messages(e).contains("option format must be auto, array or coordinate, got 'dense'"), messages(e));
    df.write().format("mtx").option("FORMAT", "Array").save(p.toString()); // names and choices in any case
    assertTrue(Files.readString(p).startsWith("%%MatrixMarket matrix array"), "array format written");
    e = assertThrows(Exception.class,
        () -> spark.read().format("mtx").option("rowsPerPartition", 2).load(p.toString()));
    assertTrue(messages(e).contains("unknown option 'rowsperpartition' for reading mtx (options: path, partitions,"
        + " vectors)"), messages(e));
    e = assertThrows(Exception.class, () -> spark.read().format("mtx").option("vectors", "sprase").load(p.toString()));
    assertTrue(messages(e).contains("option vectors must be sparse or dense, got 'sprase'"), messages(e));
    e = assertThrows(Exception.class, () -> spark.read().format("mtx").option("partitions", 0).load(p.toString()));
    assertTrue(messages(e).contains("option partitions must be a whole number >= 1, got '0'"), messages(e));
    assertEquals(3, spark.read().format("mtx").option("partitions", 3).load(p.toString()).rdd().getNumPartitions());
  }
}
