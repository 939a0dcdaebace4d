package org.penrose.check;

import java.util.Random;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.Gradient;
import org.penrose.solver.LeastSquares;
import org.penrose.solver.PseudoInverse;

/**
 * Checks the analytic derivatives of {@code theta -> pinv(A(theta))} and
 * {@code theta -> lstsq(A(theta), B(theta))} against central finite differences, like
 * {@code torch.autograd.gradcheck}.
 *
 * <p>The finite-difference Jacobian {@code J} ({@code outputs x parameters}) is built column by
 * column with central differences and one Richardson step,
 * {@code D(h) = (f(theta + h e_j) - f(theta - h e_j)) / 2h}, {@code J e_j = (4 D(h/2) - D(h)) / 3}
 * (error {@code O(h^4)}). It is compared with
 *
 * <ul>
 *   <li>the JVP Jacobian: column {@code j} is the JVP along {@code dA = A'(theta) e_j}, and
 *   <li>the VJP Jacobian: row {@code i} is the VJP of the {@code i}-th output's basis cotangent,
 *       pulled back through {@link ParametrizedMatrix#cotangent}; above {@link #MAX_FULL_VJP_OUTPUTS}
 *       outputs, {@code G^T J} for {@value #RANDOM_COTANGENTS} random cotangents {@code G} instead.
 * </ul>
 *
 * The error is normwise, as in the oracle: {@code max|analytic - fd| / max|fd|}. Finite differences
 * of {@code pinv} only make sense along rank-preserving curves: {@link Result#rankPreserved()} says
 * whether every evaluation point had the base point's rank.
 *
 * <pre>{@code
 * ParametrizedMatrix a = ParametrizedMatrix.outerProduct(30, 30, 1);   // A = x y^T
 * GradCheck.Result r = GradCheck.pinv(a, theta, RankCutoff.DEFAULT);
 * r.maxRelativeError() // < 1e-8
 * }</pre>
 */
public final class GradCheck {
  /** Outputs up to which the VJP Jacobian is built row by row (one VJP per output). */
  public static final int MAX_FULL_VJP_OUTPUTS = 4096;
  /** Random cotangents used above {@link #MAX_FULL_VJP_OUTPUTS} outputs. */
  public static final int RANDOM_COTANGENTS = 16;
  /** Default relative step: {@code h = step * max(1, max|theta|)}. */
  public static final double DEFAULT_STEP = 1e-4;

  private GradCheck() {}

  /**
   * What a check measured.
   *
   * @param jvpRelativeError {@code max|J_jvp - J_fd| / max|J_fd|}
   * @param vjpRelativeError {@code max|J_vjp - J_fd| / max|J_fd|}, or over the projections {@code G^T J}
   * @param rank the rank at the base point
   * @param minRank the smallest rank at the finite-difference points
   * @param maxRank the largest rank at the finite-difference points
   * @param parameters parameters of the map ({@code theta}, or 1 for a curve)
   * @param outputs outputs of the map
   * @param cotangents 0 when the whole VJP Jacobian was compared, else how many cotangents it was projected on
   * @param step the finite-difference step {@code h}
   */
  public record Result(double jvpRelativeError, double vjpRelativeError, int rank, int minRank, int maxRank,
      int parameters, int outputs, int cotangents, double step) {

    /** The larger of the two errors. */
    public double maxRelativeError() {
      return Math.max(jvpRelativeError, vjpRelativeError);
    }

    /** True when every finite-difference point had the base point's rank. */
    public boolean rankPreserved() {
      return minRank == rank && maxRank == rank;
    }

    /** True when the whole VJP Jacobian was compared (not projections on a few cotangents). */
    public boolean fullVjpJacobian() {
      return cotangents == 0;
    }

    /** True when the rank was preserved and both errors are at most {@code tolerance}. */
    public boolean passed(double tolerance) {
      return rankPreserved() && maxRelativeError() <= tolerance;
    }

    @Override
    public String toString() {
      return String.format(
          "GradCheck(rank %d%s, %d parameters, %d outputs, step %.1e: JVP relerr %.2e, VJP relerr %.2e%s)",
          rank, rankPreserved() ? "" : " NOT preserved: " + minRank + ".." + maxRank, parameters, outputs,
          step, jvpRelativeError, vjpRelativeError, fullVjpJacobian() ? "" : " over " + cotangents + " cotangents");
    }
  }

  /** The map being checked, linearized at one point. */
  private interface Linearization {
    int rank();

    double[] value();

    double[] jvp(double[] dTheta);

    double[] vjp(double[] outputCotangent);
  }

  private interface Point {
    Linearization at(double[] theta);
  }

  /** Checks {@code theta -> pinv(A(theta); cutoff)} ({@code n x m} outputs, column-major). */
  public static Result pinv(ParametrizedMatrix a, double[] theta, RankCutoff cutoff) {
    return pinv(a, theta, cutoff, DEFAULT_STEP);
  }

  public static Result pinv(ParametrizedMatrix a, double[] theta, RankCutoff cutoff, double step) {
    return check(t -> {
      DoubleMatrix value = a.value(t);
      PseudoInverse pi = PseudoInverse.of(value, cutoff);
      return new Linearization() {
        public int rank() {
          return pi.rank();
        }

        public double[] value() {
          return pi.pinv().values();
        }

        public double[] jvp(double[] dTheta) {
          return pi.jvp(a.tangent(t, dTheta)).values();
        }

        public double[] vjp(double[] cotangent) {
          DoubleMatrix g = DoubleMatrix.columnMajor(value.cols(), value.rows(), cotangent);
          return a.cotangent(t, pi.vjp(g).a());
        }
      };
    }, theta, a.parameterCount(), step);
  }

