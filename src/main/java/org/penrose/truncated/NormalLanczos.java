package org.penrose.truncated;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.penrose.engine.DeterministicReduce;
import org.penrose.engine.DriverThreads;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.engine.Scratch;
import org.penrose.engine.Tsqr;
import org.penrose.factor.OrthonormalBasis;
import org.penrose.factor.QrTriangle;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;
import org.penrose.matrix.MatrixBlock;

/**
 * The truncated SVD's first iteration ({@link KrylovIteration#NORMAL_OPERATOR}): thick-restarted
 * block Lanczos on the normal operator {@code A^T A}, applied as {@code A^T (A W)} in one pass
 * (the matrix {@code A^T A} is never formed), with the right basis {@code V} ({@code n x d}) on the
 * driver and no distributed basis. Its Krylov space is the right space of block Golub–Kahan from the
 * same start block, so it takes the same number of steps, at one job per step and about half the
 * work per task.
 *
 * <p>Relations: with {@code H = V^T A^T A V} ({@code d x d}, every entry computed from {@code A},
 * never by recurrence) and {@code W} the newest block of {@code V},
 *
 * <pre>
 *   A^T A V = V H + W_next T E_W^T        (W_next orthonormal to V, T: b' x b)
 * </pre>
 *
 * so a Ritz pair {@code (theta_i, V y_i)} of {@code H} has {@code ||A^T A V y_i - theta_i V y_i|| =
 * ||T y_i,W||}, and with {@code s_i = sqrt(theta_i)}, {@code u_i = A v_i / s_i} the residual
 * {@code ||A^T u_i - s_i v_i||} is that divided by {@code s_i}. Once those estimates pass, the leading
 * {@code k} Ritz vectors {@code V_k} are finished on {@code A} itself: the TSQR of {@code A V_k = Q R}
 * and the SVD {@code R = X S Z^T} give {@code U = Q X} (orthonormalized by TSQR, never through a Gram
 * matrix), {@code S} and {@code V_k Z}, and the certificate is computed from {@code A}
 * ({@link TruncatedSvd#certified}).
 *
 * <p>Where it stops: the eigenvalues of {@code A^T A} carry an absolute error of about
 * {@code eps s_1^2}, so this iteration cannot certify {@code ||A^T u_i - s_i v_i|| <= tol s_1} for
 * {@code s_i} below about {@code (eps / tol) s_1}; it gives up (returns null) when {@code s_k} falls
 * under {@link #RANGE} times that, when a step brings no new direction (the Krylov space is invariant: it spans
 * {@code A}'s row space, of a rank below the basis, or every column of a small {@code A}) and its Ritz pairs fail
 * the certificate, or when the certificate fails, and {@link TruncatedSvd} then runs {@link BlockLanczos}. A new
 * block whose directions deflate in part goes on with the rest.
 */
final class NormalLanczos {
  /** Directions of a new block with singular values below this times {@code ||A^T A||} deflate. */
  private static final double DEFLATION = 64 * RankCutoff.EPS;

  /** Safety factor over {@code (eps / tol) s_1}, the smallest {@code s_k} this iteration attempts. */
  static final double RANGE = 1000;

  /** Certificate attempts (each one pass over {@code A}) before giving up on this iteration. */
  private static final int ATTEMPTS = 2;

  /** {@code A} in Spark, or null when the driver holds its blocks ({@link #driverBlocks}). */
  private final RowBlockMatrix a;
  private final List<MatrixBlock> driverBlocks;
  private final DriverThreads driverThreads;
  private final int k;
  private final int keep;
  private final int limit;
  private final TruncatedSvdOptions options;
  private NormalOperator product;
  private OrthonormalBasis right;
  /** {@code H = V^T A^T A V} for the basis without its newest block {@code W}. */
  private DoubleMatrix rayleigh = DoubleMatrix.zeros(0, 0);
  private DoubleMatrix newest;
  private double norm; // s_1 estimate
  private int steps;
  private int restarts;
  private int attempts;

  NormalLanczos(RowBlockMatrix a, int k, int keep, int block, int limit, TruncatedSvdOptions options) {
    this(a, null, null, a.cols(), k, keep, block, limit, options);
  }

  /** The iteration over {@code A}'s blocks held by the driver, run on {@code threads}, without Spark. */
  NormalLanczos(List<MatrixBlock> blocks, DriverThreads threads, int k, int keep, int block, int limit,
      TruncatedSvdOptions options) {
    this(null, blocks, threads, blocks.get(0).cols(), k, keep, block, limit, options);
  }

