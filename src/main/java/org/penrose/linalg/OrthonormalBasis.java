package org.penrose.linalg;

import java.io.Serializable;

/**
 * An orthonormal basis {@code Q} ({@code n x d}, one column-major array), grown one block at a
 * time: the right-hand (driver-side) basis of the truncated SVD's block Lanczos process. New blocks
 * are orthogonalized against the basis by block classical Gram–Schmidt, {@code F <- F - Q (Q^T F)},
 * with a second pass where a column lost most of its norm ("twice is enough"), then factored by
 * Householder QR, keeping only the directions whose singular values in the QR triangle exceed a
 * deflation tolerance (a rank-revealing SVD of the small triangle).
 */
public final class OrthonormalBasis implements Serializable {
  private static final long serialVersionUID = 1L;

  /** A column that keeps less than this fraction of its norm in a Gram–Schmidt pass gets a second pass (DGKS). */
  private static final double KEPT_FRACTION = 0.5;

  /** A new block is orthogonalized again when normalizing it amplified rounding by more than this. */
  private static final double AMPLIFICATION = 100;

  private final int rows;
  private final int cols;
  /**
   * Column-major, {@code rows x capacity}: this basis is its leading {@code cols} columns. Bases
   * grown from one another share it (appending writes the columns after them, which no earlier
   * basis reads); {@code written[0]} is how many columns the newest of them uses.
   */
  private final double[] storage;
  private final int[] written;

  private OrthonormalBasis(int rows, int cols, double[] storage, int[] written) {
    this.rows = rows;
    this.cols = cols;
    this.storage = storage;
    this.written = written;
  }

  /** The empty basis of {@code rows}-vectors, with room for {@code capacity} columns before it copies. */
  public static OrthonormalBasis empty(int rows, int capacity) {
    return new OrthonormalBasis(rows, 0, new double[Math.multiplyExact(rows, Math.max(0, capacity))], new int[1]);
  }

  /** The empty basis of {@code rows}-vectors. */
  public static OrthonormalBasis empty(int rows) {
    return empty(rows, 0);
  }

  /** A basis given by orthonormal columns (not checked). */
  public static OrthonormalBasis of(DoubleMatrix orthonormal) {
    return new OrthonormalBasis(orthonormal.rows(), orthonormal.cols(), orthonormal.values(),
        new int[] {orthonormal.cols()});
  }

  public int rows() {
    return rows;
  }

  /** {@code d}, the number of basis vectors. */
  public int cols() {
    return cols;
  }

  private int capacity() {
    return rows == 0 ? Integer.MAX_VALUE : storage.length / rows;
  }

  /**
   * The basis with {@code block} ({@code n x b}, orthonormal and orthogonal to this basis) appended:
   * in place in the shared storage when this is the newest basis on it and there is room, else copied.
   */
  public OrthonormalBasis append(DoubleMatrix block) {
    block.requireShape("a new block", rows, block.cols(), "as many rows as the basis");
    int grown = cols + block.cols();
    if (written[0] == cols && grown <= capacity()) {
      System.arraycopy(block.values(), 0, storage, cols * rows, block.values().length);
      written[0] = grown;
      return new OrthonormalBasis(rows, grown, storage, written);
    }
    double[] copy = new double[Math.multiplyExact(rows, Math.max(grown, capacity() == Integer.MAX_VALUE ? grown
        : capacity()))];
    System.arraycopy(storage, 0, copy, 0, cols * rows);
    System.arraycopy(block.values(), 0, copy, cols * rows, block.values().length);
    return new OrthonormalBasis(rows, grown, copy, new int[] {grown});
  }

  /** {@code Q^T F} ({@code d x k}). */
  public DoubleMatrix transposeTimes(DoubleMatrix f) {
    return Lapack.gemmTall(true, storage, rows, cols, f);
  }

  /** {@code Q C} ({@code n x k}) for {@code C} ({@code d x k}). */
  public DoubleMatrix times(DoubleMatrix c) {
    return Lapack.gemmTall(false, storage, rows, cols, c);
  }

  /**
   * {@code F - Q (Q^T F)}: {@code F}'s part orthogonal to the basis, by classical Gram–Schmidt with
   * a second pass when a column lost more than half its norm in the first (Daniel, Gragg, Kaufman
   * &amp; Stewart 1976), which keeps it orthogonal to working precision.
   */
  public DoubleMatrix orthogonalize(DoubleMatrix f) {
    DoubleMatrix result = f;
    double[] before = columnNorms(f);
    for (int pass = 0; pass < 2 && cols() > 0; pass++) {
      DoubleMatrix next = result == f ? f.copy() : result;
      Lapack.gemmTallInto(-1.0, storage, rows, cols, transposeTimes(next), next);
      result = next;
      double[] after = columnNorms(result);
      boolean enough = true;
      for (int j = 0; j < after.length; j++) {
        enough &= after[j] >= KEPT_FRACTION * before[j];
      }
      if (enough) {
        break;
      }
      before = after;
    }
    return result;
  }

