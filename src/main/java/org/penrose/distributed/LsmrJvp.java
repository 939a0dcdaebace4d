package org.penrose.distributed;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.engine.Scratch;
import org.penrose.iterative.Lsmr;
import org.penrose.iterative.LsmrOptions;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;

/**
 * The JVP of a least-squares solve by LSMR: {@code dX} ({@code n x k}) for tangents {@code dA} ({@code m x n})
 * and {@code dB} ({@code m x k}) in A's row blocks, either null (zero), with the pseudo-inverses applied by
 * LSMR solves over A's blocks.
 *
 * <p>Undamped, {@code X = A^+ B}, {@code R = B - A X}: the Golub-Pereyra derivative
 * {@code dX = A^+ (dB - dA X) + A^+ (A^+)^T dA^T R + (I - A^+ A) dA^T (A^+)^T X}, gathered into one solve
 * with {@code A}: with {@code A S = (A^+)^T dA^T R} and {@code A T = (A^+)^T X} ({@link Lsmr#solveTransposed}),
 * {@code t = dA^T A T} and {@code A^+ A S = A^+ (A S)},
 * <pre>
 *   dX = t + A^+ (dB - dA X + A (S - t)).
 * </pre>
 * Damped, {@code X = K A^T B}, {@code K = (A^T A + mu I)^-1}: {@code dX = K (A^T (dB - dA X) + dA^T R)},
 * and with {@code K g = g / mu + K A^T (-A g / mu)},
 * <pre>
 *   dX = g / mu + LSMR(A, dB - dA X - A g / mu; damp),   g = dA^T R.
 * </pre>
 * Each column costs three LSMR solves undamped (one without {@code dA}), one damped.
 */
public final class LsmrJvp {
  private LsmrJvp() {}

  /**
   * @param x the LSMR solution ({@code n x k}) of {@code A x = B} with {@code options.damp()}
   * @throws InvalidInputException for shapes that do not match
   */
  public static DoubleMatrix of(RowBlockMatrix a, RowBlockMatrix b, DoubleMatrix x, RowBlockMatrix tangentA,
      RowBlockMatrix tangentB, LsmrOptions options) {
    if (x.rows() != a.cols() || x.cols() != b.cols()) {
      throw new InvalidInputException("X is " + x.shape() + ", not " + a.cols() + " x " + b.cols());
    }
    int n = a.cols();
    int k = x.cols();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(a.blocks().context());
    Broadcast<DoubleMatrix> solution = sc.broadcast(x);
    // [A_i, B_i, dA_i, dB_i], checked
    JavaRDD<RowBlock[]> blocks = DistributedLstsq.withTangents(a, b, tangentA, tangentB)
        .persist(StorageLevel.MEMORY_AND_DISK());
    double mu = options.damp() * options.damp();
    DoubleMatrix shift = DoubleMatrix.zeros(n, k); // the n-sized part: t, or g / mu
    DoubleMatrix inner = DoubleMatrix.zeros(n, k); // S - t, or -g / mu: the rhs gets A times it
    if (tangentA != null) {
      // g = dA^T R
      DoubleMatrix g = DeterministicReduce.reduce(blocks.map(p -> p[2].matrix().transposeTimes(
          p[1].dense().plusScaled(-1, p[0].matrix().times(solution.value())))), DeterministicReduce::sum);
      if (mu > 0) {
        shift = g.scaled(1 / mu);
        inner = g.scaled(-1 / mu);
      } else {
        DoubleMatrix s = LsmrVjp.transposedSolves(a, g, options);
        DoubleMatrix t = LsmrVjp.transposedSolves(a, x, options);
        Broadcast<DoubleMatrix> preimage = sc.broadcast(t);
        shift = DeterministicReduce.reduce(blocks.map(p -> p[2].matrix().transposeTimes(
            p[0].matrix().times(preimage.value()))), DeterministicReduce::sum);
        inner = s.plusScaled(-1, shift);
        Scratch.destroy(preimage);
      }
    }
    // the right-hand side dB - dA X + A inner
    Broadcast<DoubleMatrix> innerShared = sc.broadcast(inner);
    JavaRDD<RowBlock> rhs = blocks.map(p -> {
      DoubleMatrix values = p[0].matrix().times(innerShared.value());
      if (p[3] != null) {
        values = values.plusScaled(1, p[3].dense());
      }
      if (p[2] != null) {
        values = values.plusScaled(-1, p[2].matrix().times(solution.value()));
      }
      return p[0].withValues(values);
    });
    DoubleMatrix solved = Lsmr.solution(Lsmr.solveEach(a, a.withBlocks(rhs, k), options));
    blocks.unpersist(false);
    Scratch.destroy(solution);
    Scratch.destroy(innerShared);
    return solved.plusScaled(1, shift);
  }
}
