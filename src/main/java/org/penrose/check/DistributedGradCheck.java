package org.penrose.check;

import java.util.Random;
import java.util.function.DoubleFunction;
import org.apache.spark.api.java.JavaSparkContext;
import org.penrose.distributed.DistributedLstsq;
import org.penrose.distributed.DistributedPinv;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;

/**
 * Checks the distributed derivatives against central finite differences ({@link FiniteDifferences})
 * along a rank-preserving curve {@code A(h) = (X + h dX)(Y + h dY)^T}, {@code B(h) = B + h dB}, with
 * every evaluation, the finite differences included, going through the distributed engine (the
 * result is a {@link GradCheck.Result} for the one-parameter map {@code h -> output}):
 *
 * <ul>
 *   <li>JVP: the JVP at {@code h = 0} against the finite-difference derivative, normwise
 *       ({@code max|jvp - fd| / max|fd|});
 *   <li>VJP: the adjoint identity {@code <G, dP> = <grad_A, dA>} (lstsq:
 *       {@code <gX, dX> = <grad_A, dA> + <grad_B, dB>}) for a given cotangent, against the finite
 *       difference of the left side (relative error of the scalar).
 * </ul>
 *
 * <pre>{@code
 * DistributedGradCheck.Curve curve = DistributedGradCheck.Curve.random(20_000, 30, 10, 1, new Random(1));
 * GradCheck.Result r = DistributedGradCheck.lstsq(sc, curve, 4, RankCutoff.DEFAULT, 1e-4, gX);
 * r.passed(1e-8);
 * }</pre>
 */
public final class DistributedGradCheck {
  private DistributedGradCheck() {}

  /**
   * The curve {@code A(h) = (X + h dX)(Y + h dY)^T} ({@code m x n}, rank {@code r}: {@code X} is
   * {@code m x r}, {@code Y} is {@code n x r}) and {@code B(h) = B + h dB}; {@code db} may be null
   * ({@code B} fixed), {@code b} may be null for pinv checks.
   */
  public record Curve(DoubleMatrix x, DoubleMatrix y, DoubleMatrix dx, DoubleMatrix dy, DoubleMatrix b,
      DoubleMatrix db) {

    /** Gaussian {@code X, Y, dX, dY, B} drawn in that order ({@code B} is {@code m x k}), {@code B} fixed. */
    public static Curve random(int m, int n, int r, int k, Random random) {
      DoubleMatrix x = RandomMatrices.gaussian(m, r, random);
      DoubleMatrix y = RandomMatrices.gaussian(n, r, random);
      DoubleMatrix dx = RandomMatrices.gaussian(m, r, random);
      DoubleMatrix dy = RandomMatrices.gaussian(n, r, random);
      return new Curve(x, y, dx, dy, RandomMatrices.gaussian(m, k, random), null);
    }

    /** {@code A(h)}. */
    public DoubleMatrix a(double h) {
      return x.plusScaled(h, dx).timesTranspose(y.plusScaled(h, dy));
    }

    /** {@code B(h)}. */
    public DoubleMatrix b(double h) {
      return db == null ? b : b.plusScaled(h, db);
    }

    /** {@code dA = dX Y^T + X dY^T}, the curve's tangent at {@code h = 0}. */
    public DoubleMatrix tangentA() {
      return dx.timesTranspose(y).plusScaled(1, x.timesTranspose(dy));
    }

    /** {@code m}. */
    public int rows() {
      return x.rows();
    }

    /** {@code n}. */
    public int cols() {
      return y.rows();
    }
  }

  /** Ranks seen at the finite-difference points. */
  private static final class Ranks {
    int min = Integer.MAX_VALUE;
    int max = Integer.MIN_VALUE;

    void see(int rank) {
      min = Math.min(min, rank);
      max = Math.max(max, rank);
    }
  }

