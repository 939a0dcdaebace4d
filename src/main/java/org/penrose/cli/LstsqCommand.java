package org.penrose.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.SparkContext;
import org.penrose.adapters.MatrixFiles;
import org.penrose.distributed.DistributedLstsq;
import org.penrose.distributed.Route;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.io.NpyFileSet;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.truncated.TruncatedSvd;
import org.penrose.truncated.TruncatedSvdOptions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code penrose lstsq}: minimum-norm least squares {@code X = pinv(A) B} on Spark, optionally its gradients. */
@Command(name = "lstsq", mixinStandardHelpOptions = true,
    description = "Minimum-norm least squares X = pinv(A) B (n x k) for A (m x n) and B (m x k, or a vector of m).")
final class LstsqCommand implements Callable<Integer> {
  @Option(names = "--rhs", required = true, paramLabel = "B.npy",
      description = "Right-hand sides B (m x k, or 1-D of length m).")
  String rhs;

  @Option(names = "--output", required = true, paramLabel = "X.npy",
      description = "Where to write X (n x k; 1-D when B is 1-D).")
  String output;

  @Mixin CutoffOptions cutoff;

  @Option(names = "--rank", paramLabel = "K",
      description = "Truncate at rank K (the certified truncated SVD of A, any number of columns; singular values"
          + " below the cut-off are dropped too). Without it, A with more than 4096 columns takes the truncated"
          + " route at the rank the cut-off decides.")
  Integer rank;

  @Option(names = "--max-rank", paramLabel = "K", defaultValue = "" + TruncatedSvd.DEFAULT_MAX_RANK,
      description = "Without --rank, the largest rank the cut-off may reach on the truncated route (default "
          + "${DEFAULT-VALUE}).")
  int maxRank;

  @Mixin TruncationOptions truncation;

  @Mixin SolverOption solver;

  @Option(names = "--damp", paramLabel = "D",
      description = "With --method lsmr: min ||A x - b||^2 + D^2 ||x||^2 (ridge; default 0).")
  Double damp;

  @Option(names = "--btol", paramLabel = "B",
      description = "With --method lsmr: stop when ||r|| <= B ||b|| + atol ||A|| ||x|| (default 1e-6, as scipy's"
          + " lsmr; --atol is then LSMR's: stop when ||A^T r|| <= atol ||A|| ||r||, default 1e-6).")
  Double btol;

  @Option(names = "--forward-error", paramLabel = "E",
      description = "With --method lsmr and --damp > 0: iterate until ||x - x*|| / ||x|| <= E holds by the bound"
          + " ||A^T (b - A x) - D^2 x|| / (D^2 ||x||) (instead of --atol and --btol); the report gives the bound,"
          + " computed from x by two more passes, whether or not E is given.")
  Double forwardError;

  @Option(names = "--max-iterations", paramLabel = "N",
      description = "With --method lsmr: at most N iterations (default min(m, n)).")
  Integer maxIterations;

  /** LSMR's preconditioner. */
  enum Precondition { none, columns }

  @Option(names = "--precondition", paramLabel = "P",
      description = "With --method lsmr, undamped: columns = LSMR on A D, D = diag(1 / ||a_j||), x = D y: fewer"
          + " iterations, the same x when A has full column rank (rank-deficient: the least-squares x of least"
          + " ||D^-1 x||, not the minimum-norm one); none (default).")
  Precondition precondition;

  @Option(names = "--deflate", paramLabel = "K",
      description = "With --method lsmr, undamped: precondition LSMR by A's K largest singular triplets (the"
          + " certified truncated SVD of svd --rank K) from the start: fewer iterations where A's largest singular"
          + " values stand apart from the others, the same minimum-norm x. 0: never. Default: automatic, K = 20 once"
          + " plain LSMR has run 1000 iterations without stopping.")
  Integer deflate;

  @Mixin SparkJob job;

  static final class Vjp {
    @Option(names = "--cotangent", required = true, paramLabel = "GX.npy",
        description = "Cotangent gX = dL/dX (shape of X).")
    String cotangent;

    @Option(names = "--grad-a-output", required = true, paramLabel = "GA.npy",
        description = "Where to write dL/dA (m x n): .npy (dense), or .mtx for the gradient at a sparse A's stored"
            + " entries (A's pattern).")
    String gradA;

    @Option(names = "--grad-b-output", required = true, paramLabel = "GB.npy",
        description = "Where to write dL/dB (shape of B).")
    String gradB;
  }

  @ArgGroup(exclusive = false)
  Vjp vjp;

  @Option(names = "--report", paramLabel = "report.json",
      description = "Write a JSON report (shapes, rank, singular values, residuals, times).")
  Path reportPath;

  /** Refuses LSMR's options on the other routes, by name. */
  void requireNoLsmrOptions() {
    if (damp != null || btol != null || maxIterations != null || precondition != null || forwardError != null
        || deflate != null) {
      throw new IllegalArgumentException("--damp, --btol, --forward-error, --max-iterations, --precondition and"
          + " --deflate are LSMR's: add --method lsmr");
    }
  }

