package org.penrose.iterative;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
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
 * the driver: two plane rotations for the QR of the lower-bidiagonal {@code B_k} (with {@code damp}
 * rotated in first), a third for the QR of {@code R_k^T}, then {@code h}, {@code hbar} and {@code x}.
 * The norms {@code ||r||}, {@code ||A^T r||}, {@code ||A||} and {@code cond(A)} are estimated from the
 * rotations, as in the paper, at no extra pass. Stopping rules are the paper's (and scipy's):
 * {@code ||r|| <= btol ||b|| + atol ||A|| ||x||} (a compatible system), {@code ||A^T r|| <= atol ||A||
 * ||r||} (a least-squares solution), {@code cond(A) >= conlim}, or {@code maxIterations}.
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
    if (b.cols() != 1) {
      throw new InvalidInputException("LSMR solves one right-hand side at a time; b has " + b.cols() + " columns");
    }
    a.requireAlignedWith("b", b);
    requireDriverMemory(a.cols(), a.numBlocks());
    double[] norms = options.scaleColumns() ? a.columnNorms() : null;
    try (BidiagonalizationPass pass = BidiagonalizationPass.of(a, options.driverSteps())) {
      return solve(pass, p -> p.start(b), a.cols(), norms, defaultLimit(a.rows(), a.cols()), options);
    }
  }

  /**
   * One solve with {@code pass} (A's passes) started with {@code u = b} by {@code start}: plain, or with
   * {@code columnNorms} (options.scaleColumns) on {@code A D}, {@code D = diag(1 / ||a_j||)}, with the answer
   * {@code x = D y} certified on {@code A} itself: {@code ||r||} and {@code ||A^T r||} from two more passes
   * ({@code u = b}, then {@code u <- b - A x}), {@code ||A||} as {@code ||A||_F} from the column norms. The stop
   * (and {@code cond}) are the scaled iteration's.
   */
  private static LsmrResult solve(BidiagonalizationPass pass,
      Function<BidiagonalizationPass, BidiagonalizationPass.Products> start, int n, double[] columnNorms, int limit,
      LsmrOptions options) {
    if (columnNorms == null) {
      LsmrResult result = new Lsmr.Run(n, limit, options, pass).run(GolubKahan.of(pass, () -> start.apply(pass)));
      return fromX(result, residual(pass, start, result.x()));
    }
    double[] d = new double[n];
    double frobenius = 0;
    for (int j = 0; j < n; j++) {
      d[j] = columnNorms[j] > 0 ? 1 / columnNorms[j] : 1; // a zero column: y_j stays 0, as x_j in the plain solve
      frobenius += columnNorms[j] * columnNorms[j];
    }
    BidiagonalizationPass scaled = BidiagonalizationPass.columnScaled(pass, d);
    LsmrResult y = new Lsmr.Run(n, limit, options, scaled).run(GolubKahan.of(scaled, () -> start.apply(scaled)));
    long started = System.nanoTime();
    double[] x = BidiagonalizationPass.times(d, y.x());
    BidiagonalizationPass.Products residual = residual(pass, start, x);
    double normA = Math.sqrt(frobenius);
    int iterations = y.iterations();
    LsmrResult.Stop stop = y.stop();
    double seconds = y.seconds();
    // the stop was tested on A D: while A's own certificate is above atol, solve for a correction of x from the
    // residual (min ||A D z - r||, x += D z), to a tolerance tightened by the factor still missing
    int cap = options.maxIterations() > 0 ? options.maxIterations() : limit;
    for (int round = 0; round < REFINEMENTS && stop.converged() && iterations < cap; round++) {
      double certificate = certificate(residual, normA);
      if (certificate <= options.atol()) {
        break;
      }
      BidiagonalizationPass.Products atResidual = new BidiagonalizationPass.Products(
          BidiagonalizationPass.times(d, residual.transposeTimesU()), residual.sumOfSquares());
      double tighter = options.atol() * options.atol() / certificate;
      LsmrOptions correcting = options.withTolerances(tighter, options.btol()).withMaxIterations(cap - iterations);
      LsmrResult z = new Lsmr.Run(n, cap, correcting, scaled).run(GolubKahan.of(scaled, () -> atResidual));
      double[] correction = BidiagonalizationPass.times(d, z.x());
      for (int j = 0; j < n; j++) {
        x[j] += correction[j];
      }
      iterations += z.iterations();
      stop = z.stop();
      seconds += z.seconds();
      residual = residual(pass, start, x);
    }
    return new LsmrResult(x, stop, iterations, Math.sqrt(residual.sumOfSquares()),
        Vectors.norm(residual.transposeTimesU()), normA, y.condA(), Vectors.norm(x), 0, scaled.where(),
        seconds + (System.nanoTime() - started) / 1e9, Double.NaN, residual.sumOfSquares());
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

  /** Corrections after a column-scaled solve at most. */
  private static final int REFINEMENTS = 3;

  /** {@code u = b - A x} beside A's blocks, with {@code A^T u} and {@code ||u||^2}: two passes. */
  private static BidiagonalizationPass.Products residual(BidiagonalizationPass pass,
      Function<BidiagonalizationPass, BidiagonalizationPass.Products> start, double[] x) {
    double[] minusX = new double[x.length];
    for (int j = 0; j < x.length; j++) {
      minusX[j] = -x[j];
    }
    start.apply(pass); // u = b
    return pass.step(minusX, 1); // u <- A (-x) + u
  }

  /** {@code ||A^T r|| / (||A|| ||r||)} (0 for {@code r = 0}). */
  private static double certificate(BidiagonalizationPass.Products residual, double normA) {
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
    long m = 0;
    for (int i = 0; i < a.size(); i++) {
      if (b.size() != a.size() || b.get(i).rows() != a.get(i).rows()) {
        throw new InvalidInputException("b's row blocks are not aligned with A's");
      }
      m += a.get(i).rows();
    }
    int n = a.get(0).cols();
    requireDriverMemory(n, a.size());
    double[] norms = options.scaleColumns() ? RowBlockMatrix.columnNorms(a, threads) : null;
    List<LsmrResult> columns = new ArrayList<>();
    for (int j = 0; j < b.get(0).cols(); j++) {
      List<double[]> column = new ArrayList<>();
      for (DoubleMatrix block : b) {
        column.add(block.columns(j, j + 1).values());
      }
      try (BidiagonalizationPass pass = BidiagonalizationPass.inDriver(a, threads)) {
        columns.add(solve(pass, p -> p.start(column), n, norms, defaultLimit(m, n), options));
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
      return new Lsmr.Run(a.cols(), defaultLimit(a.rows(), a.cols()), options, pass)
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
    List<LsmrResult> columns = new ArrayList<>(b.cols());
    for (int j = 0; j < b.cols(); j++) {
      columns.add(solve(a, b.denseColumns(j, j + 1), options));
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

  /** One solve: the driver-side state of the recurrences. */
  private static final class Run {
    private final LsmrOptions options;
    private final BidiagonalizationPass pass;
    private final int n;
    private final int maxIterations;

    /** @param n the size of what the driver holds for the solution (A's columns either way) */
    Run(int n, int defaultLimit, LsmrOptions options, BidiagonalizationPass pass) {
      this.options = options;
      this.pass = pass;
      this.n = n;
      this.maxIterations = options.maxIterations() > 0 ? options.maxIterations() : defaultLimit;
    }

    LsmrResult run(GolubKahan gk) {
      long started = System.nanoTime();
      double damp = options.damp();
      double target = options.forwardError();
      if (target > 0 && damp == 0) {
        throw new InvalidInputException("a forward-error target needs damp > 0: its bound ||A^T r - damp^2 x|| /"
            + " (damp^2 ||x||) divides by damp^2 (without damping the error depends on A's smallest singular value,"
            + " which LSMR only estimates)");
      }
      // beta_1 u_1 = b,  alpha_1 v_1 = M^T u_1
      double beta = gk.start();
      double normB = beta;
      double[] x = new double[n];
      if (beta == 0) {
        return result(x, LsmrResult.Stop.ZERO_RIGHT_HAND_SIDE, 0, 0, 0, 0, 1, started);
      }
      double alpha = gk.nextV(beta);
      if (alpha == 0) {
        return result(x, LsmrResult.Stop.ZERO_GRADIENT, 0, beta, 0, 0, 1, started);
      }
      double[] v = gk.v();

      double zetabar = alpha * beta;
      double alphabar = alpha;
      double rho = 1;
      double rhobar = 1;
      double cbar = 1;
      double sbar = 0;
      double[] h = v.clone();
      double[] hbar = new double[n];
      // ||r|| estimation
      double betadd = beta;
      double betad = 0;
      double rhodold = 1;
      double tautildeold = 0;
      double thetatilde = 0;
      double zeta = 0;
      double d = 0;
      // ||A|| and cond(A) estimation
      double normA2 = alpha * alpha;
      double maxrbar = 0;
      double minrbar = Double.MAX_VALUE;
      double ctol = options.conlim() > 0 ? 1 / options.conlim() : 0;
      double normR = beta;
      double normAr = alpha * beta;
      double normA = Math.sqrt(normA2);
      double condA = 1;
      long lastProgress = System.nanoTime();

      for (int k = 1; k <= maxIterations; k++) {
        // beta u = M v - alpha u, then alpha v = M^T u - beta v: one pass over A between them
        beta = gk.nextU(alpha);
        alpha = beta > 0 ? gk.nextV(beta) : 0;
        v = gk.v();

        // the rotation of damp into alphabar, then the QR of B_k
        double[] q = Vectors.rotation(alphabar, damp);
        double chat = q[0];
        double shat = q[1];
        double alphahat = q[2];
        double rhoold = rho;
        q = Vectors.rotation(alphahat, beta);
        double c = q[0];
        double s = q[1];
        rho = q[2];
        double thetanew = s * alpha;
        alphabar = c * alpha;
        // the QR of R_k^T
        double rhobarold = rhobar;
        double zetaold = zeta;
        double thetabar = sbar * rho;
        double rhotemp = cbar * rho;
        q = Vectors.rotation(cbar * rho, thetanew);
        cbar = q[0];
        sbar = q[1];
        rhobar = q[2];
        zeta = cbar * zetabar;
        zetabar = -sbar * zetabar;
        // h, hbar, x
        double hbarFactor = -(thetabar * rho) / (rhoold * rhobarold);
        double xFactor = zeta / (rho * rhobar);
        double hFactor = -(thetanew / rho);
        update(h, hbar, x, v, hbarFactor, xFactor, hFactor);

        // ||r||: the rotations applied to (beta_1 e_1) as in section 4.1 of the paper
        double betaacute = chat * betadd;
        double betacheck = -shat * betadd;
        double betahat = c * betaacute;
        betadd = -s * betaacute;
        double thetatildeold = thetatilde;
        q = Vectors.rotation(rhodold, thetabar);
        double ctildeold = q[0];
        double stildeold = q[1];
        double rhotildeold = q[2];
        thetatilde = stildeold * rhobar;
        rhodold = ctildeold * rhobar;
        betad = -stildeold * betad + ctildeold * betahat;
        tautildeold = (zetaold - thetatildeold * tautildeold) / rhotildeold;
        double taud = (zeta - thetatilde * tautildeold) / rhodold;
        d += betacheck * betacheck;
        normR = Math.sqrt(d + (betad - taud) * (betad - taud) + betadd * betadd);
        // ||A|| (Frobenius norm of B_k) and cond(A)
        normA2 += beta * beta;
        normA = Math.sqrt(normA2);
        normA2 += alpha * alpha;
        maxrbar = Math.max(maxrbar, rhobarold);
        if (k > 1) {
          minrbar = Math.min(minrbar, rhobarold);
        }
        condA = Math.max(maxrbar, rhotemp) / Math.min(minrbar, rhotemp);

        normAr = Math.abs(zetabar);
        double normX = gk.solutionOnDriver() ? Vectors.norm(x) : 0; // see solveTransposed
        double test1 = normR / normB;
        double test2 = normA * normR != 0 ? normAr / (normA * normR) : Double.POSITIVE_INFINITY;
        double test3 = 1 / condA;
        double t1 = test1 / (1 + normA * normX / normB);
        double rtol = options.btol() + options.atol() * normA * normX / normB;
        // scipy's order: a later test that holds decides (istop 1 over 2 over ... over 7)
        LsmrResult.Stop stop = null;
        if (target > 0) { // the accuracy asked for decides instead of atol and btol (see LsmrResult)
          if (normAr <= target * damp * damp * normX) {
            stop = LsmrResult.Stop.FORWARD_ERROR;
          }
        } else if (test1 <= rtol) {
          stop = LsmrResult.Stop.COMPATIBLE;
        } else if (test2 <= options.atol()) {
          stop = LsmrResult.Stop.LEAST_SQUARES;
        }
        if (stop != null) {
          return result(x, stop, k, normR, normAr, normA, condA, started);
        }
        if (test3 <= ctol) {
          stop = LsmrResult.Stop.CONDITION_LIMIT;
        } else if (1 + t1 <= 1) {
          stop = LsmrResult.Stop.COMPATIBLE_EPS;
        } else if (1 + test2 <= 1) {
          stop = LsmrResult.Stop.LEAST_SQUARES_EPS;
        } else if (1 + test3 <= 1) {
          stop = LsmrResult.Stop.CONDITION_LIMIT_EPS;
        } else if (k == maxIterations) {
          stop = LsmrResult.Stop.ITERATION_LIMIT;
        }
        if (stop != null) {
          return result(x, stop, k, normR, normAr, normA, condA, started);
        }
        if (options.progress() != null
            && (System.nanoTime() - lastProgress) / 1e9 >= options.progressSeconds()) {
          lastProgress = System.nanoTime();
          options.progress().accept(String.format("lsmr: iteration %d, ||r|| = %.6g, ||A^T r|| / (||A|| ||r||) = %.3g,"
              + " cond(A) >= %.3g", k, normR, test2, condA));
        }
      }
      return result(x, LsmrResult.Stop.ITERATION_LIMIT, maxIterations, normR, normAr, normA, condA, started);
    }

    /**
     * {@code hbar <- h + hbarFactor hbar}, {@code x <- x + xFactor hbar}, {@code h <- v + hFactor h}: a method of its
     * own, so that the JIT compiles this loop on its own within the first iterations.
     */
    private static void update(double[] h, double[] hbar, double[] x, double[] v, double hbarFactor, double xFactor,
        double hFactor) {
      for (int j = 0; j < x.length; j++) {
        hbar[j] = h[j] + hbarFactor * hbar[j];
        x[j] += xFactor * hbar[j];
        h[j] = v[j] + hFactor * h[j];
      }
    }

    private LsmrResult result(double[] x, LsmrResult.Stop stop, int iterations, double normR, double normAr,
        double normA, double condA, long started) {
      return new LsmrResult(x, stop, iterations, normR, normAr, normA, condA, Vectors.norm(x), options.damp(),
          pass.where(), (System.nanoTime() - started) / 1e9, Double.NaN, Double.NaN);
    }
  }
}
