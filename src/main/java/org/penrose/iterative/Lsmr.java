package org.penrose.iterative;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.penrose.engine.DriverThreads;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.matrix.MatrixBlock;

/**
 * LSMR (Fong &amp; Saunders, SIAM J. Sci. Comput. 33, 2011) over a row-block matrix: the iterates
 * minimize {@code ||A^T r_k||} over the Krylov space {@code K_k(A^T A, A^T b)}, and from {@code x_0 = 0}
 * they converge to the minimum-norm solution of {@code min ||A x - b||^2 + damp^2 ||x||^2} (they stay
 * in {@code range(A^T)}). Each iteration is one Golub-Kahan step,
 *
 * <pre>
 *   beta_{k+1} u_{k+1} = A v_k - alpha_k u_k,     alpha_{k+1} v_{k+1} = A^T u_{k+1} - beta_{k+1} v_k,
 * </pre>
 *
 * made in one pass over {@code A} ({@link BidiagonalizationPass}: {@code u} stays beside A's blocks,
 * {@code A^T u} and {@code ||u||^2} come back from the same tasks), followed by the n-sized updates on
 * the driver ({@link LsmrIteration}: the rotations, the estimates of {@code ||r||}, {@code ||A^T r||},
 * {@code ||A||} and {@code cond(A)} at no extra pass, and the paper's and scipy's stopping rules: {@code ||r|| <=
 * btol ||b|| + atol ||A|| ||x||}, {@code ||A^T r|| <= atol ||A|| ||r||}, {@code cond(A) >= conlim}, or {@code
 * maxIterations}). Undamped, the iteration may run on {@code A M} instead ({@link PreconditionedLsmr}): {@code M}
 * the column scaling ({@link LsmrOptions#withColumnScaling}) or a {@link Deflation}'s preconditioner from A's
 * largest singular triplets, which keeps the minimum-norm solution.
 */
public final class Lsmr {
  private Lsmr() {}

  /**
   * Solves {@code min ||A x - b||^2 + damp^2 ||x||^2} for one right-hand side.
   *
   * @param b {@code m x 1} in A's row blocks
   * @throws InvalidInputException when {@code b} is not one column with A's rows
   */
  public static LsmrResult solve(RowBlockMatrix a, RowBlockMatrix b, LsmrOptions options) {
    return solve(a, b, options, null);
  }

  /**
   * Solves {@code min ||A x - b||} for one right-hand side with {@code deflation} ({@link Deflation}: LSMR
   * preconditioned by A's largest singular triplets, the minimum-norm solution kept; null: a plain solve); undamped,
   * without column scaling.
   *
   * @throws InvalidInputException as {@link #solve(RowBlockMatrix, RowBlockMatrix, LsmrOptions)}, and when the
   *     deflation's vectors do not have A's columns or the options damp or scale
   */
  public static LsmrResult solve(RowBlockMatrix a, RowBlockMatrix b, LsmrOptions options, Deflation deflation) {
    if (b.cols() != 1) {
      throw new InvalidInputException("LSMR solves one right-hand side at a time; b has " + b.cols() + " columns");
    }
    a.requireAlignedWith("b", b);
    requireDriverMemory(a.cols(), a.numBlocks());
    requireApplicable(deflation, a.cols(), options);
    return solve(a, b, options, deflation, null, once(a::columnNorms));
  }

  private static LsmrResult solve(RowBlockMatrix a, RowBlockMatrix b, LsmrOptions options, Deflation deflation,
      DeferredDeflation later, Supplier<double[]> norms) {
    try (BidiagonalizationPass pass = BidiagonalizationPass.of(a, options.driverSteps())) {
      return solve(pass, p -> p.start(b), a.cols(), norms, defaultLimit(a.rows(), a.cols()), options, deflation,
          later);
    }
  }

  /** {@code norms}, computed at the first call only. */
  private static Supplier<double[]> once(Supplier<double[]> norms) {
    double[][] held = new double[1][];
    return () -> held[0] != null ? held[0] : (held[0] = norms.get());
  }

