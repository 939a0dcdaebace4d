package org.penrose.distributed;

import java.util.Arrays;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.linalg.InvalidInputException;
import org.penrose.linalg.RankCutoff;

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
  /** What an error tells a caller to do when the cut-off does not settle the rank (the command line: {@code --rank K}). */
  public static final String FIX_THE_RANK = "fix the rank K (TruncatedSvd.compute, DistributedLstsq.solveTruncated)";

  /** Default certificate tolerance, relative to {@code s_1}. */
  public static final double DEFAULT_TOLERANCE = 1e-10;

  /** Default largest rank the cut-off route grows to. */
  public static final int DEFAULT_MAX_RANK = 500;

  /** Blocks added to the kept Ritz vectors before a restart. */
  private static final int RESTART_BLOCKS = 5;


  /**
   * The Krylov iteration behind a result. {@link #AUTO} (the default) runs {@link #NORMAL_OPERATOR}
   * first and falls back to {@link #GOLUB_KAHAN} when that cannot certify the triplets.
   */
  public enum Iteration {
    /** Try {@link #NORMAL_OPERATOR}, then {@link #GOLUB_KAHAN}. */
    AUTO("auto"),
    /**
     * Block Lanczos on {@code A^T A} applied as {@code A^T (A X)} (never formed), the right basis on
     * the driver, then {@code U} from the TSQR of {@code A V_k}: one pass over {@code A} per step and
     * no distributed basis. Needs {@code s_k} well above {@code (eps / tol) s_1}.
     */
    NORMAL_OPERATOR("normal-operator"),
    /** Block Golub–Kahan–Lanczos with both bases kept orthonormal (the left one in row blocks, by TSQR). */
    GOLUB_KAHAN("golub-kahan");

    private final String label;

    Iteration(String label) {
      this.label = label;
    }

    /** The name used in reports and on the command line. */
    public String label() {
      return label;
    }

    /** The iteration named {@code label} ({@code auto}, {@code normal-operator}, {@code golub-kahan}). */
    public static Iteration of(String label) {
      for (Iteration i : values()) {
        if (i.label.equals(label)) {
          return i;
        }
      }
      throw new InvalidInputException("unknown SVD iteration '" + label
          + "'; expected auto, normal-operator or golub-kahan");
    }
  }

  /** Settings; defaults in the field comments. */
  public static final class Options {
    double tolerance = DEFAULT_TOLERANCE;
    long seed = 1;
    Integer oversampling; // default max(10, ceil(k / 2))
    Integer blockSize; // default min(48, max(8, ceil((k + p) / 5)))
    int maxSteps = 2000;
    int maxRank = DEFAULT_MAX_RANK;
    Iteration iteration = Iteration.AUTO;
    boolean driverSteps = true;
    Consumer<String> progress;

    /**
     * Whether the normal-operator steps may run in the driver on a local master (default true): the
     * blocks of {@code A} are collected once when they fit in an eighth of the driver's heap, and each
     * step's product runs on the driver's threads instead of as a Spark job. Same bits either way.
     */
    public Options driverSteps(boolean value) {
      driverSteps = value;
      return this;
    }

    /** Which Krylov iteration to run (default {@link Iteration#AUTO}). */
    public Options iteration(Iteration value) {
      iteration = java.util.Objects.requireNonNull(value, "iteration");
      return this;
    }

    public Options tolerance(double value) {
      if (!(value > 0) || value >= 1) {
        throw new InvalidInputException("the certificate tolerance must be in (0, 1), got " + value);
      }
      tolerance = value;
      return this;
    }

    public Options seed(long value) {
      seed = value;
      return this;
    }

    public Options oversampling(int value) {
      if (value < 0) {
        throw new InvalidInputException("oversampling must be >= 0, got " + value);
      }
      oversampling = value;
      return this;
    }

    public Options blockSize(int value) {
      if (value < 1) {
        throw new InvalidInputException("the block size must be >= 1, got " + value);
      }
      blockSize = value;
      return this;
    }

    public Options maxSteps(int value) {
      maxSteps = value;
      return this;
    }

    /** The largest rank {@link TruncatedSvd#byCutoff} grows to before it gives up. */
    public Options maxRank(int value) {
      if (value < 1) {
        throw new InvalidInputException("maxRank must be at least 1, got " + value);
      }
      maxRank = value;
      return this;
    }

    /** Receives one line per restart and at the end. */
    public Options progress(Consumer<String> value) {
      progress = value;
      return this;
    }

    public double tolerance() {
      return tolerance;
    }

    /** The progress line of a restart: basis size, {@code s_1}, {@code s_shown} and the worst residual estimate. */
    void reportRestart(int restarts, int steps, int basis, double s1, int shown, double sShown, double[] estimates) {
      if (progress != null) {
        double worst = 0;
        for (double e : estimates) {
          worst = Math.max(worst, e);
        }
        progress.accept(String.format("svd: restart %d after %d block steps, basis %d, s_1 %.6g, s_%d %.6g,"
            + " worst residual estimate %.2e x s_1", restarts, steps, basis, s1, shown, sShown, s1 == 0 ? 0 : worst / s1));
      }
    }

    /** The progress line of a certified result. */
    void reportCertified(TruncatedSvd result) {
      if (progress != null) {
        progress.accept(String.format("svd: %d triplets certified after %d block steps and %d restarts (%s):"
            + " max residual %.2e x s_1 (tolerance %.0e)", result.rank(), result.steps(), result.restarts(),
            result.iteration().label(), result.certificate(), tolerance));
      }
    }

    /** The start block of either iteration: {@code n x b} standard normal entries drawn from the seed, column by column. */
    DoubleMatrix startBlock(int n, int b) {
      java.util.Random random = new java.util.Random(seed);
      DoubleMatrix f = DoubleMatrix.zeros(n, b);
      for (int i = 0; i < f.values().length; i++) {
        f.values()[i] = random.nextGaussian();
      }
      return f;
    }

    public int maxRank() {
      return maxRank;
    }
  }

  private final RowBlockMatrix u;
  private final double[] s;
  private final DoubleMatrix v;
  private final double[] leftResiduals;
  private final double[] rightResiduals;
  private final double[] nextValues;
  private final double tolerance;
  private final int steps;
  private final int restarts;
  private final double uOrthogonality;
  private final double vOrthogonality;
  private final boolean exhausted;
  private final Iteration iteration;

  TruncatedSvd(RowBlockMatrix u, double[] s, DoubleMatrix v, double[] leftResiduals, double[] rightResiduals,
      double[] nextValues, double tolerance, int steps, int restarts, double uOrthogonality, double vOrthogonality,
      boolean exhausted, Iteration iteration) {
    this.u = u;
    this.s = s;
    this.v = v;
    this.leftResiduals = leftResiduals;
    this.rightResiduals = rightResiduals;
    this.nextValues = nextValues;
    this.tolerance = tolerance;
    this.steps = steps;
    this.restarts = restarts;
    this.uOrthogonality = uOrthogonality;
    this.vOrthogonality = vOrthogonality;
    this.exhausted = exhausted;
    this.iteration = iteration;
  }

  /** The iteration that produced these triplets ({@link Iteration#NORMAL_OPERATOR} or {@link Iteration#GOLUB_KAHAN}). */
  public Iteration iteration() {
    return iteration;
  }

  /** {@code U_k} ({@code m x r}, dense row blocks aligned with {@code A}, cached). */
  public RowBlockMatrix u() {
    return u;
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
    return leftResiduals.clone();
  }

  /** {@code ||A^T u_i - s_i v_i||} per triplet, computed from {@code A}. */
  public double[] rightResiduals() {
    return rightResiduals.clone();
  }

  /** The largest residual divided by {@code s_1} (0 for a zero matrix): at most {@link #tolerance()}. */
  public double certificate() {
    double worst = 0;
    for (int i = 0; i < s.length; i++) {
      worst = Math.max(worst, Math.max(leftResiduals[i], rightResiduals[i]));
    }
    return s.length == 0 || s[0] == 0 ? worst : worst / s[0];
  }

  public double tolerance() {
    return tolerance;
  }

  /**
   * Ritz estimates of the singular values after the returned ones ({@code s_{k+1}, ...}, from the
   * final Krylov basis; lower bounds), showing the gap the truncation sits in.
   */
  public double[] nextSingularValueEstimates() {
    return nextValues.clone();
  }

  /** Block Lanczos steps taken. */
  public int steps() {
    return steps;
  }

  /** Thick restarts made. */
  public int restarts() {
    return restarts;
  }

  /** {@code max |U^T U - I|}. */
  public double uOrthogonality() {
    return uOrthogonality;
  }

  /** {@code max |V^T V - I|}. */
  public double vOrthogonality() {
    return vOrthogonality;
  }

  /**
   * True when the Krylov space was exhausted before {@code k} triplets: {@code A} has exact rank
   * {@link #rank()} {@code < k} (every further singular value is 0).
   */
  public boolean exhausted() {
    return exhausted;
  }

  /**
   * The {@code k} largest singular triplets, certified.
   *
   * @throws IllegalArgumentException for {@code k < 1}, {@code k > min(m, n)}, or a basis too large for
   *     the driver's memory (before any job runs)
   * @throws ArithmeticException when the certificate does not hold within {@code maxSteps} block steps
   */
  public static TruncatedSvd compute(RowBlockMatrix a, int k, Options options) {
    long m = a.rows();
    int n = a.cols();
    long smaller = Math.min(m, n);
    if (k < 1) {
      throw new InvalidInputException("the rank must be at least 1, got " + k);
    }
    if (k > smaller) {
      throw new InvalidInputException("the rank " + k + " is more than min(m, n) = " + smaller + " for A of "
          + a.shape());
    }
    int p = options.oversampling != null ? options.oversampling : Math.max(10, (k + 1) / 2);
    int keep = (int) Math.min(k + p, smaller);
    int block = options.blockSize != null ? options.blockSize : Math.min(48, Math.max(8, (keep + 4) / 5));
    block = (int) Math.min(block, smaller);
    int limit = (int) Math.min(smaller, keep + (long) RESTART_BLOCKS * block);
    requireDriverMemory(n, limit, block);
    ReliableCheckpoints.requireDirectory(a.blocks().context());
    if (a.blocks().getStorageLevel().equals(StorageLevel.NONE())) {
      a.persist(); // read by every step
    }
    if (options.iteration != Iteration.GOLUB_KAHAN) {
      TruncatedSvd result = new NormalLanczos(a, k, keep, block, limit, options).run();
      if (result != null) {
        return result;
      }
      if (options.iteration == Iteration.NORMAL_OPERATOR) {
        throw new ArithmeticException("the normal-operator iteration could not certify the " + k + " largest triplets"
            + " of A (" + a.shape() + "); use the golub-kahan iteration (or auto)");
      }
    }
    return new BlockLanczos(a, k, keep, block, limit, options).run();
  }

  /**
   * The triplets above the cut-off {@code max(atol, rtol s_1)}: computes the {@code k} largest for
   * growing {@code k} (32, then doubling) until the smallest computed value is at or below the
   * threshold, and returns those above it.
   *
   * @throws IllegalArgumentException when the rank is not resolved within {@link Options#maxRank}
   */
  public static TruncatedSvd byCutoff(RowBlockMatrix a, RankCutoff cutoff, Options options) {
    long smaller = Math.min(a.rows(), a.cols());
    int limit = (int) Math.min(options.maxRank, smaller);
    int k = Math.min(32, limit);
    while (true) {
      TruncatedSvd svd = compute(a, k, options);
      double threshold = cutoff.threshold(svd.s.length == 0 ? 0 : svd.s[0], a.rows(), a.cols());
      int rank = RankCutoff.rank(svd.s, threshold);
      if (rank < svd.s.length || svd.exhausted || k == smaller) {
        return svd.truncate(rank);
      }
      if (k == limit) {
        throw new InvalidInputException("the rank of A (" + a.shape() + ") is not resolved by the cut-off: its "
            + k + " largest singular values are all above the threshold " + threshold + " (the smallest computed is "
            + svd.s[k - 1] + "); " + FIX_THE_RANK + ", or raise maxRank (now " + options.maxRank + ")");
      }
      svd.u.unpersist();
      k = Math.min(2 * k, limit);
    }
  }

  /** The first {@code r} triplets. */
  TruncatedSvd truncate(int r) {
    if (r == s.length) {
      return this;
    }
    RowBlockMatrix kept = u.withBlocks(u.blocks().map(b -> b.withValues(b.values().columns(0, r))), r);
    double[] next = Arrays.copyOfRange(s, r, s.length);
    return new TruncatedSvd(kept, Arrays.copyOf(s, r), v.columns(0, r), Arrays.copyOf(leftResiduals, r),
        Arrays.copyOf(rightResiduals, r), next, tolerance, steps, restarts, uOrthogonality, vOrthogonality, exhausted,
        iteration);
  }

  /**
   * The triplets {@code (u_i, s_i, v_i)} ({@code U} the left basis, {@code V} {@code n x r}; {@code A V}
   * when at hand, else null) with their certificate computed from {@code A} in one pass
   * ({@link LeftBasis#certify}): the result, with
   * {@code U} materialized as cached row blocks, or null (and {@code U} released) when a residual
   * exceeds {@code tolerance * s_1}.
   */
  static TruncatedSvd certified(LeftBasis uk, DoubleMatrix vk, JavaRDD<DoubleMatrix> images, double[] s, double[] next,
      double tolerance, int steps, int restarts, boolean exhausted, Iteration iteration) {
    TripletCertificate c = uk.certify(vk, s, images);
    TruncatedSvd result = c.triplets(() -> {
      RowBlockMatrix blocks = uk.matrix();
      blocks.blocks().persist(StorageLevel.MEMORY_AND_DISK());
      blocks.blocks().count();
      return blocks;
    }, vk, s, next, tolerance, steps, restarts, exhausted, iteration);
    uk.release();
    return result;
  }

  private static void requireDriverMemory(int n, int limit, int block) {
    // V (n x limit), F, the rotated copies at a restart, A^T U partial sums: about four n x limit matrices
    double bytes = 8.0 * n * (4.0 * limit + 4.0 * block);
    long max = Runtime.getRuntime().maxMemory();
    if (bytes > max / 2.0) {
      throw new InvalidInputException(String.format("a truncated SVD of %d columns with a basis of %d vectors needs"
          + " about %.1f GiB of driver memory but the driver has %.1f GiB; raise spark.driver.memory or lower the rank",
          n, limit, bytes / 1073741824.0, max / 1073741824.0));
    }
  }
}
