package org.penrose.iterative;

import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * LSMR on {@code A M} for a symmetric positive definite {@code M} (column scaling {@code D = diag(1 / ||a_j||)},
 * or a {@link Deflation}'s): {@code min ||A M y - b||}, {@code x = M y}, with the answer certified on {@code A}
 * itself: {@code ||r||} and {@code ||A^T r||} from two more passes ({@code u = b}, then {@code u <- b - A x}),
 * {@code ||A||} as {@code ||A||_F} from the column norms. The iteration's stop speaks of {@code A M}; while A's own
 * certificate {@code ||A^T r|| / (||A|| ||r||)} is above {@code atol}, a correction is solved from the residual
 * ({@code min ||A M z - r||}, {@code x += M z}) to a tolerance tightened by the factor still missing, at most
 * {@link #REFINEMENTS} times. {@code cond} is the preconditioned iteration's.
 */
final class PreconditionedLsmr {
  private PreconditionedLsmr() {}

  /** Corrections after the preconditioned solve at most. */
  static final int REFINEMENTS = 3;

  /**
   * @param pass A's passes
   * @param m {@code v -> M v}
   * @param onAM the passes of {@code A M} (over {@code pass})
   * @param normA {@code ||A||_F}
   */
  static LsmrResult solve(BidiagonalizationPass pass,
      Function<BidiagonalizationPass, BidiagonalizationPass.Products> start, int n, int limit, LsmrOptions options,
      UnaryOperator<double[]> m, BidiagonalizationPass onAM, double normA) {
    LsmrResult y = new LsmrIteration(n, limit, options, onAM).run(GolubKahan.of(onAM, () -> start.apply(onAM)));
    long started = System.nanoTime();
    double[] x = m.apply(y.x());
    int cap = options.maxIterations() > 0 ? options.maxIterations() : limit;
    return refine(pass, start, n, cap, options, m, onAM, normA, x, y, y.iterations(), y.seconds(), started);
  }

  /**
   * The solve continued from {@code plain}'s {@code x_0} (LSMR on A itself, stopped by its iteration limit): a
   * first correction {@code min ||A M z - r_0||} to {@code atol} itself, {@code x = x_0 + M z}, then the
   * corrections of {@link #solve} while A's certificate is above {@code atol}; at most {@code cap} iterations in
   * all, the plain ones included.
   */
  static LsmrResult continueFrom(BidiagonalizationPass pass,
      Function<BidiagonalizationPass, BidiagonalizationPass.Products> start, int n, int cap, LsmrOptions options,
      UnaryOperator<double[]> m, BidiagonalizationPass onAM, double normA, LsmrResult plain) {
    long started = System.nanoTime();
    double[] x = plain.x().clone();
    BidiagonalizationPass.Products residual = Lsmr.residual(pass, start, x);
    LsmrResult z = correction(residual, n, cap, options.withMaxIterations(cap - plain.iterations()), m, onAM);
    double[] correction = m.apply(z.x());
    for (int j = 0; j < n; j++) {
      x[j] += correction[j];
    }
    return refine(pass, start, n, cap, options, m, onAM, normA, x, z, plain.iterations() + z.iterations(),
        plain.seconds(), started);
  }

  /** LSMR on {@code A M} from the residual {@code r} ({@code u = r}, {@code A^T u} taken through {@code M}). */
  private static LsmrResult correction(BidiagonalizationPass.Products residual, int n, int cap, LsmrOptions options,
      UnaryOperator<double[]> m, BidiagonalizationPass onAM) {
    BidiagonalizationPass.Products atResidual = new BidiagonalizationPass.Products(
        m.apply(residual.transposeTimesU()), residual.sumOfSquares());
    return new LsmrIteration(n, cap, options, onAM).run(GolubKahan.of(onAM, () -> atResidual));
  }

  /**
   * Corrections of {@code x} (reached by {@code last}, after {@code iterations} in all) while A's own certificate
   * is above {@code atol}, each to a tolerance tightened by the factor still missing; the result certified on A,
   * its time {@code secondsBefore} and what has passed since {@code started}.
   */
  private static LsmrResult refine(BidiagonalizationPass pass,
      Function<BidiagonalizationPass, BidiagonalizationPass.Products> start, int n, int cap, LsmrOptions options,
      UnaryOperator<double[]> m, BidiagonalizationPass onAM, double normA, double[] x, LsmrResult last,
      int iterations, double secondsBefore, long started) {
    BidiagonalizationPass.Products residual = Lsmr.residual(pass, start, x);
    LsmrResult.Stop stop = last.stop();
    for (int round = 0; round < REFINEMENTS && stop.converged() && iterations < cap; round++) {
      double certificate = Lsmr.certificate(residual, normA);
      if (certificate <= options.atol()) {
        break;
      }
      double tighter = options.atol() * options.atol() / certificate;
      LsmrOptions correcting = options.withTolerances(tighter, options.btol()).withMaxIterations(cap - iterations);
      LsmrResult z = correction(residual, n, cap, correcting, m, onAM);
      double[] correction = m.apply(z.x());
      for (int j = 0; j < n; j++) {
        x[j] += correction[j];
      }
      iterations += z.iterations();
      stop = z.stop();
      residual = Lsmr.residual(pass, start, x);
    }
    return new LsmrResult(x, stop, iterations, Math.sqrt(residual.sumOfSquares()),
        Vectors.norm(residual.transposeTimesU()), normA, last.condA(), Vectors.norm(x), 0, onAM.where(),
        secondsBefore + (System.nanoTime() - started) / 1e9, Double.NaN, residual.sumOfSquares());
  }
}
