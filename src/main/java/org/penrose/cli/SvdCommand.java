package org.penrose.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.penrose.adapters.DriverBlocks;
import org.penrose.adapters.MatrixFiles;
import org.penrose.engine.DriverThreads;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.io.NpyFile;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.MatrixBlock;
import org.penrose.truncated.KrylovIteration;
import org.penrose.truncated.TruncatedSvd;
import org.penrose.truncated.TruncatedSvdOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code penrose svd}: the certified truncated SVD {@code A ~ U S V^T} of rank K, to {@code .npy} files. On a local
 * master, with a local {@code A} and outputs that fit the driver ({@link InDriver#parallelismReading}), it runs in
 * the driver JVM without Spark ({@link TruncatedSvd#computeInDriver}); when that iteration gives up, Spark starts and
 * Golub–Kahan continues from the blocks read, as the Spark route would. Same bits either way.
 */
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
    OutputPaths.requireFolder(outputDir);
    if (reportPath != null) {
      OutputPaths.requireFiles(List.of(reportPath.toString()));
    }
    Report report = new Report();
    List<String> outputs = reportPath == null ? List.of(outputDir.toString())
        : List.of(outputDir.toString(), reportPath.toString());
    int threads = InDriver.parallelismReading(List.of(job.input), outputs);
    if (threads == 0) {
      try (SparkJob.Started started = report.time("start", () -> job.startReadingA("penrose svd"))) {
        return inSpark(report, started, truncation.options());
      }
    }
    DriverBlocks a;
    try (DriverThreads pool = new DriverThreads(threads, "penrose-svd")) {
      Integer parts = job.requestedPartitions();
      a = report.time("read", () -> MatrixFiles.readOnDriver(job.input, parts, threads, pool::map));
      List<MatrixBlock> blocks = a.matrices();
      System.out.printf("svd: A is %d x %d in %d row blocks, in the driver JVM (no Spark job)%n", a.rows(), a.cols(),
          blocks.size());
      TruncatedSvd svd = report.time("svd", () -> TruncatedSvd.computeInDriver(blocks, rank, truncation.options(),
          pool));
      if (svd != null) {
        return finish(report, svd, () -> NpyFile.writeRows(outputDir.resolve("U.npy"), svd.uBlocks(), false),
            a.rows(), a.cols(), blocks.size(), "driver", "driver");
      }
    }
    // the normal-operator iteration gave up, as it would in Spark: Golub-Kahan continues there, from these blocks
    try (SparkJob.Started started = report.time("start", () -> SparkJob.startWith(a, "penrose svd"))) {
      return inSpark(report, started, truncation.options().iteration(KrylovIteration.GOLUB_KAHAN));
    }
  }

  private Integer inSpark(Report report, SparkJob.Started started, TruncatedSvdOptions options) throws Exception {
    MatrixFiles files = job.files(started.session().context());
    RowBlockMatrix a = started.a().cacheFor(RowBlockMatrix.MANY_PASSES);
    System.out.printf("svd: A is %s in %d row blocks%n", a.shape(), a.numBlocks());
    TruncatedSvd svd = report.time("svd", () -> TruncatedSvd.compute(a, rank, options));
    finish(report, svd, () -> files.writeNpy(svd.u(), outputDir.resolve("U.npy").toString()), a.rows(), a.cols(),
        a.numBlocks(), "spark", started.readBy());
    svd.u().unpersist();
    a.unpersist();
    return 0;
  }

  /** Waits for a write started on another thread; its failure is thrown here as it was. */
  private static void awaitWrite(FutureTask<Void> write) throws Exception {
    try {
      write.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /** Writes U (by {@code writeU}), S and V, prints the summary and writes the report. */
  private Integer finish(Report report, TruncatedSvd svd, Report.Step writeU, long m, int n, int blocks, String engine,
      String readBy) throws Exception {
    Files.createDirectories(outputDir);
    report.run("write", () -> {
      // U (m x k, the largest) on a thread of its own while S and V are written here: the writes overlap
      FutureTask<Void> u = new FutureTask<>(() -> {
        writeU.run();
        return null;
      });
      new Thread(u, "penrose-write-U").start();
      try {
        NpyFile.writeRows(outputDir.resolve("S.npy"), List.of(DoubleMatrix.column(svd.singularValues())), true);
        NpyFile.writeRows(outputDir.resolve("V.npy"), List.of(svd.v()), false);
      } finally {
        awaitWrite(u); // U's error first (or S's and V's when U is written)
      }
    });
    if (svd.exhausted()) {
      System.out.printf("svd: A has rank %d < %d: wrote the %d nonzero triplets%n", svd.rank(), rank, svd.rank());
    }
    double[] s = svd.singularValues();
    System.out.printf("svd: %d triplets, s_1 %.10g, s_%d %.10g, certificate %.2e x s_1; wrote %s%n", svd.rank(),
        s.length == 0 ? 0 : s[0], s.length, s.length == 0 ? 0 : s[s.length - 1], svd.certificate(), outputDir);
    if (reportPath != null) {
      report.put("command", "svd").put("input", job.input).put("m", m).put("n", n)
          .put("partitions", blocks).put("rank", svd.rank()).put("requested_rank", rank)
          .put("singular_values", s).put("engine", engine).put("a_read_by", readBy);
      TruncationOptions.report(report, svd);
      report.write(reportPath);
    }
    return 0;
  }
}
