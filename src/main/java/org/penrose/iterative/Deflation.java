package org.penrose.iterative;

import java.util.Arrays;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;

/**
 * A's {@code k} largest singular triplets' right vectors {@code V_k} ({@code n x k}, orthonormal columns) and
 * values {@code s_1 >= ... >= s_k > 0} (a certified truncated SVD), as a preconditioner for LSMR: with
 *
 * <pre>
 *   M = I + V_k (D - I) V_k^T,     D = diag(s_k / s_i)     (symmetric positive definite),
 * </pre>
 *
 * {@code A M} has the singular values of {@code A} with each of {@code s_1 .. s_k} brought down to {@code s_k}
 * ({@code A M v_i = (s_k / s_i) A v_i}), so LSMR on {@code A M} ({@code min ||A M w - b||}, {@code x = M w})
 * takes as many iterations as the spread {@code s_k / s_min} asks for, no longer {@code s_1 / s_min}. {@code M} is
 * invertible, so {@code x} is a least-squares solution whatever {@code V_k}'s rounding; and since {@code M^2 = I +
 * V_k (D^2 - I) V_k^T} maps {@code range(A^T)} into itself ({@code V_k} lies in it, to the SVD's certificate),
 * LSMR's iterates from {@code w = 0} give the minimum-norm one. Each iteration applies {@code M} twice ({@code M v}
 * before the pass, {@code M A^T u} after it), {@code 8 n k} flops on the driver, both products along {@code V_k}
 * held row by row (held a second time by columns, for the second product, it took more time per iteration at
 * {@code k} 20 and 40 on debian_packages: twice the memory to keep in cache): worth it where {@code k} is small
 * beside A's nonzeros per column. (Keeping {@code M v} by its own recurrence instead, one application per iteration,
 * was tried: on debian_packages the two drift apart and LSMR took 26,643 iterations instead of 16,015.)
 */
public final class Deflation {
  private final int n;
  private final int k;
  /** {@code V_k} row by row ({@code (V_k)_{j,:}} at {@code j k}): both products run along it. */
  private final double[] rows;
  private final double[] s;

  private Deflation(DoubleMatrix v, double[] s) {
    this.n = v.rows();
    this.k = v.cols();
    this.rows = v.transpose().values();
    this.s = s.clone();
  }

  /**
   * @param v {@code V_k} ({@code n x k}, orthonormal columns: A's leading right singular vectors)
   * @param s {@code s_1 .. s_k}, positive and finite
   * @throws InvalidInputException when the shapes disagree or a value is not positive and finite
   */
  public static Deflation of(DoubleMatrix v, double[] s) {
    if (v.cols() != s.length || s.length == 0) {
      throw new InvalidInputException("a deflation needs k >= 1 singular values and k right singular vectors, got "
          + s.length + " values and " + v.cols() + " vectors");
    }
    for (double value : s) {
      if (!(value > 0) || Double.isInfinite(value)) {
        throw new InvalidInputException("a deflation's singular values must be positive and finite, got " + value);
      }
    }
    return new Deflation(v, s);
  }

  /**
   * The deflation by the leading triplets of a truncated SVD that have {@code s_i > 0} (an exhausted Krylov space
   * may end in zeros).
   *
   * @param v the right singular vectors ({@code n x k}), {@code s} their values, descending
   * @throws InvalidInputException when no value is positive
   */
  public static Deflation ofNonzero(DoubleMatrix v, double[] s) {
    int k = 0;
    while (k < s.length && s[k] > 0) {
      k++;
    }
    if (k == 0) {
      throw new InvalidInputException("A has no nonzero singular value to deflate");
    }
    return of(v.columns(0, k), Arrays.copyOf(s, k));
  }

  /** {@code k}, the triplets whose values {@code M} brings down to {@code s_k}. */
  public int rank() {
    return k;
  }

  /** {@code n}, the length of the vectors. */
  public int cols() {
    return n;
  }

  /** {@code M g = g - V_k ((I - D) V_k^T g)}, a new vector. */
  double[] precondition(double[] g) {
    // c = V_k^T g: the rows of V_k scaled by g_j and added up in row order (k-long, contiguous)
    double[] c = new double[k];
    for (int j = 0; j < n; j++) {
      double gj = g[j];
      int row = j * k;
      for (int i = 0; i < k; i++) {
        c[i] += gj * rows[row + i];
      }
    }
    // g - V_k ((I - D) c): for each j, the dot product of row j of V_k with (I - D) c, over the same rows
    for (int i = 0; i < k; i++) {
      c[i] *= 1 - s[k - 1] / s[i];
    }
    double[] out = new double[n];
    for (int j = 0; j < n; j++) {
      int row = j * k;
      double dot = 0;
      for (int i = 0; i < k; i++) {
        dot += rows[row + i] * c[i];
      }
      out[j] = g[j] - dot;
    }
    return out;
  }
}
