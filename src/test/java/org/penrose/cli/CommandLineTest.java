package org.penrose.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.penrose.adapters.DatasetRows;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.io.MatrixMarketFile;
import org.penrose.io.NpyFile;
import org.penrose.io.NpyHeader;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.Datasets;
import org.penrose.testing.OracleCase;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestData;
import org.penrose.testing.TestMatrices;

/**
 * The {@code pinv}, {@code lstsq} and {@code demo} commands in-process (on the test class's Spark
 * session), checked against an oracle case.
 */
class CommandLineTest extends org.penrose.testing.SparkTestSession {
  @TempDir Path dir;

  private CliRun run(String... args) {
    return CliRun.of(args);
  }

  private static OracleCase rankDeficientCase() {
    return OracleCase.all().stream().filter(c -> c.name.equals("rank3_tall_160x10_int")).findFirst().orElseThrow();
  }

  private Path save(String name, DoubleMatrix m) throws IOException {
    Path p = dir.resolve(name);
    NpyFile.write(p, m);
    return p;
  }

  @Test
  void pinvWithBothDerivativesMatchesTheOracle() throws IOException {
    OracleCase c = rankDeficientCase();
    List<String> args = new ArrayList<>(List.of("pinv", "--partitions", "3",
        "--input", save("A.npy", c.a).toString(), "--output", dir.resolve("P.npy").toString(),
        "--rtol", Double.toString(c.rtol), "--atol", Double.toString(c.atol),
        "--tangent", save("dA.npy", c.dA).toString(), "--jvp-output", dir.resolve("dP.npy").toString(),
        "--cotangent", save("G.npy", c.g).toString(), "--vjp-output", dir.resolve("GA.npy").toString(),
        "--report", dir.resolve("report.json").toString()));
    CliRun r = run(args.toArray(new String[0]));
    assertEquals(0, r.status(), r.err());
    assertTrue(c.relativeError("pinv", NpyFile.read(dir.resolve("P.npy"))) <= c.tolerance("pinv"));
    assertTrue(c.relativeError("jvp", NpyFile.read(dir.resolve("dP.npy"))) <= c.tolerance("jvp"));
    assertTrue(c.relativeError("vjp_A", NpyFile.read(dir.resolve("GA.npy"))) <= c.tolerance("vjp_A"));
    JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    assertEquals(c.m, report.get("m").asInt());
    assertEquals(c.n, report.get("n").asInt());
    assertEquals(c.rank, report.get("rank").asInt());
    assertEquals(c.threshold, report.get("threshold").asDouble(), 1e-12 * c.threshold);
    assertEquals(c.n, report.get("singular_values").size());
    assertTrue(report.get("seconds").has("factor"));
  }

