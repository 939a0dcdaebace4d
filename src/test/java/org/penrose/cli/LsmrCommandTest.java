package org.penrose.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.penrose.adapters.MatrixFiles;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.io.MatrixMarketFile;
import org.penrose.io.NpyFile;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.LeastSquares;
import org.penrose.solver.Ridge;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/**
 * {@code penrose lstsq --method lsmr} on a Matrix Market file: the solution against the dense direct
 * solvers (Householder QR + SVD; ridge for {@code --damp}), the report, and the options it refuses.
 */
class LsmrCommandTest extends SparkTestSession {
  @TempDir static Path dir;
  private Path a;
  private Path b;
  private DoubleMatrix dense;
  private DoubleMatrix rhs;

  @BeforeAll
  void files() throws Exception {
    Random random = new Random(7);
    dense = DoubleMatrix.zeros(400, 60);
    for (int i = 0; i < 400; i++) {
      dense.set(i, i % 60, 1 + random.nextDouble());
      for (int j = 0; j < 60; j++) {
        if (random.nextDouble() < 0.05) {
          dense.set(i, j, random.nextGaussian());
        }
      }
    }
    a = dir.resolve("A.mtx");
    RowBlockMatrix blocks = RowBlockMatrix.fromLocal(sc, dense, 2);
    new MatrixFiles(spark).writeMatrixMarket(blocks, a.toString());
    dense = MatrixMarketFile.read(a); // the values as the file holds them
    rhs = TestMatrices.gaussian(400, 1, random);
    b = dir.resolve("b.npy");
    NpyFile.writeVector(b, rhs);
  }

  private static double relativeError(DoubleMatrix got, DoubleMatrix expected) {
    return Math.sqrt(DoubleMatrix.sumOfSquares(got.plusScaled(-1, expected).values())
        / DoubleMatrix.sumOfSquares(expected.values()));
  }