  /**
   * One solve with {@code pass} (A's passes) started with {@code u = b} by {@code start}: plain, or preconditioned
   * ({@link PreconditionedLsmr}) by {@code D = diag(1 / ||a_j||)} ({@code columnNorms}, options.scaleColumns) or by
   * the {@code deflation}'s {@code M} ({@code columnNorms} then give {@code ||A||_F} for the certificate), or plain
   * and then, if {@code later} applies and the plain iteration has not stopped after its iterations, deflated.
   */
  private static LsmrResult solve(BidiagonalizationPass pass,
      Function<BidiagonalizationPass, BidiagonalizationPass.Products> start, int n, Supplier<double[]> columnNorms,
      int limit, LsmrOptions options, Deflation deflation, DeferredDeflation later) {
    int cap = options.maxIterations() > 0 ? options.maxIterations() : limit;
    if (deflation == null && !options.scaleColumns()) {
      boolean deferred = later != null && deflatable(options) && cap > later.after();
      LsmrOptions first = deferred ? options.withMaxIterations(later.after()) : options;
      LsmrResult result = new LsmrIteration(n, limit, first, pass).run(GolubKahan.of(pass, () -> start.apply(pass)));
      if (!deferred || result.stop() != LsmrResult.Stop.ITERATION_LIMIT) {
        return fromX(result, residual(pass, start, result.x()));
      }
      // not stopped after later.after() iterations: continue from x_0, deflated if a deflation is at hand
      Deflation found = later.get();
      requireApplicable(found, n, options);
      double normA = frobenius(columnNorms.get());
      return found == null
          ? PreconditionedLsmr.continueFrom(pass, start, n, cap, options, double[]::clone, pass, normA, result)
          : PreconditionedLsmr.continueFrom(pass, start, n, cap, options, found::precondition,
              BidiagonalizationPass.deflated(pass, found), normA, result);
    }
    double frobenius = frobenius(columnNorms.get());
    if (deflation != null) {
      return PreconditionedLsmr.solve(pass, start, n, limit, options, deflation::precondition,
          BidiagonalizationPass.deflated(pass, deflation), frobenius);
    }
    double[] norms = columnNorms.get();
    double[] d = new double[n];
    for (int j = 0; j < n; j++) {
      d[j] = norms[j] > 0 ? 1 / norms[j] : 1; // a zero column: y_j stays 0, as x_j in the plain solve
    }
    return PreconditionedLsmr.solve(pass, start, n, limit, options, v -> BidiagonalizationPass.times(d, v),
        BidiagonalizationPass.columnScaled(pass, d), frobenius);
  }

  /** {@code ||A||_F} from A's column norms. */
  private static double frobenius(double[] columnNorms) {
    double sum = 0;
    for (double norm : columnNorms) {
      sum += norm * norm;
    }
    return Math.sqrt(sum);
  }

  /** True when the options allow a deflation: undamped, unscaled, no forward-error target. */
  private static boolean deflatable(LsmrOptions options) {
    return options.damp() == 0 && !options.scaleColumns() && options.forwardError() == 0;
  }

  /**
   * {@code result} with what {@code residual} ({@code u = b - A x} and its {@code A^T u}) tells: {@code ||b - A
   * x||^2} and, with {@code damp > 0}, {@link LsmrResult#forwardErrorBound}, {@code ||g|| / (damp^2 ||x||)} for
   * {@code g = A^T (b - A x) - damp^2 x}.
   */
  private static LsmrResult fromX(LsmrResult result, BidiagonalizationPass.Products residual) {
    double[] x = result.x();
    double bound = Double.NaN;
    if (result.damp() > 0) {
      double[] g = residual.transposeTimesU().clone();
      double mu = result.damp() * result.damp();
      for (int j = 0; j < g.length; j++) {
        g[j] -= mu * x[j];
      }
      double normG = Vectors.norm(g);
      bound = normG == 0 ? 0 : normG / (mu * result.normX()); // normX: ||x||, as Vectors.norm gave it
    }
    return new LsmrResult(x, result.stop(), result.iterations(), result.normR(), result.normAr(), result.normA(),
        result.condA(), result.normX(), result.damp(), result.where(), result.seconds(), bound,
        residual.sumOfSquares());
  }

  /**
   * @throws InvalidInputException when {@code deflation} (if not null) does not have {@code n} rows or the options
   *     damp (the preconditioned iterate's norm is not x's), scale columns or ask for a forward error
   */
  private static void requireApplicable(Deflation deflation, int n, LsmrOptions options) {
    if (deflation == null) {
      return;
    }
    if (deflation.cols() != n) {
      throw new InvalidInputException("the deflation's singular vectors have " + deflation.cols()
          + " entries but A has " + n + " columns");
    }
    if (!deflatable(options)) {
      throw new InvalidInputException("deflation is for the undamped solve without column scaling (damp = "
          + options.damp() + ", column scaling " + options.scaleColumns() + ", forward-error target "
          + options.forwardError() + ")");
    }
  }

