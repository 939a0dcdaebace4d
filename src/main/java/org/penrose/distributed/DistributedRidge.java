package org.penrose.distributed;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.engine.Tsqr;
import org.penrose.factor.RidgeFactorization;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.Gradient;
import org.penrose.solver.RidgeJvp;
import org.penrose.solver.RidgeSolver;
import org.penrose.solver.RidgeVjp;

/**
 * Ridge regression of row-block matrices, {@code X = (A^T A + mu I)^-1 A^T B} ({@code A} {@code m x n},
 * {@code B} {@code m x k} in the same row blocks, {@code mu > 0}), with its derivatives in {@code A},
 * {@code B} and {@code mu}: one TSQR pass over {@code [A | B]} for {@link RidgeFactorization}; the
 * VJP's {@code dL/dA} and {@code dL/dB} are row-local maps ({@link RidgeVjp}) and {@code dL/dmu} a
 * number on the driver; the JVP is one reduction of {@code n x k} terms in partition order
 * ({@link RidgeJvp}). The same bits for the same input and partitioning.
 *
 * <pre>{@code
 * DistributedRidge ridge = DistributedRidge.solve(a, b, mu);
 * DoubleMatrix x = ridge.solution();
 * Gradient<RowBlockMatrix> g = ridge.vjp(gX);       // g.a(), g.b(): row blocks; g.mu(): a number
 * DoubleMatrix dX = ridge.jvp(dA, dB, dMu);
 * }</pre>
 */
public final class DistributedRidge implements RidgeSolver<RowBlockMatrix> {
  private final RowBlockMatrix a;
  private final RowBlockMatrix b;
  private final RidgeFactorization factorization;
  private final int fanIn;

  private DistributedRidge(RowBlockMatrix a, RowBlockMatrix b, RidgeFactorization factorization, int fanIn) {
    this.a = a;
    this.b = b;
    this.factorization = factorization;
    this.fanIn = fanIn;
  }

  /** Solves with one TSQR pass over {@code [A | B]} ({@code n + k <= 4096}). */
  public static DistributedRidge solve(RowBlockMatrix a, RowBlockMatrix b, double mu) {
    return new DistributedRidge(a, b, RidgeFactorization.fromTriangle(Tsqr.triangle(a, b, Tsqr.DEFAULT_FAN_IN),
        a.cols(), mu), Tsqr.DEFAULT_FAN_IN);
  }


  @Override
  public RidgeFactorization factorization() {
    return factorization;
  }

  /** Gradients for the cotangent {@code gX = dL/dX} ({@code n x k}); the row blocks are computed lazily. */
  @Override
  public Gradient<RowBlockMatrix> vjp(DoubleMatrix cotangent) {
    RidgeVjp map = new RidgeVjp(factorization, cotangent);
    Broadcast<RidgeVjp> vjp = JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(map);
    JavaRDD<RowBlock> gradA = a.blocks().zip(b.blocks())
        .map(pair -> pair._1().withValues(vjp.value().rowMapA(pair._1().dense(), pair._2().dense())));
    JavaRDD<RowBlock> gradB = a.blocks().map(block -> block.withValues(vjp.value().rowMapB(block.dense())));
    return Gradient.of(a.withBlocks(gradA, a.cols()), a.withBlocks(gradB, b.cols()), map.gradMu());
  }

  /** {@code dX} along {@code (dA, dB, dmu)}; {@code dA} or {@code dB} may be null (zero). */
  @Override
  public DoubleMatrix jvp(RowBlockMatrix tangentA, RowBlockMatrix tangentB, double dMu) {
    Broadcast<RidgeJvp> jvp = JavaSparkContext.fromSparkContext(a.blocks().context())
        .broadcast(new RidgeJvp(factorization));
    JavaRDD<DoubleMatrix> terms = DistributedLstsq.withTangents(a, b, tangentA, tangentB)
        .map(x -> jvp.value().blockTerm(x[0].dense(), x[1].dense(), x[2] == null ? null : x[2].dense(),
            x[3] == null ? null : x[3].dense()));
    return jvp.value().fromReduction(DeterministicReduce.reduce(terms, fanIn, DeterministicReduce::sum), dMu);
  }
}
