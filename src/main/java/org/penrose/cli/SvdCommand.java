package org.penrose.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.SparkContext;
import org.penrose.adapters.MatrixFiles;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.truncated.TruncatedSvd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code penrose svd}: the certified truncated SVD {@code A ~ U S V^T} of rank K, to {@code .npy} files. */
@Command(name = "svd", mixinStandardHelpOptions = true,
    description = "Truncated SVD A ~ U S V^T (rank K) of a dense or sparse matrix, certified: writes U.npy (m x K),"
        + " S.npy (K) and V.npy (n x K).")
final class SvdCommand implements Callable<Integer> {
  @Option(names = "--rank", required = true, paramLabel = "K", description = "Singular triplets to compute.")
  int rank;

  @Option(names = "--output-dir", required = true, paramLabel = "DIR", description = "Folder for U.npy, S.npy, V.npy.")
  Path outputDir;

  @Mixin TruncationOptions truncation;

  @Option(names = "--report", paramLabel = "report.json", description = "Write a JSON report (singular values,"
      + " certificate, residuals, orthogonality, the next singular value estimates, steps, times).")
  Path reportPath;

  @Mixin SparkJob job;

  @Override
  public Integer call() throws Exception {
    Report report = new Report();
    try (SparkJob.Started started = report.time("start", () -> job.startReadingA("penrose svd"))) {
      SparkContext spark = started.session().context();
      MatrixFiles files = job.files(spark);
      RowBlockMatrix a = started.a().cacheFor(RowBlockMatrix.MANY_PASSES);
      System.out.printf("svd: A is %s in %d row blocks%n", a.shape(), a.numBlocks());
      TruncatedSvd svd = report.time("svd", () -> TruncatedSvd.compute(a, rank, truncation.options()));
      Files.createDirectories(outputDir);
      report.run("write", () -> {
        files.writeNpy(svd.u(), outputDir.resolve("U.npy").toString());
        files.writeLocalNpy(DoubleMatrix.column(svd.singularValues()), outputDir.resolve("S.npy").toString(), true);
        files.writeLocalNpy(svd.v(), outputDir.resolve("V.npy").toString(), false);
      });
      if (svd.exhausted()) {
        System.out.printf("svd: A has rank %d < %d: wrote the %d nonzero triplets%n", svd.rank(), rank, svd.rank());
      }
      double[] s = svd.singularValues();
      System.out.printf("svd: %d triplets, s_1 %.10g, s_%d %.10g, certificate %.2e x s_1; wrote %s%n", svd.rank(),
          s.length == 0 ? 0 : s[0], s.length, s.length == 0 ? 0 : s[s.length - 1], svd.certificate(), outputDir);
      if (reportPath != null) {
        report.put("command", "svd").put("input", job.input).put("m", a.rows()).put("n", a.cols())
            .put("partitions", a.numBlocks()).put("rank", svd.rank()).put("requested_rank", rank)
            .put("singular_values", s).put("a_read_by", started.readBy());
        TruncationOptions.report(report, svd);
        report.write(reportPath);
      }
      svd.u().unpersist();
      a.unpersist();
    }
    return 0;
  }
}
