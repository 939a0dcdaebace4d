package org.penrose.factor;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import org.penrose.blas.Netlib;

/**
 * Householder QR of a tall block by recursion on the columns (Elmroth &amp; Gustavson 2000), so that
 * nearly all of its flops are matrix-matrix products: the leaf factorization of TSQR.
 *
 * <p>For {@code A = [A1 A2]} ({@code m x n}, {@code n1 = n / 2} columns in {@code A1}): factor
 * {@code A1 = Q1 R11} recursively, with {@code Q1 = I - V1 T1 V1^T} (compact WY: {@code V1} unit lower
 * trapezoidal, {@code T1} upper triangular); update {@code A2 <- Q1^T A2 = A2 - V1 (T1^T (V1^T A2))};
 * factor the lower {@code (m - n1) x (n - n1)} part of {@code A2} recursively ({@code V2}, {@code T2});
 * then {@code Q = Q1 Q2 = I - V T V^T} with {@code T = [T1, -T1 (V1^T V2) T2; 0, T2]}. Narrow panels
 * (at most {@code PANEL} columns; 4 to 16 measured alike here, 32 slower) use LAPACK's unblocked {@code dgeqr2} and
 * {@code dlarft}. The
 * reflectors are LAPACK's ({@code dlarfg}), so {@code R} is the one {@code dgeqrf} gives, to rounding.
 */
final class RecursiveQr {
  /** Panels at most this wide are factored unblocked. */
  static final int PANEL = 8;

  private RecursiveQr() {}

  /**
   * Factors the {@code m x n} column-major matrix at {@code a[offset]} (leading dimension {@code lda},
   * {@code m >= n}) in place: {@code R} on and above the diagonal, the Householder vectors below.
   *
   * <p>netlib checks the bounds of a sub-block as if it ran to the end of its last full column, so
   * {@code a} must hold {@link #padding(int) padding(n)} values past {@code offset + n * lda}.
   *
   * @param t workspace for the compact-WY factor, at least {@code n * n + padding(n)} values
   * @param work workspace of at least {@code n} values
   */
  static void factor(double[] a, int offset, int lda, int m, int n, double[] t, double[] work) {
    if (m < n) {
      throw new IllegalArgumentException("recursive QR needs m >= n, got " + m + " x " + n);
    }
    if (a.length < offset + (long) n * lda + padding(n) || t.length < (long) n * n + padding(n)) {
      throw new IllegalArgumentException("recursive QR of " + m + " x " + n + " needs padded arrays");
    }
    if (n > 0) {
      factor(a, offset, lda, m, n, t, 0, n, work, false);
    }
  }

  /**
   * The recursion: {@code T} ({@code n x n}) goes to {@code t[tOffset]} with leading dimension
   * {@code ldt} when {@code needT}. Only a left half's {@code T} is used (to update the right half),
   * so along the right spine of the recursion it is not formed (a quarter of the flops at the top).
   */
  private static void factor(double[] a, int offset, int lda, int m, int n, double[] t, int tOffset, int ldt,
      double[] work, boolean needT) {
    if (n <= PANEL) {
      // tau on T's diagonal slots first (dlarft reads tau and writes T)
      double[] tau = new double[n];
      lapack().dgeqr2(m, n, a, offset, lda, tau, 0, work, 0, new org.netlib.util.intW(0));
      if (needT) {
        lapack().dlarft("F", "C", m, n, a, offset, lda, tau, 0, t, tOffset, ldt);
      }
      return;
    }
    int n1 = n / 2;
    int n2 = n - n1;
    int a2 = offset + n1 * lda; // A2, m x n2
    int t12 = tOffset + n1 * ldt; // T12, n1 x n2 (workspace W first)
    int t22 = t12 + n1; // T22, n2 x n2
    factor(a, offset, lda, m, n1, t, tOffset, ldt, work, true);
    // W = V1^T A2 = V1top^T A2top + V1bot^T A2bot, in T12's place
    for (int j = 0; j < n2; j++) {
      System.arraycopy(a, a2 + j * lda, t, t12 + j * ldt, n1);
    }
    blas().dtrmm("L", "L", "T", "U", n1, n2, 1.0, a, offset, lda, t, t12, ldt);
    if (m > n1) {
      blas().dgemm("T", "N", n1, n2, m - n1, 1.0, a, offset + n1, lda, a, a2 + n1, lda, 1.0, t, t12, ldt);
    }
    // W = T1^T W; A2 = A2 - V1 W
    blas().dtrmm("L", "U", "T", "N", n1, n2, 1.0, t, tOffset, ldt, t, t12, ldt);
    if (m > n1) {
      blas().dgemm("N", "N", m - n1, n2, n1, -1.0, a, offset + n1, lda, t, t12, ldt, 1.0, a, a2 + n1, lda);
    }
    blas().dtrmm("L", "L", "N", "U", n1, n2, 1.0, a, offset, lda, t, t12, ldt);
    for (int j = 0; j < n2; j++) {
      int top = a2 + j * lda;
      int w = t12 + j * ldt;
      for (int i = 0; i < n1; i++) {
        a[top + i] -= t[w + i];
      }
    }
    factor(a, a2 + n1, lda, m - n1, n2, t, t22, ldt, work, needT);
    if (!needT) {
      return;
    }
    // T12 = -T1 (V1^T V2) T2, with V2 unit lower trapezoidal from row n1:
    // V1^T V2 = V1[n1 : n1+n2]^T V2top + V1[n1+n2 : m]^T V2bot
    for (int j = 0; j < n2; j++) {
      for (int i = 0; i < n1; i++) {
        t[t12 + i + j * ldt] = a[offset + n1 + j + i * lda];
      }
    }
    blas().dtrmm("R", "L", "N", "U", n1, n2, 1.0, a, a2 + n1, lda, t, t12, ldt);
    if (m > n1 + n2) {
      blas().dgemm("T", "N", n1, n2, m - n1 - n2, 1.0, a, offset + n1 + n2, lda, a, a2 + n1 + n2, lda, 1.0, t, t12,
          ldt);
    }
    blas().dtrmm("L", "U", "N", "N", n1, n2, -1.0, t, tOffset, ldt, t, t12, ldt);
    blas().dtrmm("R", "U", "N", "N", n1, n2, 1.0, t, t22, ldt, t, t12, ldt);
  }

  /** Values past the matrix that the arrays given to {@link #factor} must hold. */
  static int padding(int n) {
    return n;
  }

  private static BLAS blas() {
    return Netlib.blas();
  }

  private static LAPACK lapack() {
    return Netlib.lapack();
  }
}
