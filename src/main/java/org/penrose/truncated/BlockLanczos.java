package org.penrose.truncated;

import java.util.Arrays;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.OrthonormalBasis;
import org.penrose.factor.QrTriangle;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;

/**
 * One run of the restarted block Golub–Kahan–Lanczos process behind {@link TruncatedSvd}: the
 * driver-side state ({@code V}, {@code B}, {@code F}, {@code G}) and the distributed left basis
 * ({@link LeftBasis}); see {@link TruncatedSvd} for the relations it maintains.
 */
final class BlockLanczos {
  /** Directions of a new block with singular values below this times {@code ||A||} deflate (are dropped). */
  private static final double DEFLATION = 64 * RankCutoff.EPS;

  private final RowBlockMatrix a;
  private final int k;
  private final int keep;
  private final int limit;
  private final TruncatedSvdOptions options;
  private final int block;
  private OrthonormalBasis right;
  private LeftBasis left;
  private DoubleMatrix bidiagonal = DoubleMatrix.zeros(0, 0);
  private DoubleMatrix seed; // F
  private DoubleMatrix coupling; // G
  private DoubleMatrix seedTriangle; // R of F = Q R, for the residual estimates
  private double norm;
  private int steps;
  private int restarts;

  BlockLanczos(RowBlockMatrix a, int k, int keep, int block, int limit, TruncatedSvdOptions options) {
    this.a = a;
    this.k = k;
    this.keep = keep;
    this.block = block;
    this.limit = limit;
    this.options = options;
    this.right = OrthonormalBasis.empty(a.cols(), limit + block); // the basis never exceeds limit + block columns
    this.left = LeftBasis.empty(a);
    this.seed = options.startBlock(a.cols(), block);
    this.coupling = DoubleMatrix.zeros(0, block);
  }

  TruncatedSvd run() {
    while (true) {
      boolean exhausted = !step();
      Lapack.Svd ritz = Lapack.svd(bidiagonal);
      norm = Math.max(norm, ritz.s.length == 0 ? 0 : ritz.s[0]);
      int available = ritz.s.length;
      if (exhausted || available >= k && estimatesPass(ritz)) {
        TruncatedSvd result = certified(ritz, Math.min(k, available), exhausted);
        if (result != null) {
          left.release();
          options.reportCertified(result);
          return result;
        }
      }
      if (steps >= options.maxSteps) {
        throw new ArithmeticException("the truncated SVD of rank " + k + " did not reach its certificate (tolerance "
            + options.tolerance + ") within " + steps + " block steps; lower the rank or raise the tolerance");
      }
      if (right.cols() >= limit) {
        restart(ritz);
      }
    }
  }

  /** One block step; false when the Krylov space is exhausted (no new direction on either side). */
  private boolean step() {
    steps++;
    OrthonormalBasis.Extension ext = right.extend(seed,
        DEFLATION * Math.max(norm, OrthonormalBasis.maxColumnNorm(seed)));
    if (ext.block.cols() == 0) {
      return false;
    }
    DoubleMatrix c = coupling.timesTranspose(ext.coefficients); // U^T A V_new = G T^T, d' x b
    OrthonormalBasis before = right;
    right = right.append(ext.block);
    DoubleMatrix lanczos = bidiagonal;
    // A^T U = V_old B^T + V_new C^T (the Lanczos relation, with F = V_new T)
    LeftBasis.Extension grown = left.extend(ext.block, c, DEFLATION, norm,
        x -> before.times(lanczos.transposeTimes(x)).plusScaled(1.0, ext.block.times(c.transposeTimes(x))));
    left = grown.basis; // the previous basis is released once this one is materialized
    int du = bidiagonal.rows();
    int dv = bidiagonal.cols();
    int bv = ext.block.cols();
    int bu = grown.added;
    DoubleMatrix next = DoubleMatrix.zeros(du + bu, dv + bv);
    for (int j = 0; j < dv; j++) {
      System.arraycopy(bidiagonal.values(), j * du, next.values(), j * (du + bu), du);
    }
    for (int j = 0; j < bv; j++) {
      for (int i = 0; i < du; i++) {
        next.set(i, dv + j, c.get(i, j));
      }
      for (int i = 0; i < bu; i++) {
        next.set(du + i, dv + j, grown.coefficients.get(i, j));
      }
    }
    bidiagonal = next;
    // A^T U_new = V_new T^T + F: the next seed
    seed = grown.transposeProduct;
    Lapack.gemmInto(false, true, -1.0, ext.block, grown.coefficients, 1.0, seed);
    seedTriangle = null;
    coupling = DoubleMatrix.zeros(du + bu, bu);
    for (int i = 0; i < bu; i++) {
      coupling.set(du + i, i, 1.0);
    }
    return bu > 0;
  }

  /** The residual estimates {@code ||F G^T x_i||} of the leading {@code k} Ritz triplets pass. */
  private boolean estimatesPass(Lapack.Svd ritz) {
    double[] estimates = estimates(ritz, k);
    for (double e : estimates) {
      if (e > options.tolerance * norm) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@code ||F G^T x_i||} for the leading {@code count} Ritz vectors, as {@code ||R_F G^T x_i||} with {@code F = Q_F
   * R_F}.
   */
  private double[] estimates(Lapack.Svd ritz, int count) {
    if (seedTriangle == null) {
      seedTriangle = QrTriangle.ofBlock(seed, null).r();
    }
    DoubleMatrix g = coupling.transposeTimes(ritz.u.columns(0, count)); // G^T X, b x count
    return OrthonormalBasis.columnNorms(seedTriangle.times(g));
  }

  /** The leading {@code r} Ritz triplets with their certificate from {@code A}, or null if it fails. */
  private TruncatedSvd certified(Lapack.Svd ritz, int r, boolean exhausted) {
    double[] s = Arrays.copyOf(ritz.s, r);
    LeftBasis uk = left.rotate(ritz.u.columns(0, r));
    DoubleMatrix vk = right.times(ritz.v.columns(0, r));
    int more = Math.min(ritz.s.length - r, Math.max(0, keep - k));
    double[] next = Arrays.copyOfRange(ritz.s, r, r + more);
    TruncatedSvd result = TruncatedSvdSolver.certified(uk, vk, s, next, options.tolerance,
        new TruncatedSvd.Run(KrylovIteration.GOLUB_KAHAN, steps, restarts, exhausted && r < k));
    if (result == null && exhausted) {
      throw new ArithmeticException("the Krylov space was exhausted but the certificate exceeds the tolerance "
          + options.tolerance);
    }
    return result;
  }

  /**
   * Keeps the leading {@code k + p} Ritz triplets: {@code U <- U X_l}, {@code V <- V Y_l}, {@code B = S_l}, {@code G <-
   * X_l^T G}.
   */
  private void restart(Lapack.Svd ritz) {
    restarts++;
    int l = Math.min(keep, ritz.s.length);
    int shown = Math.min(k, ritz.s.length);
    if (options.progress != null) {
      options.reportRestart(restarts, steps, right.cols(), norm, shown, ritz.s[shown - 1], estimates(ritz, shown));
    }
    LeftBasis rotated = left.rotate(ritz.u.columns(0, l));
    left.release();
    left = rotated;
    right = right.rotate(ritz.v.columns(0, l));
    bidiagonal = DoubleMatrix.zeros(l, l);
    for (int i = 0; i < l; i++) {
      bidiagonal.set(i, i, ritz.s[i]);
    }
    coupling = ritz.u.columns(0, l).transposeTimes(coupling);
  }
}
