package org.penrose.solver;

import dev.ludovic.netlib.blas.BLAS;
import java.io.Serializable;
import org.penrose.blas.Netlib;
import org.penrose.factor.PinvFactorization;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;
import org.penrose.matrix.MatrixBlock;

/**
 * The rows of {@code P^T = U S^-1 V^T} ({@code m x n}) aligned with the row blocks of {@code A}, with
 * left singular vectors that are orthonormal to working precision.
 *
 * <p>{@code U = A V S^-1} computed from {@code A} loses orthogonality like {@code kappa * eps}, and a
 * {@code P} built on it satisfies the Penrose conditions {@code (A P)^T = A P}, {@code (P A)^T = P A}
 * only to about {@code kappa^2 * eps} (measured: 1.6e-7 on lp_share1b, kappa 1e5; no digits at all
 * at kappa 1e10). So {@code U} is refined by Cholesky QR against its Gram matrix, one reduction per
 * pass: with {@code U_1 = A V S^-1}, {@code G = sum_i U_i^T U_i = C^T C},
 * {@code U_2 = U_1 C^-1} is orthonormal to {@code O(eps)} when {@code U_1} is nearly so (Fukaya et
 * al., "CholeskyQR2", 2014); a second pass follows when the first Gram matrix was far from the
 * identity. The passes stop once {@code max|G - I| <=} {@link #ORTHOGONALITY}. This brings the
 * Penrose conditions to {@code O(kappa * eps)}, like direct TSQR (measured the same on those
 * matrices), without re-applying each block's Householder factors.
 *
 * <p>Row-block form: each pass reduces {@code G = sum_i U_i^T U_i} ({@code r x r}); the map is
 * {@code (P^T)_i = ((A_i V S^-1) C^-1) (S^-1 V^T)}, computed in that order so that {@code U_i} is
 * rounded as a unit-norm matrix. A pass can compute both from one {@code U_i} ({@link #blockTermAndRows}),
 * so that when no refinement is needed (the common case) {@code P^T} takes one pass over {@code A}.
 *
 * <p>Certified matrices need no Gram pass. When every TSQR leaf certified its block well conditioned,
 * the orthogonality of {@code U} is known from the leaves' Gram matrices before any pass
 * ({@link PinvFactorization#certifiedOrthogonalityError()}, as accurate as the explicit {@code U}'s
 * Gram matrix there). If it is within {@link #ORTHOGONALITY}, {@code U} is never formed: the rows are
 * {@code (P^T)_i = A_i (Z Z^T) = A_i V S^-2 V^T} ({@code Z = V S^-1}), one product with a symmetric
 * {@code n x n} matrix ({@code 2 b n^2} flops per block, against {@code 5 b n^2} for {@code U_i}, its
 * Gram term and {@code U_i Z^T}), and no reduction. Otherwise the passes above run as for any matrix.
 */