  /** {@code u = b - A x} beside A's blocks, with {@code A^T u} and {@code ||u||^2}: two passes. */
  static BidiagonalizationPass.Products residual(BidiagonalizationPass pass,
      Function<BidiagonalizationPass, BidiagonalizationPass.Products> start, double[] x) {
    double[] minusX = new double[x.length];
    for (int j = 0; j < x.length; j++) {
      minusX[j] = -x[j];
    }
    start.apply(pass); // u = b
    return pass.step(minusX, 1); // u <- A (-x) + u
  }

  /** {@code ||A^T r|| / (||A|| ||r||)} (0 for {@code r = 0}). */
  static double certificate(BidiagonalizationPass.Products residual, double normA) {
    double normR = Math.sqrt(residual.sumOfSquares());
    return normR == 0 || normA == 0 ? 0 : Vectors.norm(residual.transposeTimesU()) / (normA * normR);
  }

  /**
   * {@link #solveEach} over blocks the driver holds, on {@code threads}, without Spark: {@code a.get(i)} and
   * {@code b.get(i)} ({@code m_i x k}) in the place of partition {@code i}. The same passes, merged in the same
   * order, as {@link #solveEach}'s in-driver passes: the same bits.
   *
   * @throws InvalidInputException when {@code b}'s blocks are not aligned with {@code a}'s
   */
  public static List<LsmrResult> solveEachInDriver(List<MatrixBlock> a, List<DoubleMatrix> b, LsmrOptions options,
      DriverThreads threads) {
    return solveEachInDriver(a, b, options, null, null, threads);
  }

  /** {@link #solveEachInDriver} with {@code deflation} ({@link #solve(RowBlockMatrix, RowBlockMatrix, LsmrOptions,
   * Deflation)}; null: none). */
  public static List<LsmrResult> solveEachInDriver(List<MatrixBlock> a, List<DoubleMatrix> b, LsmrOptions options,
      Deflation deflation, DriverThreads threads) {
    return solveEachInDriver(a, b, options, deflation, null, threads);
  }

  /**
   * {@link #solveEachInDriver} with a deflation decided during each column's solve ({@link DeferredDeflation};
   * ignored where the options damp, scale or ask for a forward error).
   */
  public static List<LsmrResult> solveEachInDriver(List<MatrixBlock> a, List<DoubleMatrix> b, LsmrOptions options,
      DeferredDeflation later, DriverThreads threads) {
    return solveEachInDriver(a, b, options, null, later, threads);
  }

  private static List<LsmrResult> solveEachInDriver(List<MatrixBlock> a, List<DoubleMatrix> b, LsmrOptions options,
      Deflation deflation, DeferredDeflation later, DriverThreads threads) {
    long m = 0;
    for (int i = 0; i < a.size(); i++) {
      if (b.size() != a.size() || b.get(i).rows() != a.get(i).rows()) {
        throw new InvalidInputException("b's row blocks are not aligned with A's");
      }
      m += a.get(i).rows();
    }
    int n = a.get(0).cols();
    requireDriverMemory(n, a.size());
    requireApplicable(deflation, n, options);
    Supplier<double[]> norms = once(() -> RowBlockMatrix.columnNorms(a, threads));
    List<LsmrResult> columns = new ArrayList<>();
    for (int j = 0; j < b.get(0).cols(); j++) {
      List<double[]> column = new ArrayList<>();
      for (DoubleMatrix block : b) {
        column.add(block.columns(j, j + 1).values());
      }
      try (BidiagonalizationPass pass = BidiagonalizationPass.inDriver(a, threads)) {
        columns.add(solve(pass, p -> p.start(column), n, norms, defaultLimit(m, n), options, deflation, later));
      }
    }
    return columns;
  }


