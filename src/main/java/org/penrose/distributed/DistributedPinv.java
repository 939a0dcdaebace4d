package org.penrose.distributed;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.linalg.FactorizationResult;
import org.penrose.linalg.PinvFactorization;
import org.penrose.linalg.PinvTranspose;
import org.penrose.linalg.PinvVjp;
import org.penrose.linalg.RankCutoff;

/**
 * {@code P = pinv(A)} of a distributed tall matrix, and its derivatives.
 *
 * <ul>
 *   <li>Forward: one TSQR pass ({@link Tsqr}) and the SVD of the {@code n x n} triangle on the
 *       driver give {@code V}, {@code S}, the rank and the threshold ({@link PinvFactorization}).
 *   <li>{@code P^T} ({@code m x n}) comes back as row blocks aligned with {@code A}:
 *       {@code (P^T)_i = A_i V S^-2 V^T}.
 *   <li>VJP ({@link PinvVjp}) and JVP: one reduction {@code M = sum_i U_i^T H_i} ({@code r x n},
 *       merged in partition order) and a row-local map. The inputs {@code G^T} and {@code dA} are
 *       row-block matrices aligned with {@code A} (same block row ranges; misaligned inputs are an
 *       error, not silently re-aligned).
 * </ul>
 *
 * {@code A} is read by every pass; {@link RowBlockMatrix#persist()} it when it is not cached already.
 */
public final class DistributedPinv implements FactorizationResult {
  private final RowBlockMatrix a;
  private final PinvFactorization factorization;
  private final int fanIn;

  private DistributedPinv(RowBlockMatrix a, PinvFactorization factorization, int fanIn) {
    this.a = a;
    this.factorization = factorization;
    this.fanIn = fanIn;
  }

  /** Factors {@code A} with one TSQR pass. */
  public static DistributedPinv factor(RowBlockMatrix a, RankCutoff cutoff) {
    return factor(a, cutoff, Tsqr.DEFAULT_FAN_IN);
  }

  public static DistributedPinv factor(RowBlockMatrix a, RankCutoff cutoff, int fanIn) {
    return new DistributedPinv(a, PinvFactorization.fromTriangle(Tsqr.triangle(a, null, fanIn), a.cols(), cutoff), fanIn);
  }

  @Override
  public PinvFactorization factorization() {
    return factorization;
  }

  /**
   * {@code P^T} ({@code m x n}) in row blocks aligned with {@code A}. Runs one to three reductions
   * over {@code A} first, refining the left singular vectors until orthonormal ({@link PinvTranspose}).
   */
  public RowBlockMatrix pinvTranspose() {
    PinvTranspose t = PinvTranspose.unrefined(factorization);
    while (true) {
      Broadcast<PinvTranspose> current = broadcast(t);
      DoubleMatrix gram = DeterministicReduce.reduce(
          a.blocks().map(block -> current.value().gramBlock(block.values())), fanIn, DeterministicReduce::sum);
      if (!t.needsRefinement(gram)) {
        return a.withBlocks(a.blocks().map(block -> block.withValues(current.value().applyToBlock(block.values()))),
            a.cols());
      }
      t = t.refine(gram);
    }
  }

  /**
   * {@code grad_A} ({@code m x n}, aligned with {@code A}) for the cotangent {@code G = dL/dP},
   * given as its transpose {@code G^T} ({@code m x n}, aligned with {@code A}).
   */
  public RowBlockMatrix vjp(RowBlockMatrix cotangentTranspose) {
    return adjointMap("the cotangent G^T", cotangentTranspose);
  }

  /** {@code dP^T} ({@code m x n}, aligned with {@code A}) for the tangent {@code dA} ({@code m x n}, aligned with {@code A}). */
  public RowBlockMatrix jvpTranspose(RowBlockMatrix tangent) {
    return adjointMap("the tangent dA", tangent);
  }

  private RowBlockMatrix adjointMap(String name, RowBlockMatrix h) {
    if (h.cols() != a.cols()) {
      throw new IllegalArgumentException("shape mismatch: " + name + " is " + h.shape() + " but must be "
          + a.shape() + " like A");
    }
    a.requireAlignedWith(name, h);
    Broadcast<PinvFactorization> f = broadcast(factorization);
    JavaRDD<DoubleMatrix> terms = a.blocks().zip(h.blocks()).map(pair -> {
      requireFinite(name, pair._2());
      return PinvVjp.blockTerm(f.value(), pair._1().values(), pair._2().values());
    });
    DoubleMatrix reduced = DeterministicReduce.reduce(terms, fanIn, DeterministicReduce::sum);
    Broadcast<PinvVjp> map = broadcast(PinvVjp.fromReduction(factorization, reduced));
    return a.withBlocks(a.blocks().zip(h.blocks())
        .map(pair -> pair._1().withValues(map.value().applyToBlock(pair._1().values(), pair._2().values()))), a.cols());
  }

  static void requireFinite(String name, RowBlock block) {
    DoubleMatrix v = block.values();
    for (int j = 0; j < v.cols(); j++) {
      for (int i = 0; i < v.rows(); i++) {
        if (!Double.isFinite(v.get(i, j))) {
          throw new IllegalArgumentException(name + " has a non-finite value " + v.get(i, j) + " at row "
              + (block.firstRow() + i) + ", column " + j);
        }
      }
    }
  }

  <T> Broadcast<T> broadcast(T value) {
    return JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(value);
  }
}