  private NormalLanczos(RowBlockMatrix a, List<MatrixBlock> driverBlocks, DriverThreads driverThreads, int n, int k,
      int keep, int block, int limit, TruncatedSvdOptions options) {
    this.a = a;
    this.driverBlocks = driverBlocks;
    this.driverThreads = driverThreads;
    this.k = k;
    this.keep = keep;
    this.limit = limit;
    this.options = options;
    this.right = OrthonormalBasis.empty(n, limit + block);
    DoubleMatrix f = options.startBlock(n, block);
    OrthonormalBasis.Extension start = right.extend(f, 0);
    this.newest = start.block;
    this.right = right.append(newest);
  }

  /** The certified triplets, or null when this iteration cannot certify them (see the class comment). */
  TruncatedSvd run() {
    try (NormalOperator operator = a != null ? NormalOperator.of(a, options.driverSteps)
        : NormalOperator.inDriver(driverBlocks, driverThreads, false)) {
      product = operator;
      if (options.progress != null) {
        options.progress.accept("svd: normal-operator block Lanczos, products " + operator.where());
      }
      return iterate();
    } finally {
      product = null;
    }
  }

  private TruncatedSvd iterate() {
    while (steps < options.maxSteps) {
      steps++;
      DoubleMatrix image = product.apply(newest); // A^T A W
      // A^T A W = V C + W_next T: C completes H's column block of W, W_next is the next block; the image
      // lies mostly in the last two blocks (H is block tridiagonal between restarts), so they go first
      OrthonormalBasis.Extension ext = right.extendImage(image,
          DEFLATION * Math.max(norm * norm, OrthonormalBasis.maxColumnNorm(image)), 2 * newest.cols());
      rayleigh = bordered(rayleigh, ext.projection);
      Lapack.Eigen ritz = Lapack.symmetricEigen(rayleigh);
      norm = Math.sqrt(Math.max(norm * norm, Math.max(0, ritz.values[0])));
      if (ext.block.cols() == 0) {
        // no new direction: the Krylov space is invariant (its basis spans A's row space, or every column of a
        // small A), so its Ritz pairs may be the triplets, which the certificate from A decides; a block with
        // fewer directions than the last (the rest deflated) goes on as the next block
        if (ritz.values.length < k) {
          return giveUp("the Krylov space ends after " + ritz.values.length + " directions (A's rank is below " + k
              + ")");
        }
        if (!inRange(ritz)) {
          return giveUp(tooSmall(ritz));
        }
        TruncatedSvd result = certified(ritz);
        if (result != null) {
          options.reportCertified(result);
          return result;
        }
        return giveUp("the Krylov space ends and its certificate did not hold");
      }
      boolean full = right.cols() + ext.block.cols() > limit;
      if (ritz.values.length >= k) {
        boolean pass = estimatesPass(ritz, ext.coefficients);
        if ((pass || full) && !inRange(ritz)) {
          return giveUp(tooSmall(ritz));
        }
        if (pass) {
          TruncatedSvd result = certified(ritz);
          if (result != null) {
            options.reportCertified(result);
            return result;
          }
          if (++attempts >= ATTEMPTS) {
            return giveUp("its certificate did not hold");
          }
        }
      }
      if (full) {
        restart(ritz, ext);
      }
      newest = ext.block;
      right = right.append(newest);
    }
    return giveUp("no certificate within " + steps + " block steps");
  }

  /** Why the iteration gives up when {@code s_k} is out of its reach. */
  private String tooSmall(Lapack.Eigen ritz) {
    return String.format("s_%d ~ %.3g is too small next to s_1 ~ %.6g for the normal operator", k,
        Math.sqrt(Math.max(0, ritz.values[k - 1])), norm);
  }

  /** {@code s_k >= RANGE (eps / tol) s_1}: the {@code k}-th Ritz value is within this iteration's reach. */
  private boolean inRange(Lapack.Eigen ritz) {
    return Math.sqrt(Math.max(0, ritz.values[k - 1])) >= RANGE * RankCutoff.EPS / options.tolerance * norm;
  }

  /**
   * {@code H} bordered by the column block {@code C = [V_old; W]^T A^T A W}: {@code [[H, C_old], [C_old^T,
   * sym(C_W)]]}, with the diagonal block symmetrized.
   */
  private static DoubleMatrix bordered(DoubleMatrix h, DoubleMatrix c) {
    int d = c.rows();
    int old = h.rows();
    int b = d - old;
    DoubleMatrix next = DoubleMatrix.zeros(d, d);
    for (int j = 0; j < old; j++) {
      System.arraycopy(h.values(), j * old, next.values(), j * d, old);
    }
    for (int j = 0; j < b; j++) {
      for (int i = 0; i < old; i++) {
        next.set(i, old + j, c.get(i, j));
        next.set(old + j, i, c.get(i, j));
      }
      for (int i = 0; i < b; i++) {
        next.set(old + i, old + j, 0.5 * (c.get(old + i, j) + c.get(old + j, i)));
      }
    }
    return next;
  }

