package org.penrose.distributed;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.DriverThreads;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.engine.StorageBudget;
import org.penrose.engine.Tsqr;
import org.penrose.factor.PinvFactorization;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.solver.Gradient;
import org.penrose.solver.PinvSolver;
import org.penrose.solver.PinvTranspose;
import org.penrose.solver.PinvVjp;
import org.penrose.truncated.TruncatedSvd;
import org.penrose.truncated.TruncatedSvdOptions;
import scala.Tuple2;

/**
 * {@code P = pinv(A)} of a distributed tall matrix, and its derivatives.
 *
 * <ul>
 *   <li>Forward: one TSQR pass ({@link Tsqr}) and the SVD of the {@code n x n} triangle on the
 *       driver give {@code V}, {@code S}, the rank and the threshold ({@link PinvFactorization}); or,
 *       past 4096 columns, for sparse inputs and fixed ranks, the certified truncated SVD
 *       ({@link #fromSvd}, {@link TruncatedSvd}). Everything below needs only {@code V}, {@code S}
 *       and {@code A}'s blocks, dense or sparse, and nothing {@code n x n} (but the TSQR route's
 *       certified {@code P^T}, below, which applies the {@code n x n} {@code V S^-2 V^T}).
 *   <li>{@code P^T} ({@code m x n}) comes back as row blocks aligned with {@code A}:
 *       {@code (P^T)_i = A_i V S^-2 V^T}.
 *   <li>VJP ({@link PinvVjp}) and JVP: one reduction {@code N^T = sum_i H_i^T A_i V} ({@code n x r},
 *       merged in partition order) and a row-local map. The inputs {@code G^T} and {@code dA} are
 *       row-block matrices aligned with {@code A} (same block row ranges; misaligned inputs are an
 *       error, not silently re-aligned).
 * </ul>
 *
 * {@code A} is read by every pass; {@link RowBlockMatrix#persist()} it when it is not cached already.
 */
public final class DistributedPinv implements PinvSolver<RowBlockMatrix, RowBlockMatrix> {
  private final RowBlockMatrix a;
  private final PinvFactorization factorization;
  private final int fanIn;
  private final TruncatedSvd svd;

  private DistributedPinv(RowBlockMatrix a, PinvFactorization factorization, int fanIn, TruncatedSvd svd) {
    this.a = a;
    this.factorization = factorization;
    this.fanIn = fanIn;
    this.svd = svd;
  }

  /**
   * Factors {@code A} by the {@link Route}: one TSQR pass when {@code n <= 4096}, else the truncated
   * route at the rank the cut-off decides ({@link TruncatedSvd#byCutoff}, default options).
   */
  public static DistributedPinv factor(RowBlockMatrix a, RankCutoff cutoff) {
    if (Route.of(a.cols(), 0, null).truncated()) {
      return fromSvd(a, TruncatedSvd.byCutoff(a, cutoff, new TruncatedSvdOptions()), cutoff);
    }
    return factor(a, cutoff, Tsqr.DEFAULT_FAN_IN);
  }

  /**
   * Factors {@code A} by {@code route} ({@link Route#of}): one TSQR pass, or the truncated SVD at
   * {@code rank}, or, with a null {@code rank}, at the rank the cut-off decides.
   */
  public static DistributedPinv factor(RowBlockMatrix a, RankCutoff cutoff, Route route, Integer rank,
      TruncatedSvdOptions options) {
    if (!route.truncated()) {
      return factor(a, cutoff, Tsqr.DEFAULT_FAN_IN);
    }
    return fromSvd(a, rank != null ? TruncatedSvd.compute(a, rank, options) : TruncatedSvd.byCutoff(a, cutoff, options),
        cutoff);
  }

  /**
   * {@code pinv} of the rank-{@code k} truncation {@code A_k = U_k S_k V_k^T} of a computed truncated
   * SVD, {@code P = V_k S_k^-1 U_k^T} (never formed); singular values at or below the cut-off's
   * threshold are dropped as well. Its derivatives are those on the rank-{@code k} manifold through
   * {@code A_k}, the dropped part held fixed.
   */
  public static DistributedPinv fromSvd(RowBlockMatrix a, TruncatedSvd svd, RankCutoff cutoff) {
    double[] s = svd.singularValues();
    double threshold = cutoff.threshold(s.length == 0 ? 0 : s[0], a.rows(), a.cols());
    TruncatedSvd kept = svd.truncate(RankCutoff.rank(s, threshold));
    PinvFactorization f = PinvFactorization.fromTruncatedSvd(a.rows(), a.cols(), s, threshold, kept.v(),
        kept.singularValues(), null, null);
    return new DistributedPinv(a, f, Tsqr.DEFAULT_FAN_IN, kept);
  }

