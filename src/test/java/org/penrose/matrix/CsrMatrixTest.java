package org.penrose.matrix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.penrose.testing.TestMatrices;

/** Compressed sparse rows against the dense kernels on the same matrices. */
class CsrMatrixTest {
  /** A random {@code rows x cols} matrix with about {@code density} of its entries nonzero, as entries and dense. */
  static SparseEntries randomEntries(int rows, int cols, double density, Random random) {
    SparseEntries e = new SparseEntries();
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        if (random.nextDouble() < density) {
          e.add(i, j, random.nextGaussian());
        }
      }
    }
    return e;
  }

  private static DoubleMatrix dense(SparseEntries e, int rows, int cols) {
    DoubleMatrix d = DoubleMatrix.zeros(rows, cols);
    e.addTo(d, 0);
    return d;
  }

  @Test
  void productsMatchTheDenseBlock() {
    Random random = new Random(1);
    SparseEntries e = randomEntries(70, 130, 0.05, random);
    CsrMatrix a = CsrMatrix.fromEntries(e, 0, 70, 130);
    DoubleMatrix d = dense(e, 70, 130);
    assertEquals(d, a.dense());
    assertEquals(e.size(), a.storedEntries());
    DoubleMatrix x = TestMatrices.gaussian(130, 7, random);
    DoubleMatrix y = TestMatrices.gaussian(70, 5, random);
    assertTrue(TestMatrices.relativeError(a.times(x), d.times(x)) < 1e-14);
    assertTrue(TestMatrices.relativeError(a.transposeTimes(y), d.transposeTimes(y)) < 1e-14);
    // the fused normal-operator product against the dense A^T (A x), and against the two sparse products
    assertTrue(TestMatrices.relativeError(a.normalTimes(x), d.transposeTimes(d.times(x))) < 1e-14);
    assertTrue(TestMatrices.relativeError(a.normalTimes(x), a.transposeTimes(a.times(x))) < 1e-15);
    // row-major: into zeros the bits of normalTimes, a second time the sum of the two (to rounding)
    double[] z = new double[130 * 7];
    a.addNormalTimes(RowMajor.of(x), 7, z);
    assertEquals(a.normalTimes(x), RowMajor.toMatrix(z, 130, 7));
    a.addNormalTimes(RowMajor.of(x), 7, z);
    assertTrue(TestMatrices.relativeError(RowMajor.toMatrix(z, 130, 7), a.normalTimes(x).scaled(2.0)) < 1e-15);
    assertEquals(x, RowMajor.toMatrix(RowMajor.of(x), 130, 7));
    assertThrows(IllegalArgumentException.class, () -> a.addNormalTimes(new double[130 * 6], 7, new double[130 * 7]));
  }

  @Test
  void duplicatesAreSummedInEntryOrderLikeTheDenseBuilder() {
    SparseEntries e = new SparseEntries();
    e.add(1, 2, 0.1);
    e.add(0, 0, 1.0);
    e.add(1, 2, 0.2);
    e.add(1, 0, -3.0);
    e.add(1, 2, 0.3);
    CsrMatrix a = CsrMatrix.fromEntries(e, 0, 2, 3);
    assertEquals(3, a.storedEntries(), "three distinct positions");
    assertArrayEquals(new int[] {0, 1, 3}, a.rowStart());
    assertArrayEquals(new int[] {0, 0, 2}, a.colIndex(), "columns ascending within each row");
    assertEquals(dense(e, 2, 3), a.dense(), "the same bits as summing into a dense block");
  }

  /** Rows in any entry order, with duplicates, next to rows already in order that move up over the room left. */
  @Test
  void shuffledEntriesWithDuplicatesGiveTheDenseBuildersBitsInStrictColumnOrder() {
    Random random = new Random(5);
    SparseEntries e = new SparseEntries();
    java.util.Set<Long> positions = new java.util.HashSet<>();
    for (int k = 0; k < 400; k++) {
      int q = k / 4;
      // every third row gets columns 0..9 in order; the other rows get 6 columns in any order, with duplicates
      int i = k % 4 == 0 ? 3 * (q % 10) : 3 * random.nextInt(10) + 1 + random.nextInt(2);
      int j = k % 4 == 0 ? q / 10 : random.nextInt(6);
      e.add(i, j, random.nextGaussian());
      positions.add((long) i * 40 + j);
    }
    CsrMatrix a = CsrMatrix.fromEntries(e, 0, 30, 40);
    assertEquals(positions.size(), a.storedEntries(), "one stored entry per distinct position");
    assertEquals(dense(e, 30, 40), a.dense(), "duplicates summed in entry order, as the dense builder sums them");
    for (int i = 0; i < 30; i++) {
      for (int p = a.rowStart()[i] + 1; p < a.rowStart()[i + 1]; p++) {
        assertTrue(a.colIndex()[p - 1] < a.colIndex()[p], "row " + i + " in strict column order");
      }
    }
  }

  @Test
  void rowRangesStackBackAndEntriesRoundTrip() {
    Random random = new Random(2);
    SparseEntries e = randomEntries(40, 25, 0.2, random);
    CsrMatrix a = CsrMatrix.fromEntries(e, 0, 40, 25);
    CsrMatrix stacked = CsrMatrix.stack(List.of(a.rowRange(0, 13), a.rowRange(13, 13), a.rowRange(13, 40)), 25);
    assertEquals(a, stacked);
    assertEquals(a, CsrMatrix.fromEntries(a.entries(100), 100, 40, 25), "entries carry the first row");
    assertEquals(a.dense().transpose(), CsrMatrix.fromEntries(a.entries(0).transposed(), 0, 25, 40).dense());
  }

  @Test
  void lowRankAtEntriesIsTheProductAtTheStoredPositions() {
    Random random = new Random(3);
    CsrMatrix a = CsrMatrix.fromEntries(randomEntries(30, 50, 0.1, random), 0, 30, 50);
    DoubleMatrix left = TestMatrices.gaussian(30, 4, random);
    DoubleMatrix right = TestMatrices.gaussian(50, 4, random);
    DoubleMatrix full = left.timesTranspose(right);
    CsrMatrix at = a.lowRankAtEntries(left, right);
    for (int i = 0; i < 30; i++) {
      for (int p = a.rowStart()[i]; p < a.rowStart()[i + 1]; p++) {
        assertEquals(full.get(i, a.colIndex()[p]), at.values()[p], 1e-13);
      }
    }
    assertArrayEquals(a.colIndex(), at.colIndex(), "same pattern");
  }

  @Test
  void badStructureAndValuesAreNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CsrMatrix.of(1, 3, new int[] {0, 2}, new int[] {2, 1}, new double[] {1, 2}));
    assertTrue(e.getMessage().contains("out of order"), e.getMessage());
    SparseEntries outside = new SparseEntries();
    outside.add(5, 0, 1.0);
    e = assertThrows(IllegalArgumentException.class, () -> CsrMatrix.fromEntries(outside, 0, 3, 3));
    assertTrue(e.getMessage().contains("entry (5, 0) is outside"), e.getMessage());
    SparseEntries nan = new SparseEntries();
    nan.add(0, 1, Double.NaN);
    e = assertThrows(IllegalArgumentException.class, () -> CsrMatrix.fromEntries(nan, 0, 1, 2).requireFinite("A"));
    assertTrue(e.getMessage().contains("A has a non-finite value NaN at row 0, column 1"), e.getMessage());
  }

  @Test
  void aHugeColumnCountCostsNothingPerRow() {
    SparseEntries e = new SparseEntries();
    e.add(0, 999_999_999, 2.0);
    e.add(2, 7, -1.0);
    CsrMatrix a = CsrMatrix.fromEntries(e, 0, 3, 1_000_000_000);
    assertEquals(2, a.storedEntries());
    assertEquals(4, a.rowStart().length, "memory O(rows + nonzeros)");
  }
}
