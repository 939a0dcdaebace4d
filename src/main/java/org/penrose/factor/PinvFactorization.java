package org.penrose.factor;

import java.io.Serializable;
import java.util.Arrays;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;
import org.penrose.matrix.MatrixBlock;

/**
 * The small, driver-side part of {@code pinv(A)} for a tall (or any) {@code m x n} matrix {@code A}:
 * the kept singular values and right singular vectors, computed from the TSQR triangle of
 * {@code [A | B]} without ever forming anything {@code m}-sized.
 *
 * <p>With the triangle {@code R = [R11 R12; 0 R22]} ({@code R11} is {@code q x n}, {@code q = min(m,
 * n)}) and the SVD {@code R11 = W diag(s) V^T}, the thin SVD of {@code A} is {@code A = U diag(s)
 * V^T} with {@code U = Q W}. The rank cut-off ({@link RankCutoff}) keeps the {@code r} values
 * {@code s > threshold}; {@code V}, {@code S} below are the kept part only. Everything {@code
 * m}-sized is then row-local:
 *
 * <pre>
 *   U_i          = A_i V S^-1                (left singular vectors, rows of block i)
 *   (P^T)_i      = U_i S^-1 V^T              ({@code PinvTranspose}, with U_i refined to orthonormal)
 *   Pi = P P^T   = V S^-2 V^T                (n x n, used by the derivatives)
 * </pre>
 *
 * When {@code B} ({@code m x k}) was factored along with {@code A}, the minimum-norm solution
 * {@code X = V S^-1 W^T (Q^T B) = V S^-1 W_k^T R12} ({@code n x k}) and the residual sums of squares
 * {@code ||B - A X||^2 = ||R12 - W_k W_k^T R12||^2 + ||R22||^2} per column come out of the triangle
 * too, in the same pass.
 *
 * <p>Instances are immutable and serializable (they are broadcast to executors).
 */
