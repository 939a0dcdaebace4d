package org.penrose.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import org.penrose.adapters.DriverBlocks;
import org.penrose.adapters.MatrixFiles;
import org.penrose.distributed.LsmrVjp;
import org.penrose.distributed.Route;
import org.penrose.engine.DriverThreads;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.io.NpyFile;
import org.penrose.iterative.DeferredDeflation;
import org.penrose.iterative.Deflation;
import org.penrose.iterative.Lsmr;
import org.penrose.iterative.LsmrOptions;
import org.penrose.iterative.LsmrResult;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.truncated.TruncatedSvd;

/**
 * {@code penrose lstsq --method lsmr}: LSMR for each column of {@code B} (scipy's {@code lsmr} options:
 * {@code --damp}, {@code --atol}, {@code --btol}, {@code --max-iterations}), {@code X} written as the
 * other routes write it, and a report naming the route, the iterations, why each column stopped and
 * its backward-error certificate {@code ||A^T r|| / (||A|| ||r||)}. A column that stopped before its
 * tolerances held is written too, and said on stderr and in the report ({@code "converged": false}). With
 * {@code --cotangent}, the VJP ({@link LsmrVjp}: further LSMR solves with the same options). With {@code --deflate
 * K}, the truncated SVD of rank K first and LSMR preconditioned by it ({@link Deflation}); without it, undamped,
 * the same with K = 20 once plain LSMR has run 1000 iterations without stopping ({@link DeferredDeflation}).
 */
final class LsmrRun {
  private LsmrRun() {}

  static int run(LstsqCommand command, Report report, MatrixFiles files, RowBlockMatrix a, RowBlockMatrix b,
      boolean vectorRhs, Route route) throws Exception {
    LsmrOptions options = options(command);
    a.cacheFor(RowBlockMatrix.MANY_PASSES);
    b.cacheFor(RowBlockMatrix.MANY_PASSES);
    Deflating deflating = deflating(command, report, a.rows(), a.cols(),
        k -> TruncatedSvd.compute(a, k, command.truncation.options()));
    List<LsmrResult> results = report.time("solve", () -> deflating.later() != null
        ? Lsmr.solveEach(a, b, options, deflating.later()) : Lsmr.solveEach(a, b, options, deflating.atOnce()));
    DoubleMatrix x = finish(command, report, options, results,
        solution -> files.writeLocalNpy(solution, command.output, vectorRhs), vectorRhs);
    if (command.vjp != null) {
      DoubleMatrix gx = command.cotangent(files, x, vectorRhs);
      report.run("vjp", () -> command.writeGradient(files, LsmrVjp.of(a, b, x, gx, options), vectorRhs));
    }
    if (command.reportPath != null) {
      write(command, report, route, a.rows(), a.cols(), b.cols(), a.numBlocks(), "spark");
    }
    a.unpersist();
    b.unpersist();
    return 0;
  }

  /**
   * {@code lstsq --method lsmr} in the driver JVM without Spark ({@link InDriver}; no derivatives): A and B read
   * on the driver in the row blocks a Spark read makes, the passes on {@code threads} threads
   * ({@link Lsmr#solveEachInDriver}): the bits of the Spark route's in-driver passes. Null when B's blocks do not
   * line up with A's (then the Spark route reads B in A's blocks).
   */
  static Integer inDriver(LstsqCommand command, Report report, int threads, Route route) throws Exception {
    LsmrOptions options = options(command);
    Integer parts = command.job.requestedPartitions();
    DriverBlocks a;
    DriverBlocks b;
    try (DriverThreads pool = new DriverThreads(threads, "penrose-lsmr")) {
      a = report.time("read", () -> MatrixFiles.readOnDriver(command.job.input, parts, threads, pool::map));
      b = report.time("read_rhs", () -> MatrixFiles.readOnDriver(command.rhs, a.numBlocks(), threads, pool::map));
      if (b.rows() != a.rows()) {
        throw new IllegalArgumentException("shape mismatch: B (" + command.rhs + ") is " + b.rows() + " x "
            + b.cols() + " but must have as many rows as A, which is " + a.rows() + " x " + a.cols());
      }
      if (!Arrays.equals(a.starts(), b.starts())) {
        return null;
      }
      System.out.printf("lstsq: A is %d x %d, B is %d x %d, in %d row blocks, in the driver JVM (no Spark job)%n",
          a.rows(), a.cols(), b.rows(), b.cols(), a.numBlocks());
      Deflating deflating = deflating(command, report, a.rows(), a.cols(),
          k -> TruncatedSvd.computeInDriver(a.matrices(), k, command.truncation.options(), pool));
      if (deflating == null) {
        return null; // the normal-operator iteration gave up at --deflate K: Golub-Kahan runs in Spark
      }
      List<LsmrResult> results = report.time("solve", () -> deflating.later() != null
          ? Lsmr.solveEachInDriver(a.matrices(), b.denseBlocks(), options, deflating.later(), pool)
          : Lsmr.solveEachInDriver(a.matrices(), b.denseBlocks(), options, deflating.atOnce(), pool));
      finish(command, report, options, results,
          x -> NpyFile.writeRows(Path.of(command.output), List.of(x), b.isVector()), b.isVector());
    }
    if (command.reportPath != null) {
      write(command, report, route, a.rows(), a.cols(), b.cols(), a.numBlocks(), "driver");
    }
    return 0;
  }

