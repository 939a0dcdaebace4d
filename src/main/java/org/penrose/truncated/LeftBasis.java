package org.penrose.truncated;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.ReliableCheckpoints;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.engine.Scratch;
import org.penrose.factor.QrTriangle;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;
import org.penrose.matrix.MatrixBlock;
import org.penrose.matrix.SegmentedColumns;

/**
 * The left ({@code m}-sized) basis {@code U} of the truncated SVD's block Lanczos process, kept in
 * {@code A}'s row blocks (each partition holds its rows of {@code U} as column segments) and grown
 * one block at a time. A new block {@code Y = A V_new - U C} is orthonormalized against {@code U} by
 * block classical Gram–Schmidt (a reduction of {@code U_i^T Y_i}; a second one where a column
 * lost most of its norm), then factored by TSQR (never through a Gram matrix); the same pass reduces {@code A^T Y}, so
 * the next right-hand
 * block costs no extra pass. A second round follows when the TSQR triangle is ill-conditioned.
 * Every sum is merged in partition order ({@link DeterministicReduce}).
 */
public final class LeftBasis {
  /** A second orthonormalization round follows when the kept directions' condition number exceeds this. */
  static final double REFINE_CONDITION = 1e4;

  private final RowBlockMatrix a;
  private final JavaRDD<SegmentedColumns> rows;
  private final int cols;
  /** What {@link #rows} was computed from, released once a job has materialized (and checkpointed) it. */
  private final Scratch pending;

  private LeftBasis(RowBlockMatrix a, JavaRDD<SegmentedColumns> rows, int cols, Scratch pending) {
    this.a = a;
    this.rows = rows;
    this.cols = cols;
    this.pending = pending;
  }

  private LeftBasis(RowBlockMatrix a, JavaRDD<SegmentedColumns> rows, int cols) {
    this(a, rows, cols, new Scratch());
  }

  /**
   * Called after a job that read {@link #rows}: the basis is materialized and its new block written to
   * its checkpoint, so the blocks and broadcasts it was computed from can go.
   */
  private void settle() {
    pending.release();
  }

  /** No columns yet. */
  static LeftBasis empty(RowBlockMatrix a) {
    JavaRDD<SegmentedColumns> empty = a.blocks().map(b -> SegmentedColumns.empty(b.rows()));
    return new LeftBasis(a, empty, 0);
  }

  int cols() {
    return cols;
  }

  /** The result of {@link #extend}: {@code A V_new - U C = U_new T} (up to rounding) and {@code A^T U_new}. */
  static final class Extension {
    final LeftBasis basis;
    final DoubleMatrix coefficients;
    final DoubleMatrix transposeProduct;
    final int added;

    Extension(LeftBasis basis, DoubleMatrix coefficients, DoubleMatrix transposeProduct, int added) {
      this.basis = basis;
      this.coefficients = coefficients;
      this.transposeProduct = transposeProduct;
      this.added = added;
    }
  }

  /** {@code [U_i^T Y_i; ||Y_i columns||^2]} ({@code (d + 1) x b}) for one row block, {@code U_i} {@code rows x d}. */
  static DoubleMatrix projectionAndNorms(SegmentedColumns basisRows, DoubleMatrix block, int d) {
    DoubleMatrix projection = basisRows.transposeTimes(block);
    DoubleMatrix out = DoubleMatrix.zeros(d + 1, block.cols());
    for (int j = 0; j < block.cols(); j++) {
      System.arraycopy(projection.values(), j * d, out.values(), j * (d + 1), d);
      out.set(d, j, block.columnSumOfSquares(j, 0, block.rows()));
    }
    return out;
  }

  /** A TSQR triangle and a summed product, reduced together in one pass. */
  static final class TriangleAndSum implements Serializable {
    private static final long serialVersionUID = 1L;
    final QrTriangle triangle;
    final DoubleMatrix sum;

    TriangleAndSum(QrTriangle triangle, DoubleMatrix sum) {
      this.triangle = triangle;
      this.sum = sum;
    }

    static TriangleAndSum merge(List<TriangleAndSum> parts) {
      DoubleMatrix sum = parts.get(0).sum.copy();
      QrTriangle[] triangles = new QrTriangle[parts.size()];
      for (int i = 0; i < parts.size(); i++) {
        triangles[i] = parts.get(i).triangle;
        if (i > 0) {
          sum = sum.plusScaled(1.0, parts.get(i).sum);
        }
      }
      return new TriangleAndSum(QrTriangle.merge(List.of(triangles)), sum);
    }
  }

