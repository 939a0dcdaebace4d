package org.penrose.ml;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.penrose.engine.BlockStarts;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.PinvFactorization;
import org.penrose.factor.QrTriangle;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.matrix.Lapack;
import org.penrose.solver.LstsqJvp;
import org.penrose.solver.PseudoInverse;

/**
 * Variable projection (Golub &amp; Pereyra 1973) on Spark: fits {@code y ~ Phi(alpha) c} for a
 * {@link SeparableModel} by eliminating the linear coefficients, {@code c(alpha) = pinv(Phi(alpha)) y},
 * and minimizing the projected residual {@code r(alpha) = y - Phi c(alpha)} over {@code alpha} alone
 * with Levenberg–Marquardt.
 *
 * <p>The Jacobian is the exact Golub–Pereyra one, here through Penrose's lstsq JVP: for
 * {@code D_k = dPhi/dalpha_k},
 *
 * <pre>
 *   dr/dalpha_k = -(D_k c + Phi dc_k),    dc_k = lstsq JVP of (Phi, y) along dA = D_k, dB = 0
 * </pre>
 *
 * which equals {@code -(P_perp D_k c + pinv(Phi)^T D_k^T r)} and stays valid when {@code Phi} is
 * rank-deficient (two identical basis functions, say). Per iteration, over the points (row blocks
 * of {@code (t, y)}; {@code Phi} and {@code D_k} are evaluated in the tasks): one TSQR pass of
 * {@code [Phi | y]} gives {@code c}, the rank and the residual sum of squares; one reduction gives
 * every {@code dc_k} (the lstsq JVP's {@code 2n x 1} terms); one more reduction gives {@code J^T J}
 * and {@code J^T r} ({@code q x q}, {@code q}). The driver only ever holds {@code n}- and
 * {@code q}-sized matrices; every sum runs in partition order.
 */
public final class VariableProjection {
  private VariableProjection() {}

  /** Settings of a fit. */
  public static final class Options implements Serializable {
    private static final long serialVersionUID = 1L;
    int maxIterations = 100;
    double tolerance = 1e-12;
    RankCutoff cutoff = RankCutoff.DEFAULT;
    transient Consumer<Iteration> progress = i -> { };

    /** Iterations at most (default 100). */
    public Options maxIterations(int value) {
      maxIterations = value;
      return this;
    }

    /** Stop when an accepted step lowers the residual sum of squares by less than this, relatively (default 1e-12). */
    public Options tolerance(double value) {
      tolerance = value;
      return this;
    }

    /** The cut-off for {@code pinv(Phi)} (default {@link RankCutoff#DEFAULT}). */
    public Options cutoff(RankCutoff value) {
      cutoff = value;
      return this;
    }

    /** Called after every iteration. */
    public Options progress(Consumer<Iteration> value) {
      progress = value;
      return this;
    }
  }

  /** One Levenberg–Marquardt iteration. */
  public static final class Iteration {
    public final int number;
    public final double[] alpha;
    public final double residualSumOfSquares;
    public final double lambda;
    public final int rank;

    Iteration(int number, double[] alpha, double residualSumOfSquares, double lambda, int rank) {
      this.number = number;
      this.alpha = alpha;
      this.residualSumOfSquares = residualSumOfSquares;
      this.lambda = lambda;
      this.rank = rank;
    }
  }

  /** The fitted model. */
  public static final class Result {
    public final double[] alpha;
    public final double[] coefficients;
    public final double residualSumOfSquares;
    public final int rank;
    public final long points;
    public final boolean converged;
    /** Standard errors of {@code alpha}, {@code sqrt(sigma^2 (J^T J)^+_kk)}, {@code sigma^2 = RSS / (m - rank - q)}. */
    public final double[] alphaStandardErrors;
    public final List<Iteration> iterations;

    Result(double[] alpha, double[] coefficients, double rss, int rank, long points, boolean converged,
        double[] alphaStandardErrors, List<Iteration> iterations) {
      this.alpha = alpha;
      this.coefficients = coefficients;
      this.residualSumOfSquares = rss;
      this.rank = rank;
      this.points = points;
      this.converged = converged;
      this.alphaStandardErrors = alphaStandardErrors;
      this.iterations = iterations;
    }
  }

  /**
   * The projected problem linearized at one {@code alpha}: {@code c(alpha)}, the rank of
   * {@code Phi(alpha)}, {@code ||r||^2}, and the Gauss–Newton products {@code J^T J} ({@code q x q})
   * and {@code J^T r} ({@code q}) of the Golub–Pereyra Jacobian {@code J = dr/dalpha}. Note
   * {@code J^T r = (1/2) d||r||^2 / dalpha}, which plugs any gradient-based optimizer in.
   */
  public static final class Linearization {
    public final double[] coefficients;
    public final int rank;
    public final double residualSumOfSquares;
    public final DoubleMatrix jacobianGram;
    public final double[] jacobianTimesResidual;

