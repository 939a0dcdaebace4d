package org.penrose.truncated;

import java.util.Arrays;
import java.util.List;
import org.penrose.engine.DriverThreads;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.MatrixBlock;

/**
 * The truncated SVD {@code A ~ U_k S_k V_k^T} of a row-block matrix (dense or sparse blocks, any
 * {@code n}): {@code U_k} ({@code m x k}) in {@code A}'s row blocks, {@code S_k} and {@code V_k}
 * ({@code n x k}) on the driver. The engine's second route, for {@code n + k > 4096}, sparse inputs,
 * and fixed ranks.
 *
 * <p>Algorithm: block Golub–Kahan–Lanczos bidiagonalization with full reorthogonalization and
 * thick restarts (Golub &amp; Kahan 1965; block form as in Golub, Luk &amp; Overton 1981; restarts
 * as Baglama &amp; Reichel 2005). With the right basis {@code V} ({@code n x d}, driver), the left
 * basis {@code U} ({@code m x d'}, row blocks) and a small upper block-triangular {@code B}:
 *
 * <pre>
 *   A V = U B,        A^T U = V B^T + F G^T       (F: n x b, the next block's seed)
 * </pre>
 *
 * Each step orthonormalizes {@code F} against {@code V} (Householder, on the driver), forms
 * {@code Y = A V_new - U (G T^T)} row-locally, orthonormalizes it against {@code U} by Gram–Schmidt
 * twice and TSQR ({@link LeftBasis}; never a Gram matrix), and reduces {@code A^T U_new} in partition
 * order. The SVD {@code B = X S Y^T} gives the Ritz triplets {@code (U x_i, s_i, V y_i)} with residuals
 * {@code ||A^T u_i - s_i v_i|| = ||F G^T x_i||}. When the basis reaches its size limit it is restarted
 * from the leading {@code k + p} Ritz vectors ({@code p} = oversampling), which keeps the memory at
 * {@code O(n (k + p + restart blocks))} on the driver and {@code O(block rows x the same)} per task.
 *
 * <p>Stopping rule: an a posteriori certificate, recomputed from {@code A} itself once the estimates
 * pass: {@code ||A v_i - s_i u_i|| <= tol s_1} and {@code ||A^T u_i - s_i v_i|| <= tol s_1} for every
 * returned triplet (default {@code tol = 1e-10}), never an iteration count. Deterministic: the start
 * block comes from the seed on the driver and every sum is merged in partition order, so the same
 * input, partitioning and seed give the same bits.
 */
public final class TruncatedSvd {
  /**
   * What an error tells a caller to do when the cut-off does not settle the rank (the command line: {@code --rank K}).
   */
  public static final String FIX_THE_RANK = "fix the rank K (TruncatedSvd.compute, DistributedLstsq.solveTruncated)";

  /** Default certificate tolerance, relative to {@code s_1}. */
  public static final double DEFAULT_TOLERANCE = 1e-10;

  /** Default largest rank the cut-off route grows to. */
  public static final int DEFAULT_MAX_RANK = 500;



  /**
   * How the triplets were found.
   *
   * @param iteration {@link KrylovIteration#NORMAL_OPERATOR} or {@link KrylovIteration#GOLUB_KAHAN}
   * @param steps block Lanczos steps taken
   * @param restarts thick restarts made
   * @param exhausted whether the Krylov space ran out before {@code k} triplets ({@code A} has exact rank
   *     {@code r < k})
   */
  record Run(KrylovIteration iteration, int steps, int restarts, boolean exhausted) {}

