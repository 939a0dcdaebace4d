package org.penrose.distributed;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.RowBlock;
import org.penrose.engine.Residuals;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.engine.Tsqr;
import org.penrose.factor.PinvFactorization;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.CsrMatrix;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.matrix.MatrixBlock;
import org.penrose.solver.Gradient;
import org.penrose.solver.LstsqJvp;
import org.penrose.solver.LstsqSolver;
import org.penrose.solver.LstsqVjp;
import org.penrose.truncated.TruncatedSvd;
import org.penrose.truncated.TruncatedSvdOptions;

/**
 * Minimum-norm least squares {@code X = pinv(A) B} for a distributed tall {@code A} ({@code m x n})
 * and right-hand sides {@code B} ({@code m x k}) aligned with it, and its derivatives.
 *
 * <ul>
 *   <li>Forward, TSQR route ({@code n + k <= 4096}), one pass: TSQR of {@code [A | B]}; the merged
 *       triangle carries {@code Q^T B} and the residual norms, so {@code X}, the rank, the singular
 *       values and the residual sums of squares come out of the SVD of its {@code n x n} part on the
 *       driver.
 *   <li>Forward, truncated route (any {@code n}, dense or sparse {@code A}; taken automatically above
 *       4096 columns, or for a fixed rank): the certified truncated SVD {@code A ~ U_k S_k V_k^T}
 *       ({@link TruncatedSvd}), then {@code X = V_k S_k^-1 (U_k^T B)} (one reduction) and the residuals
 *       (one pass). {@code P = V_k S_k^-1 U_k^T} is never formed.
 *   <li>VJP ({@link LstsqVjp}): row-local, no reduction: {@code grad_A = L R^T} with {@code L} in
 *       {@code A}'s row blocks and {@code R} ({@code n x 3k}) on the driver, available as those factors,
 *       as dense row blocks, or at the stored entries of a sparse {@code A}; {@code grad_B} as row blocks.
 *   <li>JVP ({@link LstsqJvp}): one reduction of two {@code n x k} terms; {@code dX} is on the driver.
 * </ul>
 *
 * Both routes share the formula classes: they need only {@code V}, {@code S} and the blocks of {@code A}.
 */
public final class DistributedLstsq implements LstsqSolver<RowBlockMatrix> {
  private final RowBlockMatrix a;
  private final RowBlockMatrix b;
  private final PinvFactorization factorization;
  private final int fanIn;
  private final TruncatedSvd svd;

  private DistributedLstsq(RowBlockMatrix a, RowBlockMatrix b, PinvFactorization factorization, int fanIn,
      TruncatedSvd svd) {
    this.a = a;
    this.b = b;
    this.factorization = factorization;
    this.fanIn = fanIn;
    this.svd = svd;
  }

  /**
   * {@code dL/dA = L R^T} and {@code dL/dB}, as row blocks aligned with {@code A}. Nothing is computed
   * until a result is used; {@code L} is cached when first computed.
   */
  public static final class LowRankGradient implements Gradient<RowBlockMatrix> {
    private final RowBlockMatrix a;
    private final RowBlockMatrix left;
    private final DoubleMatrix right;
    private final RowBlockMatrix b;
    private final double mu;

    LowRankGradient(RowBlockMatrix a, RowBlockMatrix left, DoubleMatrix right, RowBlockMatrix b) {
      this(a, left, right, b, 0.0);
    }

    LowRankGradient(RowBlockMatrix a, RowBlockMatrix left, DoubleMatrix right, RowBlockMatrix b, double mu) {
      this.a = a;
      this.left = left;
      this.right = right;
      this.b = b;
      this.mu = mu;
    }

    /** {@code dL/dA} ({@code m x n}) as dense row blocks {@code L_i R^T}. */
    @Override
    public RowBlockMatrix a() {
      Broadcast<DoubleMatrix> r = JavaSparkContext.fromSparkContext(left.blocks().context()).broadcast(right);
      return left.withBlocks(left.blocks().map(l -> l.withValues(l.values().timesTranspose(r.value()))), right.rows());
    }

    /** {@code L} ({@code m x q}, row blocks aligned with {@code A}): {@code dL/dA = L R^T}. */
    public RowBlockMatrix aLeftFactor() {
      return left;
    }

    /** {@code R} ({@code n x q}, on the driver): {@code dL/dA = L R^T}. */
    public DoubleMatrix aRightFactor() {
      return right;
    }