    Linearization(double[] coefficients, int rank, double rss, DoubleMatrix jacobianGram,
        double[] jacobianTimesResidual) {
      this.coefficients = coefficients;
      this.rank = rank;
      this.residualSumOfSquares = rss;
      this.jacobianGram = jacobianGram;
      this.jacobianTimesResidual = jacobianTimesResidual;
    }
  }

  /** Linearizes the projected residual at {@code alpha} (three passes over the points). */
  public static Linearization linearize(RowBlockMatrix points, SeparableModel model, double[] alpha,
      RankCutoff cutoff) {
    requireShapes(points, model, alpha);
    Broadcast<SeparableModel> m = JavaSparkContext.fromSparkContext(points.blocks().context()).broadcast(model);
    PinvFactorization f = project(points, m, alpha, cutoff);
    DoubleMatrix[] products = jacobianProducts(points, m, alpha, f);
    return new Linearization(f.solution().values(), f.rank(), f.residualSumOfSquares()[0], products[0],
        products[1].values());
  }

  private static void requireShapes(RowBlockMatrix points, SeparableModel model, double[] alpha) {
    if (points.cols() != 2) {
      throw new InvalidInputException("points must have two columns (t, y), got " + points.shape());
    }
    if (alpha.length != model.parameters()) {
      throw new InvalidInputException("the model " + model.describe() + " has " + model.parameters()
          + " parameters but alpha has " + alpha.length);
    }
  }

  /** The basis and its derivatives on one block of points: {@code Phi} ({@code b x n}), {@code D_k}, {@code y}. */
  private static final class Basis {
    final DoubleMatrix phi;
    final DoubleMatrix[] d;
    final DoubleMatrix y;

    Basis(SeparableModel model, RowBlock points, double[] alpha) {
      DoubleMatrix v = points.values();
      int b = v.rows();
      int n = model.terms();
      int q = model.parameters();
      phi = DoubleMatrix.zeros(b, n);
      d = new DoubleMatrix[q];
      for (int k = 0; k < q; k++) {
        d[k] = DoubleMatrix.zeros(b, n);
      }
      y = v.columns(1, 2);
      double[] row = new double[n];
      double[][] dRow = new double[q][n];
      for (int i = 0; i < b; i++) {
        model.evaluate(v.get(i, 0), alpha, row, dRow);
        for (int j = 0; j < n; j++) {
          if (!Double.isFinite(row[j])) {
            throw new InvalidInputException("the basis function " + j + " is " + row[j] + " at t = " + v.get(i, 0)
                + " for alpha = " + Arrays.toString(alpha));
          }
          phi.set(i, j, row[j]);
          for (int k = 0; k < q; k++) {
            d[k].set(i, j, dRow[k][j]);
          }
        }
      }
    }
  }

  /**
   * Fits {@code alpha} from {@code alpha0}.
   *
   * @param points row blocks of {@code (t, y)}: column 0 the points, column 1 the observations
   */
  public static Result fit(RowBlockMatrix points, SeparableModel model, double[] alpha0, Options options) {
    requireShapes(points, model, alpha0);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(points.blocks().context());
    Broadcast<SeparableModel> m = sc.broadcast(model);
    int q = model.parameters();
    double[] alpha = alpha0.clone();
    PinvFactorization f = project(points, m, alpha, options.cutoff);
    double rss = f.residualSumOfSquares()[0];
    double lambda = 1e-3;
    List<Iteration> history = new ArrayList<>();
    boolean converged = false;
    for (int iteration = 1; iteration <= options.maxIterations && !converged; iteration++) {
      DoubleMatrix[] jtjAndJtr = jacobianProducts(points, m, alpha, f);
      DoubleMatrix normal = jtjAndJtr[0];
      DoubleMatrix gradient = jtjAndJtr[1];
      boolean accepted = false;
      while (!accepted) {
        // (J^T J + lambda diag(J^T J)) delta = -J^T r
        DoubleMatrix system = normal.copy();
        for (int k = 0; k < q; k++) {
          system.set(k, k, normal.get(k, k) * (1 + lambda) + 1e-300);
        }
        DoubleMatrix delta = PseudoInverse.of(system).pinv().times(gradient);
        double[] trial = alpha.clone();
        double stepNorm = 0;
        double alphaNorm = 0;
        for (int k = 0; k < q; k++) {
          trial[k] -= delta.get(k, 0);
          stepNorm = Math.max(stepNorm, Math.abs(delta.get(k, 0)));
          alphaNorm = Math.max(alphaNorm, Math.abs(alpha[k]));
        }
        PinvFactorization trialFit = projectIfFinite(points, m, trial, options.cutoff); // null: the basis overflowed
        double trialRss = trialFit == null ? Double.POSITIVE_INFINITY : trialFit.residualSumOfSquares()[0];
        if (trialRss <= rss) {
          double decrease = (rss - trialRss) / Math.max(rss, Double.MIN_NORMAL);
          alpha = trial;
          f = trialFit;
          rss = trialRss;
          lambda = Math.max(lambda / 3, 1e-12);
          accepted = true;
          converged = decrease < options.tolerance || stepNorm <= 1e-14 * (1 + alphaNorm);
        } else {
          lambda *= 4;
          if (lambda > 1e16 || stepNorm <= 1e-15 * (1 + alphaNorm)) {
            converged = true; // no step lowers the residual: at a minimum to working precision
            break;
          }
        }
      }
      Iteration it = new Iteration(iteration, alpha.clone(), rss, lambda, f.rank());
      history.add(it);
      options.progress.accept(it);
    }
    long count = f.rows();
    double sigma2 = rss / Math.max(1, count - f.rank() - q);
    double[] se = new double[q];
    DoubleMatrix cov = PseudoInverse.of(jacobianProducts(points, m, alpha, f)[0]).pinv();
    for (int k = 0; k < q; k++) {
      se[k] = Math.sqrt(sigma2 * cov.get(k, k));
    }
    return new Result(alpha, f.solution().values(), rss, f.rank(), count, converged, se, history);
  }