public final class PinvFactorization implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long m;
  private final int n;
  private final int k;
  private final double[] singularValues;
  private final double threshold;
  private final int rank;
  private final DoubleMatrix v;
  private final double[] s;
  private final DoubleMatrix vTimesSInverse;
  private final DoubleMatrix vTimesSInverseSquared;
  private final DoubleMatrix solution;
  private final double[] residualSumOfSquares;
  private final double certifiedOrthogonalityError;

  private PinvFactorization(
      long m,
      int n,
      int k,
      double[] singularValues,
      double threshold,
      int rank,
      DoubleMatrix v,
      double[] s,
      DoubleMatrix solution,
      double[] residualSumOfSquares,
      DoubleMatrix certifiedGram) {
    this.m = m;
    this.n = n;
    this.k = k;
    this.singularValues = singularValues;
    this.threshold = threshold;
    this.rank = rank;
    this.v = v;
    this.s = s;
    this.solution = solution;
    this.residualSumOfSquares = residualSumOfSquares;
    this.vTimesSInverse = scaleColumns(v, s, -1);
    this.vTimesSInverseSquared = scaleColumns(v, s, -2);
    this.certifiedOrthogonalityError = certifiedGram == null ? Double.NaN
        : vTimesSInverse.transposeTimes(certifiedGram.times(vTimesSInverse))
            .plusScaled(-1, DoubleMatrix.identity(rank)).maxAbs();
  }

  /**
   * A factorization from a truncated SVD {@code A ~ U_k S_k V_k^T} (the distributed truncated route):
   * the kept right singular vectors and values, with the solution of {@code [A | B]} computed from
   * {@code U_k^T B} by the caller. Nothing {@code n x n} is ever formed from it.
   *
   * @param singularValues every singular value computed, descending (the kept ones first)
   * @param v the kept right singular vectors ({@code n x r})
   * @param kept the kept singular values ({@code r}, all above {@code threshold})
   * @param solution {@code X = V S^-1 U^T B} ({@code n x k}), or null for a plain pinv
   * @param residualSumOfSquares {@code ||B_j - A X_j||^2} per column, or null
   */
  public static PinvFactorization fromTruncatedSvd(long m, int n, double[] singularValues, double threshold,
      DoubleMatrix v, double[] kept, DoubleMatrix solution, double[] residualSumOfSquares) {
    v.requireShape("V", n, kept.length, "the kept right singular vectors");
    int k = solution == null ? 0 : solution.cols();
    return new PinvFactorization(m, n, k, singularValues.clone(), threshold, kept.length, v, kept.clone(), solution,
        residualSumOfSquares == null ? null : residualSumOfSquares.clone(), null);
  }

  /**
   * Factorization from the TSQR triangle of {@code [A | B]}.
   *
   * @param triangle the triangle of {@code [A | B]} (or of {@code A} alone, then {@code k = 0})
   * @param n the number of columns of {@code A}; the remaining {@code triangle.cols() - n} are {@code B}
   * @param cutoff the rank cut-off
   */
  public static PinvFactorization fromTriangle(QrTriangle triangle, int n, RankCutoff cutoff) {
    DoubleMatrix r = triangle.r();
    int c = r.cols();
    int k = c - n;
    if (k < 0) {
      throw new IllegalArgumentException("triangle has " + c + " columns, fewer than n = " + n);
    }
    long m = triangle.rowCount();
    int q = Math.min(r.rows(), n);
    DoubleMatrix r11 = DoubleMatrix.zeros(q, n);
    for (int j = 0; j < n; j++) {
      System.arraycopy(r.values(), j * r.rows(), r11.values(), j * q, q);
    }
    // one-sided Jacobi for the tiny triangles of per-row SQL calls, LAPACK dgesdd otherwise
    Lapack.Svd svd = JacobiSvd.suits(q, n) ? JacobiSvd.svd(r11) : Lapack.svd(r11);
    double sMax = svd.s.length == 0 ? 0.0 : svd.s[0];
    double threshold = cutoff.threshold(sMax, m, n);
    int rank = RankCutoff.rank(svd.s, threshold);
    double[] kept = Arrays.copyOf(svd.s, rank);
    DoubleMatrix v = svd.v.columns(0, rank);

    DoubleMatrix solution = null;
    double[] rss = null;
    if (k > 0) {
      // R12 = first q rows of the B columns; W_k = kept left singular vectors of R11.
      DoubleMatrix r12 = DoubleMatrix.zeros(q, k);
      for (int j = 0; j < k; j++) {
        System.arraycopy(r.values(), (n + j) * r.rows(), r12.values(), j * q, q);
      }
      DoubleMatrix wk = svd.u.columns(0, rank);
      DoubleMatrix coefficients = wk.transposeTimes(r12); // W_k^T R12, r x k
      solution = scaleColumns(v, kept, -1).times(coefficients); // X = V S^-1 W_k^T R12
      DoubleMatrix residual = r12.plusScaled(-1.0, wk.times(coefficients)); // (I - W_k W_k^T) R12
      rss = new double[k];
      for (int j = 0; j < k; j++) {
        double sum = 0.0;
        for (int i = 0; i < q; i++) {
          double e = residual.get(i, j);
          sum += e * e;
        }
        for (int i = n; i < r.rows(); i++) { // rows of R22
          double e = r.get(i, n + j);
          sum += e * e;
        }
        rss[j] = sum;
      }
    }
    return new PinvFactorization(m, n, k, svd.s, threshold, rank, v, kept, solution, rss,
        triangle.certifiedGram());
  }

  /**
   * {@code M diag(s)^power} for power -1 or -2: column {@code j} of {@code M} divided by {@code s_j} or {@code s_j^2}.
   */
  public static DoubleMatrix scaleColumns(DoubleMatrix matrix, double[] s, int power) {
    return scaled(matrix, s, power, false);
  }

  /** {@code diag(s)^power M} for power -1 or -2: row {@code i} of {@code M} divided by {@code s_i} or {@code s_i^2}. */
  public static DoubleMatrix scaleRows(DoubleMatrix matrix, double[] s, int power) {
    return scaled(matrix, s, power, true);
  }

  /**
   * Entry {@code (i, j)} divided by {@code s_k} or {@code s_k^2} ({@code power} -1 or -2), {@code k = i} for rows,
   * {@code j} for columns.
   */
  private static DoubleMatrix scaled(DoubleMatrix matrix, double[] s, int power, boolean byRows) {
    DoubleMatrix result = matrix.copy();
    int rows = result.rows();
    int cols = byRows ? result.cols() : s.length;
    double[] values = result.values();
    for (int j = 0; j < cols; j++) {
      for (int i = 0; i < rows; i++) {
        double divisor = byRows ? s[i] : s[j];
        values[i + j * rows] *= power == -1 ? 1.0 / divisor : 1.0 / (divisor * divisor);
      }
    }
    return result;
  }

  /** {@code U_i = A_i V S^-1}: rows of the left singular vectors for the row block {@code A_i} ({@code b x r}). */
  public DoubleMatrix leftSingularVectors(MatrixBlock aBlock) {
    requireBlockColumns("A", aBlock);
    return aBlock.times(vTimesSInverse);
  }

  public void requireBlockColumns(String name, MatrixBlock block) {
    if (block.cols() != n) {
      throw new IllegalArgumentException(
          "shape mismatch: a row block of " + name + " is " + block.shape() + " but A has " + n + " columns");
    }
  }

  /** Rows of {@code A}. */
  public long rows() {
    return m;
  }

  /** Columns of {@code A}. */
  public int cols() {
    return n;
  }

  /** Columns of {@code B} factored along with {@code A} (0 for a plain pinv). */
  public int rhsCols() {
    return k;
  }

  /** All {@code min(m, n)} singular values of {@code A}, descending (including dropped ones). */
  public double[] singularValues() {
    return singularValues.clone();
  }

  /**
   * {@code max|Z^T G Z - I|} with {@code Z = V S^-1} and {@code G} the TSQR leaves' Gram matrices of
   * {@code A} summed, when every leaf certified its block ({@link QrTriangle#certifiedGram()}); NaN
   * otherwise (Householder leaves, the truncated route). It estimates the loss of orthogonality of
   * {@code U = A V S^-1} without forming {@code U}: {@code U^T U - I = Z^T (A^T A - R^T R) Z}, and
   * {@code G} differs from {@code A^T A} by one rounding {@code F} of a Gram matrix, which moves the
   * estimate by {@code Z^T F Z = (D Z)^T (D^-1 F D^-1) (D Z)}, at most {@code 4 ||D^-1 F D^-1||} since
   * the certificate gives {@code ||D Z|| = 1 / sigma_min(A D^-1) < 2} ({@code D} the column norms):
   * the same order as the rounding of an explicit {@code U}'s own Gram matrix.
   */
  public double certifiedOrthogonalityError() {
    return certifiedOrthogonalityError;
  }

  /** {@code max(atol, rtol * s_max)}. */
  public double threshold() {
    return threshold;
  }

  /** Number of singular values above the threshold. */
  public int rank() {
    return rank;
  }

  /** The kept right singular vectors {@code V} ({@code n x r}). */
  public DoubleMatrix v() {
    return v;
  }

  /** The kept singular values {@code S} ({@code r}). */
  public double[] keptSingularValues() {
    return s.clone();
  }

  /** {@code V S^-1} ({@code n x r}). */
  public DoubleMatrix vTimesSInverse() {
    return vTimesSInverse;
  }

  /** {@code V S^-2} ({@code n x r}). */
  public DoubleMatrix vTimesSInverseSquared() {
    return vTimesSInverseSquared;
  }

  /**
   * {@code P P^T = V S^-2 V^T} formed ({@code n x n}; for small {@code n}, e.g. a regression's
   * covariance). The derivative maps apply it in factored form instead ({@link #applyPinvGram}).
   */
  public DoubleMatrix pinvGram() {
    return vTimesSInverseSquared.timesTranspose(v);
  }

  /** {@code P P^T M = V (S^-2 (V^T M))} for {@code M} ({@code n x c}), without forming {@code P P^T}. */
  public DoubleMatrix applyPinvGram(DoubleMatrix m) {
    return vTimesSInverseSquared.times(v.transposeTimes(m));
  }

  /**
   * {@code (I - P A) M = M - V (V^T M)} for {@code M} ({@code n x c}): the projection onto the dropped
   * right singular directions, without forming the {@code n x n} projector.
   */
  public DoubleMatrix applyRowSpaceComplement(DoubleMatrix m) {
    DoubleMatrix result = m.copy();
    Lapack.gemmInto(false, false, -1.0, v, v.transposeTimes(m), 1.0, result);
    return result;
  }

  /**
   * The minimum-norm solution {@code X = pinv(A) B} ({@code n x k}).
   *
   * @throws IllegalStateException when no {@code B} was factored
   */
  public DoubleMatrix solution() {
    requireRhs();
    return solution;
  }

  /** {@code ||B_j - A X_j||^2} per column of {@code B}. */
  public double[] residualSumOfSquares() {
    requireRhs();
    return residualSumOfSquares.clone();
  }

  private void requireRhs() {
    if (solution == null) {
      throw new IllegalStateException("this factorization was made without right-hand sides");
    }
  }
}
