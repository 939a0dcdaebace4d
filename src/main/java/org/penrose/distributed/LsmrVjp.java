package org.penrose.distributed;

import java.util.Arrays;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.iterative.Lsmr;
import org.penrose.iterative.LsmrOptions;
import org.penrose.iterative.LsmrResult;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.matrix.MatrixBlock;

/**
 * The VJP of a least-squares solve by LSMR ({@code X} {@code n x k} for {@code A} {@code m x n}, {@code B}
 * {@code m x k}), with every pseudo-inverse or ridge inverse applied by further LSMR solves over A's row
 * blocks (nothing {@code m}-sized on the driver), for the cotangent {@code G = dL/dX} ({@code n x k}).
 *
 * <p>Undamped, {@code X = A^+ B}: the Golub-Pereyra VJP (as {@code LstsqVjp} states it) with
 * {@code R = B - A X},
 * <pre>
 *   Z = (A^+)^T G,   W = A^+ Z,   Y = (A^+)^T X,
 *   dL/dB = Z,   dL/dA = -Z X^T + R W^T + Y (G - A^T Z)^T,
 * </pre>
 * {@code Z} and {@code Y} by {@link Lsmr#solveTransposed} (each column's {@code A^T z = g} at minimum norm,
 * as {@code z = A s}), {@code W} by {@link Lsmr#solve} with {@code Z} as right-hand side; {@code A^T Z =
 * A^+ A G} is {@code G}'s part in {@code range(A^T)}, so the last term vanishes at full column rank.
 *
 * <p>Damped, {@code X = K A^T B} with {@code K = (A^T A + mu I)^-1}, {@code mu = damp^2}: with {@code Q = K G},
 * <pre>
 *   dL/dB = A Q,   dL/dA = R Q^T - (A Q) X^T,   dL/dmu = -sum_j q_j . x_j,
 * </pre>
 * and {@code K g = g / mu + LSMR(A, -A g / mu; damp)}, since LSMR's damped solution is {@code K A^T b} and
 * {@code K A^T A g = g - mu K g}. ({@code d/d damp = 2 damp dL/dmu}.)
 *
 * <p>{@code dL/dA} comes as the low-rank {@code L R^T} ({@code L} in A's row blocks), so a sparse A's
 * gradient at its stored entries is row-local ({@link DistributedLstsq.LowRankGradient#aOnStoredEntries}).
 * Each solve runs to the options' tolerances; the gradient is as accurate as they make {@code X} and the
 * inner solutions.
 */
public final class LsmrVjp {
  private LsmrVjp() {}

  /**
   * @param x the LSMR solution ({@code n x k}) of {@code A x = B} with {@code options.damp()}
   * @param cotangent {@code G} ({@code n x k})
   * @throws InvalidInputException for shapes that do not match
   */
  public static DistributedLstsq.LowRankGradient of(RowBlockMatrix a, RowBlockMatrix b, DoubleMatrix x,
      DoubleMatrix cotangent, LsmrOptions options) {
    a.requireAlignedWith("B", b);
    if (x.rows() != a.cols() || x.cols() != b.cols()) {
      throw new InvalidInputException("X is " + x.shape() + ", not " + a.cols() + " x " + b.cols());
    }
    DoubleMatrix.requireSameShape("X", x, "the cotangent gX", cotangent);
    return options.damp() == 0 ? undamped(a, b, x, cotangent, options) : damped(a, b, x, cotangent, options);
  }

  private static DistributedLstsq.LowRankGradient undamped(RowBlockMatrix a, RowBlockMatrix b, DoubleMatrix x,
      DoubleMatrix g, LsmrOptions options) {
    int k = x.cols();
    DoubleMatrix s = transposedSolves(a, g, options); // Z = A S
    DoubleMatrix t = transposedSolves(a, x, options); // Y = A T
    RowBlockMatrix z = times(a, s);
    z.persist();
    DoubleMatrix w = Lsmr.solution(Lsmr.solveEach(a, z, options));
    DoubleMatrix projected = transposeTimes(a, z); // A^T Z
    // L = A [-S | -X | T] + [0 | B | 0],  R = [X | W | G - A^T Z]
    DoubleMatrix factor = sideBySide(s.scaled(-1), x.scaled(-1), t);
    DoubleMatrix right = sideBySide(x, w, g.plusScaled(-1, projected));
    RowBlockMatrix left = leftFactor(a, b, factor, k, 1);
    return new DistributedLstsq.LowRankGradient(a, left, right, z);
  }

