package org.penrose.matrix;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import org.netlib.util.intW;
import org.penrose.blas.BlasBackend;
import org.penrose.blas.Netlib;

/**
 * The BLAS and LAPACK calls Penrose makes, through {@code dev.ludovic.netlib}: native OpenBLAS
 * when {@code libblas.so.3}/{@code liblapack.so.3} can be loaded, the pure-Java implementation
 * otherwise. Each wrapper checks {@code info}, queries the workspace size and handles empty
 * dimensions (which some LAPACK builds reject through their leading-dimension checks).
 */
public final class Lapack {
  private Lapack() {}

  /** netlib's BLAS, on the library {@link BlasBackend} chose. */
  static BLAS blas() {
    return Netlib.blas();
  }

  /** netlib's LAPACK, on the library {@link BlasBackend} chose. */
  static LAPACK lapack() {
    return Netlib.lapack();
  }

  /**
   * {@code C = alpha * op(A) * op(B)}, where {@code op(X)} is {@code X} or {@code X^T}.
   *
   * @throws IllegalArgumentException when the inner dimensions differ (naming both shapes)
   */
  public static DoubleMatrix gemm(
      boolean transposeA, boolean transposeB, double alpha, DoubleMatrix a, DoubleMatrix b) {
    int m = transposeA ? a.cols() : a.rows();
    int k = transposeA ? a.rows() : a.cols();
    int n = transposeB ? b.rows() : b.cols();
    DoubleMatrix c = DoubleMatrix.zeros(m, n);
    gemmInto(transposeA, transposeB, alpha, a, b, 0.0, c);
    return c;
  }