  /** Checks {@code theta -> lstsq(A(theta), B(theta); cutoff)}, the solution {@code X} ({@code n x k} outputs). */
  public static Result lstsq(ParametrizedMatrix a, ParametrizedMatrix b, double[] theta, RankCutoff cutoff) {
    return lstsq(a, b, theta, cutoff, DEFAULT_STEP);
  }

  public static Result lstsq(
      ParametrizedMatrix a, ParametrizedMatrix b, double[] theta, RankCutoff cutoff, double step) {
    if (a.parameterCount() != b.parameterCount()) {
      throw new IllegalArgumentException("A(theta) takes " + a.parameterCount() + " parameters but B(theta) takes "
          + b.parameterCount());
    }
    return check(t -> {
      LeastSquares ls = LeastSquares.solve(a.value(t), b.value(t), cutoff);
      DoubleMatrix x = ls.solution();
      return new Linearization() {
        public int rank() {
          return ls.rank();
        }

        public double[] value() {
          return x.values();
        }

        public double[] jvp(double[] dTheta) {
          return ls.jvp(a.tangent(t, dTheta), b.tangent(t, dTheta)).values();
        }

        public double[] vjp(double[] cotangent) {
          Gradient<DoubleMatrix> g = ls.vjp(DoubleMatrix.columnMajor(x.rows(), x.cols(), cotangent));
          double[] fromA = a.cotangent(t, g.a());
          double[] fromB = b.cotangent(t, g.b());
          for (int i = 0; i < fromA.length; i++) {
            fromA[i] += fromB[i];
          }
          return fromA;
        }
      };
    }, theta, a.parameterCount(), step);
  }

  private static Result check(Point map, double[] theta, int parameters, double relativeStep) {
    if (theta.length != parameters) {
      throw new IllegalArgumentException("theta has " + theta.length + " values but the map takes " + parameters);
    }
    if (!(relativeStep > 0)) {
      throw new IllegalArgumentException("step must be > 0, got " + relativeStep);
    }
    double scale = 1.0;
    for (double v : theta) {
      if (!Double.isFinite(v)) {
        throw new IllegalArgumentException("theta has a non-finite value " + v);
      }
      scale = Math.max(scale, Math.abs(v));
    }
    double h = relativeStep * scale;
    Linearization base = map.at(theta);
    int outputs = base.value().length;
    int rank = base.rank();

    // Finite-difference and JVP Jacobians, column j for parameter j (column-major outputs x parameters).
    double[][] fd = new double[parameters][];
    double[][] jvp = new double[parameters][];
    double[] unit = new double[parameters];
    int[] ranks = {rank, rank}; // min, max over the finite-difference points
    for (int j = 0; j < parameters; j++) {
      int parameter = j;
      fd[j] = FiniteDifferences.derivative(t -> {
        double[] shifted = theta.clone();
        shifted[parameter] += t;
        Linearization at = map.at(shifted);
        ranks[0] = Math.min(ranks[0], at.rank());
        ranks[1] = Math.max(ranks[1], at.rank());
        return at.value();
      }, h);
      unit[j] = 1.0;
      jvp[j] = base.jvp(unit);
      unit[j] = 0.0;
    }
    double fdMax = 0;
    double jvpDiff = 0;
    for (int j = 0; j < parameters; j++) {
      for (int i = 0; i < outputs; i++) {
        fdMax = Math.max(fdMax, Math.abs(fd[j][i]));
        jvpDiff = Math.max(jvpDiff, Math.abs(jvp[j][i] - fd[j][i]));
      }
    }

    // VJP: rows of the Jacobian (basis cotangents) or random projections G^T J.
    boolean full = outputs <= MAX_FULL_VJP_OUTPUTS;
    int cotangents = full ? outputs : RANDOM_COTANGENTS;
    Random random = new Random(20261126L);
    double vjpDiff = 0;
    double projectedMax = 0;
    for (int q = 0; q < cotangents; q++) {
      double[] g = new double[outputs];
      if (full) {
        g[q] = 1.0;
      } else {
        for (int i = 0; i < outputs; i++) {
          g[i] = random.nextGaussian();
        }
      }
      double[] analytic = base.vjp(g);
      for (int j = 0; j < parameters; j++) {
        double reference = 0;
        if (full) {
          reference = fd[j][q];
        } else {
          for (int i = 0; i < outputs; i++) {
            reference += g[i] * fd[j][i];
          }
        }
        projectedMax = Math.max(projectedMax, Math.abs(reference));
        vjpDiff = Math.max(vjpDiff, Math.abs(analytic[j] - reference));
      }
    }
    double jvpError = fdMax > 0 ? jvpDiff / fdMax : jvpDiff;
    double vjpError = projectedMax > 0 ? vjpDiff / projectedMax : vjpDiff;
    return new Result(jvpError, vjpError, rank, ranks[0], ranks[1], parameters, outputs,
        full ? 0 : RANDOM_COTANGENTS, h);
  }
}