  /** TSQR of {@code [Phi(alpha) | y]}: {@code c}, the rank and the residual sum of squares. */
  private static PinvFactorization project(RowBlockMatrix points, Broadcast<SeparableModel> model, double[] alpha,
      RankCutoff cutoff) {
    Projection p = Projection.of(points, model, alpha);
    if (p.failure != null) {
      throw new InvalidInputException(p.failure);
    }
    return PinvFactorization.fromTriangle(p.triangle, model.value().terms(), cutoff);
  }

  /**
   * {@link #project} at a trial point, or null when a basis function is not finite at some point there
   * (e.g. an exponential overflowing far from the data), so that the step shrinks.
   */
  static PinvFactorization projectIfFinite(RowBlockMatrix points, Broadcast<SeparableModel> model, double[] alpha,
      RankCutoff cutoff) {
    Projection p = Projection.of(points, model, alpha);
    return p.failure != null ? null : PinvFactorization.fromTriangle(p.triangle, model.value().terms(), cutoff);
  }

  /**
   * The TSQR triangle of {@code [Phi(alpha) | y]}, or why there is none: a task whose basis is not finite
   * reports it in its result (the first in partition order wins), rather than failing the job (an
   * exception in a task reaches the driver wrapped, after retries).
   */
  private static final class Projection implements Serializable {
    private static final long serialVersionUID = 1L;
    final QrTriangle triangle;
    final String failure;

    private Projection(QrTriangle triangle, String failure) {
      this.triangle = triangle;
      this.failure = failure;
    }

    static Projection of(RowBlockMatrix points, Broadcast<SeparableModel> model, double[] alpha) {
      double[] a = alpha.clone();
      return DeterministicReduce.reduce(points.blocks().map(block -> {
        try {
          Basis basis = new Basis(model.value(), block, a);
          return new Projection(QrTriangle.ofBlock(basis.phi, basis.y), null);
        } catch (InvalidInputException e) {
          return new Projection(null, e.getMessage());
        }
      }), Projection::merge);
    }

    static Projection merge(List<Projection> parts) {
      for (Projection p : parts) {
        if (p.failure != null) {
          return p;
        }
      }
      return new Projection(QrTriangle.merge(parts.stream().map(p -> p.triangle).toList()), null);
    }
  }