    /**
     * {@code dL/dA} at {@code A}'s stored entries: for a sparse block the gradient with respect to its
     * stored values (same pattern), for a dense block the dense gradient.
     */
    public RowBlockMatrix aOnStoredEntries() {
      Broadcast<DoubleMatrix> r = JavaSparkContext.fromSparkContext(left.blocks().context()).broadcast(right);
      return a.withBlocks(a.blocks().zip(left.blocks()).map(pair -> {
        MatrixBlock block = pair._1().matrix();
        DoubleMatrix l = pair._2().values();
        return pair._1().withValues(block.isSparse() ? ((CsrMatrix) block).lowRankAtEntries(l, r.value())
            : l.timesTranspose(r.value()));
      }), a.cols());
    }

    /** {@code dL/dB} ({@code m x k}). */
    @Override
    public RowBlockMatrix b() {
      return b;
    }

    /** {@code dL/dmu} of a damped LSMR solve ({@code mu = damp^2}, {@link LsmrVjp}); 0 for least squares. */
    @Override
    public double mu() {
      return mu;
    }
  }

  /**
   * Solves with the cut-off, by the {@link Route}: one TSQR pass when {@code n + k <= 4096}, else the
   * truncated route with the rank the cut-off decides ({@link TruncatedSvd#byCutoff}, default options).
   */
  public static DistributedLstsq solve(RowBlockMatrix a, RowBlockMatrix b, RankCutoff cutoff) {
    if (Route.of(a.cols(), b.cols(), null).truncated()) {
      a.requireAlignedWith("B", b);
      return fromSvd(a, b, TruncatedSvd.byCutoff(a, cutoff, new TruncatedSvdOptions()), cutoff);
    }
    return solve(a, b, cutoff, Tsqr.DEFAULT_FAN_IN);
  }

  /**
   * Solves by {@code route} (asked of {@link Route#of} by every entry point): one TSQR pass, or the
   * truncated SVD at {@code rank} ({@link #solveTruncated}), or, with a null {@code rank}, at the rank
   * the cut-off decides ({@link TruncatedSvd#byCutoff}).
   */
  public static DistributedLstsq solve(RowBlockMatrix a, RowBlockMatrix b, RankCutoff cutoff, Route route,
      Integer rank, TruncatedSvdOptions options) {
    if (route.kind() == Route.Kind.LSMR) {
      throw new IllegalArgumentException("the LSMR route is Lsmr.solve's, not a factorization's");
    }
    if (!route.truncated()) {
      return solve(a, b, cutoff, Tsqr.DEFAULT_FAN_IN);
    }
    return rank != null ? solveTruncated(a, b, rank, cutoff, options)
        : fromSvd(a, b, TruncatedSvd.byCutoff(a, cutoff, options), cutoff);
  }

  /** Solves with one TSQR pass over {@code [A | B]}. */
  public static DistributedLstsq solve(RowBlockMatrix a, RowBlockMatrix b, RankCutoff cutoff, int fanIn) {
    PinvFactorization f = PinvFactorization.fromTriangle(Tsqr.triangle(a, b, fanIn), a.cols(), cutoff);
    return new DistributedLstsq(a, b, f, fanIn, null);
  }

  /**
   * The truncated solution at rank {@code rank} (any {@code n}): {@code X = V_k S_k^-1 U_k^T B} from the
   * certified truncated SVD; singular values at or below the cut-off's threshold are dropped as well.
   */
  public static DistributedLstsq solveTruncated(RowBlockMatrix a, RowBlockMatrix b, int rank, RankCutoff cutoff,
      TruncatedSvdOptions options) {
    a.requireAlignedWith("B", b);
    return fromSvd(a, b, TruncatedSvd.compute(a, rank, options), cutoff);
  }

  /** The truncated solution for a computed truncated SVD of {@code A}. */
  public static DistributedLstsq fromSvd(RowBlockMatrix a, RowBlockMatrix b, TruncatedSvd svd, RankCutoff cutoff) {
    a.requireAlignedWith("B", b);
    double[] s = svd.singularValues();
    double threshold = cutoff.threshold(s.length == 0 ? 0 : s[0], a.rows(), a.cols());
    int r = RankCutoff.rank(s, threshold);
    TruncatedSvd kept = svd.truncate(r);
    // U^T B (r x k), one reduction; X = V S^-1 (U^T B)
    DoubleMatrix utb = DeterministicReduce.reduce(
        kept.u().blocks().zip(b.blocks()).map(p -> p._1().values().transposeTimes(p._2().dense())),
        DeterministicReduce::sum);
    DoubleMatrix x = kept.v().times(scaleRows(utb, kept.singularValues()));
    double[] rss = Residuals.sumsOfSquares(a, b, x); // ||B - A X||^2 per column, one pass
    PinvFactorization f = PinvFactorization.fromTruncatedSvd(a.rows(), a.cols(), s, threshold, kept.v(),
        kept.singularValues(), x, rss);
    return new DistributedLstsq(a, b, f, Tsqr.DEFAULT_FAN_IN, kept);
  }

