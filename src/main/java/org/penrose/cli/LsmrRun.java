package org.penrose.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.penrose.adapters.MatrixFiles;
import org.penrose.distributed.LsmrVjp;
import org.penrose.distributed.Route;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.iterative.Lsmr;
import org.penrose.iterative.LsmrOptions;
import org.penrose.iterative.LsmrResult;
import org.penrose.matrix.DoubleMatrix;

/**
 * {@code penrose lstsq --method lsmr}: LSMR for each column of {@code B} (scipy's {@code lsmr} options:
 * {@code --damp}, {@code --atol}, {@code --btol}, {@code --max-iterations}), {@code X} written as the
 * other routes write it, and a report naming the route, the iterations, why each column stopped and
 * its backward-error certificate {@code ||A^T r|| / (||A|| ||r||)}. A column that stopped before its
 * tolerances held is written too, and said on stderr and in the report ({@code "converged": false}). With
 * {@code --cotangent}, the VJP ({@link LsmrVjp}: further LSMR solves with the same options).
 */
final class LsmrRun {
  private LsmrRun() {}

  static int run(LstsqCommand command, Report report, MatrixFiles files, RowBlockMatrix a, RowBlockMatrix b,
      boolean vectorRhs, Route route) throws Exception {
    if (command.cutoff.rtol != null) {
      throw new IllegalArgumentException("--rtol is a cut-off of singular values; the LSMR route has none (its"
          + " stopping tolerances are --atol and --btol)");
    }
    LsmrOptions options = LsmrOptions.defaults()
        .withDamp(command.damp == null ? 0 : command.damp)
        .withTolerances(orDefault(command.cutoff.atol), orDefault(command.btol))
        .withMaxIterations(command.maxIterations == null ? 0 : command.maxIterations)
        .withProgress(System.out::println, 10);
    a.cacheFor(RowBlockMatrix.MANY_PASSES);
    b.cacheFor(RowBlockMatrix.MANY_PASSES);
    List<LsmrResult> results = report.time("solve", () -> Lsmr.solveEach(a, b, options));
    List<Map<String, Object>> columns = new ArrayList<>();
    boolean converged = true;
    for (int j = 0; j < results.size(); j++) {
      LsmrResult r = results.get(j);
      converged &= r.stop().converged();
      if (!r.stop().converged()) {
        System.err.printf("penrose: warning: column %d of B: LSMR stopped after %d iterations (%s) with"
            + " ||A^T r|| / (||A|| ||r||) = %.3g, above --atol %.3g%n", j, r.iterations(), r.stop().meaning(),
            r.certificate(), options.atol());
      }
      System.out.printf("lstsq: LSMR column %d: %d iterations %s, %s; ||r|| = %.6g, ||A^T r|| / (||A|| ||r||) ="
          + " %.3g%n", j, r.iterations(), r.where(), r.stop().meaning(), r.normR(), r.certificate());
      columns.add(describe(r));
    }
    DoubleMatrix x = Lsmr.solution(results);
    files.writeLocalNpy(x, command.output, vectorRhs);
    System.out.printf("lstsq: wrote %s (%s)%n", command.output, vectorRhs ? x.rows() + "," : x.shape());
    if (command.vjp != null) {
      DoubleMatrix gx = command.cotangent(files, x, vectorRhs);
      report.run("vjp", () -> command.writeGradient(files, LsmrVjp.of(a, b, x, gx, options), vectorRhs));
    }
    if (command.reportPath != null) {
      int iterations = columns.stream().mapToInt(c -> (Integer) c.get("iterations")).sum();
      report.put("command", "lstsq").put("input", command.job.input).put("rhs", command.rhs)
          .put("m", a.rows()).put("n", a.cols()).put("k", b.cols()).put("partitions", a.numBlocks())
          .put("route", "lsmr").put("route_reason", route.reason()).put("damp", options.damp())
          .put("atol", options.atol()).put("btol", options.btol()).put("iterations", iterations)
          .put("converged", converged).put("columns", columns);
      report.write(command.reportPath);
    }
    a.unpersist();
    b.unpersist();
    return 0;
  }

  private static double orDefault(Double tolerance) {
    return tolerance == null ? LsmrOptions.DEFAULT_TOLERANCE : tolerance;
  }

  private static Map<String, Object> describe(LsmrResult r) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("iterations", r.iterations());
    out.put("stop", r.stop().name().toLowerCase(Locale.ROOT));
    out.put("stop_reason", r.stop().meaning());
    out.put("converged", r.stop().converged());
    out.put("certificate", r.certificate());
    out.put("norm_r", r.normR());
    out.put("norm_ar", r.normAr());
    out.put("norm_a", r.normA());
    out.put("cond_a", r.condA());
    out.put("norm_x", r.normX());
    out.put("where", r.where());
    out.put("seconds", r.seconds());
    return out;
  }
}
