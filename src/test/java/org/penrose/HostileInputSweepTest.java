package org.penrose;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.penrose.adapters.MatrixFiles;
import org.penrose.distributed.DistributedLstsq;
import org.penrose.distributed.DistributedPinv;
import org.penrose.engine.BlockStarts;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.io.MatrixMarketFile;
import org.penrose.io.NpyFile;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.SparseEntries;
import org.penrose.ml.LeastSquaresRegression;
import org.penrose.ml.LeastSquaresRegressionModel;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestData;

/**
 * Hostile inputs at every entry point but the command line (which {@code LauncherIT} sweeps
 * through {@code jobs/penrose}): the npy and mtx DataSources, the SQL functions and aggregate, the
 * estimator and the Java API, each given NaN/Inf, ragged or null rows, a wrong dtype, truncated or
 * corrupt files, absurd header sizes, misaligned right-hand sides, empty inputs and a zero matrix.
 * Each gives an error whose message names the problem, or the documented result; none hangs
 * (every test has a time limit).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HostileInputSweepTest extends org.penrose.testing.SparkTestSession {
  @TempDir Path dir;

  @Override
  protected void configure(org.apache.spark.sql.SparkSession.Builder builder) {
    builder.config("spark.sql.extensions", "org.penrose.sql.PenroseExtensions");
  }

  /** Every message in the cause chain of what {@code body} throws. */
  private static String failure(Executable body) {
    Throwable e = assertThrows(Throwable.class, body);
    assertTrue(!(e instanceof OutOfMemoryError) && !(e instanceof StackOverflowError), "a clear error, not " + e);
    StringBuilder all = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      all.append(t.getMessage()).append(" | ");
    }
    return all.toString();
  }

  private static void assertFails(Executable body, String... expected) {
    String messages = failure(body);
    for (String part : expected) {
      assertTrue(messages.contains(part), "expected \"" + part + "\" in: " + messages);
    }
  }

  private String npy(String name, DoubleMatrix m) throws IOException {
    Path p = dir.resolve(name);
    NpyFile.write(p, m);
    return p.toString();
  }

  private String text(String name, String content) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, content);
    return p.toString();
  }

  private static String fixture(String name) {
    return TestData.npyFixture(name).toString();
  }

  private long npyRows(String path) {
    return spark.read().format("npy").load(path).count();
  }

  private long mtxRows(String path) {
    return spark.read().format("mtx").load(path).count();
  }

  // ---- npy DataSource ----

  @Test
  void npySource() throws IOException {
    DoubleMatrix a = DoubleMatrix.identity(4);
    a.set(2, 1, Double.POSITIVE_INFINITY);
    String inf = npy("inf.npy", a);
    assertFails(() -> npyRows(inf), "inf.npy", "row 2 has a non-finite value Infinity in column 1");
    assertFails(() -> npyRows(fixture("bad_complex.npy")), "unsupported dtype '<c16'");
    assertFails(() -> npyRows(fixture("bad_truncated.npy")), "truncated .npy data");
    assertFails(() -> npyRows(fixture("bad_header_syntax.npy")), "corrupt .npy header");
    assertFails(() -> npyRows(fixture("bad_absurd_shape.npy")), "1000000000000");
    assertFails(() -> npyRows(fixture("bad_3d.npy")), "3-dimensional array is not a matrix");
    String empty = text("empty.npy", "");
    assertFails(() -> npyRows(empty), "empty.npy: not a .npy file (only 0 bytes");
    assertEquals(0, npyRows(fixture("f8_empty_0x3.npy")), "an empty 0 x 3 matrix has no rows");
    String zero = npy("zero.npy", DoubleMatrix.zeros(5, 3));
    List<Row> rows = spark.read().format("npy").load(zero).collectAsList();
    assertEquals(5, rows.size());
    assertTrue(rows.stream().allMatch(r -> Arrays.stream(((org.apache.spark.ml.linalg.Vector) r.get(1)).toArray())
        .allMatch(v -> v == 0.0)), "a zero matrix reads as zeros");
  }

  // ---- mtx DataSource ----

  @Test
  void mtxSource() throws IOException {
    String header = "%%MatrixMarket matrix coordinate real general\n";
    String nan = text("nan.mtx", header + "3 2 2\n1 1 1.0\n2 2 nan\n");
    assertFails(() -> mtxRows(nan), "nan.mtx, line 4: not a finite decimal number: 'nan'");
    String corrupt = text("corrupt.mtx", header + "3 2 2\n1 1 1.0\n2 x 2.0\n");
    assertFails(() -> mtxRows(corrupt), "corrupt.mtx, line 4: column index is not an integer: 'x'");
    String outside = text("outside.mtx", header + "3 2 2\n1 1 1.0\n4 1 2.0\n");
    assertFails(() -> mtxRows(outside), "outside.mtx, line 4: row index 4 is out of range 1..3");
    String truncated = text("truncated.mtx", header + "3 2 3\n1 1 1.0\n2 2 2.0\n");
    assertFails(() -> mtxRows(truncated), "truncated.mtx: the file holds 2 entries but its size line (line 2) declares 3");
    String noHeader = text("noheader.mtx", "3 2 1\n1 1 1.0\n");
    assertFails(() -> mtxRows(noHeader), "noheader.mtx, line 1: bad banner '3 2 1'");
    String complex = text("complex.mtx", "%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1.0 2.0\n");
    assertFails(() -> mtxRows(complex), "complex matrices are not supported");
    String empty = text("empty.mtx", "");
    assertFails(() -> mtxRows(empty), "empty.mtx: empty file, not a Matrix Market file");
    // a size line of 10^9 columns and two entries: sparse rows, nothing of size n allocated per row
    String wide = text("wide.mtx", header + "3 1000000000 2\n1 1 1.0\n2 5 2.0\n");
    List<Row> rows = spark.read().format("mtx").load(wide).collectAsList();
    assertEquals(3, rows.size());
    assertEquals(1_000_000_000, ((org.apache.spark.ml.linalg.Vector) rows.get(0).get(1)).size());
    String zero = text("zero.mtx", header + "3 2 0\n");
    assertEquals(3, mtxRows(zero), "a matrix with no stored entries is all zeros, one row each");
  }

  // ---- SQL functions and the aggregate ----

  private Object sql(String query) {
    return spark.sql(query).collectAsList();
  }

  @Test
  void sqlFunctions() {
    assertFails(() -> sql("SELECT pinv(array(array(1d, CAST('Infinity' AS double))))"), "pinv: A has a non-finite value Infinity");
    assertFails(() -> sql("SELECT lstsq(array(array(1d, 2d), array(3d)), array(1d, 2d))"), "lstsq: A is ragged");
    assertFails(() -> sql("SELECT svdvals(array(array(1d), NULL))"), "svdvals: A has a null row 1");
    assertFails(() -> sql("SELECT pinv(array(array('a')))"), "pinv: A must be a matrix");
    assertFails(() -> sql("SELECT lstsq(array(array(1d), array(2d)), array(1d, 2d, 3d))"), "lstsq: shape mismatch");
    assertFails(() -> sql("SELECT pinv(array_repeat(array_repeat(1D, 5000), 5000))"), "more than the 4194304 one SQL cell may hold");
    // a zero matrix: rank 0 and a zero pseudo-inverse, as numpy
    Row zero = spark.sql("SELECT pinv(array(array(0d, 0d), array(0d, 0d), array(0d, 0d))) AS p,"
        + " matrix_rank(array(array(0d, 0d))) AS r").first();
    assertEquals(0, zero.getInt(1));
    assertEquals(2, zero.getList(0).size());
    // an empty matrix (no rows): its 0 x 0 pseudo-inverse
    Row empty = spark.sql("SELECT pinv(CAST(array() AS array<array<double>>)) AS p").first();
    assertEquals(0, empty.getList(0).size());
  }

  @Test
  void sqlAggregate() {
    assertFails(() -> sql("SELECT lstsq_agg(f, y) FROM VALUES (array(1d, CAST('NaN' AS double)), 1d) AS t(f, y)"),
        "lstsq_agg: features has a non-finite value NaN at position 1");
    assertFails(() -> sql("SELECT lstsq_agg(f, y) FROM VALUES (array(1d), CAST('Infinity' AS double)) AS t(f, y)"),
        "lstsq_agg: the label is not finite: Infinity");
    assertFails(() -> sql("SELECT lstsq_agg(f, y) FROM VALUES (array(1d), 1d), (array(1d, 2d), 2d) AS t(f, y)"),
        "lstsq_agg: features has");
    assertFails(() -> sql("SELECT lstsq_agg(f, y) FROM VALUES ('a', 1d) AS t(f, y)"), "lstsq_agg: features must be a vector");
    assertFails(() -> sql("SELECT lstsq_agg(array_repeat(1D, 20000), 1D) FROM range(2)"), "lstsq_agg: 20000 features need about");
    // no rows: a NULL fit over 0 rows; zero features: rank 0 and zero coefficients
    Row none = spark.sql("SELECT lstsq_agg(f, y) FROM VALUES (array(1d), 1d) AS t(f, y) WHERE y > 5").first().getStruct(0);
    assertTrue(none.isNullAt(0));
    assertEquals(0L, none.getLong(4));
    Row zero = spark.sql("SELECT lstsq_agg(array(0d, 0d), y) FROM VALUES (1d), (2d), (3d) AS t(y)").first().getStruct(0);
    assertEquals(0, zero.getInt(1));
    assertEquals(List.of(0.0, 0.0), zero.getList(0));
  }

  // ---- the estimator ----

  private Dataset<Row> table(Object[]... rows) {
    StructType schema = new StructType().add("features", new VectorUDT(), true).add("label", DataTypes.DoubleType, true);
    return spark.createDataFrame(Arrays.stream(rows).map(RowFactory::create).toList(), schema);
  }

  @Test
  void estimator() {
    LeastSquaresRegression lsq = new LeastSquaresRegression();
    assertFails(() -> lsq.fit(table(new Object[] {Vectors.dense(1, Double.NaN), 1.0}, new Object[] {Vectors.dense(1, 2), 2.0})),
        "non-finite value NaN at position 1");
    assertFails(() -> lsq.fit(table(new Object[] {Vectors.dense(1, 2), Double.POSITIVE_INFINITY})),
        "the label column 'label' has a non-finite value Infinity");
    assertFails(() -> lsq.fit(table(new Object[] {Vectors.dense(1, 2), null}, new Object[] {Vectors.dense(1, 3), 2.0})),
        "the label column 'label' has a NULL value");
    assertFails(() -> lsq.fit(table(new Object[] {Vectors.dense(1, 2), 1.0}, new Object[] {Vectors.dense(1, 2, 3), 2.0})),
        "a feature vector has 3 values but the first one has 2");
    assertFails(() -> lsq.fit(table(new Object[] {Vectors.dense(1, 2), 1.0}, new Object[] {null, 1.0})),
        "the features column 'features' has a NULL value");
    Dataset<Row> strings = spark.sql("SELECT array(1d, 2d) AS features, 'x' AS label");
    assertFails(() -> lsq.fit(strings), "the label column 'label' has type string; expected a number");
    assertFails(() -> lsq.fit(table()), "LeastSquaresRegression: no rows to fit");
    // an all-zero design: rank 1 (the intercept), zero coefficients, the intercept the mean
    LeastSquaresRegressionModel model = lsq.fit(table(new Object[] {Vectors.dense(0, 0), 1.0},
        new Object[] {Vectors.dense(0, 0), 3.0}, new Object[] {Vectors.dense(0, 0), 5.0}));
    assertEquals(1, model.summary().rank());
    assertEquals(3.0, model.intercept(), 1e-14);
    assertEquals(0.0, model.coefficients().apply(0));
    assertEquals(0.0, model.coefficients().apply(1));
  }

  // ---- the Java API ----

  @Test
  void javaApi() {
    DoubleMatrix a = DoubleMatrix.identity(3);
    a.set(0, 0, Double.NaN);
    assertFails(() -> RowBlockMatrix.fromLocal(sc, a, 2), "the matrix has a non-finite value NaN at row 0, column 0");
    RowBlockMatrix a3 = RowBlockMatrix.fromLocal(sc, DoubleMatrix.identity(3), 2);
    RowBlockMatrix b4 = RowBlockMatrix.fromLocal(sc, DoubleMatrix.zeros(4, 1), 2);
    assertFails(() -> DistributedLstsq.solve(a3, b4, RankCutoff.DEFAULT), "shape mismatch", "4 rows but A has 3");
    RowBlockMatrix b3other = RowBlockMatrix.fromLocal(sc, DoubleMatrix.zeros(3, 1), new long[] {0, 2, 3}); // A has {0, 1, 3}
    assertFails(() -> DistributedLstsq.solve(a3, b3other, RankCutoff.DEFAULT), "B is not row-aligned with A");
    assertFails(() -> RowBlockMatrix.fromLocal(sc, DoubleMatrix.identity(3), new long[] {0, 2, 1, 3}), "block starts must not decrease");
    // a zero matrix: rank 0, a zero solution and pseudo-inverse
    RowBlockMatrix zero = RowBlockMatrix.fromLocal(sc, DoubleMatrix.zeros(6, 2), 3);
    DistributedLstsq fit = DistributedLstsq.solve(zero, RowBlockMatrix.fromLocal(sc, DoubleMatrix.column(new double[] {1, 2, 3, 4, 5, 6}), 3),
        RankCutoff.DEFAULT);
    assertEquals(0, fit.rank());
    assertTrue(Arrays.stream(fit.solution().values()).allMatch(v -> v == 0.0));
    DistributedPinv p = DistributedPinv.factor(zero, RankCutoff.DEFAULT);
    assertEquals(0, p.rank());
    // an empty matrix (no rows): rank 0
    RowBlockMatrix none = RowBlockMatrix.fromLocal(sc, DoubleMatrix.zeros(0, 2), 1);
    assertEquals(0, DistributedPinv.factor(none, RankCutoff.DEFAULT).rank());
  }

  /**
   * Every way to build a distributed matrix rejects NaN/Inf with the row and column named, also when
   * the blocks are made by the caller's tasks; sizes are checked before anything is allocated.
   */
  @Test
  void matrixBuildersRejectNonFiniteValuesAndAbsurdSizes() {
    long[] starts = {0, 2, 4};
    org.apache.spark.api.java.JavaRDD<org.penrose.engine.RowBlock> blocks = sc.parallelize(List.of(0, 1), 2)
        .map(p -> {
          DoubleMatrix m = DoubleMatrix.identity(2);
          if (p == 1) {
            m.set(1, 0, Double.POSITIVE_INFINITY);
          }
          return new org.penrose.engine.RowBlock(2L * p, m);
        });
    RowBlockMatrix made = RowBlockMatrix.fromBlocks(blocks, starts, 2);
    assertFails(() -> made.collectLocal(), "the row blocks has a non-finite value Infinity at row 3, column 0");
    org.penrose.matrix.SparseEntries entries = new org.penrose.matrix.SparseEntries();
    entries.add(0, 1, 1.0);
    entries.add(2, 0, Double.NaN);
    RowBlockMatrix sparse = RowBlockMatrix.fromEntries(sc.parallelize(List.of(entries), 1), 3, 2, new long[] {0, 3}, true);
    assertFails(() -> sparse.collectLocal(), "the entries has a non-finite value NaN at row 2, column 0");
    // TSQR checks its leaves itself (a matrix made without the builders' checks)
    RowBlockMatrix unchecked = RowBlockMatrix.fromBlocks(sc.parallelize(List.of(0), 1).map(p -> {
      DoubleMatrix m = DoubleMatrix.identity(3);
      m.set(2, 1, Double.NaN);
      return new org.penrose.engine.RowBlock(0, m);
    }), new long[] {0, 3}, 3);
    assertFails(() -> DistributedPinv.factor(unchecked, RankCutoff.DEFAULT), "non-finite value NaN at row 2, column 1");
    // sizes
    assertFails(() -> BlockStarts.balanced(10, 0), "the number of row blocks must be between 1 and 1048576, got 0");
    assertFails(() -> BlockStarts.balanced(10, 2_000_000), "between 1 and 1048576, got 2000000");
    long[] huge = BlockStarts.balanced(Long.MAX_VALUE, 7); // no overflow in m * i / parts
    assertEquals(Long.MAX_VALUE, huge[7]);
    for (int i = 1; i <= 7; i++) {
      assertTrue(huge[i] > huge[i - 1], Arrays.toString(huge));
    }
    assertFails(() -> RowBlockMatrix.fromLocal(sc, DoubleMatrix.identity(3), BlockStarts.balanced(3, 1 << 21)),
        "between 1 and 1048576");
    assertFails(() -> DoubleMatrix.zeros(100_000, 100_000), "more than one dense block can hold");
  }

  @Test
  void absurdMatrixMarketSizesAreOneLineErrors() throws IOException {
    String header = "%%MatrixMarket matrix coordinate real general\n";
    String overflow = text("overflow.mtx", header + "9223372036854775807 9223372036854775807 1\n1 1 1.0\n");
    assertFails(() -> org.penrose.io.MatrixMarketFile.read(Path.of(overflow)), "absurd size");
    assertFails(() -> mtxRows(overflow), "absurd size");
    String columns = text("columns.mtx", header + "3 9000000000 1\n1 1 1.0\n");
    assertFails(() -> mtxRows(columns), "absurd size: 9000000000 columns");
    String dense = text("dense.mtx", "%%MatrixMarket matrix array real general\n3037000500 3037000500\n1.0\n");
    assertFails(() -> mtxRows(dense), "absurd size");
    // a block that would hold more rows than an int indexes: more row blocks, says the error
    String tall = text("tall.mtx", header + "5000000000 2 1\n1 1 1.0\n");
    assertFails(() -> new org.penrose.adapters.MatrixFiles(spark).read(tall, 1), "use more row blocks");
  }
}