  /** The truncated SVD behind a truncated pinv (certificate, iterations, gap), or null for the TSQR route. */
  public TruncatedSvd truncatedSvd() {
    return svd;
  }

  public static DistributedPinv factor(RowBlockMatrix a, RankCutoff cutoff, int fanIn) {
    return new DistributedPinv(a, PinvFactorization.fromTriangle(Tsqr.triangle(a, null, fanIn), a.cols(), cutoff),
        fanIn,
        null);
  }

  @Override
  public PinvFactorization factorization() {
    return factorization;
  }

  /**
   * {@code P^T} ({@code m x n}) in row blocks aligned with {@code A}. When the TSQR leaves certified
   * {@code A} and showed its left singular vectors orthonormal ({@link PinvTranspose#isFinal()}), the
   * result is a map over {@code A}, computed when used. Otherwise one to three reductions over
   * {@code A} run first, refining the left singular vectors until orthonormal ({@link PinvTranspose}).
   * When {@code P^T} fits in a quarter of the storage memory, the first reduction computes its rows as
   * well and keeps them: without refinement, that is the only pass over {@code A}, and the result comes
   * back cached (memory only; {@link RowBlockMatrix#unpersist()} it when done).
   */
  public RowBlockMatrix pinvTranspose() {
    return pinvTranspose(StorageBudget.fits(a.blocks().context(), 8.0 * a.rows() * a.cols()));
  }

  /** {@link #pinvTranspose()}: the distributed pinv's solution is {@code P^T}, in {@code A}'s row blocks. */
  @Override
  public RowBlockMatrix solution() {
    return pinvTranspose();
  }

  /** {@link #pinvTranspose()}, with or without the kept first pass (the same bits either way). */
  RowBlockMatrix pinvTranspose(boolean keepFirstPass) {
    PinvTranspose t = PinvTranspose.unrefined(factorization);
    if (t.isFinal()) { // certified by the TSQR leaves: no Gram pass, the rows are A_i V S^-2 V^T
      return rowsOf(broadcast(t));
    }
    if (keepFirstPass) {
      // one job: each block's Gram term and its rows of P^T from one U_i. The rows are cached (memory
      // only: an evicted block is recomputed, to the same bits) through the zip, which computes `rows`
      // (and so `passes`) and then reads the Gram terms from the cached `passes`
      Broadcast<PinvTranspose> first = broadcast(t);
      JavaRDD<Tuple2<DoubleMatrix, RowBlock>> passes = a.blocks().map(block -> {
        PinvTranspose.BlockPass pass = first.value().blockTermAndRows(block.matrix());
        return new Tuple2<>(pass.gramTerm(), block.withValues(pass.pinvTransposeRows()));
      }).persist(StorageLevel.MEMORY_ONLY());
      JavaRDD<RowBlock> rows = passes.map(Tuple2::_2).persist(StorageLevel.MEMORY_ONLY());
      DoubleMatrix gram = DeterministicReduce.reduce(rows.zip(passes.map(Tuple2::_1)).map(Tuple2::_2), fanIn,
          DeterministicReduce::sum);
      passes.unpersist(false);
      if (!t.needsRefinement(gram)) {
        return a.withBlocks(rows, a.cols());
      }
      rows.unpersist(false);
      t = t.fromReduction(gram);
    }
    while (true) {
      Broadcast<PinvTranspose> current = broadcast(t);
      DoubleMatrix gram = DeterministicReduce.reduce(
          a.blocks().map(block -> current.value().blockTerm(block.matrix())), fanIn, DeterministicReduce::sum);
      if (!t.needsRefinement(gram)) {
        return rowsOf(current);
      }
      t = t.fromReduction(gram);
    }
  }

  /** {@code pinv(A)} computed on the driver: the factorization and the row blocks of {@code P^T}. */
  public record DriverPinv(PinvFactorization factorization, List<DoubleMatrix> pinvTranspose) {}

