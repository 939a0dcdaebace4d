package org.penrose.factor;

import java.io.Serializable;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;

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
    return orthogonalizeInPlace(f.copy(), null, 0);
  }

  /**
   * {@link #orthogonalize(DoubleMatrix)} overwriting {@code f}, which is returned, adding the coefficients removed,
   * {@code Q^T F} ({@code d x k}), to {@code projection}; with {@code recent > 0} a first pass against the newest
   * {@code recent} columns only ({@code F -= Q_r (Q_r^T F)}, where a Krylov image has its large components) comes
   * before the passes against the whole basis.
   */
  private DoubleMatrix orthogonalizeInPlace(DoubleMatrix f, DoubleMatrix projection, int recent) {
    double[] before = columnNorms(f);
    if (recent > 0 && recent < cols) {
      int first = cols - recent;
      DoubleMatrix coefficients = Lapack.gemmTall(true, storage, first * rows, rows, recent, f);
      Lapack.gemmTallInto(-1.0, storage, first * rows, rows, recent, coefficients, f);
      if (projection != null) {
        for (int j = 0; j < coefficients.cols(); j++) {
          for (int i = 0; i < recent; i++) {
            projection.set(first + i, j, projection.get(first + i, j) + coefficients.get(i, j));
          }
        }
      }
      before = columnNorms(f);
    }
    for (int pass = 0; pass < 2 && cols() > 0; pass++) {
      DoubleMatrix coefficients = transposeTimes(f);
      Lapack.gemmTallInto(-1.0, storage, rows, cols, coefficients, f);
      if (projection != null) {
        projection.addInPlace(coefficients);
      }
      double[] after = columnNorms(f);
      boolean enough = true;
      for (int j = 0; j < after.length; j++) {
        enough &= after[j] >= KEPT_FRACTION * before[j];
      }
      if (enough) {
        break;
      }
      before = after;
    }
    return f;
  }

  /** The largest Euclidean norm of a column (0 for no columns). */
  public static double maxColumnNorm(DoubleMatrix m) {
    double max = 0;
    for (double norm : columnNorms(m)) {
      max = Math.max(max, norm);
    }
    return max;
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

  /** The basis rotated by {@code Y} ({@code d x l}): {@code Q Y}, computed into new storage of the same capacity. */
  public OrthonormalBasis rotate(DoubleMatrix y) {
    int capacity = Math.max(y.cols(), capacity() == Integer.MAX_VALUE ? y.cols() : capacity());
    double[] room = new double[Math.multiplyExact(rows, capacity)];
    Lapack.gemmTallInto(1.0, storage, 0, rows, cols, y, room); // 0 + Q Y: the bits of times(y)
    return new OrthonormalBasis(rows, y.cols(), room, new int[] {y.cols()});
  }

  /**
   * A new block orthonormal to the basis from {@code F} ({@code n x b}): {@code F = Q_new T + Q (...)}
   * with {@code Q_new} ({@code n x b'}) orthonormal and orthogonal to the basis, {@code T}
   * ({@code b' x b}), and {@code b' <= b} the directions of {@code F} whose singular values (after
   * orthogonalization) exceed {@code deflation}.
   */
  public Extension extend(DoubleMatrix f, double deflation) {
    return extend(f, deflation, 0, false);
  }

  /**
   * {@link #extend(DoubleMatrix, double)} for the image of a Lanczos block, which lies mostly in the last blocks:
   * a first Gram–Schmidt pass against the newest {@code recent} columns only, after which one pass against the
   * whole basis usually suffices. The image is the caller's scratch: it is overwritten.
   */
  public Extension extendImage(DoubleMatrix image, double deflation, int recent) {
    return extend(image, deflation, recent, true);
  }

  private Extension extend(DoubleMatrix f, double deflation, int recent, boolean overwrite) {
    double largest = maxColumnNorm(f);
    DoubleMatrix projection = DoubleMatrix.zeros(cols, f.cols());
    DoubleMatrix orthogonal = orthogonalizeInPlace(overwrite ? f : f.copy(), projection, recent);
    Factor first = factor(orthogonal, deflation);
    int kept = first.block.cols();
    if (kept == 0 || cols() == 0 || largest <= AMPLIFICATION * first.singularValues[kept - 1]) {
      return new Extension(first.block, first.coefficients, projection, first.singularValues);
    }
    // a second orthogonalization against the basis for directions amplified from tiny components:
    // block = again + Q (...), again = Q2 T2, so F_orth ~ Q2 (T2 T)
    DoubleMatrix removed = DoubleMatrix.zeros(cols, kept);
    DoubleMatrix again = orthogonalizeInPlace(first.block, removed, 0); // first.block is not kept
    projection.addInPlace(removed.times(first.coefficients));
    Factor second = factor(again, 0);
    return new Extension(second.block, second.coefficients.times(first.coefficients), projection,
        first.singularValues);
  }

  /** {@code X ~ block T}: an orthonormal basis of {@code X}'s directions above {@code deflation}. */
  private static final class Factor {
    final DoubleMatrix block;
    final DoubleMatrix coefficients;
    final double[] singularValues;

    Factor(DoubleMatrix block, DoubleMatrix coefficients, double[] singularValues) {
      this.block = block;
      this.coefficients = coefficients;
      this.singularValues = singularValues;
    }
  }

  /**
   * A factored block is mapped by {@code R}'s inverse singular values only while its kept part has at most this
   * condition number.
   */
  private static final double WELL_CONDITIONED = 100;

  /**
   * {@code X = Q R} (the TSQR leaf, {@link QrTriangle#ofBlock}) and {@code R = W S Z^T}, so
   * {@code X = (Q W) S Z^T}: the kept directions ({@code s_i > deflation}) are {@code Q W_kept =
   * X Z_kept S_kept^-1} with {@code T = S_kept Z_kept^T}. When the kept part is ill-conditioned
   * (where {@code X Z S^-1} would amplify rounding), {@code Q} is formed by Householder instead.
   */
  private static Factor factor(DoubleMatrix x, double deflation) {
    int n = x.rows();
    int b = x.cols();
    if (n >= b) {
      DoubleMatrix r = QrTriangle.ofBlock(x, null).r();
      Lapack.Svd svd = Lapack.svd(r);
      int kept = RankCutoff.rank(svd.s, deflation);
      if (kept == 0 || svd.s[0] <= WELL_CONDITIONED * svd.s[kept - 1]) {
        DoubleMatrix map = DoubleMatrix.zeros(b, kept);
        DoubleMatrix t = DoubleMatrix.zeros(kept, b);
        for (int j = 0; j < kept; j++) {
          for (int i = 0; i < b; i++) {
            map.set(i, j, svd.v.get(i, j) / svd.s[j]);
            t.set(j, i, svd.s[j] * svd.v.get(i, j));
          }
        }
        return new Factor(x.times(map), t, svd.s);
      }
    }
    // Householder QR, then a rank-revealing SVD of its small triangle: Q W_kept, T = S_kept Z_kept^T
    DoubleMatrix factored = x.copy();
    double[] tau = Lapack.geqrf(factored);
    int p = Math.min(n, b);
    DoubleMatrix r = DoubleMatrix.zeros(p, b);
    for (int j = 0; j < b; j++) {
      for (int i = 0; i <= Math.min(j, p - 1); i++) {
        r.set(i, j, factored.get(i, j));
      }
    }
    Lapack.Svd svd = Lapack.svd(r);
    int kept = RankCutoff.rank(svd.s, deflation);
    DoubleMatrix q = Lapack.orgqr(factored, tau); // n x p
    DoubleMatrix t = DoubleMatrix.zeros(kept, b);
    for (int j = 0; j < b; j++) {
      for (int i = 0; i < kept; i++) {
        t.set(i, j, svd.s[i] * svd.v.get(j, i));
      }
    }
    return new Factor(q.times(svd.u.columns(0, kept)), t, svd.s);
  }

  /** The result of {@link #extend}: {@code F = Q C + block T}. */
  public static final class Extension {
    /** {@code Q_new} ({@code n x b'}), orthonormal, orthogonal to the basis. */
    public final DoubleMatrix block;
    /** {@code T} ({@code b' x b}) with {@code F ~ Q_new T}. */
    public final DoubleMatrix coefficients;
    /** {@code C = Q^T F} ({@code d x b}), {@code F}'s coefficients in the basis (both Gram–Schmidt passes). */
    public final DoubleMatrix projection;
    /** All singular values of {@code F}'s orthogonal part (before deflation), descending. */
    public final double[] singularValues;

    Extension(DoubleMatrix block, DoubleMatrix coefficients, DoubleMatrix projection, double[] singularValues) {
      this.block = block;
      this.coefficients = coefficients;
      this.projection = projection;
      this.singularValues = singularValues;
    }
  }
}