  /** {@code ||T y_i,W|| / s_i <= tol s_1} for the leading {@code k} Ritz pairs. */
  private boolean estimatesPass(Lapack.Eigen ritz, DoubleMatrix t) {
    double[] residuals = residualEstimates(ritz, t, k);
    for (int i = 0; i < k; i++) {
      if (residuals[i] > options.tolerance * norm) {
        return false;
      }
    }
    return true;
  }

  /** {@code ||A^T u_i - s_i v_i||} estimated as {@code ||T y_i,W|| / s_i} for the leading {@code count} pairs. */
  private double[] residualEstimates(Lapack.Eigen ritz, DoubleMatrix t, int count) {
    int d = rayleigh.rows();
    int b = t.cols();
    DoubleMatrix lastRows = DoubleMatrix.zeros(b, count); // y_i,W: the newest block's coefficients
    for (int i = 0; i < count; i++) {
      for (int r = 0; r < b; r++) {
        lastRows.set(r, i, ritz.vectors.get(d - b + r, i));
      }
    }
    double[] norms = OrthonormalBasis.columnNorms(t.times(lastRows));
    for (int i = 0; i < count; i++) {
      double s = Math.sqrt(Math.max(0, ritz.values[i]));
      norms[i] = s == 0 ? Double.POSITIVE_INFINITY : norms[i] / s;
    }
    return norms;
  }

  /**
   * The leading {@code k} Ritz vectors {@code V_k} finished on {@code A}: the TSQR of {@code Y = A V_k}
   * gives {@code R = W S Z^T}, so {@code A V_k = U S Z^T} with {@code U = Y Z S^-1} and the triplets are
   * {@code (u_i, s_i, V_k z_i)}, certified from {@code A}; null when a direction deflates or the
   * certificate fails. In the driver when the steps ran there ({@link #finishedInDriver}), else with two Spark jobs
   * ({@link #finishedWithSpark}); the same kernels and merges either way.
   */
  private TruncatedSvd certified(Lapack.Eigen ritz) {
    DoubleMatrix vk = right.times(ritz.vectors.columns(0, k));
    // the next values, down to the deflation level (64 eps s_1^2 for A^T A), below which an eigenvalue of H is
    // rounding, as the zeros of a rank-deficient A are (Golub-Kahan's space ends at A's rank instead)
    int more = 0;
    while (more < Math.min(ritz.values.length - k, keep - k) && ritz.values[k + more] > DEFLATION * norm * norm) {
      more++;
    }
    double[] next = new double[more];
    for (int i = 0; i < more; i++) {
      next[i] = Math.sqrt(Math.max(0, ritz.values[k + i]));
    }
    List<DoubleMatrix> images = product.mapInDriver((i, block) -> block.times(vk));
    return images != null ? finishedInDriver(vk, images, next) : finishedWithSpark(vk, next);
  }