  /**
   * The one-pass sums of a new block {@code Y}: {@code [U^T Y; ||Y_j||^2]}, the TSQR triangle of {@code Y}, {@code A^T
   * Y}.
   */
  static final class FirstPass implements Serializable {
    private static final long serialVersionUID = 1L;
    final DoubleMatrix projection;
    final TriangleAndSum triangleAndProduct;

    FirstPass(DoubleMatrix projection, TriangleAndSum triangleAndProduct) {
      this.projection = projection;
      this.triangleAndProduct = triangleAndProduct;
    }

    static FirstPass merge(List<FirstPass> parts) {
      List<DoubleMatrix> projections = new ArrayList<>();
      List<TriangleAndSum> rest = new ArrayList<>();
      for (FirstPass p : parts) {
        projections.add(p.projection);
        rest.add(p.triangleAndProduct);
      }
      return new FirstPass(DeterministicReduce.sum(projections), TriangleAndSum.merge(rest));
    }
  }

  /**
   * The orthonormal directions of a block from its TSQR triangle {@code R = W S Z^T}: {@code M = Z_kept S_kept^-1},
   * {@code T = S_kept Z_kept^T}.
   */
  static final class Directions {
    final DoubleMatrix map;
    final DoubleMatrix coefficients;
    final int kept;
    final double condition;
    /** {@code S_kept}, descending. */
    final double[] values;
    /** {@code Z_kept} ({@code c x kept}). */
    final DoubleMatrix vectors;

    Directions(QrTriangle triangle, double relativeDeflation, double scale) {
      DoubleMatrix square = triangle.squareR();
      Lapack.Svd svd = Lapack.svd(square);
      double largest = svd.s.length == 0 ? 0 : svd.s[0];
      kept = RankCutoff.rank(svd.s, relativeDeflation * Math.max(scale, largest));
      map = DoubleMatrix.zeros(square.cols(), kept);
      coefficients = DoubleMatrix.zeros(kept, square.cols());
      for (int j = 0; j < kept; j++) {
        for (int i = 0; i < square.cols(); i++) {
          map.set(i, j, svd.v.get(i, j) / svd.s[j]);
          coefficients.set(j, i, svd.s[j] * svd.v.get(i, j));
        }
      }
      condition = kept == 0 ? 1 : svd.s[0] / svd.s[kept - 1];
      values = Arrays.copyOf(svd.s, kept);
      vectors = svd.v.columns(0, kept);
    }
  }

  /** Largest loss of orthogonality accepted from the one-pass form, {@code max |(C M)_ij|}. */
  static final double ONE_PASS_LOSS = 1e-7;

