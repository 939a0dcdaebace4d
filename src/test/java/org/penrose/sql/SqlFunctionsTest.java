package org.penrose.sql;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Matrices;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.OracleCase;
import org.penrose.testing.SparkTestSession;

/**
 * The SQL functions, installed by {@code spark.sql.extensions=org.penrose.sql.PenroseExtensions} in
 * this class's session: every function through SQL text and through {@link functions}, the oracle
 * cases through SQL, documentation, NULLs and bad inputs.
 */
class SqlFunctionsTest extends SparkTestSession {

  @Override
  protected void configure(SparkSession.Builder builder) {
    builder.config("spark.sql.extensions", "org.penrose.sql.PenroseExtensions");
  }

  static List<Double> list(double[] row) {
    List<Double> out = new ArrayList<>();
    for (double v : row) {
      out.add(v);
    }
    return out;
  }

  static List<List<Double>> cell(DoubleMatrix m) {
    List<List<Double>> rows = new ArrayList<>();
    for (double[] r : m.toRows()) {
      rows.add(list(r));
    }
    return rows;
  }

  static DoubleMatrix matrixOf(List<?> rows, int cols) {
    double[][] out = new double[rows.size()][];
    for (int i = 0; i < out.length; i++) {
      List<?> r = rows.get(i) instanceof List ? (List<?>) rows.get(i)
          : scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) rows.get(i));
      out[i] = new double[r.size()];
      for (int j = 0; j < out[i].length; j++) {
        out[i][j] = ((Number) r.get(j)).doubleValue();
      }
    }
    return DoubleMatrix.fromRows(out, cols);
  }

  static final StructType CASE_SCHEMA = new StructType()
      .add("A", "array<array<double>>").add("B", "array<array<double>>").add("G", "array<array<double>>")
      .add("gx", "array<array<double>>").add("dA", "array<array<double>>")
      .add("rtol", "double").add("atol", "double");

  static List<OracleCase> cases() {
    return OracleCase.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void oracleCasesThroughSql(OracleCase c) {
    Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create(cell(c.a), cell(c.b), cell(c.g), cell(c.gx),
        cell(c.dA), c.rtol, c.atol)), CASE_SCHEMA);
    df.createOrReplaceTempView("oracle_case");
    Row r = spark.sql("SELECT pinv(A, rtol, atol), pinv_jvp(A, dA, rtol, atol), pinv_vjp(A, G, rtol, atol),"
        + " lstsq(A, B, rtol, atol), lstsq_vjp(A, B, gx, rtol, atol), matrix_rank(A, rtol, atol) FROM oracle_case").first();
    Row ls = r.getStruct(3);
    Row grad = r.getStruct(4);
    Map<String, DoubleMatrix> got = Map.of(
        "pinv", matrixOf(r.getList(0), c.m),
        "jvp", matrixOf(r.getList(1), c.m),
        "vjp_A", matrixOf(r.getList(2), c.n),
        "lstsq_x", matrixOf(ls.getList(0), c.k),
        "lstsq_grad_A", matrixOf(grad.getList(0), c.n),
        "lstsq_grad_b", matrixOf(grad.getList(1), c.k));
    String failures = c.failures(got);
    assertTrue(failures.isEmpty(), c.name + ": " + failures);
    assertEquals(c.rank, r.getInt(5));
    assertEquals(c.rank, ls.getInt(1));
  }

  @Test
  void textExamplesAndVectorRightHandSides() {
    Row r = spark.sql("SELECT pinv(array(array(1d, 2d), array(2d, 4d))), matrix_rank(array(array(1d, 2d), array(2d, 4d))),"
        + " svdvals(array(array(3d, 0d), array(0d, -4d))), lstsq(array(array(1d, 1d)), array(2d)),"
        + " lstsq_vjp(array(array(2d)), array(4d), array(1d)).grad_b, pinv(array(array(1, 2), array(2, 4)))").first();
    DoubleMatrix p = matrixOf(r.getList(0), 2);
    assertEquals(0.04, p.get(0, 0), 1e-15); // pinv of the rank-1 [[1 2] [2 4]] is [[1 2] [2 4]] / 25
    assertEquals(0.16, p.get(1, 1), 1e-15);
    assertEquals(1, r.getInt(1));
    assertEquals(List.of(4.0, 3.0), r.getList(2));
    Row ls = r.getStruct(3);
    assertEquals(List.of(1.0, 1.0), ls.getList(0).stream().map(v -> Math.rint((Double) v * 1e12) / 1e12).toList());
    assertEquals(0.0, ls.getDouble(3), 1e-28);
    assertEquals(List.of(0.5), r.getList(4));
    assertEquals(p, matrixOf(r.getList(5), 2), "integer matrices are cast to double");
  }

  @Test
  void mllibMatricesAndVectorsAreAccepted() {
    StructType schema = new StructType().add("M", SQLDataTypes.MatrixType()).add("v", SQLDataTypes.VectorType());
    Dataset<Row> df = spark.createDataFrame(List.of(
        RowFactory.create(Matrices.dense(2, 2, new double[] {1, 3, 2, 4}), org.apache.spark.ml.linalg.Vectors.dense(5, 6)),
        RowFactory.create(Matrices.sparse(2, 2, new int[] {0, 1, 2}, new int[] {0, 1}, new double[] {2, 4}),
            org.apache.spark.ml.linalg.Vectors.sparse(2, new int[] {1}, new double[] {8}))), schema);
    List<Row> rows = df.select(functions.lstsq(col("M"), col("v")).getField("solution")).collectAsList();
    // [[1 2] [3 4]] x = [5 6]  ->  x = (-4, 4.5);  diag(2, 4) x = (0, 8)  ->  x = (0, 2)
    assertEquals(-4.0, (Double) rows.get(0).getList(0).get(0), 1e-14);
    assertEquals(4.5, (Double) rows.get(0).getList(0).get(1), 1e-14);
    assertEquals(0.0, (Double) rows.get(1).getList(0).get(0), 1e-15);
    assertEquals(2.0, (Double) rows.get(1).getList(0).get(1), 1e-15);
  }

  @Test
  void everyFunctionThroughTheColumnApi() {
    Dataset<Row> df = spark.sql("SELECT array(array(1d, 0d), array(0d, 2d), array(0d, 0d)) AS A,"
        + " array(array(1d), array(1d), array(1d)) AS B, array(array(1d, 1d, 1d), array(1d, 1d, 1d)) AS G,"
        + " array(array(1d), array(1d)) AS gx, array(array(0d, 1d), array(1d, 0d), array(0d, 0d)) AS dA,"
        + " array(1d, 2d) AS f, 3d AS y");
    Row r = df.select(functions.pinv(col("A")), functions.pinv(col("A"), lit(0.6)), functions.pinv(col("A"), lit(null), lit(1.5)),
        functions.lstsq(col("A"), col("B")), functions.pinvJvp(col("A"), col("dA")), functions.pinvVjp(col("A"), col("G")),
        functions.lstsqVjp(col("A"), col("B"), col("gx")), functions.matrixRank(col("A")),
        functions.matrixRank(col("A"), lit(0.6), lit(null)), functions.svdvals(col("A"))).first();
    assertEquals(DoubleMatrix.fromRows(new double[][] {{1, 0, 0}, {0, 0.5, 0}}), matrixOf(r.getList(0), 3));
    assertEquals(DoubleMatrix.fromRows(new double[][] {{0, 0, 0}, {0, 0.5, 0}}), matrixOf(r.getList(1), 3), "rtol 0.6 drops s = 1");
    assertEquals(DoubleMatrix.fromRows(new double[][] {{0, 0, 0}, {0, 0.5, 0}}), matrixOf(r.getList(2), 3), "atol 1.5");
    assertEquals(DoubleMatrix.fromRows(new double[][] {{1}, {0.5}}), matrixOf(r.getStruct(3).getList(0), 1));
    assertEquals(1.0, ((List<?>) r.getStruct(3).getList(3)).stream().mapToDouble(v -> (Double) v).sum(), 1e-15);
    assertEquals("2 x 3", matrixOf(r.getList(4), 3).shape());
    assertEquals("3 x 2", matrixOf(r.getList(5), 2).shape());
    assertEquals("3 x 1", matrixOf(r.getStruct(6).getList(1), 1).shape());
    assertEquals(2, r.getInt(7));
    assertEquals(1, r.getInt(8));
    assertEquals(List.of(2.0, 1.0), r.getList(9));
  }

  @Test
  void columnsAreNamedLikeBuiltInFunctionCallsAndFieldsStayReachable() {
    Dataset<Row> df = spark.sql("SELECT array(array(1d, 2d), array(2d, 4d)) AS A, array(1d, 2d) AS b");
    assertEquals(List.of("pinv(A)", "matrix_rank(A, 0.1, NULL)"),
        List.of(df.select(functions.pinv(col("A")), functions.matrixRank(col("A"), lit(0.1), lit(null))).columns()));
    Row r = spark.sql("SELECT lstsq(A, b).rank AS r, matrix_rank(A) + 1 AS s FROM (SELECT array(array(1d, 2d),"
        + " array(2d, 4d)) AS A, array(1d, 2d) AS b) WHERE matrix_rank(A) = 1").first();
    assertEquals(1, r.getInt(0));
    assertEquals(2, r.getInt(1));
  }

  @Test
  void nullInNullOut() {
    Row r = spark.sql("SELECT pinv(CAST(NULL AS array<array<double>>)), lstsq(NULL, array(1d)), matrix_rank(NULL),"
        + " pinv(array(array(2d)), NULL, NULL)").first();
    assertTrue(r.isNullAt(0));
    assertTrue(r.isNullAt(1));
    assertTrue(r.isNullAt(2));
    assertEquals(List.of(List.of(0.5)), r.getList(3).stream()
        .map(x -> scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) x)).toList(), "NULL tolerance = not given");
  }

  @Test
  void badInputsNameTheFunctionAndTheProblem() {
    assertError("SELECT pinv(array(array(1d, 2d), array(3d)))", "pinv: A is ragged: row 1 has 1 values but row 0 has 2");
    assertError("SELECT pinv(array(array(1d, CAST('NaN' AS double))))", "pinv: A has a non-finite value NaN at row 0, column 1");
    assertError("SELECT lstsq(array(array(1d, 2d)), array(1d, 2d))", "lstsq: shape mismatch: B is 2 x 1");
    assertError("SELECT pinv_vjp(array(array(1d, 2d)), array(array(1d, 2d)))", "pinv_vjp: shape mismatch: the cotangent G is 1 x 2");
    assertError("SELECT pinv(array(array(1d, 2d)), -1)", "pinv: rtol must be a finite number >= 0");
    assertError("SELECT pinv('abc')", "pinv: A must be a matrix");
    assertError("SELECT pinv(array(array(1d)), 1, 2, 3)", "pinv takes 1 to 3 arguments, got 4");
    assertError("SELECT pinv(array(array(1d), NULL))", "pinv: A has a null row 1");
  }

  @Test
  void cellsBeyondTheSizeLimitAreErrorsBeforeAnyAllocation() {
    // 20000 x 20000 = 400,000,000 entries, folded on the driver: 3.2 GB as doubles, an OutOfMemoryError before the limit
    assertError("SELECT pinv(array_repeat(array_repeat(1D, 20000), 20000))",
        "pinv: A is 20000 x 20000 (400000000 entries), more than the 4194304 one SQL cell may hold; use the distributed API");
    assertError("SELECT lstsq(array_repeat(array_repeat(1D, 3000), 3000), array_repeat(1D, 3000))", "lstsq: A is 3000 x 3000");
    // the limit is not bad data: an error even when invalid cells become NULL
    spark.conf().set(PenroseFunctions.INVALID_AS_NULL, "true");
    try {
      assertError("SELECT matrix_rank(array_repeat(array_repeat(1D, 2049), 2049))", "matrix_rank: A is 2049 x 2049");
    } finally {
      spark.conf().unset(PenroseFunctions.INVALID_AS_NULL);
    }
    // at the limit it computes: 2^22 entries, rank 1
    assertEquals(1, spark.sql("SELECT matrix_rank(array_repeat(array_repeat(1D, 2), 2097152))").first().getInt(0));
  }

  @Test
  void invalidCellsBecomeNullWhenAskedTo() {
    spark.conf().set(PenroseFunctions.INVALID_AS_NULL, "true");
    try {
      Row r = spark.sql("SELECT pinv(array(array(1d, 2d), array(3d))), matrix_rank(array(array(1d), array(CAST('NaN' AS double)))),"
          + " pinv(array(array(4d)))").first();
      assertTrue(r.isNullAt(0));
      assertTrue(r.isNullAt(1));
      assertEquals(0.25, (Double) scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) r.getList(2).get(0)).get(0));
    } finally {
      spark.conf().unset(PenroseFunctions.INVALID_AS_NULL);
    }
  }

  @Test
  void describeFunctionShowsUsageArgumentsAndExample() {
    String text = String.join("\n", spark.sql("DESCRIBE FUNCTION EXTENDED pinv").as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList());
    assertTrue(text.contains("Usage: pinv(A[, rtol[, atol]]) - The Moore-Penrose pseudo-inverse"), text);
    assertTrue(text.contains("Arguments:") && text.contains("* rtol - optional relative tolerance"), text);
    assertTrue(text.contains("> SELECT pinv(array(array(2d, 0d), array(0d, 4d), array(0d, 0d)));"), text);
    for (String f : new String[] {"lstsq", "pinv_jvp", "pinv_vjp", "lstsq_vjp", "matrix_rank", "svdvals", "lstsq_agg"}) {
      String d = String.join("\n", spark.sql("DESCRIBE FUNCTION EXTENDED " + f).as(org.apache.spark.sql.Encoders.STRING())
          .collectAsList());
      assertTrue(d.contains("Usage: " + f + "(") && d.contains("Examples:"), d);
    }
  }

  @Test
  void everyDocumentedExampleGivesItsStatedResult() {
    for (PenroseFunctions.Spec spec : PenroseFunctions.specs()) {
      String examples = spec.info.getExamples();
      String query = examples.substring(examples.indexOf("> ") + 2, examples.indexOf(";")).trim();
      String expected = examples.substring(examples.indexOf(";") + 1).trim();
      Row r = spark.sql(query).first();
      String got = r.get(0) instanceof scala.collection.Seq
          ? render(scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) r.get(0)))
          : String.valueOf(r.get(0));
      assertEquals(expected, got, spec.name + ": " + query);
    }
  }

  private static String render(List<?> list) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < list.size(); i++) {
      Object v = list.get(i);
      sb.append(i == 0 ? "" : ",").append(v instanceof scala.collection.Seq
          ? render(scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) v)) : v);
    }
    return sb.append("]").toString();
  }

  private void assertError(String query, String expected) {
    Exception e = assertThrows(Exception.class, () -> spark.sql(query).collect(), query);
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      all.append(t.getMessage()).append(" | ");
    }
    assertTrue(all.toString().contains(expected), query + " -> " + all);
  }

  @Test
  void nothingWhenNoRows() {
    Row empty = spark.sql("SELECT lstsq_agg(array(1d), 1d) FROM range(0)").first().getStruct(0);
    assertNull(empty.get(0));
    assertEquals(0L, empty.getLong(4));
    assertEquals(DataTypes.IntegerType, spark.sql("SELECT matrix_rank(array(array(1d)))").schema().fields()[0].dataType());
  }
}