  /** How the solve is deflated: from the start ({@code atOnce}), later ({@code later}), or neither (both null). */
  private record Deflating(Deflation atOnce, DeferredDeflation later) {}

  /**
   * {@code --deflate} as asked, one decision for both engines, with {@code svd(k)} the rank-k truncated SVD of
   * {@code A} ({@code m x n}) on the engine (null where the in-driver iteration gives up): automatic (a
   * {@link DeferredDeflation}; where the SVD gives up, the solve goes on from {@code x_0} without one), {@code K > 0}
   * (the SVD now; null where it gives up), or 0 (never).
   */
  private static Deflating deflating(LstsqCommand command, Report report, long m, int n,
      IntFunction<TruncatedSvd> svd) throws Exception {
    if (command.deflate == null) {
      return new Deflating(null, DeferredDeflation.automatic(m, n, k -> {
        TruncatedSvd triplets = report.timeWithin("deflate", () -> svd.apply(k));
        return triplets == null ? null : deflation(report, triplets, DeferredDeflation.AUTOMATIC_AFTER);
      }, System.out::println));
    }
    if (command.deflate == 0) {
      return new Deflating(null, null);
    }
    TruncatedSvd triplets = report.time("deflate", () -> svd.apply(command.deflate));
    return triplets == null ? null : new Deflating(deflation(report, triplets, 0), null);
  }

  /**
   * The deflation the truncated SVD gives (its triplets with {@code s_i > 0}), said on stdout and in the report;
   * {@code after}: the plain iterations before it (0: from the start).
   */
  private static Deflation deflation(Report report, TruncatedSvd svd, int after) {
    Deflation deflation = Deflation.ofNonzero(svd.v(), svd.singularValues());
    int k = deflation.rank();
    System.out.printf("lstsq: deflating %d singular triplets%s (s_1 = %.6g, s_%d = %.6g, certificate %.2e x s_1)%n",
        k, after > 0 ? " after " + after + " plain iterations" : "", svd.singularValues()[0], k,
        svd.singularValues()[k - 1], svd.certificate());
    report.put("deflation", k).put("deflation_after", after).put("deflation_certificate", svd.certificate());
    return deflation;
  }

  private static LsmrOptions options(LstsqCommand command) {
    if (command.cutoff.rtol != null) {
      throw new IllegalArgumentException("--rtol is a cut-off of singular values; the LSMR route has none (its"
          + " stopping tolerances are --atol and --btol)");
    }
    boolean scale = command.precondition == LstsqCommand.Precondition.columns;
    if (scale && command.damp != null && command.damp != 0) {
      throw new IllegalArgumentException("--precondition columns solves min ||A D y - b|| with x = D y, where --damp"
          + " would damp ||y||, not ||x||: use one or the other");
    }
    if (scale && command.vjp != null) {
      throw new IllegalArgumentException("--precondition columns is for the solve alone; the VJP's minimum-norm"
          + " solves (--cotangent) run unscaled: drop one or the other");
    }
    if (command.forwardError != null && (command.damp == null || command.damp == 0)) {
      throw new IllegalArgumentException("--forward-error needs --damp > 0: the bound divides by damp^2 (undamped, the"
          + " report gives an estimate of the error, forward_error_estimate, but no bound)");
    }
    if (command.deflate != null && (command.deflate < 0 || command.deflate > 0 && ((command.damp != null
        && command.damp != 0) || scale || command.forwardError != null || command.vjp != null))) {
      throw new IllegalArgumentException(command.deflate < 0 ? "--deflate K needs K >= 0 (0: never), got "
          + command.deflate : "--deflate is for the undamped solve alone: drop it, or --damp, --precondition"
              + " columns, --forward-error and --cotangent");
    }
    if (command.forwardError != null && command.vjp != null) {
      throw new IllegalArgumentException("--forward-error is for the solve alone; the VJP's solves stop on --atol and"
          + " --btol: drop one or the other");
    }
    return LsmrOptions.defaults()
        .withForwardError(command.forwardError == null ? 0 : command.forwardError)
        .withDamp(command.damp == null ? 0 : command.damp)
        .withTolerances(orDefault(command.cutoff.atol), orDefault(command.btol))
        .withMaxIterations(command.maxIterations == null ? 0 : command.maxIterations)
        .withProgress(System.out::println, 10)
        .withColumnScaling(scale);
  }

