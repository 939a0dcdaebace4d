package org.penrose.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.penrose.adapters.MatrixFiles;
import org.penrose.distributed.DistributedLstsq;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.engine.Tsqr;
import org.penrose.factor.RankCutoff;
import org.penrose.io.MatrixMarketFile;
import org.penrose.io.NpyFile;
import org.penrose.matrix.CsrMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;
import org.penrose.matrix.SparseEntries;
import org.penrose.testing.BlockLowRank;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;
import org.penrose.truncated.TruncatedSvdOptions;

/** {@code penrose svd} and {@code penrose lstsq --rank} on a sparse Matrix Market input with more than 4096 columns. */
class TruncatedCommandsTest extends SparkTestSession {
  @TempDir Path dir;
  private BlockLowRank low;
  private Path a;
  private Path b;
  private Path gx;

  @BeforeAll
  void files() throws Exception {
    low = new BlockLowRank(150, 5000, 3, 4, 9);
    Path folder = java.nio.file.Files.createTempDirectory("penrose-truncated");
    a = folder.resolve("A.mtx");
    new MatrixFiles(spark).writeMatrixMarket(low.blocks(sc, low.entries(0), 2), a.toString());
    b = folder.resolve("b.npy");
    NpyFile.writeVector(b, TestMatrices.gaussian(150, 1, new Random(1)));
    gx = folder.resolve("gx.npy");
    NpyFile.writeVector(gx, TestMatrices.gaussian(5000, 1, new Random(2)));
  }

  @Test
  void svdWritesCertifiedOrthonormalFactors() throws Exception {
    Path out = dir.resolve("svd");
    CliRun r = CliRun.of("svd", "--input", a.toString(), "--rank", "2", "--output-dir", out.toString(),
        "--report", dir.resolve("svd.json").toString());
    assertEquals(0, r.status(), r.err());
    DoubleMatrix u = NpyFile.read(out.resolve("U.npy"));
    DoubleMatrix s = NpyFile.read(out.resolve("S.npy"));
    DoubleMatrix v = NpyFile.read(out.resolve("V.npy"));
    assertEquals("150 x 2", u.shape());
    assertEquals("5000 x 2", v.shape());
    double[] expected = low.singularValues();
    assertEquals(expected[0], s.get(0, 0), 1e-12 * expected[0]);
    assertEquals(expected[1], s.get(1, 0), 1e-12 * expected[0]);
    assertTrue(u.transposeTimes(u).plusScaled(-1, DoubleMatrix.identity(2)).maxAbs() <= 1e-12);
    assertTrue(v.transposeTimes(v).plusScaled(-1, DoubleMatrix.identity(2)).maxAbs() <= 1e-12);
    DoubleMatrix dense = MatrixMarketFile.read(a);
    DoubleMatrix residual = dense.times(v);
    for (int j = 0; j < 2; j++) {
      for (int i = 0; i < 150; i++) {
        residual.set(i, j, residual.get(i, j) - s.get(j, 0) * u.get(i, j));
      }
    }
    assertTrue(residual.maxAbs() <= 1e-10 * expected[0], "A V - U S recomputed from the file");
    JsonNode report = new ObjectMapper().readTree(dir.resolve("svd.json").toFile());
    assertTrue(report.get("certificate").asDouble() <= 1e-10);
    assertEquals(2, report.get("rank").asInt());
    assertEquals(1, report.get("next_singular_value_estimates").size(), "s_3 estimated");
    assertEquals(expected[2], report.get("next_singular_value_estimates").get(0).asDouble(), 1e-8 * expected[0]);
  }

