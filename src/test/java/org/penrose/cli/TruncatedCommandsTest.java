package org.penrose.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.penrose.distributed.DistributedLstsq;
import org.penrose.distributed.MatrixFiles;
import org.penrose.distributed.RowBlockMatrix;
import org.penrose.distributed.TruncatedSvd;
import org.penrose.io.MatrixMarketFile;
import org.penrose.io.NpyFile;
import org.penrose.linalg.CsrMatrix;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.linalg.RankCutoff;
import org.penrose.testing.BlockLowRank;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

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
    RowBlockMatrix blocks = new MatrixFiles(spark).read(a.toString(), 2);
    DistributedLstsq ls = DistributedLstsq.solveTruncated(blocks.persist(), new MatrixFiles(spark).readAligned(b.toString(),
        blocks), 3, RankCutoff.DEFAULT, new TruncatedSvd.Options());
    DoubleMatrix dense = ls.vjp(NpyFile.read(gx)).a().collectLocal();
    java.util.List<String> lines = java.nio.file.Files.readAllLines(ga);
    assertEquals("150 5000 " + pattern.storedEntries(), lines.get(2));
    for (String line : lines.subList(3, lines.size())) {
      String[] f = line.split(" ");
      int i = Integer.parseInt(f[0]) - 1;
      int j = Integer.parseInt(f[1]) - 1;
      assertTrue(low.entries(0) != null && pattern.dense().get(i, j) != 0, "entry (" + i + ", " + j + ") is A's");
      assertEquals(dense.get(i, j), Double.parseDouble(f[2]), 1e-13 * dense.maxAbs());
    }
    assertEquals("150 x 1", NpyFile.read(gb).shape().replace("150 x 1", "150 x 1"));
    JsonNode report = new ObjectMapper().readTree(dir.resolve("lstsq.json").toFile());
    assertEquals("truncated", report.get("route").asText());
    assertEquals(3, report.get("rank").asInt());
  }

  @Test
  void withoutARankTheCutoffDecidesAndAnUnresolvedRankSaysSo() throws Exception {
    CliRun r = CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(), "--output", dir.resolve("x2.npy").toString(),
        "--max-rank", "2");
    assertEquals(1, r.status());
    assertTrue(r.err().contains("not resolved by the cut-off") && r.err().contains("--rank K"), r.err());
    r = CliRun.of("lstsq", "--input", a.toString(), "--rhs", b.toString(), "--output", dir.resolve("x3.npy").toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("rank 3"), r.out());
  }
}