  private static DistributedLstsq.LowRankGradient damped(RowBlockMatrix a, RowBlockMatrix b, DoubleMatrix x,
      DoubleMatrix g, LsmrOptions options) {
    int k = x.cols();
    double mu = options.damp() * options.damp();
    // Q = K G = G / mu + LSMR(A, -A G / mu; damp)
    DoubleMatrix q = Lsmr.solution(Lsmr.solveEach(a, times(a, g.scaled(-1 / mu)), options)).plusScaled(1 / mu, g);
    double dMu = -q.dot(x);
    // L = A [-X | -Q] + [B | 0],  R = [Q | X]
    RowBlockMatrix left = leftFactor(a, b, sideBySide(x.scaled(-1), q.scaled(-1)), k, 0);
    DoubleMatrix right = sideBySide(q, x);
    return new DistributedLstsq.LowRankGradient(a, left, right, times(a, q), dMu);
  }

  /** The matrices' columns side by side (each {@code n x k}, column-major: their values one after another). */
  private static DoubleMatrix sideBySide(DoubleMatrix... parts) {
    int n = parts[0].rows();
    int columns = 0;
    for (DoubleMatrix part : parts) {
      columns += part.cols();
    }
    DoubleMatrix out = DoubleMatrix.zeros(n, columns);
    int at = 0;
    for (DoubleMatrix part : parts) {
      System.arraycopy(part.values(), 0, out.values(), at, part.values().length);
      at += part.values().length;
    }
    return out;
  }

  /** Each column {@code g_j}'s {@link Lsmr#solveTransposed} preimage {@code s_j} ({@code (A^+)^T g_j = A s_j}). */
  static DoubleMatrix transposedSolves(RowBlockMatrix a, DoubleMatrix g, LsmrOptions options) {
    DoubleMatrix s = DoubleMatrix.zeros(g.rows(), g.cols());
    for (int j = 0; j < g.cols(); j++) {
      LsmrResult solved = Lsmr.solveTransposed(a,
          Arrays.copyOfRange(g.values(), j * g.rows(), (j + 1) * g.rows()), options);
      System.arraycopy(solved.x(), 0, s.values(), j * g.rows(), g.rows());
    }
    return s;
  }

  /** {@code A S} ({@code m x q}) in A's row blocks, dense. */
  static RowBlockMatrix times(RowBlockMatrix a, DoubleMatrix s) {
    Broadcast<DoubleMatrix> shared = JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(s);
    return a.withBlocks(a.blocks().map(block -> block.withValues(block.matrix().times(shared.value()))), s.cols());
  }

  /** {@code A^T Z} ({@code n x q}), summed in partition order. */
  private static DoubleMatrix transposeTimes(RowBlockMatrix a, RowBlockMatrix z) {
    JavaRDD<DoubleMatrix> terms = a.blocks().zip(z.blocks())
        .map(pair -> pair._1().matrix().transposeTimes(pair._2().dense()));
    return DeterministicReduce.reduce(terms, DeterministicReduce::sum);
  }

  /** {@code L = A F} with {@code B} added into the {@code k} columns from {@code k * bAt}, cached. */
  private static RowBlockMatrix leftFactor(RowBlockMatrix a, RowBlockMatrix b, DoubleMatrix factor, int k, int bAt) {
    Broadcast<DoubleMatrix> shared = JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(factor);
    JavaRDD<RowBlock> left = a.blocks().zip(b.blocks()).map(pair -> {
      MatrixBlock block = pair._1().matrix();
      DoubleMatrix l = block.times(shared.value());
      DoubleMatrix rhs = pair._2().dense();
      for (int j = 0; j < k; j++) {
        for (int i = 0; i < l.rows(); i++) {
          l.set(i, k * bAt + j, l.get(i, k * bAt + j) + rhs.get(i, j));
        }
      }
      return pair._1().withValues(l);
    }).persist(StorageLevel.MEMORY_AND_DISK());
    return a.withBlocks(left, factor.cols());
  }
}