  /** Writes {@code X} ({@code n x k}). */
  private interface SolutionWriter {
    void write(DoubleMatrix x) throws IOException;
  }

  /** Says how each column stopped, writes X, and keeps the columns' report fields. */
  private static DoubleMatrix finish(LstsqCommand command, Report report, LsmrOptions options,
      List<LsmrResult> results, SolutionWriter writer, boolean vectorRhs) throws IOException {
    List<Map<String, Object>> columns = new ArrayList<>();
    boolean converged = true;
    for (int j = 0; j < results.size(); j++) {
      LsmrResult r = results.get(j);
      converged &= r.converged(options.forwardError());
      if (!r.stop().converged()) {
        System.err.printf("penrose: warning: column %d of B: LSMR stopped after %d iterations (%s) with"
            + " ||A^T r|| / (||A|| ||r||) = %.3g, above --atol %.3g%n", j, r.iterations(), r.stop().meaning(),
            r.certificate(), options.atol());
      } else if (!r.converged(options.forwardError())) {
        System.err.printf("penrose: warning: column %d of B: LSMR stopped after %d iterations (%s), but the bound"
            + " on ||x - x*|| / ||x|| computed from x is %.3g, above --forward-error %.3g%n", j, r.iterations(),
            r.stop().meaning(), r.forwardErrorBound(), options.forwardError());
      }
      System.out.printf("lstsq: LSMR column %d: %d iterations %s, %s; ||r|| = %.6g, ||A^T r|| / (||A|| ||r||) ="
          + " %.3g; %s%n", j, r.iterations(), r.where(), r.stop().meaning(), r.normR(), r.certificate(),
          Double.isNaN(r.forwardErrorBound())
              ? String.format("||x - x*|| / ||x|| ~ %.3g (an estimate from cond(A))", r.forwardErrorEstimate())
              : String.format("||x - x*|| / ||x|| <= %.3g", r.forwardErrorBound()));
      columns.add(describe(r));
    }
    DoubleMatrix x = Lsmr.solution(results);
    writer.write(x);
    System.out.printf("lstsq: wrote %s (%s)%n", command.output, vectorRhs ? x.rows() + "," : x.shape());
    int iterations = columns.stream().mapToInt(c -> (Integer) c.get("iterations")).sum();
    // "deflate": as asked ("auto", or K, 0 for never); "deflation" (K), "deflation_after": as done, when done
    report.put("deflate", command.deflate == null ? "auto" : command.deflate);
    report.put("damp", options.damp()).put("precondition", options.scaleColumns() ? "columns" : "none")
        .put("atol", options.atol()).put("btol", options.btol()).put("forward_error", options.forwardError())
        .put("iterations", iterations).put("converged", converged).put("columns", columns);
    return x;
  }

  private static void write(LstsqCommand command, Report report, Route route, long m, int n, int k, int blocks,
      String engine) throws IOException {
    report.put("command", "lstsq").put("input", command.job.input).put("rhs", command.rhs).put("m", m)
        .put("n", n).put("k", k).put("partitions", blocks).put("route", "lsmr").put("route_reason", route.reason())
        .put("engine", engine);
    report.write(command.reportPath);
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
    if (Double.isNaN(r.forwardErrorBound())) {
      out.put("forward_error_estimate", r.forwardErrorEstimate());
    } else {
      out.put("forward_error_bound", r.forwardErrorBound());
    }
    out.put("where", r.where());
    out.put("seconds", r.seconds());
    return out;
  }
}