  /**
   * {@code J^T J} ({@code q x q}) and {@code J^T r} ({@code q x 1}) at {@code alpha}, with {@code f} its projection.
   */
  private static DoubleMatrix[] jacobianProducts(RowBlockMatrix points, Broadcast<SeparableModel> model, double[] alpha,
      PinvFactorization f) {
    double[] a = alpha.clone();
    int q = model.value().parameters();
    int n = model.value().terms();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(points.blocks().context());
    Broadcast<LstsqJvp> jvp = sc.broadcast(new LstsqJvp(f));
    // dc_k for every k: one reduction of the lstsq JVP's stacked terms, one column per parameter
    JavaRDD<DoubleMatrix> terms = points.blocks().map(block -> {
      Basis basis = new Basis(model.value(), block, a);
      DoubleMatrix stacked = DoubleMatrix.zeros(2 * n, q);
      for (int k = 0; k < q; k++) {
        DoubleMatrix term = jvp.value().blockTerm(basis.phi, basis.y, basis.d[k], null);
        System.arraycopy(term.values(), 0, stacked.values(), k * 2 * n, 2 * n);
      }
      return stacked;
    });
    DoubleMatrix reduced = DeterministicReduce.reduce(terms, DeterministicReduce::sum);
    DoubleMatrix dc = DoubleMatrix.zeros(n, q);
    for (int k = 0; k < q; k++) {
      DoubleMatrix column = jvp.value().fromReduction(reduced.columns(k, k + 1));
      System.arraycopy(column.values(), 0, dc.values(), k * n, n);
    }
    DoubleMatrix c = f.solution();
    // J_i = -(D_k,i c + Phi_i dc_k) column by column; accumulate [J^T J | J^T r]
    JavaRDD<DoubleMatrix> products = points.blocks().map(block -> {
      Basis basis = new Basis(model.value(), block, a);
      int b = basis.phi.rows();
      DoubleMatrix jac = basis.phi.times(dc); // Phi dc, b x q
      for (int k = 0; k < q; k++) {
        DoubleMatrix dkc = basis.d[k].times(c);
        for (int i = 0; i < b; i++) {
          jac.set(i, k, -(jac.get(i, k) + dkc.get(i, 0)));
        }
      }
      DoubleMatrix residual = basis.y.copy();
      Lapack.gemmInto(false, false, -1.0, basis.phi, c, 1.0, residual);
      DoubleMatrix out = DoubleMatrix.zeros(q, q + 1);
      DoubleMatrix jtj = jac.transposeTimes(jac);
      DoubleMatrix jtr = jac.transposeTimes(residual);
      System.arraycopy(jtj.values(), 0, out.values(), 0, q * q);
      System.arraycopy(jtr.values(), 0, out.values(), q * q, q);
      return out;
    });
    DoubleMatrix sum = DeterministicReduce.reduce(products, DeterministicReduce::sum);
    return new DoubleMatrix[] {sum.columns(0, q), sum.columns(q, q + 1)};
  }

  /**
   * Synthetic data for a model: {@code points} rows {@code (t, y)} with {@code t} uniform on
   * {@code [tMin, tMax]} and {@code y = Phi(t; alpha) c + noise * N(0, 1)}, generated in the tasks
   * (block {@code i} draws from its own seed, so the data do not depend on scheduling).
   */
  public static RowBlockMatrix simulate(JavaSparkContext sc, SeparableModel model, double[] alpha, double[] c,
      long points, int partitions, double tMin, double tMax, double noise, long seed) {
    if (c.length != model.terms() || alpha.length != model.parameters()) {
      throw new InvalidInputException("the model " + model.describe() + " takes " + model.parameters()
          + " parameters and " + model.terms() + " coefficients, got " + alpha.length + " and " + c.length);
    }
    if (points < 1 || partitions < 1 || !(tMax > tMin) || !(noise >= 0)) {
      throw new InvalidInputException("need points >= 1, partitions >= 1, tMax > tMin, noise >= 0; got " + points
          + ", " + partitions + ", [" + tMin + ", " + tMax + "], " + noise);
    }
    int parts = (int) Math.min(partitions, points);
    long[] starts = BlockStarts.balanced(points, parts);
    List<Integer> ids = new ArrayList<>();
    for (int p = 0; p < parts; p++) {
      ids.add(p);
    }
    double[] a = alpha.clone();
    double[] coefficients = c.clone();
    JavaRDD<RowBlock> blocks = sc.parallelize(ids, parts).map(p -> {
      Random random = new Random(seed * 1_000_003L + p);
      int rows = (int) (starts[p + 1] - starts[p]);
      DoubleMatrix values = DoubleMatrix.zeros(rows, 2);
      for (int i = 0; i < rows; i++) {
        double t = tMin + (tMax - tMin) * random.nextDouble();
        values.set(i, 0, t);
        values.set(i, 1, predict(model, a, coefficients, t) + noise * random.nextGaussian());
      }
      return new RowBlock(starts[p], values);
    });
    return RowBlockMatrix.fromBlocks(blocks, starts, 2);
  }

  /** The fitted model at {@code t}: {@code sum_j c_j phi_j(t; alpha)} (for plots and reports). */
  public static double predict(SeparableModel model, double[] alpha, double[] coefficients, double t) {
    double[] phi = new double[model.terms()];
    double[][] d = new double[model.parameters()][model.terms()];
    model.evaluate(t, alpha, phi, d);
    double y = 0;
    for (int j = 0; j < phi.length; j++) {
      y += coefficients[j] * phi[j];
    }
    return y;
  }
}