  /**
   * Appends the orthonormalized block of {@code Y = A V_new - U C}: returns {@code U_new}
   * ({@code m x b'}), {@code T} ({@code b' x b}) with {@code Y ~ U_new T + U (...)}, and
   * {@code A^T U_new} ({@code n x b'}). Directions of {@code Y} whose singular values are at most
   * {@code relativeDeflation * max(scale, ||Y||)} are dropped ({@code b' < b}).
   *
   * <p>Usually one pass (one Spark job) reduces {@code C' = U^T Y}, the TSQR triangle {@code R} of
   * {@code Y} and {@code A^T Y} together, and then {@code U_new = (Y - U C') M} with {@code M} from the
   * SVD of {@code R}, and {@code A^T U_new = (A^T Y - (A^T U) C') M}, where {@code (A^T U) C'} comes
   * from the Lanczos relation on the driver ({@code aTransposeU}). Since {@code Y - U C'} has the
   * Gram matrix {@code R^T R - C'^T C'}, this is orthonormal to {@code O(|C' M|^2)} and is accepted
   * while {@code C' M} is tiny (as it is when {@code Y} is already orthogonal to {@code U} up to
   * rounding, the usual case); otherwise the block is orthogonalized again and re-factored
   * ({@link #orthogonalize}, TSQR) from {@code Y - U C'}.
   *
   * @param vNew {@code V_new} ({@code n x b})
   * @param coupling {@code C} ({@code d x b}), the coupling {@code U^T A V_new}
   * @param aTransposeU {@code X -> (A^T U) X} ({@code d x b -> n x b}), from the Lanczos relation
   */
  Extension extend(DoubleMatrix vNew, DoubleMatrix coupling, double relativeDeflation, double scale,
      UnaryOperator<DoubleMatrix> aTransposeU) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(a.blocks().context());
    Broadcast<DoubleMatrix> v = sc.broadcast(vNew);
    Broadcast<DoubleMatrix> c = sc.broadcast(coupling);
    List<Broadcast<?>> broadcasts = new ArrayList<>(List.of(v, c));
    List<JavaRDD<DoubleMatrix>> cached = new ArrayList<>();
    int d = cols;
    JavaRDD<DoubleMatrix> y = a.blocks().zip(rows).map(pair -> {
      DoubleMatrix product = pair._1().matrix().times(v.value());
      return d == 0 ? product : pair._2().minusTimes(product, c.value());
    }).persist(StorageLevel.MEMORY_ONLY());
    cached.add(y);
    FirstPass first = DeterministicReduce.reduce(a.blocks().zip(rows).zip(y).map(t -> {
      DoubleMatrix block = t._2();
      DoubleMatrix out = projectionAndNorms(t._1()._2(), block, d);
      return new FirstPass(out, new TriangleAndSum(QrTriangle.ofBlock(block, null),
          t._1()._1().matrix().transposeTimes(block)));
    }), FirstPass::merge);
    settle();
    DoubleMatrix projection = first.projection.rowRange(0, d);
    Directions dir = new Directions(first.triangleAndProduct.triangle, relativeDeflation, scale);
    DoubleMatrix loss = projection.times(dir.map);
    if (dir.condition <= REFINE_CONDITION && (d == 0 || loss.maxAbs() <= ONE_PASS_LOSS)) {
      Broadcast<DoubleMatrix> p = sc.broadcast(projection);
      Broadcast<DoubleMatrix> m = sc.broadcast(dir.map);
      broadcasts.add(p);
      broadcasts.add(m);
      JavaRDD<DoubleMatrix> mapped = rows.zip(y).map(pair ->
          (d == 0 ? pair._2() : pair._1().minusTimes(pair._2(), p.value())).times(m.value()));
      DoubleMatrix product = first.triangleAndProduct.sum;
      if (d > 0) {
        product = product.plusScaled(-1.0, aTransposeU.apply(projection));
      }
      return grown(mapped, dir.coefficients, product.times(dir.map), dir.kept, cached, broadcasts);
    }
    // the block needs another orthogonalization: from Y - U C', the two-pass route
    Broadcast<DoubleMatrix> p0 = sc.broadcast(projection);
    broadcasts.add(p0);
    JavaRDD<DoubleMatrix> current = rows.zip(y).map(pair -> pair._1().minusTimes(pair._2(), p0.value()));
    DoubleMatrix coefficients = null;
    for (int round = 0; ; round++) {
      current = orthogonalize(current, cached, broadcasts);
      TriangleAndSum reduced = triangleAndTransposeProduct(current);
      Directions next = new Directions(reduced.triangle, relativeDeflation, scale);
      coefficients = coefficients == null ? next.coefficients : next.coefficients.times(coefficients);
      Broadcast<DoubleMatrix> m = sc.broadcast(next.map);
      broadcasts.add(m);
      JavaRDD<DoubleMatrix> mapped = current.map(block -> block.times(m.value()));
      if (next.condition <= REFINE_CONDITION || round == 1 || next.kept == 0) {
        return grown(mapped, coefficients, reduced.sum.times(next.map), next.kept, cached, broadcasts);
      }
      current = mapped;
    }
  }

  /** The basis with the new block appended, materialized (and the block checkpointed) by the next job that reads it. */
  private Extension grown(JavaRDD<DoubleMatrix> block, DoubleMatrix coefficients, DoubleMatrix transposeProduct,
      int added, List<? extends JavaRDD<?>> cached, List<Broadcast<?>> broadcasts) {
    Scratch scratch = new Scratch(cached, broadcasts);
    JavaRDD<SegmentedColumns> grown = appended(rows, block, scratch);
    scratch.add(rows); // this basis: released with the rest once the new one is materialized
    return new Extension(new LeftBasis(a, grown, cols + added, scratch), coefficients, transposeProduct, added);
  }

  /**
   * {@code [basis, block]}, cached. The new block is written to a reliable checkpoint by the job that
   * first computes it ({@link ReliableCheckpoints#save}); its cached copy is added to {@code pending},
   * since the grown basis holds the same segments. A lost partition of the grown basis is then
   * recomputed from the earlier basis (cached, or recomputed the same way) and the block's files: no
   * broadcast, no block on a lost executor is needed, at any step or after the SVD.
   */
  private static JavaRDD<SegmentedColumns> appended(JavaRDD<SegmentedColumns> basis, JavaRDD<DoubleMatrix> block,
      Scratch pending) {
    JavaRDD<DoubleMatrix> saved = ReliableCheckpoints.save(block);
    pending.add(saved);
    return basis.zip(saved).map(pair -> pair._1().append(pair._2())).persist(StorageLevel.MEMORY_AND_DISK());
  }

  /**
   * {@code Y - U (U^T Y)}, one reduction, and a second pass (another reduction) only where a column
   * lost more than half its norm in the first (the DGKS criterion; its norms come with the same
   * reduction: {@code ||Y - U C||^2 = ||Y||^2 - ||C||^2}). The blocks passed through are cached in
   * {@code cached}.
   */
  private JavaRDD<DoubleMatrix> orthogonalize(JavaRDD<DoubleMatrix> y, List<JavaRDD<DoubleMatrix>> cached,
      List<Broadcast<?>> broadcasts) {
    JavaRDD<DoubleMatrix> current = y;
    int d = cols;
    for (int pass = 0; pass < 2 && d > 0; pass++) {
      current.persist(StorageLevel.MEMORY_ONLY());
      cached.add(current);
      // [U_i^T Y_i; ||Y_i columns||^2] ((d + 1) x b), summed in partition order
      DoubleMatrix reduced = DeterministicReduce.reduce(rows.zip(current)
          .map(pair -> projectionAndNorms(pair._1(), pair._2(), d)), DeterministicReduce::sum);
      DoubleMatrix projection = reduced.rowRange(0, d);
      boolean enough = true;
      for (int j = 0; j < reduced.cols(); j++) {
        double removed = 0;
        for (int i = 0; i < d; i++) {
          removed += projection.get(i, j) * projection.get(i, j);
        }
        double before = reduced.get(d, j);
        enough &= before - removed >= 0.25 * before;
      }
      Broadcast<DoubleMatrix> p = JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(projection);
      broadcasts.add(p);
      current = rows.zip(current).map(pair -> pair._1().minusTimes(pair._2(), p.value()));
      if (enough) {
        break;
      }
    }
    current.persist(StorageLevel.MEMORY_ONLY());
    cached.add(current);
    return current;
  }

  /** TSQR of {@code Y} and {@code A^T Y}, reduced in one pass. */
  private TriangleAndSum triangleAndTransposeProduct(JavaRDD<DoubleMatrix> y) {
    return DeterministicReduce.reduce(a.blocks().zip(y).map(pair -> new TriangleAndSum(
        QrTriangle.ofBlock(pair._2(), null), pair._1().matrix().transposeTimes(pair._2()))), TriangleAndSum::merge);
  }

  /** {@code U X} ({@code m x l}) as the new basis (one segment per partition). */
  LeftBasis rotate(DoubleMatrix x) {
    if (!pending.isEmpty()) {
      // materialize (and checkpoint) this basis first: a job checkpoints only the last marked RDD of
      // its lineage, so the rotation's job alone would leave this basis with its lineage (and the
      // broadcasts settle() destroys) for a later step to meet when the certificate fails
      rows.count();
      settle();
    }
    Broadcast<DoubleMatrix> xb = JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(x);
    JavaRDD<DoubleMatrix> products = rows.map(u -> u.times(xb.value()));
    Scratch saved = new Scratch();
    JavaRDD<SegmentedColumns> rotated = appended(empty(a).rows, products, saved);
    rotated.count(); // computes the products and writes their checkpoint
    saved.release();
    settle();
    Scratch.destroy(xb);
    return new LeftBasis(a, rotated, x.cols());
  }

  /**
   * For this basis as the left singular vectors {@code U} ({@code m x r}) of the triplets
   * {@code (u_i, s_i, v_i)}: {@code ||A v_i - s_i u_i||^2}, {@code A^T U} and {@code U^T U}, in one pass (which
   * computes {@code A_i V}).
   */
  TripletCertificate certify(DoubleMatrix v, double[] s) {
    Broadcast<DoubleMatrix> vb = JavaSparkContext.fromSparkContext(a.blocks().context()).broadcast(v);
    JavaRDD<DoubleMatrix> av = a.blocks().map(b -> b.matrix().times(vb.value()));
    double[] singular = s.clone();
    TripletCertificate c = DeterministicReduce.reduce(a.blocks().zip(rows).zip(av).map(t ->
        TripletCertificate.ofBlock(t._1()._1().matrix(), t._1()._2().matrix(), t._2(), singular)),
            TripletCertificate::merge);
    settle();
    Scratch.destroy(vb);
    return c;
  }

  /** The basis as dense row blocks aligned with {@code A} ({@code m x d}); {@link #settle} after materializing it. */
  RowBlockMatrix matrix() {
    return a.withBlocks(a.blocks().zip(rows).map(pair -> pair._1().withValues((MatrixBlock) pair._2().matrix())),
        cols);
  }

  /** Frees the cached rows (and whatever they were computed from). */
  void release() {
    Scratch.drop(rows);
    settle();
  }
}
