package org.penrose.check;

import java.util.Random;
import org.penrose.matrix.DoubleMatrix;

/** Seeded random matrices for checks, benchmarks and generated problems. */
public final class RandomMatrices {
  private RandomMatrices() {}

  /** A {@code rows x cols} matrix of independent standard normal entries, drawn column by column. */
  public static DoubleMatrix gaussian(int rows, int cols, Random random) {
    DoubleMatrix m = DoubleMatrix.zeros(rows, cols);
    double[] v = m.values();
    for (int i = 0; i < v.length; i++) {
      v[i] = random.nextGaussian();
    }
    return m;
  }

  /**
   * A random problem on the manifold of rank-{@code r} matrices: {@code A = X Y^T} ({@code m x n}),
   * a rank-preserving tangent {@code dA = dX Y^T + X dY^T}, a cotangent {@code G} ({@code n x m}),
   * right-hand sides {@code B} ({@code m x k}) and a cotangent {@code gX} ({@code n x k}).
   */
  public record LowRankProblem(DoubleMatrix a, DoubleMatrix tangent, DoubleMatrix cotangent, DoubleMatrix b,
      DoubleMatrix solutionCotangent) {}

  /**
   * Draws a {@link LowRankProblem} from {@code seed}.
   *
   * @throws IllegalArgumentException unless {@code 0 <= r <= min(m, n)} and {@code k >= 1}
   */
  public static LowRankProblem lowRank(int m, int n, int r, int k, long seed) {
    if (m < 0 || n < 0 || k < 1 || r < 0 || r > Math.min(m, n)) {
      throw new IllegalArgumentException("need rows, cols >= 0, rhs >= 1 and 0 <= rank <= min(rows, cols); got "
          + m + " x " + n + ", rank " + r + ", rhs " + k);
    }
    Random random = new Random(seed);
    DoubleMatrix x = gaussian(m, r, random);
    DoubleMatrix y = gaussian(n, r, random);
    DoubleMatrix a = x.timesTranspose(y);
    // dA = dX Y^T + X dY^T (dX drawn before dY)
    DoubleMatrix tangent = gaussian(m, r, random).timesTranspose(y)
        .plusScaled(1.0, x.timesTranspose(gaussian(n, r, random)));
    DoubleMatrix b = gaussian(m, k, random);
    DoubleMatrix cotangent = gaussian(n, m, random);
    return new LowRankProblem(a, tangent, cotangent, b, gaussian(n, k, random));
  }
}
