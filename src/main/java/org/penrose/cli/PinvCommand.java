package org.penrose.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.linalg.PseudoInverse;
import org.penrose.source.NpyFile;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code penrose pinv}: {@code P = pinv(A)}, optionally its JVP and VJP, from and to {@code .npy} files. */
@Command(name = "pinv", mixinStandardHelpOptions = true,
    description = "Moore-Penrose pseudo-inverse P = pinv(A) (n x m) of an m x n matrix, with optional derivatives.")
final class PinvCommand implements Callable<Integer> {
  @Option(names = "--input", required = true, paramLabel = "A.npy", description = "The matrix A (m x n).")
  Path input;

  @Option(names = "--output", required = true, paramLabel = "P.npy", description = "Where to write P (n x m).")
  Path output;

  @Mixin CutoffOptions cutoff;

  static final class Jvp {
    @Option(names = "--tangent", required = true, paramLabel = "DA.npy", description = "Tangent dA (m x n).")
    Path tangent;

    @Option(names = "--jvp-output", required = true, paramLabel = "DP.npy", description = "Where to write dP (n x m).")
    Path output;
  }

  static final class Vjp {
    @Option(names = "--cotangent", required = true, paramLabel = "G.npy", description = "Cotangent G = dL/dP (n x m).")
    Path cotangent;

    @Option(names = "--vjp-output", required = true, paramLabel = "GA.npy", description = "Where to write dL/dA (m x n).")
    Path output;
  }

  @ArgGroup(exclusive = false)
  Jvp jvp;

  @ArgGroup(exclusive = false)
  Vjp vjp;

  @Option(names = "--report", paramLabel = "report.json", description = "Write a JSON report (shapes, rank, singular values, times).")
  Path reportPath;

  @Override
  public Integer call() throws Exception {
    Report report = new Report();
    DoubleMatrix a = report.time("read", () -> NpyFile.read(input));
    PseudoInverse pi = report.time("factor", () -> PseudoInverse.of(a, cutoff.cutoff()));
    DoubleMatrix p = report.time("pinv", pi::pinv);
    report.time("write", () -> {
      NpyFile.write(output, p);
      return null;
    });
    if (jvp != null) {
      DoubleMatrix tangent = NpyFile.read(jvp.tangent);
      DoubleMatrix dP = report.time("jvp", () -> pi.jvp(tangent));
      NpyFile.write(jvp.output, dP);
    }
    if (vjp != null) {
      DoubleMatrix cotangent = NpyFile.read(vjp.cotangent);
      DoubleMatrix gradA = report.time("vjp", () -> pi.vjp(cotangent));
      NpyFile.write(vjp.output, gradA);
    }
    System.out.printf("pinv: A is %s, rank %d, threshold %.6g; wrote %s (%s)%n",
        a.shape(), pi.rank(), pi.threshold(), output, p.shape());
    if (reportPath != null) {
      report.put("command", "pinv").put("input", input.toString()).put("m", a.rows()).put("n", a.cols())
          .put("rank", pi.rank()).put("threshold", pi.threshold())
          .put("rtol", cutoff.cutoff().effectiveRtol(a.rows(), a.cols()))
          .put("atol", cutoff.cutoff().effectiveAtol())
          .put("singular_values", pi.singularValues());
      report.write(reportPath);
    }
    return 0;
  }
}
