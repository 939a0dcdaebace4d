package org.penrose.iterative;

import java.util.function.Consumer;
import org.penrose.matrix.InvalidInputException;

/**
 * LSMR's settings, with scipy's names and meanings ({@code scipy.sparse.linalg.lsmr}): {@code damp}
 * (ridge: {@code min ||A x - b||^2 + damp^2 ||x||^2}), the stopping tolerances {@code atol} (on
 * {@code ||A^T r|| / (||A|| ||r||)}) and {@code btol} (on {@code ||r|| / ||b||}, relative to
 * {@code ||A|| ||x||}), {@code conlim} (stop when the estimated {@code cond(A)} exceeds it; 0: never),
 * {@code maxIterations}; {@code driverSteps} lets a local master run the passes in the driver; {@code
 * progress} receives a line every {@code progressSeconds} (null: none); {@code scaleColumns} preconditions
 * with the column norms ({@link Lsmr#solve}: fewer iterations, the same solution for a full-column-rank
 * {@code A}; undamped only); {@code forwardError} (0: none; damped only) replaces the stops on {@code atol} and
 * {@code btol} by one on the solution's accuracy: iterate until {@code ||x - x*|| / ||x|| <= forwardError}
 * holds by the bound of {@link LsmrResult#forwardErrorBound}.
 */
public record LsmrOptions(double damp, double atol, double btol, double conlim, int maxIterations,
    boolean driverSteps, Consumer<String> progress, double progressSeconds, boolean scaleColumns,
    double forwardError) {
  /** scipy's defaults: {@code atol = btol = 1e-6}, {@code conlim = 1e8}, at most {@code min(m, n)} iterations. */
  public static final double DEFAULT_TOLERANCE = 1e-6;
  public static final double DEFAULT_CONLIM = 1e8;

  public LsmrOptions {
    if (!(damp >= 0) || Double.isInfinite(damp)) {
      throw new InvalidInputException("damp must be a finite number >= 0, got " + damp);
    }
    if (!(atol >= 0) || !(btol >= 0) || !(conlim >= 0)) {
      throw new InvalidInputException("atol, btol and conlim must be >= 0, got " + atol + ", " + btol + ", " + conlim);
    }
    if (maxIterations < 0) {
      throw new InvalidInputException("maxIterations must be >= 0 (0: min(m, n)), got " + maxIterations);
    }
    if (!(forwardError >= 0) || Double.isInfinite(forwardError)) {
      throw new InvalidInputException("the forward-error target must be a finite number >= 0, got " + forwardError);
    }
    if (scaleColumns && damp != 0) {
      throw new InvalidInputException("column scaling solves min ||A D y - b|| and x = D y, which with damp > 0"
          + " would damp ||y||, not ||x||: scale the columns without damp, or damp without scaling");
    }
  }

  /** The defaults: no damping, scipy's tolerances, {@code min(m, n)} iterations, passes in the driver when they fit. */
  public static LsmrOptions defaults() {
    return new LsmrOptions(0, DEFAULT_TOLERANCE, DEFAULT_TOLERANCE, DEFAULT_CONLIM, 0, true, null, 10, false, 0);
  }

  public LsmrOptions withDamp(double value) {
    return new LsmrOptions(value, atol, btol, conlim, maxIterations, driverSteps, progress,
        progressSeconds, scaleColumns, forwardError);
  }

  public LsmrOptions withTolerances(double atolValue, double btolValue) {
    return new LsmrOptions(damp, atolValue, btolValue, conlim, maxIterations, driverSteps, progress,
        progressSeconds, scaleColumns, forwardError);
  }

  public LsmrOptions withConlim(double value) {
    return new LsmrOptions(damp, atol, btol, value, maxIterations, driverSteps, progress,
        progressSeconds, scaleColumns, forwardError);
  }

  public LsmrOptions withMaxIterations(int value) {
    return new LsmrOptions(damp, atol, btol, conlim, value, driverSteps, progress, progressSeconds, scaleColumns,
        forwardError);
  }

  public LsmrOptions withDriverSteps(boolean value) {
    return new LsmrOptions(damp, atol, btol, conlim, maxIterations, value, progress, progressSeconds, scaleColumns,
        forwardError);
  }

  public LsmrOptions withProgress(Consumer<String> lines, double everySeconds) {
    return new LsmrOptions(damp, atol, btol, conlim, maxIterations, driverSteps, lines, everySeconds, scaleColumns,
        forwardError);
  }

  /**
   * Whether to precondition with the column norms: LSMR on {@code A D} ({@code D = diag(1 / ||a_j||)}, a zero
   * column left as it is), {@code x = D y}. For an {@code A} of full column rank the least-squares solution is
   * unique and this reaches it in fewer iterations; for a rank-deficient {@code A} it gives the least-squares
   * solution of least {@code ||D^-1 x||}, not the minimum-norm one (on debian_packages, undamped: a third of the
   * iterations, and an answer 12% away from the minimum-norm one).
   */
  public LsmrOptions withColumnScaling(boolean value) {
    return new LsmrOptions(damp, atol, btol, conlim, maxIterations, driverSteps, progress, progressSeconds, value,
        forwardError);
  }

  /** The solution's accuracy to iterate to, {@code ||x - x*|| / ||x||} (0: the tolerances decide; damped only). */
  public LsmrOptions withForwardError(double value) {
    return new LsmrOptions(damp, atol, btol, conlim, maxIterations, driverSteps, progress, progressSeconds,
        scaleColumns, value);
  }
}
