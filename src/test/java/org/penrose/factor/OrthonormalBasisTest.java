package org.penrose.factor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.Lapack;
import org.penrose.testing.TestMatrices;

/** The driver-side basis of the truncated SVD: orthonormal blocks, and appends that share storage safely. */
class OrthonormalBasisTest {
  /**
   * Working precision for these bases: 100 eps. New blocks are mapped from their TSQR triangle
   * ({@code X Z S^-1}, rounding {@code O(eps kappa(X))} per block, kappa <= 100 by construction),
   * which lands near 46 eps (1.0e-14) in the first test below.
   */
  private static final double WORKING_PRECISION = 100 * RankCutoff.EPS;

  private static double orthogonality(DoubleMatrix q) {
    return q.transposeTimes(q).plusScaled(-1.0, DoubleMatrix.identity(q.cols())).maxAbs();
  }

  private static DoubleMatrix columns(OrthonormalBasis basis) {
    return basis.times(DoubleMatrix.identity(basis.cols()));
  }

  @Test
  void blocksAreOrthonormalToTheBasisAndEachOther() {
    Random random = new Random(1);
    OrthonormalBasis basis = OrthonormalBasis.empty(500, 40);
    for (int step = 0; step < 4; step++) {
      DoubleMatrix f = TestMatrices.gaussian(500, 10, random);
      OrthonormalBasis.Extension ext = basis.extend(f, 1e-12);
      assertEquals(10, ext.block.cols());
      // F = Q_new T + Q (Q^T F)
      DoubleMatrix rebuilt = ext.block.times(ext.coefficients).plusScaled(1.0, basis.times(basis.transposeTimes(f)));
      assertTrue(TestMatrices.relativeError(rebuilt, f) < 1e-13);
      basis = basis.append(ext.block);
    }
    assertEquals(40, basis.cols());
    assertTrue(orthogonality(columns(basis)) < WORKING_PRECISION, "orthogonality " + orthogonality(columns(basis)));
  }

  @Test
  void appendingToAnEarlierBasisCopiesInsteadOfOverwriting() {
    Random random = new Random(2);
    OrthonormalBasis first = OrthonormalBasis.empty(200, 30);
    first = first.append(first.extend(TestMatrices.gaussian(200, 10, random), 1e-12).block);
    DoubleMatrix firstColumns = columns(first);
    OrthonormalBasis grown = first.append(first.extend(TestMatrices.gaussian(200, 10, random), 1e-12).block);
    DoubleMatrix grownColumns = columns(grown);
    // a second branch from `first`: must not write over the columns `grown` holds
    OrthonormalBasis branch = first.append(first.extend(TestMatrices.gaussian(200, 10, random), 1e-12).block);
    assertEquals(grownColumns, columns(grown));
    assertEquals(firstColumns, columns(first));
    assertTrue(TestMatrices.relativeError(columns(branch).columns(0, 10), firstColumns) == 0);
    assertTrue(orthogonality(columns(branch)) < WORKING_PRECISION);
    // past the capacity the basis grows by copying
    OrthonormalBasis big = grown.append(grown.extend(TestMatrices.gaussian(200, 15, random), 1e-12).block);
    assertEquals(35, big.cols());
    assertTrue(orthogonality(columns(big)) < WORKING_PRECISION);
    // a rotation keeps orthonormality: Q Y for orthonormal Y
    Lapack.Svd svd = Lapack.svd(TestMatrices.gaussian(20, 35, random));
    OrthonormalBasis rotated = big.rotate(svd.v.columns(0, 20));
    assertEquals(20, rotated.cols());
    assertTrue(orthogonality(columns(rotated)) < WORKING_PRECISION);
  }

  @Test
  void anImageIsOrthogonalizedInItsOwnStorageAndAnyOtherBlockIsLeftAsGiven() {
    Random random = new Random(3);
    OrthonormalBasis basis = OrthonormalBasis.empty(300, 40);
    for (int step = 0; step < 3; step++) {
      basis = basis.append(basis.extend(TestMatrices.gaussian(300, 8, random), 1e-12).block);
    }
    // an image with large components in the newest 16 columns (a Lanczos image), and a small rest
    DoubleMatrix f = basis.times(TestMatrices.gaussian(24, 8, random)).plusScaled(1e-3,
        TestMatrices.gaussian(300, 8, random));
    DoubleMatrix given = f.copy();
    OrthonormalBasis.Extension kept = basis.extend(f, 1e-12);
    assertEquals(given, f);
    OrthonormalBasis.Extension ext = basis.extendImage(f, 1e-12, 16);
    assertTrue(!given.equals(f), "the image is the extension's scratch");
    for (OrthonormalBasis.Extension e : new OrthonormalBasis.Extension[] {kept, ext}) {
      // F = Q C + Q_new T, Q_new orthonormal and orthogonal to Q
      DoubleMatrix rebuilt = basis.times(e.projection).plusScaled(1.0, e.block.times(e.coefficients));
      assertTrue(TestMatrices.relativeError(rebuilt, given) < 1e-13, "rebuilt " + TestMatrices.relativeError(rebuilt,
          given));
      assertTrue(orthogonality(columns(basis.append(e.block))) < WORKING_PRECISION);
    }
    // the rotation computed into new storage: the bits of Q Y
    DoubleMatrix y = Lapack.svd(TestMatrices.gaussian(24, 24, random)).v.columns(0, 12);
    assertEquals(basis.times(y), columns(basis.rotate(y)));
  }
}