  /**
   * The a posteriori certificate, computed from {@code A}.
   *
   * @param leftResiduals {@code ||A v_i - s_i u_i||} per triplet
   * @param rightResiduals {@code ||A^T u_i - s_i v_i||} per triplet
   * @param nextValues Ritz estimates of the singular values after the returned ones
   * @param tolerance the bound the residuals meet, relative to {@code s_1}
   * @param uOrthogonality {@code max |U^T U - I|}
   * @param vOrthogonality {@code max |V^T V - I|}
   */
  record Certification(double[] leftResiduals, double[] rightResiduals, double[] nextValues, double tolerance,
      double uOrthogonality, double vOrthogonality) {

    /** The certificate of the first {@code r} triplets, the dropped values {@code next} now the next ones. */
    Certification first(int r, double[] next) {
      return new Certification(Arrays.copyOf(leftResiduals, r), Arrays.copyOf(rightResiduals, r), next, tolerance,
          uOrthogonality, vOrthogonality);
    }
  }

  /** {@code U} in Spark, or null when it is held by the driver ({@link #uBlocks}). */
  private final RowBlockMatrix u;
  /** {@code U}'s row blocks held by the driver ({@link #computeInDriver}), or null. */
  private final List<DoubleMatrix> uBlocks;
  private final double[] s;
  private final DoubleMatrix v;
  private final Certification certification;
  private final Run run;

  private TruncatedSvd(RowBlockMatrix u, List<DoubleMatrix> uBlocks, double[] s, DoubleMatrix v,
      Certification certification, Run run) {
    this.u = u;
    this.uBlocks = uBlocks;
    this.s = s;
    this.v = v;
    this.certification = certification;
    this.run = run;
  }

  TruncatedSvd(RowBlockMatrix u, double[] s, DoubleMatrix v, Certification certification, Run run) {
    this(u, null, s, v, certification, run);
  }

  /** A result whose {@code U} the driver holds, in the row blocks of {@code A}'s. */
  static TruncatedSvd inDriver(List<DoubleMatrix> uBlocks, double[] s, DoubleMatrix v, Certification certification,
      Run run) {
    return new TruncatedSvd(null, List.copyOf(uBlocks), s, v, certification, run);
  }

  /**
   * The iteration that produced these triplets ({@link KrylovIteration#NORMAL_OPERATOR} or
   * {@link KrylovIteration#GOLUB_KAHAN}).
   */
  public KrylovIteration iteration() {
    return run.iteration();
  }

  /**
   * {@code U_k} ({@code m x r}, dense row blocks aligned with {@code A}, cached).
   *
   * @throws IllegalStateException for a result computed in the driver ({@link #uBlocks})
   */
  public RowBlockMatrix u() {
    if (u == null) {
      throw new IllegalStateException("this SVD was computed in the driver without Spark: its U is uBlocks()");
    }
    return u;
  }

  /**
   * {@code U_k}'s row blocks held by the driver, aligned with the blocks of {@code A} given to
   * {@link #computeInDriver}.
   *
   * @throws IllegalStateException for a result computed by Spark ({@link #u})
   */
  public List<DoubleMatrix> uBlocks() {
    if (uBlocks == null) {
      throw new IllegalStateException("this SVD was computed by Spark: its U is u()");
    }
    return uBlocks;
  }

  /** {@code S_k}, descending ({@code r} values; {@code r = k} unless {@link #exhausted()}). */
  public double[] singularValues() {
    return s.clone();
  }

  /** {@code V_k} ({@code n x r}). */
  public DoubleMatrix v() {
    return v;
  }

  /** {@code r}: the triplets returned. */
  public int rank() {
    return s.length;
  }

  /** {@code ||A v_i - s_i u_i||} per triplet, computed from {@code A}. */
  public double[] leftResiduals() {
    return certification.leftResiduals().clone();
  }

  /** {@code ||A^T u_i - s_i v_i||} per triplet, computed from {@code A}. */
  public double[] rightResiduals() {
    return certification.rightResiduals().clone();
  }

  /** The largest residual divided by {@code s_1} (0 for a zero matrix): at most {@link #tolerance()}. */
  public double certificate() {
    double worst = 0;
    for (int i = 0; i < s.length; i++) {
      worst = Math.max(worst, Math.max(certification.leftResiduals()[i], certification.rightResiduals()[i]));
    }
    return s.length == 0 || s[0] == 0 ? worst : worst / s[0];
  }