public final class PinvTranspose implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Refinement passes stop when {@code max|U^T U - I|} is at most this. */
  public static final double ORTHOGONALITY = 1e-13;

  /** At most this many refinement passes. */
  public static final int MAX_PASSES = 2;

  private final PinvFactorization factorization;
  /** Upper triangular {@code C} ({@code r x r}) with {@code U = A V S^-1 C^-1}. */
  private final DoubleMatrix correction;
  private final int passes;
  /** {@code Z Z^T = V S^-2 V^T} ({@code n x n}, symmetric) when {@code U} is known orthonormal already, else null. */
  private final DoubleMatrix pinvGram;

  private PinvTranspose(PinvFactorization factorization, DoubleMatrix correction, int passes, DoubleMatrix pinvGram) {
    this.factorization = factorization;
    this.correction = correction;
    this.passes = passes;
    this.pinvGram = pinvGram;
  }

  /**
   * Before any refinement: {@code U = A V S^-1}; known orthonormal already ({@link #isFinal()}) when
   * the certified estimate of its orthogonality is within {@link #ORTHOGONALITY}.
   */
  public static PinvTranspose unrefined(PinvFactorization f) {
    boolean known = f.certifiedOrthogonalityError() <= ORTHOGONALITY; // false for NaN (not certified)
    return new PinvTranspose(f, DoubleMatrix.identity(f.rank()), 0, known ? symmetricGram(f) : null);
  }

  /** {@code Z Z^T} by {@code dsyrk} ({@code Z = V S^-1}, {@code n x r}): both triangles the same bits. */
  private static DoubleMatrix symmetricGram(PinvFactorization f) {
    DoubleMatrix z = f.vTimesSInverse();
    int n = z.rows();
    DoubleMatrix m = DoubleMatrix.zeros(n, n);
    if (n > 0 && z.cols() > 0) {
      Netlib.blas().dsyrk("U", "N", n, z.cols(), 1.0, z.values(), 0, n, 0.0, m.values(), 0, n);
      m.copyUpperToLower();
    }
    return m;
  }

  /**
   * True when no pass needs to check {@code U}: {@link #rowMap} gives the final rows of
   * {@code P^T} ({@code A_i V S^-2 V^T}), and there is no Gram term to reduce.
   */
  public boolean isFinal() {
    return pinvGram != null;
  }

  /** {@code U_i} of one row block ({@code b x r}), with the current correction. */
  public DoubleMatrix leftSingularVectors(MatrixBlock aBlock) {
    DoubleMatrix u = factorization.leftSingularVectors(aBlock);
    if (passes > 0) {
      Lapack.solveRightUpper(u, correction);
    }
    return u;
  }

  /** The reduction term of one row block: {@code U_i^T U_i} ({@code r x r}). */
  public DoubleMatrix blockTerm(MatrixBlock aBlock) {
    return pass(aBlock, true, false).gramTerm();
  }

  /**
   * One row block's Gram term and rows of {@code P^T}, from one {@code U_i}: the pass that is final
   * when the reduced Gram matrix asks for no refinement (the rows are those {@link #rowMap} gives).
   */
  public record BlockPass(DoubleMatrix gramTerm, DoubleMatrix pinvTransposeRows) implements Serializable {}

  /** {@link BlockPass} of one row block ({@code b x n} rows of {@code P^T}). */
  public BlockPass blockTermAndRows(MatrixBlock aBlock) {
    return pass(aBlock, true, true);
  }

  /** Rows of a dense block taken at once: {@code U_i} is computed a cache-sized slice at a time, never whole. */
  private static final int SLICE_ROWS = 1024;

  /**
   * {@code G_i = U_i^T U_i} (when {@code withGram}) and {@code (P^T)_i = U_i (S^-1 V^T)} (when
   * {@code withRows}; the other is null), by slices of rows of a dense block:
   * {@code U_s = A_s V S^-1 C^-1}, {@code G_i += U_s^T U_s} ({@code dsyrk}),
   * {@code (P^T)_s = U_s (S^-1 V^T)}. Each is the same bits whether or not the other is computed.
   */
  private BlockPass pass(MatrixBlock aBlock, boolean withGram, boolean withRows) {
    if (pinvGram != null) {
      if (withGram) {
        throw new IllegalStateException("U is known orthonormal: there is no Gram term to reduce");
      }
      factorization.requireBlockColumns("A", aBlock);
      return new BlockPass(null, aBlock.times(pinvGram));
    }
    DoubleMatrix z = factorization.vTimesSInverse(); // n x r
    if (aBlock.isSparse()) {
      DoubleMatrix u = leftSingularVectors(aBlock);
      return new BlockPass(withGram ? u.gram() : null, withRows ? u.timesTranspose(z) : null);
    }
    factorization.requireBlockColumns("A", aBlock);
    DoubleMatrix a = aBlock.dense();
    int b = a.rows();
    int n = a.cols();
    int r = z.cols();
    DoubleMatrix gram = withGram ? DoubleMatrix.zeros(r, r) : null;
    DoubleMatrix rows = withRows ? DoubleMatrix.zeros(b, n) : null;
    if (b == 0 || r == 0) {
      return new BlockPass(gram, rows);
    }
    double[] u = new double[Math.min(SLICE_ROWS, b) * r];
    BLAS blas = Netlib.blas();
    for (int start = 0; start < b; start += SLICE_ROWS) {
      int c = Math.min(SLICE_ROWS, b - start);
      blas.dgemm("N", "N", c, r, n, 1.0, a.values(), start, b, z.values(), 0, n, 0.0, u, 0, c);
      if (passes > 0) {
        blas.dtrsm("R", "U", "N", "N", c, r, 1.0, correction.values(), 0, r, u, 0, c);
      }
      if (withGram) {
        blas.dsyrk("U", "T", r, c, 1.0, u, 0, c, 1.0, gram.values(), 0, r);
      }
      if (withRows) {
        blas.dgemm("N", "T", c, n, r, 1.0, u, 0, c, z.values(), 0, n, 0.0, rows.values(), start, b);
      }
    }
    if (withGram) {
      gram.copyUpperToLower();
    }
    return new BlockPass(gram, rows);
  }

  /** True when the reduced Gram matrix ({@code U^T U}) asks for another pass. */
  public boolean needsRefinement(DoubleMatrix gram) {
    return passes < MAX_PASSES && gram.plusScaled(-1, DoubleMatrix.identity(gram.rows())).maxAbs() > ORTHOGONALITY;
  }

  /**
   * The next pass for the reduced {@code G = sum_i U_i^T U_i}: {@code C <- chol(G) C}. If {@code G} is
   * not positive definite (the kept singular values span more than the working precision can
   * separate), the current {@code U} is kept.
   */
  public PinvTranspose fromReduction(DoubleMatrix gram) {
    DoubleMatrix c = Lapack.cholesky(gram);
    if (c == null) {
      return new PinvTranspose(factorization, correction, MAX_PASSES, null);
    }
    return new PinvTranspose(factorization, c.times(correction), passes + 1, null);
  }

  /**
   * {@code (P^T)_i = U_i (S^-1 V^T)}, or {@code A_i (V S^-2 V^T)} when {@link #isFinal()}, for one row block ({@code b
   * x n}).
   */
  public DoubleMatrix rowMap(MatrixBlock aBlock) {
    return pass(aBlock, false, true).pinvTransposeRows();
  }

  /** Refinement passes applied. */
  public int passes() {
    return passes;
  }

  /** {@code P^T} of one in-memory matrix (a single row block). */
  static DoubleMatrix compute(PinvFactorization f, DoubleMatrix a) {
    PinvTranspose t = unrefined(f);
    if (t.isFinal()) {
      return t.rowMap(a);
    }
    while (true) {
      BlockPass pass = t.blockTermAndRows(a);
      if (!t.needsRefinement(pass.gramTerm())) {
        return pass.pinvTransposeRows();
      }
      t = t.fromReduction(pass.gramTerm());
    }
  }
}
