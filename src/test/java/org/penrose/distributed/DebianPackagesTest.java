package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.penrose.adapters.MatrixFiles;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.io.MatrixMarketFile;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestData;
import org.penrose.testing.TestMatrices;
import org.penrose.truncated.TruncatedSvd;
import org.penrose.truncated.TruncatedSvdOptions;

/**
 * The real sparse regression {@code debian_packages} (63,555 x 34,951, 986,693 nonzeros) at rank 20,
 * against the stored references made by two independent scipy routes ({@code reference_truncated.py}):
 * singular values, certificate, orthogonality, and the truncated least-squares solution. Rank 100 (the
 * hard gap s_100 / s_101) is measured by {@code jobs/penrose bench --truncated}.
 */
class DebianPackagesTest extends SparkTestSession {
  @Test
  void rank20MatchesTheReferences() throws Exception {
    String base = "sparse/debian_packages/";
    MatrixFiles files = new MatrixFiles(spark);
    RowBlockMatrix a = files.read(TestData.path(base + "debian_packages.mtx.gz").toString(), 2).persist();
    RowBlockMatrix y = files.readAligned(TestData.path(base + "debian_packages_label.mtx").toString(), a);
    assertTrue(a.blocks().first().isSparse());
    DistributedLstsq ls = DistributedLstsq.solveTruncated(a, y, 20, RankCutoff.DEFAULT, new TruncatedSvdOptions());
    TruncatedSvd svd = ls.truncatedSvd();
    JsonNode ref = new ObjectMapper().readTree(TestData.path("reference/debian_packages_rank20_reference.json")
        .toFile());
    double[] s = svd.singularValues();
    double worst = 0;
    for (int i = 0; i < 20; i++) {
      worst = Math.max(worst, Math.abs(s[i] - ref.get("singular_values").get(i).asDouble()));
    }
    DoubleMatrix expected = MatrixMarketFile.read(TestData.path("reference/debian_packages_x_rank20_reference.mtx"));
    double xError = TestMatrices.relativeError(ls.solution(), expected);
    System.out.printf("debian_packages rank 20: |s - ref| / s_1 = %.2e, certificate %.2e, |U^T U - I| %.1e,"
        + " |V^T V - I| %.1e, x_20 relative error %.2e, s_21 estimate %.6g (%d steps)%n", worst / s[0],
        svd.certificate(), svd.uOrthogonality(), svd.vOrthogonality(), xError, svd.nextSingularValueEstimates()[0],
        svd.steps());
    assertEquals(20, ls.rank());
    assertTrue(worst <= 1e-10 * s[0]);
    assertTrue(svd.certificate() <= 1e-10);
    assertTrue(svd.uOrthogonality() <= 1e-12 && svd.vOrthogonality() <= 1e-12);
    assertTrue(xError <= 1e-8, "x_20 " + xError);
    a.unpersist();
  }
}