  @Test
  void lstsqWithAVectorRightHandSideWritesVectors() throws IOException {
    OracleCase c = rankDeficientCase();
    Path b = dir.resolve("b.npy");
    NpyFile.writeVector(b, c.b.columns(0, 1));
    Path gx = dir.resolve("gx.npy");
    NpyFile.writeVector(gx, c.gx.columns(0, 1));
    CliRun r = run("lstsq", "--partitions", "4", "--input", save("A.npy", c.a).toString(), "--rhs", b.toString(),
        "--output", dir.resolve("x.npy").toString(), "--rtol", Double.toString(c.rtol),
        "--cotangent", gx.toString(), "--grad-a-output", dir.resolve("GA.npy").toString(),
        "--grad-b-output", dir.resolve("GB.npy").toString(), "--report", dir.resolve("r.json").toString());
    assertEquals(0, r.status(), r.err());
    assertEquals(1, NpyFile.header(dir.resolve("x.npy")).shape().length);
    assertEquals(1, NpyFile.header(dir.resolve("GB.npy")).shape().length);
    NpyHeader ga = NpyFile.header(dir.resolve("GA.npy"));
    assertEquals(c.m, ga.rows());
    assertEquals(c.n, ga.cols());
    // first column of the oracle's k = 2 problem: X and grad_B are column-wise; grad_A is not (it sums over
    // columns), so it is compared with the closed form evaluated on the oracle's own pinv P (numpy's):
    // grad_A = -(P^T g) x^T + r g^T P P^T + (P^T x) g^T (I - P A), x = P b, r = b - A x
    DoubleMatrix x = NpyFile.read(dir.resolve("x.npy"));
    double errX = maxDiff(x, c.expected("lstsq_x").columns(0, 1)) / c.expected("lstsq_x").columns(0, 1).maxAbs();
    assertTrue(errX <= c.tolerance("lstsq_x"), "X error " + errX);
    DoubleMatrix p = c.expected("pinv");
    DoubleMatrix b1 = c.b.columns(0, 1);
    DoubleMatrix g1 = c.gx.columns(0, 1);
    DoubleMatrix x1 = p.times(b1);
    DoubleMatrix r1 = b1.plusScaled(-1.0, c.a.times(x1));
    DoubleMatrix pTg = p.transposeTimes(g1);
    DoubleMatrix pTx = p.transposeTimes(x1);
    DoubleMatrix projector = DoubleMatrix.identity(c.n).plusScaled(-1.0, p.times(c.a));
    DoubleMatrix expectedGa = r1.timesTranspose(g1).times(p.times(p.transpose()))
        .plusScaled(1.0, pTx.times(g1.transposeTimes(projector)))
        .plusScaled(-1.0, pTg.timesTranspose(x1));
    double errGa = maxDiff(NpyFile.read(dir.resolve("GA.npy")), expectedGa) / expectedGa.maxAbs();
    System.out.printf("lstsq with a vector b: grad_A against the closed form on numpy's pinv: %.1e%n", errGa);
    assertTrue(errGa <= c.tolerance("lstsq_grad_A"), "grad_A error " + errGa);
    DoubleMatrix gb = NpyFile.read(dir.resolve("GB.npy"));
    double errGb = maxDiff(gb, pTg) / pTg.maxAbs();
    assertTrue(errGb <= c.tolerance("lstsq_grad_b"), "grad_B error " + errGb);
    JsonNode report = new ObjectMapper().readTree(dir.resolve("r.json").toFile());
    assertEquals(1, report.get("residual_sum_of_squares").size());
    assertEquals(c.rank, report.get("rank").asInt());
  }