  /** {@code C = alpha * op(A) * op(B) + beta * C}, in place. */
  public static void gemmInto(
      boolean transposeA,
      boolean transposeB,
      double alpha,
      DoubleMatrix a,
      DoubleMatrix b,
      double beta,
      DoubleMatrix c) {
    int m = transposeA ? a.cols() : a.rows();
    int k = transposeA ? a.rows() : a.cols();
    int kB = transposeB ? b.cols() : b.rows();
    int n = transposeB ? b.rows() : b.cols();
    if (k != kB || c.rows() != m || c.cols() != n) {
      throw new IllegalArgumentException(
          "shape mismatch in product: " + (transposeA ? "(" + a.shape() + ")^T" : a.shape()) + " times "
              + (transposeB ? "(" + b.shape() + ")^T" : b.shape()) + " into " + c.shape());
    }
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0) {
      scaleInPlace(beta, c);
      return;
    }
    blas()
        .dgemm(
            transposeA ? "T" : "N",
            transposeB ? "T" : "N",
            m,
            n,
            k,
            alpha,
            a.values(),
            Math.max(1, a.rows()),
            b.values(),
            Math.max(1, b.rows()),
            beta,
            c.values(),
            Math.max(1, m));
  }

  /** Products smaller than this many multiply-adds run on one thread. */
  private static final long PARALLEL_WORK = 1L << 24;

  /**
   * {@code op(A) * B} with {@code A} tall ({@code a.rows()} large), split over the row halves of
   * {@code A} on two threads (the caller's and one of the common pool's): for {@code A^T B} the two
   * partial products are summed, for {@code A B} they fill the two halves of the result. For the
   * driver-side products of the truncated SVD's {@code n x d} basis, where one BLAS thread per
   * call is the configuration ({@code OPENBLAS_NUM_THREADS=1}) and the executors' cores are idle.
   */
  public static DoubleMatrix gemmTall(boolean transposeA, DoubleMatrix a, DoubleMatrix b) {
    return gemmTall(transposeA, a.values(), a.rows(), a.cols(), b);
  }

  /**
   * {@link #gemmTall} for {@code A} given as the leading {@code rows x cols} part of a column-major
   * array (leading dimension {@code rows}; the array may hold more columns).
   */
  public static DoubleMatrix gemmTall(boolean transposeA, double[] a, int rows, int cols, DoubleMatrix b) {
    return gemmTall(transposeA, a, 0, rows, cols, b);
  }

  /** {@link #gemmTall} for {@code A} starting at {@code offset} in the array (leading dimension {@code rows}). */
  public static DoubleMatrix gemmTall(boolean transposeA, double[] a, int offset, int rows, int cols, DoubleMatrix b) {
    if (b.rows() != (transposeA ? rows : cols)) {
      throw new IllegalArgumentException("shape mismatch in product: " + (transposeA ? "(" : "") + rows + " x " + cols
          + (transposeA ? ")^T" : "") + " times " + b.shape());
    }
    if (!transposeA) {
      DoubleMatrix c = DoubleMatrix.zeros(rows, b.cols());
      gemmTallInto(1.0, a, offset, rows, cols, b, c);
      return c;
    }
    DoubleMatrix first = DoubleMatrix.zeros(cols, b.cols());
    int lda = Math.max(1, rows);
    int ldc = Math.max(1, cols);
    if (!parallel(rows, cols, b.cols())) {
      if (rows > 0 && cols > 0 && b.cols() > 0) {
        blas().dgemm("T", "N", cols, b.cols(), rows, 1.0, a, offset, lda, b.values(), 0, lda, 0.0, first.values(), 0,
            ldc);
      }
      return first;
    }
    int half = rows / 2;
    DoubleMatrix second = DoubleMatrix.zeros(cols, b.cols());
    ForkJoinTask<?> other = ForkJoinPool.commonPool().submit(() ->
        blas().dgemm("T", "N", cols, b.cols(), rows - half, 1.0, a, offset + half, lda, b.values(), half, lda, 0.0,
            second.values(), 0, ldc));
    blas().dgemm("T", "N", cols, b.cols(), half, 1.0, a, offset, lda, b.values(), 0, lda, 0.0, first.values(), 0,
        ldc);
    other.join();
    return first.plusScaled(1.0, second);
  }

  /**
   * {@code C += alpha A B} for {@code A} the leading {@code rows x cols} part of a column-major array
   * (leading dimension {@code rows}), {@code B} ({@code cols x k}) and {@code C} ({@code rows x k}),
   * split over the row halves on two threads when large (as {@link #gemmTall}).
   */
  public static void gemmTallInto(double alpha, double[] a, int rows, int cols, DoubleMatrix b, DoubleMatrix c) {
    gemmTallInto(alpha, a, 0, rows, cols, b, c);
  }

  /** {@link #gemmTallInto} for {@code A} starting at {@code offset} in the array. */
  public static void gemmTallInto(double alpha, double[] a, int offset, int rows, int cols, DoubleMatrix b,
      DoubleMatrix c) {
    if (b.rows() != cols || c.rows() != rows || c.cols() != b.cols()) {
      throw new IllegalArgumentException("shape mismatch in product: " + rows + " x " + cols + " times " + b.shape()
          + " into " + c.shape());
    }
    gemmTallInto(alpha, a, offset, rows, cols, b, c.values());
  }

  /**
   * {@link #gemmTallInto} with {@code C} the leading {@code rows x k} part of a column-major array (leading
   * dimension {@code rows}; the array may hold more columns).
   */
  public static void gemmTallInto(double alpha, double[] a, int offset, int rows, int cols, DoubleMatrix b,
      double[] c) {
    if (b.rows() != cols || c.length < (long) rows * b.cols()) {
      throw new IllegalArgumentException("shape mismatch in product: " + rows + " x " + cols + " times " + b.shape()
          + " into " + c.length + " values");
    }
    if (rows == 0 || cols == 0 || b.cols() == 0) {
      return;
    }
    int inner = Math.max(1, cols);
    if (!parallel(rows, cols, b.cols())) {
      blas().dgemm("N", "N", rows, b.cols(), cols, alpha, a, offset, rows, b.values(), 0, inner, 1.0, c, 0, rows);
      return;
    }
    int half = rows / 2;
    ForkJoinTask<?> other = ForkJoinPool.commonPool().submit(() ->
        blas().dgemm("N", "N", rows - half, b.cols(), cols, alpha, a, offset + half, rows, b.values(), 0, inner, 1.0,
            c, half, rows));
    blas().dgemm("N", "N", half, b.cols(), cols, alpha, a, offset, rows, b.values(), 0, inner, 1.0, c, 0, rows);
    other.join();
  }

  private static boolean parallel(int rows, int cols, int k) {
    return (long) rows * cols * k >= PARALLEL_WORK && rows >= 2
        && ForkJoinPool.getCommonPoolParallelism() >= 1;
  }

  private static void scaleInPlace(double beta, DoubleMatrix c) {
    double[] v = c.values();
    for (int i = 0; i < v.length; i++) {
      v[i] = beta == 0.0 ? 0.0 : beta * v[i];
    }
  }

  /**
   * Householder QR in place ({@code dgeqrf}): on return the upper triangle of {@code a} holds
   * {@code R} and the part below the diagonal with the returned {@code tau} holds {@code Q}.
   */
  public static double[] geqrf(DoubleMatrix a) {
    int m = a.rows();
    int n = a.cols();
    double[] tau = new double[Math.min(m, n)];
    if (m == 0 || n == 0) {
      return tau;
    }
    intW info = new intW(0);
    // LWORK >= n; n * BLOCK lets dgeqrf use blocks of up to BLOCK columns, without a workspace query.
    double[] work = workspace(Math.max(1, n * BLOCK));
    lapack().dgeqrf(m, n, a.values(), m, tau, work, work.length, info);
    check("dgeqrf", info);
    return tau;
  }

  /** Block size the workspace formulas allow for (LAPACK picks its own, at most this). */
  private static final int BLOCK = 64;

  /** Largest workspace kept per thread between calls (8 MiB). */
  private static final int KEPT_WORKSPACE = 1 << 20;

  private static final ThreadLocal<double[]> WORKSPACE = ThreadLocal.withInitial(() -> new double[0]);

  /**
   * A workspace of at least {@code size} doubles, reused by the calling thread, so that the many
   * small factorizations of a SQL query do not allocate one each.
   */
  private static double[] workspace(int size) {
    double[] work = WORKSPACE.get();
    if (work.length >= size) {
      return work;
    }
    work = new double[size];
    if (size <= KEPT_WORKSPACE) {
      WORKSPACE.set(work);
    }
    return work;
  }

  /**
   * The thin {@code Q} ({@code m x min(m, n)}) of a QR factorization made in place by {@link #geqrf}
   * ({@code dorgqr}); {@code factored} is not modified.
   */
  public static DoubleMatrix orgqr(DoubleMatrix factored, double[] tau) {
    int m = factored.rows();
    int k = Math.min(m, factored.cols());
    DoubleMatrix q = factored.columns(0, k);
    if (m == 0 || k == 0) {
      return q;
    }
    intW info = new intW(0);
    double[] work = workspace(Math.max(1, k * BLOCK)); // LWORK >= k
    lapack().dorgqr(m, k, k, q.values(), m, tau, work, work.length, info);
    check("dorgqr", info);
    return q;
  }

  /**
   * The upper-triangular Cholesky factor {@code C} of a symmetric positive definite {@code G = C^T C}
   * ({@code dpotrf}), or null when {@code G} is not positive definite. {@code g} is not modified.
   */
  public static DoubleMatrix cholesky(DoubleMatrix g) {
    int n = g.rows();
    DoubleMatrix c = g.copy();
    if (n == 0) {
      return c;
    }
    intW info = new intW(0);
    lapack().dpotrf("U", n, c.values(), n, info);
    if (info.val > 0) {
      return null;
    }
    check("dpotrf", info);
    for (int j = 0; j < n; j++) {
      for (int i = j + 1; i < n; i++) {
        c.set(i, j, 0.0); // dpotrf leaves the strict lower triangle as it was
      }
    }
    return c;
  }

  /** {@code X C^-1} for an upper-triangular {@code C}, in place in {@code x} ({@code dtrsm}). */
  public static void solveRightUpper(DoubleMatrix x, DoubleMatrix c) {
    if (x.rows() == 0 || x.cols() == 0) {
      return;
    }
    if (c.rows() != x.cols() || c.cols() != x.cols()) {
      throw new IllegalArgumentException("shape mismatch: " + x.shape() + " times the inverse of " + c.shape());
    }
    blas().dtrsm("R", "U", "N", "N", x.rows(), x.cols(), 1.0, c.values(), Math.max(1, c.rows()), x.values(),
        Math.max(1, x.rows()));
  }

  /**
   * Column pivoting order of a QR factorization with column pivoting ({@code dgeqp3}): the 0-based
   * column indices, the most independent first. {@code a} is not modified.
   */
  public static int[] pivotOrder(DoubleMatrix a) {
    int m = a.rows();
    int n = a.cols();
    int[] jpvt = new int[n];
    if (m == 0 || n == 0) {
      for (int j = 0; j < n; j++) {
        jpvt[j] = j;
      }
      return jpvt;
    }
    DoubleMatrix work = a.copy();
    double[] tau = new double[Math.min(m, n)];
    intW info = new intW(0);
    double[] query = new double[1];
    lapack().dgeqp3(m, n, work.values(), m, jpvt, tau, query, -1, info);
    check("dgeqp3", info);
    double[] ws = workspace(Math.max(1, (int) query[0]));
    lapack().dgeqp3(m, n, work.values(), m, jpvt, tau, ws, ws.length, info);
    check("dgeqp3", info);
    for (int j = 0; j < n; j++) {
      jpvt[j]--; // 1-based
    }
    return jpvt;
  }

  /** The result of {@link #svd}: {@code A = U diag(s) V^T}, thin, singular values descending. */
  public static final class Svd {
    /** {@code m x p} left singular vectors, {@code p = min(m, n)}. */
    public final DoubleMatrix u;
    /** The {@code p} singular values, descending. */
    public final double[] s;
    /** {@code n x p} right singular vectors. */
    public final DoubleMatrix v;

    public Svd(DoubleMatrix u, double[] s, DoubleMatrix v) {
      this.u = u;
      this.s = s;
      this.v = v;
    }
  }

  /**
   * Thin SVD of a small matrix with {@code m <= n} (a square or wide triangle from TSQR), by
   * {@code dgesdd}, falling back to {@code dgesvd} if the divide-and-conquer iteration does not
   * converge. The input is not modified. ({@code m <= n} also keeps clear of the netlib 3.2.0
   * defect with {@code dgesdd('S')} for {@code m > n}.)
   */
  public static Svd svd(DoubleMatrix a) {
    int m = a.rows();
    int n = a.cols();
    if (m > n) {
      throw new IllegalArgumentException("svd expects m <= n, got " + a.shape());
    }
    if (m == 0) {
      return new Svd(DoubleMatrix.zeros(0, 0), new double[0], DoubleMatrix.zeros(n, 0));
    }
    double[] s = new double[m];
    DoubleMatrix u = DoubleMatrix.zeros(m, m);
    DoubleMatrix vt = DoubleMatrix.zeros(m, n);
    DoubleMatrix work = a.copy();
    intW info = new intW(0);
    int[] iwork = new int[8 * m];
    double[] ws;
    if (m <= BLOCK) {
      // dgesdd('S') needs LWORK >= 4 mn^2 + 6 mn + mx (mn = m <= mx = n); the BLOCK term leaves room for blocking.
      ws = workspace(4 * m * m + 7 * m + n + BLOCK * (m + n));
    } else {
      double[] query = new double[1];
      lapack().dgesdd("S", m, n, work.values(), m, s, u.values(), m, vt.values(), m, query, -1, iwork, info);
      check("dgesdd", info);
      ws = workspace(Math.max(1, (int) query[0]));
    }
    lapack()
        .dgesdd("S", m, n, work.values(), m, s, u.values(), m, vt.values(), m, ws, ws.length, iwork, info);
    if (info.val > 0) { // divide and conquer did not converge: the QR iteration usually does
      work = a.copy();
      info.val = 0;
      double[] query = new double[1];
      lapack().dgesvd("S", "S", m, n, work.values(), m, s, u.values(), m, vt.values(), m, query, -1, info);
      check("dgesvd", info);
      ws = workspace(Math.max(1, (int) query[0]));
      lapack()
          .dgesvd("S", "S", m, n, work.values(), m, s, u.values(), m, vt.values(), m, ws, ws.length, info);
      check("dgesvd", info);
    }
    check("dgesdd", info);
    return new Svd(u, s, vt.transpose());
  }

  /** The result of {@link #symmetricEigen}: {@code A = Q diag(values) Q^T}, eigenvalues descending. */
  public static final class Eigen {
    /** The eigenvalues, descending. */
    public final double[] values;
    /** {@code n x n} orthonormal eigenvectors, column {@code i} for {@code values[i]}. */
    public final DoubleMatrix vectors;

    Eigen(double[] values, DoubleMatrix vectors) {
      this.values = values;
      this.vectors = vectors;
    }
  }

  /**
   * Eigendecomposition of a small symmetric matrix ({@code dsyevd}, divide and conquer; the lower
   * triangle is read), eigenvalues in descending order. The input is not modified.
   */
  public static Eigen symmetricEigen(DoubleMatrix a) {
    int n = a.rows();
    a.requireShape("a symmetric matrix", n, n, "square");
    if (n == 0) {
      return new Eigen(new double[0], DoubleMatrix.zeros(0, 0));
    }
    DoubleMatrix q = a.copy();
    double[] w = new double[n];
    intW info = new intW(0);
    double[] query = new double[1];
    int[] iquery = new int[1];
    lapack().dsyevd("V", "L", n, q.values(), n, w, query, -1, iquery, -1, info);
    check("dsyevd", info);
    double[] work = workspace(Math.max(1, (int) query[0]));
    int[] iwork = new int[Math.max(1, iquery[0])];
    lapack().dsyevd("V", "L", n, q.values(), n, w, work, work.length, iwork, iwork.length, info);
    check("dsyevd", info);
    // dsyevd returns ascending order: reverse values and columns
    double[] values = new double[n];
    DoubleMatrix vectors = DoubleMatrix.zeros(n, n);
    for (int j = 0; j < n; j++) {
      values[j] = w[n - 1 - j];
      System.arraycopy(q.values(), (n - 1 - j) * n, vectors.values(), j * n, n);
    }
    return new Eigen(values, vectors);
  }

  private static void check(String routine, intW info) {
    if (info.val < 0) {
      throw new IllegalStateException(routine + ": argument " + (-info.val) + " had an illegal value");
    }
    if (info.val > 0) {
      throw new ArithmeticException(routine + " did not converge (info = " + info.val + ")");
    }
  }
}