  /** Row {@code i} of {@code M} divided by {@code s_i}. */
  private static DoubleMatrix scaleRows(DoubleMatrix m, double[] s) {
    DoubleMatrix result = m.copy();
    for (int j = 0; j < m.cols(); j++) {
      for (int i = 0; i < m.rows(); i++) {
        result.set(i, j, m.get(i, j) / s[i]);
      }
    }
    return result;
  }

  /** The truncated SVD behind a truncated solution (certificate, iterations, gap), or null for the TSQR route. */
  public TruncatedSvd truncatedSvd() {
    return svd;
  }

  @Override
  public PinvFactorization factorization() {
    return factorization;
  }



  /** {@code grad_A}, {@code grad_B} for the cotangent {@code gX = dL/dX} ({@code n x k}): row-local maps. */
  @Override
  public LowRankGradient vjp(DoubleMatrix cotangent) {
    LstsqVjp map = new LstsqVjp(factorization, cotangent);
    Broadcast<LstsqVjp> vjp = broadcast(map);
    JavaRDD<RowBlock> left = a.blocks().zip(b.blocks())
        .map(pair -> pair._1().withValues(vjp.value().rowMapLeftFactor(pair._1().matrix(), pair._2().dense())))
        .persist(StorageLevel.MEMORY_AND_DISK());
    JavaRDD<RowBlock> gradB = a.blocks().map(block -> block.withValues(vjp.value().rowMapB(block.matrix())));
    return new LowRankGradient(a, a.withBlocks(left, map.rightFactor().cols()), map.rightFactor(),
        a.withBlocks(gradB, b.cols()));
  }

  /**
   * {@code dX} ({@code n x k}) for tangents {@code dA} ({@code m x n}) and {@code dB} ({@code m x k}),
   * both aligned with {@code A}; either may be null (zero).
   */
  @Override
  public DoubleMatrix jvp(RowBlockMatrix tangentA, RowBlockMatrix tangentB) {
    Broadcast<LstsqJvp> jvp = broadcast(new LstsqJvp(factorization));
    JavaRDD<DoubleMatrix> terms = withTangents(a, b, tangentA, tangentB).map(x -> jvp.value().blockTerm(x[0].matrix(),
        x[1].dense(), x[2] == null ? null : x[2].matrix(), x[3] == null ? null : x[3].dense()));
    return jvp.value().fromReduction(DeterministicReduce.reduce(terms, fanIn, DeterministicReduce::sum));
  }

  /**
   * The aligned blocks {@code [A_i, B_i, dA_i, dB_i]} of a forward derivative (a null tangent gives null
   * blocks), the tangents checked: shapes and row blocks before any job, finite values in the tasks.
   */
  static JavaRDD<RowBlock[]> withTangents(RowBlockMatrix a, RowBlockMatrix b, RowBlockMatrix tangentA,
      RowBlockMatrix tangentB) {
    if (tangentA != null) {
      requireShape(a, "the tangent dA", tangentA, a.cols());
    }
    if (tangentB != null) {
      requireShape(a, "the tangent dB", tangentB, b.cols());
    }
    JavaRDD<RowBlock[]> inputs = a.blocks().zip(b.blocks()).map(p -> new RowBlock[] {p._1(), p._2(), null, null});
    if (tangentA != null) {
      inputs = inputs.zip(tangentA.blocks()).map(p -> new RowBlock[] {p._1()[0], p._1()[1], p._2(), null});
    }
    if (tangentB != null) {
      inputs = inputs.zip(tangentB.blocks()).map(p -> new RowBlock[] {p._1()[0], p._1()[1], p._1()[2], p._2()});
    }
    return inputs.map(x -> {
      if (x[2] != null) {
        x[2].requireFinite("the tangent dA");
      }
      if (x[3] != null) {
        x[3].requireFinite("the tangent dB");
      }
      return x;
    });
  }

  private static void requireShape(RowBlockMatrix a, String name, RowBlockMatrix m, int cols) {
    if (m.cols() != cols) {
      throw new InvalidInputException("shape mismatch: " + name + " is " + m.shape() + " but must have "
          + cols + " columns");
    }
    a.requireAlignedWith(name, m);
  }

  private <T> Broadcast<T> broadcast(T value) {
    return JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(value);
  }
}
