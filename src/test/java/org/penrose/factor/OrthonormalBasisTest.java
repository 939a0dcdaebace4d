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
}