  @Override
  public Integer call() throws Exception {
    OutputPaths.requireFiles(outputs());
    Report report = new Report();
    List<String> inputs = vjp == null ? List.of(job.input, rhs) : List.of(job.input, rhs, vjp.cotangent);
    boolean denseGradient = vjp == null || !vjp.gradA.toLowerCase(Locale.ROOT).endsWith(".mtx");
    int threads = denseGradient ? InDriver.parallelism(inputs, outputs()) : 0;
    if (threads > 0 && Route.of(NpyFileSet.openLocal(job.input).cols(), NpyFileSet.openLocal(rhs).cols(), rank,
        solver.kind(), false).kind() == Route.Kind.TSQR) {
      return InDriverLstsq.run(this, report, threads);
    }
    int lsmrThreads = vjp == null ? InDriver.parallelismReading(List.of(job.input, rhs), outputs()) : 0;
    if (lsmrThreads > 0) {
      long[] aShape = MatrixFiles.shapeOnDriver(job.input);
      long[] bShape = MatrixFiles.shapeOnDriver(rhs);
      Route route = Route.of(aShape[1], bShape[1], rank, solver.kind(), false);
      Integer done = route.kind() == Route.Kind.LSMR ? LsmrRun.inDriver(this, report, lsmrThreads, route) : null;
      if (done != null) {
        return done;
      }
    }
    try (SparkJob.Started started = job.startReadingA("penrose lstsq")) {
      SparkContext spark = started.session().context();
      MatrixFiles files = job.files(spark);
      RowBlockMatrix a = started.a();
      RowBlockMatrix b = files.readAligned(rhs, a);
      boolean vectorRhs = files.isVector(rhs);
      System.out.printf("lstsq: A is %s, B is %s, in %d row blocks%n", a.shape(), b.shape(), a.numBlocks());
      Route route = Route.of(a.cols(), b.cols(), rank, solver.kind(), false); // LSMR has the VJP too
      if (route.kind() == Route.Kind.LSMR) {
        report.put("a_read_by", started.readBy());
        return LsmrRun.run(this, report, files, a, b, vectorRhs, route);
      }
      requireNoLsmrOptions();
      boolean truncated = route.truncated();
      // the TSQR route reads A and B once (the solution comes from the triangle); gradients read them again
      int passes = truncated ? RowBlockMatrix.MANY_PASSES : vjp != null ? 2 : 1;
      a.cacheFor(passes);
      b.cacheFor(passes);
      TruncatedSvdOptions options = truncation.options().maxRank(maxRank);
      DistributedLstsq ls = report.time("solve",
          () -> DistributedLstsq.solve(a, b, cutoff.cutoff(), route, rank, options));
      files.writeLocalNpy(ls.solution(), output, vectorRhs);
      if (vjp != null) {
        DoubleMatrix gx = cotangent(files, ls.solution(), vectorRhs);
        report.run("vjp", () -> writeGradient(files, ls.vjp(gx), vectorRhs));
      }
      double[] rss = ls.residualSumOfSquares();
      System.out.printf("lstsq: rank %d, threshold %.6g; wrote %s (%s)%n", ls.rank(), ls.threshold(), output,
          vectorRhs ? ls.solution().rows() + "," : ls.solution().shape());
      if (reportPath != null) {
        report.put("command", "lstsq").put("input", job.input).put("rhs", rhs)
            .put("m", a.rows()).put("n", a.cols()).put("k", b.cols()).put("partitions", a.numBlocks())
            .putRankDecision(ls, cutoff.cutoff(), a.rows(), a.cols())
            .put("residual_sum_of_squares", rss).put("route", "tsqr").put("route_reason", route.reason())
            .put("engine", "spark").put("a_read_by", started.readBy());
        if (ls.truncatedSvd() != null) {
          TruncationOptions.report(report, ls.truncatedSvd());
        }
        report.write(reportPath);
      }
      a.unpersist();
      b.unpersist();
    }
    return 0;
  }

  /** {@code --output}, {@code --report} and the gradients' files, when given. */
  List<String> outputs() {
    List<String> paths = new ArrayList<>(List.of(output));
    if (reportPath != null) {
      paths.add(reportPath.toString());
    }
    if (vjp != null) {
      paths.addAll(List.of(vjp.gradA, vjp.gradB));
    }
    return paths;
  }

  /** The cotangent {@code --cotangent}, shaped as X (1-D when B is). */
  DoubleMatrix cotangent(MatrixFiles files, DoubleMatrix x, boolean vectorRhs) throws IOException {
    requireCotangentLikeX(vjp.cotangent, files.isVector(vjp.cotangent), x, vectorRhs);
    return files.readLocal(vjp.cotangent);
  }

  /** The cotangent file must be 1-D exactly when B (and so X) is. */
  static void requireCotangentLikeX(String path, boolean vector, DoubleMatrix x, boolean vectorRhs) {
    if (vector != vectorRhs) {
      throw new IllegalArgumentException("shape mismatch: the cotangent " + path + " must be "
          + (vectorRhs ? "1-D" : "2-D") + " like X (" + x.shape() + ")");
    }
  }

  /**
   * {@code dL/dA} to {@code --grad-a-output} (.mtx: at A's stored entries; else dense .npy), {@code dL/dB} to
   * {@code --grad-b-output}.
   */
  void writeGradient(MatrixFiles files, DistributedLstsq.LowRankGradient g, boolean vectorRhs) throws IOException {
    if (vjp.gradA.toLowerCase(Locale.ROOT).endsWith(".mtx")) {
      files.writeMatrixMarket(g.aOnStoredEntries(), vjp.gradA);
    } else {
      files.writeNpy(g.a(), vjp.gradA);
    }
    if (vectorRhs) {
      files.writeNpyVector(g.b(), vjp.gradB);
    } else {
      files.writeNpy(g.b(), vjp.gradB);
    }
  }
}