  /**
   * {@link #finishedInDriver}'s steps over {@code A}'s cached row blocks, in two jobs: the TSQR triangle of
   * {@code Y = A V_k} (cached while it is used), then {@code U = Y Z S^-1} in {@code A}'s row blocks (cached) with
   * its certificate. {@code U}'s lineage is {@code A}'s blocks and the broadcasts of {@code V_k} and {@code Z S^-1},
   * kept while {@code U} is referenced (Spark's cleaner removes them after): a lost block of {@code U} is recomputed
   * from {@code A}, with no checkpoint to write.
   */
  private TruncatedSvd finishedWithSpark(DoubleMatrix vk, double[] next) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(a.blocks().context());
    Broadcast<DoubleMatrix> v = sc.broadcast(vk);
    JavaRDD<DoubleMatrix> images = a.blocks().map(block -> block.matrix().times(v.value()))
        .persist(StorageLevel.MEMORY_ONLY());
    List<Broadcast<?>> broadcasts = new ArrayList<>(List.of(v));
    TruncatedSvd result = null;
    try {
      LeftBasis.Directions dir = new LeftBasis.Directions(DeterministicReduce.reduce(
          images.map(y -> QrTriangle.ofBlock(y, null)), QrTriangle::merge), DEFLATION, norm);
      if (dir.kept < k) {
        return null;
      }
      Broadcast<DoubleMatrix> map = sc.broadcast(dir.map);
      broadcasts.add(map);
      Broadcast<DoubleMatrix> vectors = sc.broadcast(dir.vectors); // A V_k Z for the certificate only
      RowBlockMatrix u = a.withBlocks(a.blocks().zip(images).map(p -> p._1().withValues(p._2().times(map.value()))),
          k);
      u.blocks().persist(StorageLevel.MEMORY_AND_DISK());
      double[] values = dir.values;
      TripletCertificate c = DeterministicReduce.reduce(a.blocks().zip(images).zip(u.blocks()).map(t ->
          TripletCertificate.ofBlock(t._1()._1().matrix(), t._2().values(), t._1()._2().times(vectors.value()),
              values)), TripletCertificate::merge);
      Scratch.destroy(vectors);
      DoubleMatrix rotated = vk.times(dir.vectors);
      TruncatedSvd.Certification passed = c.passed(rotated, values, next, options.tolerance);
      if (passed == null) {
        u.unpersist();
        return null;
      }
      result = new TruncatedSvd(u, values, rotated, passed,
          new TruncatedSvd.Run(KrylovIteration.NORMAL_OPERATOR, steps, restarts, false));
      return result;
    } finally {
      images.unpersist(false);
      if (result == null) {
        broadcasts.forEach(Scratch::destroy);
      }
    }
  }

  private TruncatedSvd finishedInDriver(DoubleMatrix vk, List<DoubleMatrix> images, double[] next) {
    List<QrTriangle> triangles = product.mapInDriver((i, block) -> QrTriangle.ofBlock(images.get(i), null));
    LeftBasis.Directions dir = new LeftBasis.Directions(
        DeterministicReduce.reduceInOrder(triangles, Tsqr.DEFAULT_FAN_IN, QrTriangle::merge), DEFLATION, norm);
    if (dir.kept < k) {
      return null;
    }
    List<DoubleMatrix> u = product.mapInDriver((i, block) -> images.get(i).times(dir.map));
    List<TripletCertificate> terms = product.mapInDriver((i, block) ->
        TripletCertificate.ofBlock(block, u.get(i), images.get(i).times(dir.vectors), dir.values));
    TripletCertificate c = DeterministicReduce.reduceInOrder(terms, Tsqr.DEFAULT_FAN_IN, TripletCertificate::merge);
    DoubleMatrix v = vk.times(dir.vectors);
    TruncatedSvd.Certification passed = c.passed(v, dir.values, next, options.tolerance);
    if (passed == null) {
      return null;
    }
    TruncatedSvd.Run run = new TruncatedSvd.Run(KrylovIteration.NORMAL_OPERATOR, steps, restarts, false);
    if (a == null) {
      return TruncatedSvd.inDriver(u, dir.values, v, passed, run);
    }
    long[] starts = a.blockStarts();
    List<RowBlock> blocks = new ArrayList<>();
    for (int i = 0; i < u.size(); i++) {
      blocks.add(new RowBlock(starts[i], u.get(i)));
    }
    RowBlockMatrix matrix = RowBlockMatrix.fromLocalBlocks(JavaSparkContext.fromSparkContext(a.blocks().context()),
        blocks, starts, k);
    matrix.blocks().persist(StorageLevel.MEMORY_AND_DISK());
    matrix.blocks().count();
    return new TruncatedSvd(matrix, dir.values, v, passed, run);
  }

  /**
   * Keeps the leading {@code keep} Ritz vectors: {@code V <- V Y_l}, {@code H = diag(theta_l)}. The
   * pending block {@code W_next} stays orthogonal to them, and its coupling to them is recomputed
   * from {@code A} in the next step.
   */
  private void restart(Lapack.Eigen ritz, OrthonormalBasis.Extension ext) {
    restarts++;
    int l = Math.min(keep, ritz.values.length);
    int shown = Math.min(k, ritz.values.length);
    if (options.progress != null) {
      options.reportRestart(restarts, steps, right.cols(), norm, shown, Math.sqrt(Math.max(0, ritz.values[shown - 1])),
          residualEstimates(ritz, ext.coefficients, shown));
    }
    right = right.rotate(ritz.vectors.columns(0, l));
    rayleigh = DoubleMatrix.zeros(l, l);
    for (int i = 0; i < l; i++) {
      rayleigh.set(i, i, ritz.values[i]);
    }
  }

  private TruncatedSvd giveUp(String why) {
    if (options.progress != null) {
      options.progress.accept("svd: the normal-operator iteration stops after " + steps + " block steps: " + why
          + "; continuing with Golub-Kahan");
    }
    return null;
  }
}