  /**
   * {@code pinv(A)} of {@code A} held as row blocks on the driver ({@code blocks.get(i)} in the place of
   * partition {@code i}), on {@code threads}, without Spark: the TSQR of the blocks, then {@code P^T}'s rows
   * with the refinement passes {@link #pinvTranspose()} makes, each reduced in the same tree: the bits of the
   * Spark job over those blocks.
   */
  public static DriverPinv ofDriverBlocks(List<DoubleMatrix> blocks, RankCutoff cutoff, DriverThreads threads) {
    PinvFactorization f = PinvFactorization.fromTriangle(
        Tsqr.triangle(blocks, null, Tsqr.DEFAULT_FAN_IN, threads), blocks.get(0).cols(), cutoff);
    PinvTranspose t = PinvTranspose.unrefined(f);
    while (!t.isFinal()) { // as pinvTranspose's loop: a Gram pass, refined until U is orthonormal
      PinvTranspose current = t;
      DoubleMatrix gram = DeterministicReduce.reduceInOrder(threads.map(blocks.size(),
          i -> current.blockTerm(blocks.get(i))), Tsqr.DEFAULT_FAN_IN, DeterministicReduce::sum);
      if (!current.needsRefinement(gram)) {
        break;
      }
      t = current.fromReduction(gram);
    }
    PinvTranspose last = t;
    return new DriverPinv(f, threads.map(blocks.size(), i -> last.rowMap(blocks.get(i))));
  }

  /** {@code P^T} as a map over {@code A}'s blocks ({@link PinvTranspose#rowMap}), computed when used. */
  private RowBlockMatrix rowsOf(Broadcast<PinvTranspose> t) {
    return a.withBlocks(a.blocks().map(block -> block.withValues(t.value().rowMap(block.matrix()))), a.cols());
  }

  /**
   * {@code grad_A} ({@code m x n}, aligned with {@code A}) for the cotangent {@code G = dL/dP},
   * given as its transpose {@code G^T} ({@code m x n}, aligned with {@code A}).
   */
  @Override
  public Gradient<RowBlockMatrix> vjp(RowBlockMatrix cotangentTranspose) {
    return Gradient.of(adjointMap("the cotangent G^T", cotangentTranspose), null, 0.0);
  }

  /**
   * {@code dP^T} ({@code m x n}, aligned with {@code A}) for the tangent {@code dA} ({@code m x n}, aligned with A).
   */
  public RowBlockMatrix jvpTranspose(RowBlockMatrix tangent) {
    return adjointMap("the tangent dA", tangent);
  }

  /**
   * {@link #jvpTranspose} of {@code dA} (null: zero), shaped as {@link #solution()}; pinv has no {@code B}.
   *
   * @throws IllegalArgumentException if {@code tangentB} is not null
   */
  @Override
  public RowBlockMatrix jvp(RowBlockMatrix tangentA, RowBlockMatrix tangentB) {
    PinvSolver.requireNoRightHandSides(tangentB);
    if (tangentA == null) {
      int n = a.cols();
      return a.withBlocks(a.blocks().map(block -> block.withValues(DoubleMatrix.zeros(block.rows(), n))), n);
    }
    return jvpTranspose(tangentA);
  }

  private RowBlockMatrix adjointMap(String name, RowBlockMatrix h) {
    if (h.cols() != a.cols()) {
      throw new InvalidInputException("shape mismatch: " + name + " is " + h.shape() + " but must be "
          + a.shape() + " like A");
    }
    a.requireAlignedWith(name, h);
    Broadcast<PinvFactorization> f = broadcast(factorization);
    JavaRDD<DoubleMatrix> terms = a.blocks().zip(h.blocks()).map(pair -> {
      pair._2().requireFinite(name);
      return PinvVjp.blockTerm(f.value(), pair._1().matrix(), pair._2().matrix());
    });
    DoubleMatrix reduced = DeterministicReduce.reduce(terms, fanIn, DeterministicReduce::sum);
    Broadcast<PinvVjp> map = broadcast(PinvVjp.fromReduction(factorization, reduced));
    return a.withBlocks(a.blocks().zip(h.blocks())
        .map(pair -> pair._1().withValues(map.value().rowMap(pair._1().matrix(), pair._2().matrix()))), a.cols());
  }

  <T> Broadcast<T> broadcast(T value) {
    return JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(value);
  }
}