  /** Euclidean norm of each column. */
  public static double[] columnNorms(DoubleMatrix m) {
    double[] norms = new double[m.cols()];
    double[] v = m.values();
    int rows = m.rows();
    for (int j = 0; j < norms.length; j++) {
      double sum = 0;
      for (int i = j * rows, end = i + rows; i < end; i++) {
        sum += v[i] * v[i];
      }
      norms[j] = Math.sqrt(sum);
    }
    return norms;
  }

  /** The basis rotated by {@code Y} ({@code d x l}): {@code Q Y}, in new storage of the same capacity. */
  public OrthonormalBasis rotate(DoubleMatrix y) {
    DoubleMatrix rotated = times(y);
    int capacity = Math.max(y.cols(), capacity() == Integer.MAX_VALUE ? y.cols() : capacity());
    double[] room = new double[Math.multiplyExact(rows, capacity)];
    System.arraycopy(rotated.values(), 0, room, 0, rotated.values().length);
    return new OrthonormalBasis(rows, y.cols(), room, new int[] {y.cols()});
  }

  /**
   * A new block orthonormal to the basis from {@code F} ({@code n x b}): {@code F = Q_new T + Q (...)}
   * with {@code Q_new} ({@code n x b'}) orthonormal and orthogonal to the basis, {@code T}
   * ({@code b' x b}), and {@code b' <= b} the directions of {@code F} whose singular values (after
   * orthogonalization) exceed {@code deflation}.
   */
  public Extension extend(DoubleMatrix f, double deflation) {
    DoubleMatrix orthogonal = orthogonalize(f);
    // Householder QR of the orthogonalized block, then a rank-revealing SVD of its small triangle
    DoubleMatrix factored = orthogonal.copy();
    double[] tau = Lapack.geqrf(factored);
    int b = f.cols();
    int p = Math.min(rows(), b);
    DoubleMatrix r = DoubleMatrix.zeros(p, b);
    for (int j = 0; j < b; j++) {
      for (int i = 0; i <= Math.min(j, p - 1); i++) {
        r.set(i, j, factored.get(i, j));
      }
    }
    Lapack.Svd svd = Lapack.svd(r);
    int kept = RankCutoff.rank(svd.s, deflation);
    DoubleMatrix q = Lapack.orgqr(factored, tau); // n x p
    // F_orth = Q R = (Q W) S Z^T: the kept directions are Q W_kept, with T = S_kept Z_kept^T
    DoubleMatrix block = q.times(svd.u.columns(0, kept));
    DoubleMatrix t = DoubleMatrix.zeros(kept, b);
    for (int j = 0; j < b; j++) {
      for (int i = 0; i < kept; i++) {
        t.set(i, j, svd.s[i] * svd.v.get(j, i));
      }
    }
    double largest = 0;
    for (double norm : columnNorms(f)) {
      largest = Math.max(largest, norm);
    }
    if (kept == 0 || cols() == 0 || largest <= AMPLIFICATION * svd.s[kept - 1]) {
      return new Extension(block, t, svd.s);
    }
    // a second orthogonalization against the basis for directions amplified from tiny components:
    // again = Q2 R2 (Householder), block ~ again, so F_orth ~ Q2 (R2 T); signs chosen so that R2 ~ I
    DoubleMatrix again = orthogonalize(block);
    DoubleMatrix refactored = again.copy();
    double[] tau2 = Lapack.geqrf(refactored);
    DoubleMatrix q2 = Lapack.orgqr(refactored, tau2);
    DoubleMatrix r2 = DoubleMatrix.zeros(kept, kept);
    for (int j = 0; j < kept; j++) {
      double sign = refactored.get(j, j) < 0 ? -1.0 : 1.0;
      for (int i = 0; i < q2.rows(); i++) {
        q2.set(i, j, sign * q2.get(i, j));
      }
      for (int c = j; c < kept; c++) {
        r2.set(j, c, sign * refactored.get(j, c));
      }
    }
    return new Extension(q2, r2.times(t), svd.s);
  }

  /** The result of {@link #extend}: {@code F = block T} (plus its part in the basis). */
  public static final class Extension {
    /** {@code Q_new} ({@code n x b'}), orthonormal, orthogonal to the basis. */
    public final DoubleMatrix block;
    /** {@code T} ({@code b' x b}) with {@code F ~ Q_new T}. */
    public final DoubleMatrix coefficients;
    /** All singular values of {@code F}'s orthogonal part (before deflation), descending. */
    public final double[] singularValues;

    Extension(DoubleMatrix block, DoubleMatrix coefficients, double[] singularValues) {
      this.block = block;
      this.coefficients = coefficients;
      this.singularValues = singularValues;
    }
  }
}
