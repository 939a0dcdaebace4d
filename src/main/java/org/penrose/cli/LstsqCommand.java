package org.penrose.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.linalg.LeastSquares;
import org.penrose.source.NpyFile;
import org.penrose.source.NpyHeader;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code penrose lstsq}: minimum-norm least squares {@code X = pinv(A) B}, optionally its gradients. */
@Command(name = "lstsq", mixinStandardHelpOptions = true,
    description = "Minimum-norm least squares X = pinv(A) B (n x k) for A (m x n) and B (m x k, or a vector of m).")
final class LstsqCommand implements Callable<Integer> {
  @Option(names = "--input", required = true, paramLabel = "A.npy", description = "The matrix A (m x n).")
  Path input;

  @Option(names = "--rhs", required = true, paramLabel = "B.npy", description = "Right-hand sides B (m x k, or 1-D of length m).")
  Path rhs;

  @Option(names = "--output", required = true, paramLabel = "X.npy", description = "Where to write X (n x k; 1-D when B is 1-D).")
  Path output;

  @Mixin CutoffOptions cutoff;

  static final class Vjp {
    @Option(names = "--cotangent", required = true, paramLabel = "GX.npy", description = "Cotangent gX = dL/dX (shape of X).")
    Path cotangent;

    @Option(names = "--grad-a-output", required = true, paramLabel = "GA.npy", description = "Where to write dL/dA (m x n).")
    Path gradA;

    @Option(names = "--grad-b-output", required = true, paramLabel = "GB.npy", description = "Where to write dL/dB (shape of B).")
    Path gradB;
  }

  @ArgGroup(exclusive = false)
  Vjp vjp;

  @Option(names = "--report", paramLabel = "report.json", description = "Write a JSON report (shapes, rank, singular values, residuals, times).")
  Path reportPath;

  @Override
  public Integer call() throws Exception {
    Report report = new Report();
    DoubleMatrix a = report.time("read", () -> NpyFile.read(input));
    boolean vectorRhs = NpyFile.header(rhs).shape().length == 1;
    DoubleMatrix b = report.time("read", () -> NpyFile.read(rhs));
    LeastSquares ls = report.time("solve", () -> LeastSquares.solve(a, b, cutoff.cutoff()));
    write(output, ls.solution(), vectorRhs);
    if (vjp != null) {
      NpyHeader gxHeader = NpyFile.header(vjp.cotangent);
      if ((gxHeader.shape().length == 1) != vectorRhs) {
        throw new IllegalArgumentException("shape mismatch: the cotangent " + vjp.cotangent + " has "
            + gxHeader.describe() + " but X is " + (vectorRhs ? "1-D" : "2-D") + " (" + ls.solution().shape() + ")");
      }
      DoubleMatrix gx = NpyFile.read(vjp.cotangent);
      LeastSquares.Gradient g = report.time("vjp", () -> ls.vjp(gx));
      NpyFile.write(vjp.gradA, g.a());
      write(vjp.gradB, g.b(), vectorRhs);
    }
    double[] rss = ls.residualSumOfSquares();
    System.out.printf("lstsq: A is %s, B is %s, rank %d, threshold %.6g; wrote %s (%s)%n",
        a.shape(), b.shape(), ls.rank(), ls.threshold(), output, vectorRhs ? ls.solution().rows() + "," : ls.solution().shape());
    if (reportPath != null) {
      report.put("command", "lstsq").put("input", input.toString()).put("rhs", rhs.toString())
          .put("m", a.rows()).put("n", a.cols()).put("k", b.cols())
          .put("rank", ls.rank()).put("threshold", ls.threshold())
          .put("rtol", cutoff.cutoff().effectiveRtol(a.rows(), a.cols()))
          .put("atol", cutoff.cutoff().effectiveAtol())
          .put("singular_values", ls.singularValues())
          .put("residual_sum_of_squares", rss);
      report.write(reportPath);
    }
    return 0;
  }

  private static void write(Path path, DoubleMatrix m, boolean asVector) throws java.io.IOException {
    if (asVector) {
      NpyFile.writeVector(path, m);
    } else {
      NpyFile.write(path, m);
    }
  }
}