  /**
   * Solves {@code min ||A^T z - g||} ({@code g} n-sized) for the minimum-norm {@code z}, which lies in
   * {@code range(A)}: {@code z = (A^+)^T g}. The iteration runs on A's row blocks as {@link #solve} does (one
   * pass per iteration, {@link GolubKahan#transposed}), and the result's {@code x} is an n-sized preimage
   * {@code s} with {@code z = A s} (m-sized results are never gathered on the driver). Since the norm of
   * {@code z} is not at hand during the iteration, the compatible-system test is {@code ||A^T z - g|| <=
   * btol ||g||} (the {@code atol ||A|| ||z||} term left out: a stricter test); {@code normX} of the result is
   * {@code ||s||}, not {@code ||z||}.
   *
   * @throws InvalidInputException when {@code g} does not have A's columns or {@code damp != 0}
   */
  public static LsmrResult solveTransposed(RowBlockMatrix a, double[] g, LsmrOptions options) {
    if (g.length != a.cols()) {
      throw new InvalidInputException("A^T z = g needs g with A's " + a.cols() + " columns, got " + g.length);
    }
    if (options.damp() != 0) {
      throw new InvalidInputException("the transposed LSMR solve has no damping, got damp = " + options.damp());
    }
    if (options.scaleColumns()) {
      throw new InvalidInputException("the transposed LSMR solve (minimum-norm z) runs without column scaling");
    }
    requireDriverMemory(a.cols(), a.numBlocks());
    try (BidiagonalizationPass pass = BidiagonalizationPass.of(a, options.driverSteps())) {
      return new LsmrIteration(a.cols(), defaultLimit(a.rows(), a.cols()), options, pass)
          .run(GolubKahan.transposed(pass, g));
    }
  }

  /**
   * The driver holds about six n-sized vectors (x, h, hbar, v and the pass's products, u or a preimage) and,
   * while a pass's contributions merge, one per row block: refused past half the driver's heap.
   */
  private static void requireDriverMemory(int cols, int blocks) {
    double vectors = 6.0 + blocks;
    double bytes = 8.0 * cols * vectors;
    long max = Runtime.getRuntime().maxMemory();
    if (bytes > max / 2.0) {
      throw new InvalidInputException(String.format("LSMR over %d columns keeps about %.0f vectors of that size on"
          + " the driver, %.1f GiB, but the driver has %.1f GiB; raise spark.driver.memory", cols, vectors,
          bytes / 1073741824.0, max / 1073741824.0));
    }
  }

  /** scipy's default iteration limit, {@code min(m, n)}. */
  private static int defaultLimit(long rows, long cols) {
    return (int) Math.min(Integer.MAX_VALUE, Math.min(rows, cols));
  }

  /** {@link #solve} for each column of {@code B} ({@code m x k}, in A's row blocks), in column order. */
  public static List<LsmrResult> solveEach(RowBlockMatrix a, RowBlockMatrix b, LsmrOptions options) {
    return solveEach(a, b, options, (Deflation) null);
  }

  /**
   * {@link #solveEach} with a deflation decided during each column's solve ({@link DeferredDeflation}; ignored
   * where the options damp, scale or ask for a forward error).
   */
  public static List<LsmrResult> solveEach(RowBlockMatrix a, RowBlockMatrix b, LsmrOptions options,
      DeferredDeflation later) {
    return solveEach(a, b, options, null, later);
  }

  /** {@link #solveEach} with {@code deflation} (null: none). */
  public static List<LsmrResult> solveEach(RowBlockMatrix a, RowBlockMatrix b, LsmrOptions options,
      Deflation deflation) {
    return solveEach(a, b, options, deflation, null);
  }

  /** Each column's solve, A's column norms (for a preconditioned solve's ||A||_F or scaling) computed once. */
  private static List<LsmrResult> solveEach(RowBlockMatrix a, RowBlockMatrix b, LsmrOptions options,
      Deflation deflation, DeferredDeflation later) {
    requireDriverMemory(a.cols(), a.numBlocks());
    requireApplicable(deflation, a.cols(), options);
    Supplier<double[]> norms = once(a::columnNorms);
    List<LsmrResult> columns = new ArrayList<>(b.cols());
    for (int j = 0; j < b.cols(); j++) {
      RowBlockMatrix column = b.denseColumns(j, j + 1);
      a.requireAlignedWith("b", column);
      columns.add(solve(a, column, options, deflation, later, norms));
    }
    return columns;
  }

  /** The columns' solutions side by side: {@code X} ({@code n x k}). */
  public static DoubleMatrix solution(List<LsmrResult> columns) {
    int n = columns.get(0).x().length;
    DoubleMatrix x = DoubleMatrix.zeros(n, columns.size());
    for (int j = 0; j < columns.size(); j++) {
      System.arraycopy(columns.get(j).x(), 0, x.values(), j * n, n);
    }
    return x;
  }
}
