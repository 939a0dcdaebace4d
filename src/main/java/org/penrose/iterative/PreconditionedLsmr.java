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
    BidiagonalizationPass.Products residual = Lsmr.residual(pass, start, x);
    int iterations = y.iterations();
    LsmrResult.Stop stop = y.stop();
    double seconds = y.seconds();
    int cap = options.maxIterations() > 0 ? options.maxIterations() : limit;
    for (int round = 0; round < REFINEMENTS && stop.converged() && iterations < cap; round++) {
      double certificate = Lsmr.certificate(residual, normA);
      if (certificate <= options.atol()) {
        break;
      }
      BidiagonalizationPass.Products atResidual = new BidiagonalizationPass.Products(
          m.apply(residual.transposeTimesU()), residual.sumOfSquares());
      double tighter = options.atol() * options.atol() / certificate;
      LsmrOptions correcting = options.withTolerances(tighter, options.btol()).withMaxIterations(cap - iterations);
      LsmrResult z = new LsmrIteration(n, cap, correcting, onAM).run(GolubKahan.of(onAM, () -> atResidual));
      double[] correction = m.apply(z.x());
      for (int j = 0; j < n; j++) {
        x[j] += correction[j];
      }
      iterations += z.iterations();
      stop = z.stop();
      seconds += z.seconds();
      residual = Lsmr.residual(pass, start, x);
    }
    return new LsmrResult(x, stop, iterations, Math.sqrt(residual.sumOfSquares()),
        Vectors.norm(residual.transposeTimesU()), normA, y.condA(), Vectors.norm(x), 0, onAM.where(),
        seconds + (System.nanoTime() - started) / 1e9, Double.NaN, residual.sumOfSquares());
  }
}
