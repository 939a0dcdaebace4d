package org.penrose.distributed;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.linalg.FactorizationResult;
import org.penrose.linalg.LstsqJvp;
import org.penrose.linalg.LstsqVjp;
import org.penrose.linalg.PinvFactorization;
import org.penrose.linalg.RankCutoff;

/**
 * Minimum-norm least squares {@code X = pinv(A) B} for a distributed tall {@code A} ({@code m x n})
 * and right-hand sides {@code B} ({@code m x k}) aligned with it, and its derivatives.
 *
 * <ul>
 *   <li>Forward, one pass: TSQR of {@code [A | B]}; the merged triangle carries {@code Q^T B} and the
 *       residual norms, so {@code X}, the rank, the singular values and the residual sums of
 *       squares come out of the SVD of its {@code n x n} part on the driver.
 *   <li>VJP ({@link LstsqVjp}): row-local, no reduction: {@code grad_A} and {@code grad_B} come back as
 *       row blocks aligned with {@code A}.
 *   <li>JVP ({@link LstsqJvp}): one reduction of three small terms; {@code dX} is on the driver.
 * </ul>
 */
public final class DistributedLstsq implements FactorizationResult {
  private final RowBlockMatrix a;
  private final RowBlockMatrix b;
  private final PinvFactorization factorization;
  private final int fanIn;

  private DistributedLstsq(RowBlockMatrix a, RowBlockMatrix b, PinvFactorization factorization, int fanIn) {
    this.a = a;
    this.b = b;
    this.factorization = factorization;
    this.fanIn = fanIn;
  }

  /**
   * Gradients as row blocks aligned with {@code A}: {@code a()} is {@code dL/dA} ({@code m x n}),
   * {@code b()} is {@code dL/dB} ({@code m x k}).
   */
  public record Gradient(RowBlockMatrix a, RowBlockMatrix b) {}

  public static DistributedLstsq solve(RowBlockMatrix a, RowBlockMatrix b, RankCutoff cutoff) {
    return solve(a, b, cutoff, Tsqr.DEFAULT_FAN_IN);
  }

  /** Solves with one TSQR pass over {@code [A | B]}. */
  public static DistributedLstsq solve(RowBlockMatrix a, RowBlockMatrix b, RankCutoff cutoff, int fanIn) {
    PinvFactorization f = PinvFactorization.fromTriangle(Tsqr.triangle(a, b, fanIn), a.cols(), cutoff);
    return new DistributedLstsq(a, b, f, fanIn);
  }

  @Override
  public PinvFactorization factorization() {
    return factorization;
  }

  /** {@code X} ({@code n x k}). */
  public DoubleMatrix solution() {
    return factorization.solution();
  }

  public double[] residualSumOfSquares() {
    return factorization.residualSumOfSquares();
  }

  /** {@code grad_A}, {@code grad_B} for the cotangent {@code gX = dL/dX} ({@code n x k}): row-local maps. */
  public Gradient vjp(DoubleMatrix cotangent) {
    Broadcast<LstsqVjp> vjp = broadcast(new LstsqVjp(factorization, cotangent));
    JavaRDD<RowBlock> gradA = a.blocks().zip(b.blocks())
        .map(pair -> pair._1().withValues(vjp.value().gradABlock(pair._1().values(), pair._2().values())));
    JavaRDD<RowBlock> gradB = a.blocks().map(block -> block.withValues(vjp.value().gradBBlock(block.values())));
    return new Gradient(a.withBlocks(gradA, a.cols()), a.withBlocks(gradB, b.cols()));
  }

  /**
   * {@code dX} ({@code n x k}) for tangents {@code dA} ({@code m x n}) and {@code dB} ({@code m x k}),
   * both aligned with {@code A}; either may be null (zero).
   */
  public DoubleMatrix jvp(RowBlockMatrix tangentA, RowBlockMatrix tangentB) {
    if (tangentA != null) {
      requireShape("the tangent dA", tangentA, a.cols());
    }
    if (tangentB != null) {
      requireShape("the tangent dB", tangentB, b.cols());
    }
    Broadcast<LstsqJvp> jvp = broadcast(new LstsqJvp(factorization));
    JavaRDD<RowBlock[]> inputs = a.blocks().zip(b.blocks()).map(p -> new RowBlock[] {p._1(), p._2(), null, null});
    if (tangentA != null) {
      inputs = inputs.zip(tangentA.blocks()).map(p -> new RowBlock[] {p._1()[0], p._1()[1], p._2(), null});
    }
    if (tangentB != null) {
      inputs = inputs.zip(tangentB.blocks()).map(p -> new RowBlock[] {p._1()[0], p._1()[1], p._1()[2], p._2()});
    }
    JavaRDD<DoubleMatrix> terms = inputs.map(x -> {
      if (x[2] != null) {
        DistributedPinv.requireFinite("the tangent dA", x[2]);
      }
      if (x[3] != null) {
        DistributedPinv.requireFinite("the tangent dB", x[3]);
      }
      return jvp.value().blockTerm(x[0].values(), x[1].values(),
          x[2] == null ? null : x[2].values(), x[3] == null ? null : x[3].values());
    });
    return jvp.value().combine(DeterministicReduce.reduce(terms, fanIn, DeterministicReduce::sum));
  }

  private void requireShape(String name, RowBlockMatrix m, int cols) {
    if (m.cols() != cols) {
      throw new IllegalArgumentException("shape mismatch: " + name + " is " + m.shape() + " but must have "
          + cols + " columns");
    }
    a.requireAlignedWith(name, m);
  }

  private <T> Broadcast<T> broadcast(T value) {
    return JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(value);
  }
}
