package org.penrose.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Callable;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.linalg.GradCheck;
import org.penrose.linalg.Lapack;
import org.penrose.linalg.LeastSquares;
import org.penrose.linalg.ParametrizedMatrix;
import org.penrose.linalg.RankCutoff;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code penrose demo}: a generated rank-deficient least-squares problem, solved, with its gradient
 * checked against finite differences. Needs no input files.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Solve a generated rank-deficient least-squares problem and check its gradient against finite differences.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--rows", defaultValue = "20000", description = "Rows m of A (default ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--cols", defaultValue = "40", description = "Columns n of A (default ${DEFAULT-VALUE}).")
  int cols;

  @Option(names = "--rank", defaultValue = "12", description = "Rank of A = X Y^T (default ${DEFAULT-VALUE}).")
  int rank;

  @Option(names = "--seed", defaultValue = "2026", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--report", paramLabel = "report.json", description = "Write a JSON report.")
  Path reportPath;

  /** Tolerance of the finite-difference check; central differences with a Richardson step reach ~1e-10 here. */
  static final double GRADCHECK_TOLERANCE = 1e-8;

  @Override
  public Integer call() throws Exception {
    if (rows < 1 || cols < 1 || rank < 0 || rank > Math.min(rows, cols)) {
      throw new IllegalArgumentException("need rows >= 1, cols >= 1 and 0 <= rank <= min(rows, cols); got "
          + rows + " x " + cols + " of rank " + rank);
    }
    System.out.printf("Penrose demo: minimum-norm least squares on a rank-deficient %d x %d matrix (rank %d), BLAS/LAPACK: %s%n",
        rows, cols, rank, Lapack.backend());
    Report report = new Report();
    Random random = new Random(seed);
    // A = X Y^T has rank `rank`; B = A x_true + noise, so the fit cannot be exact.
    DoubleMatrix a = report.time("generate", () -> GenerateCommand.gaussian(rows, rank, random).timesTranspose(GenerateCommand.gaussian(cols, rank, random)));
    DoubleMatrix b = a.times(GenerateCommand.gaussian(cols, 1, random)).plusScaled(0.01, GenerateCommand.gaussian(rows, 1, random));
    LeastSquares ls = report.time("solve", () -> LeastSquares.solve(a, b, RankCutoff.DEFAULT));
    double[] s = ls.singularValues();
    double solutionNorm = Math.sqrt(ls.solution().dot(ls.solution()));
    System.out.printf("rank %d of %d (threshold %.3e)%n", ls.rank(), cols, ls.threshold());
    System.out.printf("singular values: %s%n", summarize(s, ls.rank()));
    System.out.printf("solution norm ||x|| = %.12g, residual sum of squares = %.6g%n", solutionNorm, ls.residualSumOfSquares()[0]);

    // Gradient check on a small problem of the same kind: theta = (X, Y, b), A = X Y^T of rank 3.
    int m = 30;
    int n = 8;
    int r = 3;
    ParametrizedMatrix product = ParametrizedMatrix.outerProduct(m, n, r);
    ParametrizedMatrix fixedB = ParametrizedMatrix.constant(GenerateCommand.gaussian(m, 2, random), product.parameterCount());
    double[] theta = GenerateCommand.gaussian(product.parameterCount(), 1, random).values();
    GradCheck.Result check = report.time("gradcheck", () -> GradCheck.lstsq(product, fixedB, theta, RankCutoff.DEFAULT));
    boolean passed = check.passed(GRADCHECK_TOLERANCE);
    System.out.printf("gradient check of lstsq on a %d x %d rank-%d product X Y^T: JVP rel. error %.2e, VJP rel. error %.2e -> %s%n",
        m, n, r, check.jvpRelativeError(), check.vjpRelativeError(), passed ? "PASS" : "FAIL");
    if (reportPath != null) {
      report.put("command", "demo").put("m", rows).put("n", cols).put("rank", ls.rank())
          .put("threshold", ls.threshold()).put("singular_values", s).put("solution_norm", solutionNorm)
          .put("residual_sum_of_squares", ls.residualSumOfSquares())
          .put("gradcheck", java.util.Map.of("jvp_relative_error", check.jvpRelativeError(),
              "vjp_relative_error", check.vjpRelativeError(), "rank_preserved", check.rankPreserved(),
              "tolerance", GRADCHECK_TOLERANCE, "passed", passed))
          .put("blas", Lapack.backend());
      report.write(reportPath);
    }
    if (!passed) {
      throw new IllegalStateException("the gradient check failed: " + check);
    }
    return 0;
  }

  /** The kept values around the cut, e.g. "312.1 ... 54.2 | 3.1e-13 ... 1.2e-14". */
  private static String summarize(double[] s, int rank) {
    if (s.length <= 8) {
      return Arrays.toString(s);
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%.4g, %.4g ... %.4g (kept)", s[0], s[1], s[Math.max(0, rank - 1)]));
    if (rank < s.length) {
      sb.append(String.format(" | %.3g ... %.3g (dropped)", s[rank], s[s.length - 1]));
    }
    return sb.toString();
  }
}