  @Test
  void solvesToTheStoppingTolerancesAndReportsTheCertificate() throws Exception {
    Path x = dir.resolve("x.npy");
    Path report = dir.resolve("lsmr.json");
    CliRun r = CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(), "--method", "lsmr",
        "--atol", "1e-12", "--btol", "1e-12", "--output", x.toString(), "--report", report.toString());
    assertEquals(0, r.status(), r.err());
    DoubleMatrix reference = LeastSquares.solve(dense, rhs, RankCutoff.DEFAULT).solution();
    double error = relativeError(NpyFile.read(x), reference);
    assertTrue(error < 1e-9, "relative error " + error);
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    assertEquals("lsmr", json.get("route").asText());
    assertTrue(json.get("converged").asBoolean());
    assertTrue(json.get("iterations").asInt() > 5);
    assertTrue(json.get("columns").get(0).get("certificate").asDouble() < 1e-11);
    assertTrue(r.out().contains("LSMR column 0:"), r.out());
    assertEquals("none", json.get("precondition").asText());
    // with the columns scaled: the same solution (A has full column rank), A's own certificate
    JsonNode scaledJson = preconditioned(reference, "--precondition", "columns");
    assertEquals("columns", scaledJson.get("precondition").asText());
    assertTrue(scaledJson.get("columns").get(0).get("where").asText().contains("columns scaled"));
    // with A's 5 largest singular triplets deflated (svd --rank 5 first): the same solution, A's own certificate
    JsonNode deflatedJson = preconditioned(reference, "--deflate", "5");
    assertEquals(5, deflatedJson.get("deflation").asInt());
    assertTrue(deflatedJson.get("deflation_certificate").asDouble() <= 1e-10);
    assertTrue(deflatedJson.get("columns").get(0).get("where").asText().contains("5 singular triplets deflated"));
    // the same with Spark (spark.penrose.inDriver=false): the SVD and the passes as jobs, the same bits
    String previous = System.getProperty(InDriver.SETTING);
    System.setProperty(InDriver.SETTING, "false");
    try {
      Path sparkX = dir.resolve("x-deflated-spark.npy");
      CliRun inSpark = CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(), "--method", "lsmr",
          "--deflate", "5", "--atol", "1e-12", "--btol", "1e-12", "--output", sparkX.toString());
      assertEquals(0, inSpark.status(), inSpark.err());
      assertFalse(inSpark.out().contains("no Spark"), inSpark.out());
      assertArrayEquals(NpyFile.read(dir.resolve("x5.npy")).values(), NpyFile.read(sparkX).values());
    } finally {
      if (previous == null) {
        System.clearProperty(InDriver.SETTING);
      } else {
        System.setProperty(InDriver.SETTING, previous);
      }
    }
  }

  /**
   * {@code lstsq --method lsmr} at 1e-12 with {@code option value} (a preconditioner): x within 1e-9 of {@code
   * reference} and A's own certificate within atol; the report.
   */
  private JsonNode preconditioned(DoubleMatrix reference, String option, String value) throws Exception {
    Path x = dir.resolve("x" + value + ".npy");
    Path report = dir.resolve("report-" + value + ".json");
    CliRun run = CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(), "--method", "lsmr", option, value,
        "--atol", "1e-12", "--btol", "1e-12", "--output", x.toString(), "--report", report.toString());
    assertEquals(0, run.status(), run.err());
    double error = relativeError(NpyFile.read(x), reference);
    assertTrue(error < 1e-9, option + " " + value + ": relative error " + error);
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    assertTrue(json.get("columns").get(0).get("certificate").asDouble() <= 1e-12, json.toString());
    return json;
  }

  /**
   * The automatic deflation: an undamped problem that plain LSMR has not solved after 1000 iterations (a 2000 x 1500
   * sparse matrix, its diagonal graded from 1 to 10^-1.7 and its first 20 columns scaled up by 300 to 157: cond(A)
   * about 1.5e4; scipy's lsmr takes about 2,000 iterations on such a matrix) is deflated by A's 20 largest singular
   * triplets from there on, and reaches the dense reference in fewer iterations than with {@code --deflate 0}; the
   * report says so. At atol = btol = 1e-12 the forward error is about cond(A) times the backward error's scale
   * (scipy: 5e-7 on the same kind of matrix), so the solutions are checked to 1e-5 and the certificates to 1e-12.
   */
  @Test
  void anUndampedSolveThatRunsLongIsDeflatedAutomatically() throws Exception {
    int m = 2000;
    int n = 1500;
    Random random = new Random(29);
    DoubleMatrix hard = DoubleMatrix.zeros(m, n);
    for (int j = 0; j < n; j++) {
      hard.set(j, j, Math.pow(10, -1.7 * j / n) * (j < 20 ? 300 * (1 - j / 40.0) : 1));
    }
    for (int i = 0; i < m; i++) {
      for (int k = 0; k < 3; k++) {
        int j = random.nextInt(n);
        hard.set(i, j, hard.get(i, j) + 1e-3 * random.nextGaussian());
      }
    }
    Path hardA = dir.resolve("hard.mtx");
    new MatrixFiles(spark).writeMatrixMarket(TestMatrices.sparseBlocks(sc, hard, 2), hardA.toString());
    hard = MatrixMarketFile.read(hardA);
    DoubleMatrix hardB = TestMatrices.gaussian(m, 1, random);
    Path hardRhs = dir.resolve("hard-b.npy");
    NpyFile.writeVector(hardRhs, hardB);
    DoubleMatrix reference = LeastSquares.solve(hard, hardB, RankCutoff.DEFAULT).solution();
    JsonNode[] reports = new JsonNode[2];
    String[][] modes = {{}, {"--deflate", "0"}};
    for (int r = 0; r < 2; r++) {
      Path x = dir.resolve("hard-x" + r + ".npy");
      Path report = dir.resolve("hard-" + r + ".json");
      CliRun run = CliRun.of(CliRun.concat(new String[] {"lstsq", "--input", hardA.toString(), "--rhs",
          hardRhs.toString(), "--method", "lsmr", "--atol", "1e-12", "--btol", "1e-12", "--max-iterations", "10000",
          "--output", x.toString(), "--report", report.toString()}, modes[r]));
      assertEquals(0, run.status(), run.err());
      double error = relativeError(NpyFile.read(x), reference);
      reports[r] = new ObjectMapper().readTree(report.toFile());
      System.out.printf("hard problem, %s: %d iterations, relative error %.2e%n", r == 0 ? "automatic" : "never",
          reports[r].get("iterations").asInt(), error);
      assertTrue(error < 1e-5, "relative error " + error);
      assertTrue(reports[r].get("converged").asBoolean(), reports[r].toString());
      assertTrue(reports[r].get("columns").get(0).get("certificate").asDouble() <= 1e-12, reports[r].toString());
    }
    assertEquals("auto", reports[0].get("deflate").asText());
    assertEquals(20, reports[0].get("deflation").asInt());
    assertEquals(1000, reports[0].get("deflation_after").asInt());
    assertEquals(0, reports[1].get("deflate").asInt());
    assertTrue(reports[1].get("deflation") == null, reports[1].toString());
    assertTrue(reports[1].get("iterations").asInt() > 1000, reports[1].toString());
    assertTrue(reports[0].get("iterations").asInt() < reports[1].get("iterations").asInt(), reports[0].get(
        "iterations") + " against " + reports[1].get("iterations"));
  }

  @Test
  void dampIsRidge() throws Exception {
    Path x = dir.resolve("xd.npy");
    CliRun r = CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(), "--method", "lsmr",
        "--damp", "2", "--atol", "1e-12", "--btol", "1e-12", "--output", x.toString());
    assertEquals(0, r.status(), r.err());
    DoubleMatrix ridge = Ridge.solve(dense, rhs, 4.0).solution();
    double error = relativeError(NpyFile.read(x), ridge);
    assertTrue(error < 1e-9, "relative error " + error);
    // to a requested accuracy instead of the tolerances: the report's bound, computed from x, holds and is met
    Path report = dir.resolve("forward.json");
    CliRun f = CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(), "--method", "lsmr",
        "--damp", "0.5", "--forward-error", "1e-10", "--output", x.toString(), "--report", report.toString());
    assertEquals(0, f.status(), f.err());
    JsonNode column = new ObjectMapper().readTree(report.toFile()).get("columns").get(0);
    assertEquals("forward_error", column.get("stop").asText());
    double bound = column.get("forward_error_bound").asDouble();
    double forwardError = relativeError(NpyFile.read(x), Ridge.solve(dense, rhs, 0.25).solution());
    assertTrue(bound <= 1e-10 && forwardError <= bound, "bound " + bound + ", error " + forwardError);
    assertTrue(f.out().contains("||x - x*|| / ||x|| <= "), f.out());
  }

  /** {@code --cotangent} on the LSMR route: the gradient at A's stored entries and dL/db, as the TSQR route's. */
  @Test
  void theVjpMatchesTheTsqrRoutes() throws Exception {
    Path gx = dir.resolve("gx.npy");
    NpyFile.writeVector(gx, TestMatrices.gaussian(60, 1, new Random(9)));
    String[] common = {"lstsq", "--input", a.toString(), "--rhs", b.toString(), "--cotangent", gx.toString()};
    CliRun lsmr = CliRun.of(CliRun.concat(common, "--method", "lsmr", "--atol", "1e-14", "--btol", "1e-14",
        "--output", dir.resolve("xv.npy").toString(), "--grad-a-output", dir.resolve("ga.mtx").toString(),
        "--grad-b-output", dir.resolve("gb.npy").toString()));
    assertEquals(0, lsmr.status(), lsmr.err());
    CliRun tsqr = CliRun.of(CliRun.concat(common, "--output", dir.resolve("xt.npy").toString(),
        "--grad-a-output", dir.resolve("ga-tsqr.mtx").toString(), "--grad-b-output",
        dir.resolve("gb-tsqr.npy").toString()));
    assertEquals(0, tsqr.status(), tsqr.err());
    double errorA = relativeError(MatrixMarketFile.read(dir.resolve("ga.mtx")),
        MatrixMarketFile.read(dir.resolve("ga-tsqr.mtx")));
    double errorB = relativeError(NpyFile.read(dir.resolve("gb.npy")), NpyFile.read(dir.resolve("gb-tsqr.npy")));
    System.out.printf("lsmr vjp vs tsqr vjp: grad_A %.1e, grad_b %.1e (relative)%n", errorA, errorB);
    assertTrue(errorA < 1e-8 && errorB < 1e-8, errorA + ", " + errorB);
  }


  @Test
  void anIterationLimitIsReportedNotHidden() throws Exception {
    Path report = dir.resolve("limited.json");
    CliRun r = CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(), "--method", "lsmr",
        "--max-iterations", "2", "--output", dir.resolve("xl.npy").toString(), "--report", report.toString());
    assertEquals(0, r.status(), r.err());
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    assertFalse(json.get("converged").asBoolean());
    assertEquals("iteration_limit", json.get("columns").get(0).get("stop").asText());
  }

  @Test
  void optionsOfOtherRoutesAreRefusedByName() {
    String out = dir.resolve("xe.npy").toString();
    assertEquals("penrose: error: --rtol is a cut-off of singular values; the LSMR route has none (its stopping"
        + " tolerances are --atol and --btol)\n", CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(),
            "--method", "lsmr", "--rtol", "1e-3", "--output", out).err());
    assertEquals("penrose: error: damp must be a finite number >= 0, got -1.0\n", CliRun.of("lstsq", "--input",
        a.toString(), "--rhs", b.toString(), "--method", "lsmr", "--damp", "-1", "--output", out).err());
    assertEquals("penrose: error: --damp, --btol, --forward-error, --max-iterations, --precondition and --deflate are"
        + " LSMR's: add --method lsmr\n", CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(), "--damp", "1", "--output",
            out).err());
    assertEquals("penrose: error: --precondition columns solves min ||A D y - b|| with x = D y, where --damp would"
        + " damp ||y||, not ||x||: use one or the other\n", CliRun.of("lstsq", "--input", a.toString(), "--rhs",
            b.toString(), "--method", "lsmr", "--damp", "1", "--precondition", "columns", "--output", out).err());
    assertEquals("penrose: error: --forward-error needs --damp > 0: the bound divides by damp^2 (undamped, the report"
        + " gives an estimate of the error, forward_error_estimate, but no bound)\n", CliRun.of("lstsq", "--input",
            a.toString(), "--rhs", b.toString(), "--method", "lsmr", "--forward-error", "1e-8", "--output", out).err());
    assertTrue(CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(), "--method", "lsmr",
        "--precondition", "rows", "--output", out).err().contains("--precondition"));
    assertEquals("penrose: error: --deflate is for the undamped solve alone: drop it, or --damp, --precondition"
        + " columns, --forward-error and --cotangent\n", CliRun.of("lstsq", "--input", a.toString(), "--rhs",
            b.toString(), "--method", "lsmr", "--deflate", "3", "--damp", "1", "--output", out).err());
    assertEquals("penrose: error: --deflate K needs K >= 0 (0: never), got -1\n", CliRun.of("lstsq", "--input",
        a.toString(), "--rhs", b.toString(), "--method", "lsmr", "--deflate", "-1", "--output", out).err());
    assertTrue(CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(), "--method", "lsmr", "--rank", "3",
        "--output", out).err().contains("the LSMR route solves without a rank cut"));
  }
  /**
   * The bench's one-hot section on a small problem: each side is timed at the cheapest setting its ladder found
   * within the target, Spark's {@code maxIter} bisected so that one iteration fewer is outside it.
   */
  @Test
  void theOneHotBenchTimesEachFitAtTheCheapestSettingWithinTheTarget() throws Exception {
    Path report = dir.resolve("bench.json");
    CliRun r = CliRun.of("bench", "--skip-dense", "--one-hot", "--one-hot-rows", "5000", "--one-hot-columns", "300",
        "--partitions", "2", "--repeat", "1", "--report", report.toString());
    assertEquals(0, r.status(), r.err());
    JsonNode bench = new ObjectMapper().readTree(report.toFile()).get("lsmr_one_hot");
    double accuracy = bench.get("accuracy").asDouble();
    assertTrue(bench.get("penrose_error").asDouble() <= accuracy, bench.toString());
    double tol = bench.get("penrose_tol").asDouble();
    for (JsonNode rung : bench.get("penrose_ladder")) {
      if (rung.get("tol").asDouble() > tol * 1.5) { // every looser tol tried missed the target
        assertTrue(rung.get("error").asDouble() > accuracy, rung.toString());
      }
    }
    assertTrue(bench.get("spark_reached_accuracy").asBoolean(), bench.toString());
    int fewest = bench.get("spark_max_iter").asInt();
    assertTrue(bench.get("spark_error").asDouble() <= accuracy, bench.toString());
    boolean oneFewerTried = false;
    for (JsonNode rung : bench.get("spark_ladder")) {
      if (rung.get("max_iter").asInt() == fewest - 1) {
        oneFewerTried = true;
        assertTrue(rung.get("error").asDouble() > accuracy, rung.toString());
      }
    }
    assertTrue(oneFewerTried || fewest == 1, bench.get("spark_ladder").toString());
    assertTrue(bench.get("spark_over_penrose").asDouble() > 0);
  }
}