  public double tolerance() {
    return certification.tolerance();
  }

  /**
   * Ritz estimates of the singular values after the returned ones ({@code s_{k+1}, ...}, from the
   * final Krylov basis; lower bounds), showing the gap the truncation sits in; none at the rounding level of the
   * iteration (a rank-deficient {@code A}'s zeros are not listed).
   */
  public double[] nextSingularValueEstimates() {
    return certification.nextValues().clone();
  }

  /** Block Lanczos steps taken. */
  public int steps() {
    return run.steps();
  }

  /** Thick restarts made. */
  public int restarts() {
    return run.restarts();
  }

  /** {@code max |U^T U - I|}. */
  public double uOrthogonality() {
    return certification.uOrthogonality();
  }

  /** {@code max |V^T V - I|}. */
  public double vOrthogonality() {
    return certification.vOrthogonality();
  }

  /**
   * True when the Krylov space was exhausted before {@code k} triplets: {@code A} has exact rank
   * {@link #rank()} {@code < k} (every further singular value is 0).
   */
  public boolean exhausted() {
    return run.exhausted();
  }

  /**
   * The {@code k} largest singular triplets, certified ({@link TruncatedSvdSolver#compute}).
   *
   * @throws IllegalArgumentException for {@code k < 1}, {@code k > min(m, n)}, or a basis too large for
   *     the driver's memory (before any job runs)
   * @throws ArithmeticException when the certificate does not hold within {@code maxSteps} block steps
   */
  public static TruncatedSvd compute(RowBlockMatrix a, int k, TruncatedSvdOptions options) {
    return TruncatedSvdSolver.compute(a, k, options);
  }

  /**
   * The {@code k} largest singular triplets of {@code A} held by the driver as row blocks ({@code blocks.get(i)} in
   * the place of partition {@code i}), computed on {@code threads} without Spark: the normal-operator iteration's
   * in-driver steps and finish, the same kernels and merge order as {@link #compute} on a local master, hence the
   * same bits. Null when that iteration cannot certify them (see {@link KrylovIteration}): then
   * {@link #compute} with {@link KrylovIteration#GOLUB_KAHAN} continues where {@code compute} would, in Spark.
   *
   * @throws IllegalArgumentException as {@link #compute}, and when the options ask for the Golub–Kahan iteration
   *     or forbid driver steps
   */
  public static TruncatedSvd computeInDriver(List<MatrixBlock> blocks, int k, TruncatedSvdOptions options,
      DriverThreads threads) {
    return TruncatedSvdSolver.computeInDriver(blocks, k, options, threads);
  }

  /**
   * The triplets above the cut-off {@code max(atol, rtol s_1)} ({@link TruncatedSvdSolver#byCutoff}).
   *
   * @throws IllegalArgumentException when the rank is not resolved within {@link TruncatedSvdOptions#maxRank}
   */
  public static TruncatedSvd byCutoff(RowBlockMatrix a, RankCutoff cutoff, TruncatedSvdOptions options) {
    return TruncatedSvdSolver.byCutoff(a, cutoff, options);
  }

  /** The first {@code r} triplets. */
  public TruncatedSvd truncate(int r) {
    if (r == s.length) {
      return this;
    }
    double[] next = Arrays.copyOfRange(s, r, s.length);
    RowBlockMatrix kept = u == null ? null : u.withBlocks(u.blocks().map(b -> b.withValues(b.values().columns(0, r))),
        r);
    List<DoubleMatrix> keptBlocks = u != null ? null : uBlocks.stream().map(b -> b.columns(0, r)).toList();
    return new TruncatedSvd(kept, keptBlocks, Arrays.copyOf(s, r), v.columns(0, r), certification.first(r, next),
        run);
  }
}