  @Test
  void lstsqWithARankWritesTheGradientOnTheStoredEntries() throws Exception {
    Path x = dir.resolve("x.npy");
    Path ga = dir.resolve("GA.mtx");
    Path gb = dir.resolve("GB.npy");
    CliRun r = CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(), "--rank", "3", "--output", x.toString(),
        "--cotangent", gx.toString(), "--grad-a-output", ga.toString(), "--grad-b-output", gb.toString(),
        "--report", dir.resolve("lstsq.json").toString());
    assertEquals(0, r.status(), r.err());
    DoubleMatrix bm = NpyFile.read(b);
    assertTrue(TestMatrices.relativeError(NpyFile.read(x), low.minimumNormSolution(bm)) < 1e-12);
    // the gradient file has A's pattern, and its values are those of the API's dense gradient there
    CsrMatrix pattern = CsrMatrix.fromEntries(low.entries(0), 0, 150, 5000);
    DoubleMatrix patternDense = pattern.dense();
    RowBlockMatrix blocks = new MatrixFiles(spark).read(a.toString(), 2);
    DistributedLstsq ls = DistributedLstsq.solveTruncated(blocks.persist(), new MatrixFiles(spark).readAligned(b.toString(),
        blocks), 3, RankCutoff.DEFAULT, new TruncatedSvdOptions());
    DoubleMatrix cotangent = NpyFile.read(gx);
    DoubleMatrix dense = ls.vjp(cotangent).a().collectLocal();
    java.util.List<String> lines = java.nio.file.Files.readAllLines(ga);
    assertEquals("150 5000 " + pattern.storedEntries(), lines.get(2));
    assertEquals(pattern.storedEntries(), lines.size() - 3L);
    DoubleMatrix fileGradient = DoubleMatrix.zeros(150, 5000);
    for (String line : lines.subList(3, lines.size())) {
      String[] f = line.split(" ");
      int i = Integer.parseInt(f[0]) - 1;
      int j = Integer.parseInt(f[1]) - 1;
      assertTrue(patternDense.get(i, j) != 0, "entry (" + i + ", " + j + ") is A's");
      fileGradient.set(i, j, Double.parseDouble(f[2]));
      assertEquals(dense.get(i, j), fileGradient.get(i, j), 1e-13 * dense.maxAbs());
    }
    // independent references from LAPACK's dense SVD of A (rank 3 exactly): grad_B = P^T gX, and the
    // directional derivative of <gX, X(h)> along the rank-preserving curve A(h) = sum_g (x + h dx)(y + h dy)^T,
    // by central differences, equals <grad_A, dA> over the stored entries (dA has A's pattern)
    DoubleMatrix bm2 = NpyFile.read(b);
    assertTrue(TestMatrices.relativeError(NpyFile.read(gb), pinvTransposeTimes(MatrixMarketFile.read(a), cotangent))
        < 1e-12, "grad_B against U S^-1 V^T gX");
    double h = 1e-3;
    double coarse = (dot(cotangent, rank3Solution(low.entries(h), bm2))
        - dot(cotangent, rank3Solution(low.entries(-h), bm2))) / (2 * h);
    double fine = (dot(cotangent, rank3Solution(low.entries(h / 2), bm2))
        - dot(cotangent, rank3Solution(low.entries(-h / 2), bm2))) / h;
    double finiteDifference = (4 * fine - coarse) / 3; // one Richardson step: O(h^4)
    DoubleMatrix tangent = DoubleMatrix.zeros(150, 5000);
    low.tangent().addTo(tangent, 0);
    double analytic = dot(fileGradient, tangent);
    System.out.printf("truncated lstsq gradient at the stored entries: <grad_A, dA> %.12e, central difference %.12e%n",
        analytic, finiteDifference);
    // Richardson-extrapolated central differences: O(h^4) truncation and ~eps / h rounding (measured 5e-12)
    assertEquals(finiteDifference, analytic, 1e-9 * Math.abs(finiteDifference));
    assertEquals(150, NpyFile.header(gb).rows());
    JsonNode report = new ObjectMapper().readTree(dir.resolve("lstsq.json").toFile());
    assertEquals("truncated", report.get("route").asText());
    assertEquals("the rank is fixed at 3", report.get("route_reason").asText());
    assertEquals(3, report.get("rank").asInt());
  }

  @Test
  void withoutARankTheCutoffDecidesAndAnUnresolvedRankSaysSo() throws Exception {
    // past 4096 columns without a rank, lstsq goes to LSMR unless the truncated route is asked for
    CliRun r = CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(), "--output", dir.resolve("x2.npy").toString(),
        "--solver", "truncated", "--max-rank", "2");
    assertEquals(1, r.status());
    assertTrue(r.err().contains("not resolved by the cut-off") && r.err().contains("fix the rank with --rank K")
        && r.err().contains("raise --max-rank (now 2)"), r.err());
    assertTrue(!r.err().contains("maxRank") && !r.err().contains("solveTruncated"), "the flags, not the API: " + r.err());
    r = CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(), "--output", dir.resolve("x3.npy").toString(),
        "--solver", "truncated");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("rank 3"), r.out());
  }

  /** Every API term the library's advice uses reaches the command line as its flag. */
  @Test
  void libraryAdviceIsTranslatedToFlags() {
    assertEquals("raise --driver-memory or lower the rank", CommandLineTerms.inFlags("raise spark.driver.memory or lower the rank"));
    assertEquals("n + k = 5000 columns ...; take the truncated route (--rank K)",
        CommandLineTerms.inFlags("n + k = 5000 columns ...; take the truncated route (" + org.penrose.engine.Tsqr.TRUNCATED_ROUTE + ")"));
    assertEquals("--max-rank must be at least 1, got 0", CommandLineTerms.inFlags("maxRank must be at least 1, got 0"));
    assertEquals("choose one with --column", CommandLineTerms.inFlags("choose one with MatrixFiles.withColumn(name)"));
    assertEquals("--partitions must be between 1 and 1048576, got 0",
        CommandLineTerms.inFlags(assertThrows(IllegalArgumentException.class, () -> SparkJob.requirePartitions(0))
            .getMessage()));
  }

  /** {@code pinv_3(A) b} for the matrix of the entries. */
  private static DoubleMatrix rank3Solution(org.penrose.matrix.SparseEntries entries, DoubleMatrix b) {
    DoubleMatrix dense = DoubleMatrix.zeros(150, 5000);
    entries.addTo(dense, 0);
    return rank3Pinv(dense, b, false);
  }

  /** {@code pinv_3(A)^T g = U S^-1 V^T g}. */
  private static DoubleMatrix pinvTransposeTimes(DoubleMatrix a, DoubleMatrix g) {
    return rank3Pinv(a, g, true);
  }

  /** {@code V S^-1 U^T x} ({@code pinv_3(A) x}), or {@code U S^-1 V^T x} when {@code transposed}, from LAPACK's SVD. */
  private static DoubleMatrix rank3Pinv(DoubleMatrix a, DoubleMatrix x, boolean transposed) {
    org.penrose.matrix.Lapack.Svd svd = org.penrose.matrix.Lapack.svd(a);
    DoubleMatrix in = (transposed ? svd.v : svd.u).columns(0, 3);
    DoubleMatrix out = (transposed ? svd.u : svd.v).columns(0, 3);
    DoubleMatrix coefficients = in.transposeTimes(x);
    for (int i = 0; i < 3; i++) {
      coefficients.set(i, 0, coefficients.get(i, 0) / svd.s[i]);
    }
    return out.times(coefficients);
  }

  private static double dot(DoubleMatrix x, DoubleMatrix y) {
    double sum = 0;
    for (int p = 0; p < x.values().length; p++) {
      sum += x.values()[p] * y.values()[p];
    }
    return sum;
  }
}