  /**
   * Checks the lstsq JVP and VJP of {@code X = pinv(A) B} along {@code curve}.
   *
   * @param cotangent {@code gX} ({@code n x k})
   */
  public static GradCheck.Result lstsq(JavaSparkContext sc, Curve curve, int parts, RankCutoff cutoff, double h,
      DoubleMatrix cotangent) {
    Ranks ranks = new Ranks();
    DoubleFunction<double[]> solution = t -> {
      DistributedLstsq ls = DistributedLstsq.solve(blocks(sc, curve.a(t), parts), blocks(sc, curve.b(t), parts),
          cutoff);
      ranks.see(ls.rank());
      return ls.solution().values();
    };
    RowBlockMatrix a0 = blocks(sc, curve.a(0), parts).persist();
    DistributedLstsq ls = DistributedLstsq.solve(a0, blocks(sc, curve.b(0), parts), cutoff);
    DoubleMatrix x0 = ls.solution();
    DoubleMatrix fd = DoubleMatrix.columnMajor(x0.rows(), x0.cols(), FiniteDifferences.derivative(solution, h));
    DoubleMatrix tangentA = curve.tangentA();
    DoubleMatrix tangentB = curve.db();
    DoubleMatrix dX = ls.jvp(blocks(sc, tangentA, parts), tangentB == null ? null : blocks(sc, tangentB, parts));
    DistributedLstsq.LowRankGradient g = ls.vjp(cotangent);
    double analytic = g.a().collectLocal().dot(tangentA) + (tangentB == null ? 0 : g.b().collectLocal().dot(tangentB));
    double reference = cotangent.dot(fd); // <gX, dX> by finite differences
    a0.unpersist();
    return new GradCheck.Result(relativeError(dX, fd), Math.abs(analytic - reference) / Math.abs(reference), ls.rank(),
        ranks.min, ranks.max, 1, fd.values().length, 1, h);
  }

  /**
   * Checks the pinv JVP ({@code dP^T}) and VJP along {@code curve}.
   *
   * @param cotangentTranspose {@code G^T} ({@code m x n}) for the cotangent {@code G = dL/dP}
   */
  public static GradCheck.Result pinv(JavaSparkContext sc, Curve curve, int parts, RankCutoff cutoff, double h,
      DoubleMatrix cotangentTranspose) {
    Ranks ranks = new Ranks();
    DoubleFunction<double[]> pinvTranspose = t -> {
      DistributedPinv p = DistributedPinv.factor(blocks(sc, curve.a(t), parts), cutoff);
      ranks.see(p.rank());
      return p.pinvTranspose().collectLocal().values();
    };
    DoubleMatrix fd = DoubleMatrix.columnMajor(curve.rows(), curve.cols(),
        FiniteDifferences.derivative(pinvTranspose, h));

    RowBlockMatrix a0 = blocks(sc, curve.a(0), parts).persist();
    DistributedPinv pinv = DistributedPinv.factor(a0, cutoff);
    DoubleMatrix tangent = curve.tangentA();
    DoubleMatrix jvpTranspose = pinv.jvpTranspose(blocks(sc, tangent, parts)).collectLocal(); // dP^T
    double analytic = pinv.vjp(blocks(sc, cotangentTranspose, parts)).a().collectLocal().dot(tangent); // <grad_A, dA>
    double reference = cotangentTranspose.dot(fd); // <G, dP> = <G^T, dP^T>
    a0.unpersist();
    return new GradCheck.Result(relativeError(jvpTranspose, fd), Math.abs(analytic - reference) / Math.abs(reference),
        pinv.rank(), ranks.min, ranks.max, 1, fd.values().length, 1, h);
  }

  private static RowBlockMatrix blocks(JavaSparkContext sc, DoubleMatrix m, int parts) {
    return RowBlockMatrix.fromLocal(sc, m, parts);
  }

  /** {@code max|got - reference| / max|reference|}. */
  static double relativeError(DoubleMatrix got, DoubleMatrix reference) {
    return got.plusScaled(-1, reference).maxAbs() / reference.maxAbs();
  }
}