  @Test
  void lstsqMatrixRightHandSidesMatchTheOracle() throws IOException {
    OracleCase c = rankDeficientCase();
    CliRun r = run("lstsq", "--input", save("A.npy", c.a).toString(), "--rhs", save("B.npy", c.b).toString(),
        "--output", dir.resolve("X.npy").toString(), "--rtol", Double.toString(c.rtol),
        "--cotangent", save("GX.npy", c.gx).toString(), "--grad-a-output", dir.resolve("GA.npy").toString(),
        "--grad-b-output", dir.resolve("GB.npy").toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(c.relativeError("lstsq_x", NpyFile.read(dir.resolve("X.npy"))) <= c.tolerance("lstsq_x"));
    assertTrue(c.relativeError("lstsq_grad_A", NpyFile.read(dir.resolve("GA.npy"))) <= c.tolerance("lstsq_grad_A"));
    assertTrue(c.relativeError("lstsq_grad_b", NpyFile.read(dir.resolve("GB.npy"))) <= c.tolerance("lstsq_grad_b"));
  }

  /** {@code --solver truncated} on a narrow rank-deficient A: the truncated route, the oracle's answer. */
  @Test
  void lstsqOnTheTruncatedRouteWhenAskedMatchesTheOracle() throws IOException {
    OracleCase c = rankDeficientCase();
    Path report = dir.resolve("solver.json");
    CliRun r = run("lstsq", "--input", save("A.npy", c.a).toString(), "--rhs", save("B.npy", c.b).toString(),
        "--output", dir.resolve("X.npy").toString(), "--rtol", Double.toString(c.rtol), "--solver", "truncated",
        "--report", report.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(c.relativeError("lstsq_x", NpyFile.read(dir.resolve("X.npy"))) <= c.tolerance("lstsq_x"));
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    assertEquals("truncated", json.get("route").asText());
    assertEquals("asked for; the rank the cut-off decides", json.get("route_reason").asText());
    assertEquals(c.rank, json.get("rank").asInt());
    CliRun bad = run("lstsq", "--input", save("A.npy", c.a).toString(), "--rhs", save("B.npy", c.b).toString(),
        "--output", dir.resolve("X2.npy").toString(), "--solver", "tsqr", "--rank", "2");
    assertEquals(1, bad.status());
    assertTrue(bad.err().contains("a fixed rank (2) needs the truncated route"), bad.err());
    CliRun typo = run("lstsq", "--input", save("A.npy", c.a).toString(), "--rhs", save("B.npy", c.b).toString(),
        "--output", dir.resolve("X3.npy").toString(), "--solver", "lsqr");
    assertEquals(2, typo.status());
    assertTrue(typo.err().contains("--solver") && typo.err().contains("lsqr"), typo.err());
  }

  private static double maxDiff(DoubleMatrix a, DoubleMatrix b) {
    return a.plusScaled(-1, b).maxAbs();
  }

  @Test
  void matrixMarketInputsWorkWhereNpyDoes() throws IOException {
    String a = org.penrose.testing.TestData.path("sparse/hb_lsq/well1033.mtx.gz").toString();
    String b = org.penrose.testing.TestData.path("sparse/hb_lsq/well1033_rhs1.mtx.gz").toString();
    CliRun r = run("lstsq", "--partitions", "3", "--input", a, "--rhs", b, "--output", dir.resolve("x.npy").toString());
    assertEquals(0, r.status(), r.err());
    DoubleMatrix reference = org.penrose.io.MatrixMarketFile.read(
        org.penrose.testing.TestData.path("reference/well1033_x_reference.mtx"));
    DoubleMatrix x = NpyFile.read(dir.resolve("x.npy"));
    assertEquals("320 x 1", x.shape());
    assertTrue(org.penrose.testing.TestMatrices.relativeError(x, reference) < 1e-11);
  }

  @Test
  void parquetInputsWithAVectorColumn() throws IOException {
    OracleCase c = rankDeficientCase();
    // A and G (n x m) as Parquet folders with a row index and a vector column, rows shuffled
    Path aDir = dir.resolve("A.parquet");
    org.penrose.adapters.DatasetRows.toDataset(spark, org.penrose.engine.RowBlockMatrix.fromLocal(sc, c.a, 3)).orderBy(org.apache.spark.sql.functions.rand(1))
        .write().parquet(aDir.toString());
    Path gDir = dir.resolve("G_parquet");
    org.penrose.adapters.DatasetRows.toDataset(spark, org.penrose.engine.RowBlockMatrix.fromLocal(sc, c.g, 2))
        .withColumnRenamed("vector", "values").write().parquet(gDir.toString());
    CliRun r = run("pinv", "--partitions", "4", "--input", aDir.toString(), "--output", dir.resolve("P.npy").toString(),
        "--rtol", Double.toString(c.rtol), "--cotangent", gDir.toString(), "--vjp-output", dir.resolve("GA.npy").toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(c.relativeError("pinv", NpyFile.read(dir.resolve("P.npy"))) <= c.tolerance("pinv"));
    assertTrue(c.relativeError("vjp_A", NpyFile.read(dir.resolve("GA.npy"))) <= c.tolerance("vjp_A"));
    CliRun bad = run("pinv", "--input", dir.resolve("nothing.txt").toString(), "--output", dir.resolve("P.npy").toString());
    assertEquals(1, bad.status());
    assertTrue(bad.err().contains("no such file or folder"), bad.err());
  }

  @Test
  void regressOnACsvMatchesTheExactReference() throws IOException {
    String csv = org.penrose.testing.TestData.path("tabular/bike_sharing_hour.csv").toString();
    Path report = dir.resolve("bike.json");
    CliRun r = run("regress", "--input", csv, "--label", "cnt", "--features",
        "season,yr,mnth,hr,holiday,weekday,workingday,weathersit,temp,atemp,hum,windspeed", "--report", report.toString(),
        "--model-output", dir.resolve("model").toString());
    assertEquals(0, r.status(), r.err());
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    java.util.Map<String, Double> reference = org.penrose.testing.Datasets.reference("bike_hour");
    assertEquals(reference.get("(Intercept)"), json.get("intercept").asDouble(), 1e-8 * Math.abs(reference.get("(Intercept)")));
    assertEquals(reference.get("temp"), json.get("coefficients").get(8).asDouble(), 1e-8 * Math.abs(reference.get("temp")));
    assertEquals(reference.get("#R2"), json.get("r2").asDouble(), 1e-8);
    assertEquals(17379, json.get("rows").asLong());
    assertEquals(13, json.get("rank").asInt());
    assertEquals(12, json.get("coefficients").size());
    assertTrue(Files.exists(dir.resolve("model/metadata")));
  }

  @Test
  void regressWithARidgePenaltyOrItsGcvChoice() throws IOException {
    String csv = org.penrose.testing.TestData.path("tabular/bike_sharing_hour.csv").toString();
    String columns = "season,yr,mnth,hr,holiday,weekday,workingday,weathersit,temp,atemp,hum,windspeed";
    Path report = dir.resolve("ridge.json");
    CliRun r = run("regress", "--input", csv, "--label", "cnt", "--features", columns, "--reg-param", "gcv",
        "--report", report.toString());
    assertEquals(0, r.status(), r.err());
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    JsonNode path = json.get("gcv_path");
    assertEquals(81, path.size());
    double best = Double.POSITIVE_INFINITY, chosen = Double.NaN;
    for (JsonNode point : path) {
      if (point.get(1).asDouble() < best) {
        best = point.get(1).asDouble();
        chosen = point.get(0).asDouble();
      }
    }
    assertEquals(chosen, json.get("reg_param").asDouble(), "the reported penalty is the path's least GCV");
    assertTrue(json.get("effective_df").asDouble() > 1 && json.get("effective_df").asDouble() <= 13, json.toString());
    assertTrue(json.get("standardization").asBoolean());

    CliRun fixed = run("regress", "--input", csv, "--label", "cnt", "--features", columns, "--reg-param", "0.5",
        "--no-standardization", "--report", report.toString());
    assertEquals(0, fixed.status(), fixed.err());
    JsonNode fixedJson = new ObjectMapper().readTree(report.toFile());
    assertEquals(0.5, fixedJson.get("reg_param").asDouble());
    assertTrue(fixedJson.get("gcv_path") == null && !fixedJson.get("standardization").asBoolean(), fixedJson.toString());

    CliRun bad = run("regress", "--input", csv, "--label", "cnt", "--reg-param", "lots", "--report", report.toString());
    assertEquals(1, bad.status());
    assertTrue(bad.err().contains("--reg-param takes a number >= 0, gcv or loo, got 'lots'"), bad.err());
  }

  @Test
  void regressOnNpyUsesTheLastColumnAsLabel() throws IOException {
    // y = 2 + 3 x0 - x1 exactly, and a duplicate of x0: rank 3 of 4, x0 and its copy share the coefficient
    DoubleMatrix m = DoubleMatrix.zeros(50, 4);
    java.util.Random random = new java.util.Random(3);
    for (int i = 0; i < 50; i++) {
      double x0 = random.nextGaussian();
      double x1 = random.nextGaussian();
      m.set(i, 0, x0);
      m.set(i, 1, x1);
      m.set(i, 2, x0);
      m.set(i, 3, 2 + 3 * x0 - x1);
    }
    Path npy = dir.resolve("t.npy");
    NpyFile.writeRowMajor(npy, m);
    Path report = dir.resolve("t.json");
    CliRun r = run("regress", "--input", npy.toString(), "--report", report.toString(), "--no-equilibrate");
    assertEquals(0, r.status(), r.err());
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    assertEquals(3, json.get("rank").asInt());
    assertEquals(2.0, json.get("intercept").asDouble(), 1e-12);
    assertEquals(1.5, json.get("coefficients").get(0).asDouble(), 1e-12);
    assertEquals(-1.0, json.get("coefficients").get(1).asDouble(), 1e-12);
    assertEquals(1.5, json.get("coefficients").get(2).asDouble(), 1e-12);
    assertEquals(1, json.get("dependent_columns").size());
    assertTrue(json.get("standard_errors").isNull());
    CliRun bad = run("regress", "--input", npy.toString(), "--report", report.toString(), "--label", "7");
    assertEquals(1, bad.status());
    assertTrue(bad.err().contains("--label 7 is not a column of the 4-column"), bad.err());
  }

  @Test
  void errorsAreOneClearLineWithStatusOne() throws IOException {
    CliRun missing = run("pinv", "--input", dir.resolve("nope.npy").toString(), "--output", dir.resolve("P.npy").toString());
    assertEquals(1, missing.status());
    assertTrue(missing.err().startsWith("penrose: error: no such file or folder: " + dir.resolve("nope.npy")), missing.err());
    assertFalse(missing.err().contains("\tat "), "no stack trace without --verbose");

    DoubleMatrix a = DoubleMatrix.identity(3);
    a.set(1, 2, Double.NaN);
    CliRun nan = run("pinv", "--input", save("nan.npy", a).toString(), "--output", dir.resolve("P.npy").toString());
    assertEquals(1, nan.status());
    assertTrue(nan.err().contains("nan.npy: row 1 has a non-finite value NaN in column 2"), nan.err());
    assertEquals(1, nan.err().lines().count(), "one line: " + nan.err());
    assertFalse(Files.exists(dir.resolve("P.npy")), "no output for a failed run");

    CliRun verbose = run("--verbose", "pinv", "--input", dir.resolve("nan.npy").toString(), "--output", dir.resolve("P.npy").toString());
    assertEquals(1, verbose.status());
    assertTrue(verbose.err().contains("\tat "), "stack trace with --verbose");

    CliRun mismatch = run("lstsq", "--input", save("A3.npy", DoubleMatrix.identity(3)).toString(),
        "--rhs", save("B4.npy", DoubleMatrix.zeros(4, 1)).toString(), "--output", dir.resolve("X.npy").toString());
    assertEquals(1, mismatch.status());
    assertTrue(mismatch.err().contains("B4.npy is 4 x 1") && mismatch.err().contains("A, which is 3 x 3"), mismatch.err());
  }

  @Test
  void usageErrorsHaveStatusTwo() {
    CliRun r = run("pinv", "--input", "A.npy", "--output", "P.npy", "--tangent", "dA.npy");
    assertEquals(2, r.status());
    assertTrue(r.err().contains("--jvp-output"), r.err());
    assertEquals(2, run("frobnicate").status());
    assertEquals(2, run("pinv", "--input", "A.npy", "--output", "P.npy", "--rtol", "abc").status());
  }

  @Test
  void negativeToleranceIsAnError() throws IOException {
    CliRun r = run("pinv", "--input", save("I.npy", DoubleMatrix.identity(2)).toString(),
        "--output", dir.resolve("P.npy").toString(), "--rtol", "-1");
    assertEquals(1, r.status());
    assertTrue(r.err().contains("rtol must be a finite number >= 0, got -1.0"), r.err());
  }

  /** Runs a command and returns what it printed on standard output. */
  private String stdout(CliRun[] status, String... args) {
    status[0] = run(args);
    return status[0].out();
  }

  @Test
  void sqlRunsSeveralStatementsAsTablesOrJsonLines() throws IOException {
    CliRun[] status = new CliRun[1];
    String table = stdout(status, "sql", "-e",
        "CREATE OR REPLACE TEMPORARY VIEW t AS SELECT * FROM VALUES (1, array(1d, 0d), 1d), (1, array(0d, 1d), 2d),"
            + " (2, array(2d), 4d) AS t(k, f, y); -- a comment; with a semicolon\n"
            + "SELECT k, lstsq_agg(f, y).coefficients AS x FROM t GROUP BY k ORDER BY k;"
            + "SELECT matrix_rank(array(array(1d, 2d), array(2d, 4d))) AS `r;`");
    assertEquals(0, status[0].status(), status[0].err());
    assertTrue(table.contains("|k  |x         |") && table.contains("|1  |[1.0, 2.0]|") && table.contains("|2  |[2.0]     |"), table);
    assertTrue(table.contains("|r; |") && table.contains("|1  |"), table);

    Path file = dir.resolve("q.sql");
    Files.writeString(file, "SELECT svdvals(array(array(3d, 0d), array(0d, -4d))) AS s;\n");
    String json = stdout(status, "sql", "--json", "-f", file.toString());
    assertEquals(0, status[0].status(), status[0].err());
    assertEquals("{\"s\":[4.0,3.0]}", json.trim());
  }

  @Test
  void sqlErrorsNameTheStatement() {
    CliRun[] status = new CliRun[1];
    stdout(status, "sql", "-e", "SELECT 1; SELECT pinv(array(array(1d), array(1d, 2d)))");
    assertEquals(1, status[0].status());
    assertTrue(status[0].err().contains("statement 2: ") && status[0].err().contains("pinv: A is ragged"), status[0].err());
    stdout(status, "sql", "-e", "SELEC 1");
    assertEquals(1, status[0].status());
    assertTrue(status[0].err().contains("statement 1: ") && status[0].err().contains("SELEC"), status[0].err());
    assertEquals(List.of("SELECT 'a;b'", "SELECT 2"), SqlCommand.split("SELECT 'a;b'; /* ; */ SELECT 2;"));
  }

  /** {@code bench --pinv-first}: pinv is the first route timed, its cold run set against the later runs' median. */
  @Test
  void benchTimesPinvFirstAndReportsItsColdRunAgainstTheWarmOnes() throws IOException {
    Path report = dir.resolve("bench-pinv.json");
    CliRun r = run("bench", "--rows", "3000", "--cols", "8", "--partitions", "2", "--deficient-rows", "0",
        "--skip-mllib", "--repeat", "3", "--pinv-first", "--report", report.toString());
    assertEquals(0, r.status(), r.err());
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    assertEquals("penrose pinv", json.get("seconds").fieldNames().next(), json.toString());
    double cold = json.get("pinv_cold_seconds").asDouble();
    double warm = json.get("pinv_warm_seconds").asDouble();
    assertTrue(cold > 0 && warm > 0, json.toString());
    assertTrue(r.out().contains(String.format("pinv cold / warm: %.2f", cold / warm)), r.out());
  }

  /**
   * {@code bench --truncated}: the singular values against the stored reference (scipy), both routes timed and
   * Spark's share of a step set beside the floor an empty job over the same blocks gives.
   */
  @Test
  void truncatedBenchMatchesTheReferenceAndReportsSparksShareOfAStep() throws IOException {
    Path report = dir.resolve("bench-truncated.json");
    CliRun r = run("bench", "--skip-dense", "--skip-mllib", "--partitions", "2", "--repeat", "1", "--truncated",
        TestData.path("sparse/debian_packages/debian_packages.mtx.gz").toString(), "--truncated-rank", "5",
        "--truncated-reference", TestData.path("reference/debian_packages_rank100_reference.json").toString(),
        "--report", report.toString());
    assertEquals(0, r.status(), r.err());
    JsonNode truncated = new ObjectMapper().readTree(report.toFile()).get("truncated");
    assertTrue(truncated.get("penrose_max_sv_error_over_s1").asDouble() < 1e-13, truncated.toString());
    assertTrue(truncated.get("spark_empty_job_seconds").asDouble() > 0, truncated.toString());
    assertTrue(truncated.has("spark_overhead_per_step_seconds"), truncated.toString());
    assertTrue(r.out().contains("an empty job over the same blocks, reduced the same way:"), r.out());
  }

  @Test
  void demoWritesItsReportAndPlots() throws IOException {
    Path out = dir.resolve("demo");
    CliRun r = run("demo", "--rows", "20000", "--partitions", "3", "--output", out.toString(), "--no-spark-comparison");
    assertEquals(0, r.status(), r.err());
    JsonNode json = new ObjectMapper().readTree(out.resolve("report.json").toFile()).get("demo");
    JsonNode regression = json.get("rank_deficient_regression");
    assertEquals(41, regression.get("rank").asInt(), "40 independent features and the intercept");
    assertEquals(20, regression.get("dependent_columns").size());
    assertEquals(11, json.get("nist").size());
    for (JsonNode row : json.get("nist")) {
      // the floors of LeastSquaresRegressionTest.nistCertifiedDigits: measured 13.2 (Wampler2) to 15, and
      // Filip 7.6 (the exact solution of its double data), on the bundled and the system OpenBLAS
      double floor = row.toString().contains("Filip") ? 7.3 : 12;
      assertTrue(row.get("penrose").asDouble() >= floor, row.toString());
    }
    assertTrue(json.get("gradient_checks").get("passed").asBoolean());
    JsonNode ridge = json.get("ridge_longley");
    assertTrue(ridge.get("reg_param_loo").asDouble() > 0 && ridge.get("effective_df").asDouble() < 7, ridge.toString());
    String md = Files.readString(out.resolve("report.md"));
    assertTrue(md.contains("| Filip |") && md.contains("![singular value spectrum](spectrum.png)"), md);
    for (String png : new String[] {"spectrum.png", "residuals.png", "ridge_path.png"}) {
      byte[] bytes = Files.readAllBytes(out.resolve(png));
      assertTrue(bytes.length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', png);
    }
  }

  @Test
  void varproRecoversBothCasesAndWritesPlots() throws IOException {
    Path out = dir.resolve("varpro");
    CliRun r = run("varpro", "--points", "5000", "--partitions", "3", "--output", out.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("iteration  1"), r.out());
    JsonNode cases = new ObjectMapper().readTree(out.resolve("report.json").toFile()).get("varpro").get("cases");
    assertEquals(2, cases.size());
    for (JsonNode c : cases) {
      assertTrue(c.get("converged").asBoolean() && c.get("recovered").asBoolean(), c.toString());
      assertTrue(c.get("max_error_in_standard_errors").asDouble() <= 4, c.toString());
      byte[] png = Files.readAllBytes(out.resolve(c.get("plot").asText()));
      assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G');
    }
    JsonNode deficient = cases.get(1);
    assertEquals(2, deficient.get("rank").asInt(), "two identical basis functions");
    assertEquals(deficient.get("coefficients").get(0).asDouble(), deficient.get("coefficients").get(1).asDouble(), 1e-9);
    assertEquals(2, run("varpro", "--points", "many").status());
    CliRun tooFew = run("varpro", "--points", "10", "--output", out.toString());
    assertEquals(1, tooFew.status());
    assertTrue(tooFew.err().contains("--points must be at least 100"), tooFew.err());
  }
}
