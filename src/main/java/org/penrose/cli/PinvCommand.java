package org.penrose.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.SparkContext;
import org.penrose.adapters.MatrixFiles;
import org.penrose.distributed.DistributedPinv;
import org.penrose.distributed.Route;
import org.penrose.engine.DriverThreads;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.PinvFactorization;
import org.penrose.io.NpyBlocks;
import org.penrose.io.NpyFile;
import org.penrose.io.NpyFileSet;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code penrose pinv}: {@code P = pinv(A)} on Spark, optionally its JVP and VJP, from and to
 * {@code .npy} files. {@code A} is read in row blocks; {@code P}, {@code dP} and {@code grad_A} are
 * written by the tasks and assembled into single files.
 */
@Command(name = "pinv", mixinStandardHelpOptions = true,
    description = "Moore-Penrose pseudo-inverse P = pinv(A) (n x m) of an m x n matrix, with optional derivatives.")
final class PinvCommand implements Callable<Integer> {
  @Option(names = "--output", required = true, paramLabel = "P.npy", description = "Where to write P (n x m).")
  String output;

  @Mixin CutoffOptions cutoff;

  @Mixin SparkJob job;

  static final class Jvp {
    @Option(names = "--tangent", required = true, paramLabel = "DA.npy", description = "Tangent dA (m x n).")
    String tangent;

    @Option(names = "--jvp-output", required = true, paramLabel = "DP.npy", description = "Where to write dP (n x m).")
    String output;
  }

  static final class Vjp {
    @Option(names = "--cotangent", required = true, paramLabel = "G.npy", description = "Cotangent G = dL/dP (n x m).")
    String cotangent;

    @Option(names = "--vjp-output", required = true, paramLabel = "GA.npy",
        description = "Where to write dL/dA (m x n).")
    String output;
  }

  @ArgGroup(exclusive = false)
  Jvp jvp;

  @ArgGroup(exclusive = false)
  Vjp vjp;

  @Option(names = "--report", paramLabel = "report.json",
      description = "Write a JSON report (shapes, rank, singular values, times).")
  Path reportPath;

  @Override
  public Integer call() throws Exception {
    OutputPaths.requireFiles(outputs());
    Report report = new Report();
    int threads = jvp == null && vjp == null ? InDriver.parallelism(List.of(job.input), outputs()) : 0;
    if (threads > 0 && Route.of(NpyFileSet.openLocal(job.input).cols(), 0, null).kind() == Route.Kind.TSQR) {
      return inDriver(report, threads);
    }
    try (SparkJob.Started started = job.startReadingA("penrose pinv")) {
      SparkContext spark = started.session().context();
      MatrixFiles files = job.files(spark);
      RowBlockMatrix a = started.a();
      // the factorization, the columns of P, and each derivative read A once more
      a.cacheFor(2 + (jvp != null ? 1 : 0) + (vjp != null ? 1 : 0));
      System.out.printf("pinv: A is %s in %d row blocks%n", a.shape(), a.numBlocks());
      DistributedPinv pinv = report.time("factor", () -> DistributedPinv.factor(a, cutoff.cutoff()));
      report.run("pinv", () -> files.writeNpyTransposed(pinv.pinvTranspose(), output));
      if (jvp != null) {
        RowBlockMatrix tangent = files.readAligned(jvp.tangent, a);
        requireCols("the tangent dA", jvp.tangent, tangent.cols(), a.cols());
        report.run("jvp", () -> files.writeNpyTransposed(pinv.jvpTranspose(tangent), jvp.output));
      }
      if (vjp != null) {
        RowBlockMatrix cotangentTranspose = files.readTransposed(vjp.cotangent, a);
        requireCols("the cotangent G", vjp.cotangent, cotangentTranspose.cols(), a.cols());
        report.run("vjp", () -> files.writeNpy(pinv.vjp(cotangentTranspose).a(), vjp.output));
      }
      System.out.printf("pinv: rank %d, threshold %.6g; wrote %s (%d x %d)%n",
          pinv.rank(), pinv.threshold(), output, a.cols(), a.rows());
      if (reportPath != null) {
        report.put("command", "pinv").put("input", job.input).put("m", a.rows()).put("n", a.cols())
            .put("partitions", a.numBlocks()).putRankDecision(pinv, cutoff.cutoff(), a.rows(), a.cols())
            .put("engine", "spark").put("a_read_by", started.readBy());
        report.write(reportPath);
      }
      a.unpersist();
    }
    return 0;
  }

  /**
   * {@code pinv} run in the driver JVM without Spark ({@link InDriver}): A read in the row blocks a Spark read
   * makes, the same TSQR and {@code P^T} passes on {@code threads} threads, the same merge trees: the same P.
   */
  private Integer inDriver(Report report, int threads) throws Exception {
    try (DriverThreads pool = new DriverThreads(threads, "penrose-pinv")) {
      Integer parts = job.requestedPartitions();
      NpyBlocks a = report.time("read", () -> NpyBlocks.read(job.input, parts, threads, pool::map));
      System.out.printf("pinv: A is %s in %d row blocks, in the driver JVM (no Spark job)%n", a.shape(),
          a.blocks().size());
      DistributedPinv.DriverPinv pinv = report.time("factor",
          () -> DistributedPinv.ofDriverBlocks(a.blocks(), cutoff.cutoff(), pool));
      report.run("pinv", () -> NpyFile.writeTransposeOf(Path.of(output), pinv.pinvTranspose(), a.cols()));
      PinvFactorization f = pinv.factorization();
      System.out.printf("pinv: rank %d, threshold %.6g; wrote %s (%d x %d)%n", f.rank(), f.threshold(), output,
          a.cols(), a.rows());
      if (reportPath != null) {
        report.put("command", "pinv").put("input", job.input).put("m", a.rows()).put("n", a.cols())
            .put("partitions", a.blocks().size()).putRankDecision(f, cutoff.cutoff(), a.rows(), a.cols())
            .put("engine", "driver");
        report.write(reportPath);
      }
    }
    return 0;
  }

  /** {@code --output}, {@code --report} and the derivatives' files, when given. */
  private List<String> outputs() {
    List<String> paths = new ArrayList<>(List.of(output));
    if (reportPath != null) {
      paths.add(reportPath.toString());
    }
    if (jvp != null) {
      paths.add(jvp.output);
    }
    if (vjp != null) {
      paths.add(vjp.output);
    }
    return paths;
  }

  /** A tangent must be m x n, a cotangent n x m: the row count is checked on reading, the columns here. */
  static void requireCols(String name, String path, int cols, int expected) {
    if (cols != expected) {
      throw new IllegalArgumentException("shape mismatch: " + name + " (" + path + ") has " + cols
          + " columns where A's shape needs " + expected);
    }
  }
}
