package org.penrose.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.TestData;
import org.penrose.testing.TestMatrices;

/** The in-memory Matrix Market reader: the shared matrices' stated shapes and nonzeros, and bad files. */
class MatrixMarketFileTest {
  @TempDir Path temp;

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "hb_lsq/well1033.mtx.gz, 1033, 320, 4732",
    "hb_lsq/illc1850.mtx.gz, 1850, 712, 8636", // 8758 stored entries, 122 of them explicit zeros
    "hb_lsq/ash219.mtx, 219, 85, 438",
    "rank_deficient/abb313.mtx, 313, 176, 1557",
    "rank_deficient/GD06_theory.mtx, 101, 101, 380",
    "other/west0479.mtx, 479, 479, 1888",
    "other/lp_share1b.mtx, 117, 253, 1179",
    "edge_cases/a0.mtx, 0, 0, 0",
    "edge_cases/a01.mtx, 0, 1, 0",
    "edge_cases/a04.mtx, 0, 4, 0",
    "edge_cases/a10.mtx, 1, 0, 0"
  })
  void sharedMatricesHaveTheirStatedShapes(String file, int rows, int cols, long nnz) throws IOException {
    DoubleMatrix m = MatrixMarketFile.read(TestData.path("sparse/" + file));
    assertEquals(rows + " x " + cols, m.shape());
    assertEquals(nnz, TestMatrices.nonzeros(m));
  }

  @Test
  void entryLinesSplitAsTheRegularExpressionSplitsThem() {
    // the hand-written splitter against String.split("\\s+") on random lines over a hostile alphabet
    char[] alphabet = {' ', '\t', '\u000B', '\f', '\r', '\u0001', '\u001F', '1', '-', '.', 'e', '%'};
    java.util.Random random = new java.util.Random(4);
    for (int trial = 0; trial < 20000; trial++) {
      StringBuilder line = new StringBuilder();
      int length = random.nextInt(12);
      for (int c = 0; c < length; c++) {
        line.append(alphabet[random.nextInt(alphabet.length)]);
      }
      String text = line.toString();
      org.junit.jupiter.api.Assertions.assertArrayEquals(text.trim().split("\\s+"), MatrixMarketEntries.fields(text),
          "line '" + text.replace("\t", "\\t") + "'");
    }
  }

  @Test
  void symmetricAndSkewEntriesAreMirrored() throws IOException {
    Path p = temp.resolve("s.mtx");
    Files.writeString(p, "%%MatrixMarket matrix coordinate real skew-symmetric\n% comment\n\n3 3 2\n2 1 4.5\n3 2 -1D+00\n");
    DoubleMatrix m = MatrixMarketFile.read(p);
    assertEquals(4.5, m.get(1, 0));
    assertEquals(-4.5, m.get(0, 1));
    assertEquals(-1.0, m.get(2, 1));
    assertEquals(1.0, m.get(1, 2));
    Path a = temp.resolve("a.mtx");
    Files.writeString(a, "%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n3\n");
    DoubleMatrix s = MatrixMarketFile.read(a);
    assertEquals(2.0, s.get(0, 1));
    assertEquals(2.0, s.get(1, 0));
    assertEquals(3.0, s.get(1, 1));
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
    "%%MatrixMarket matrix coordinate real general\\n2 2 1\\n3 1 1.0\\n | line 3: row index 3 is out of range 1..2",
    "%%MatrixMarket matrix coordinate real general\\n2 2 2\\n1 1 1.0\\n | line 3: the file ended after 1 entries",
    "%%MatrixMarket matrix coordinate real general\\n2 2 1\\n1 1 x\\n | line 3: not a finite decimal number: 'x'",
    "%%MatrixMarket matrix coordinate real general\\n2 2 1\\n1 1 1\\n2 2 2\\n | line 4: more entries than the 1",
    "%%MatrixMarket matrix coordinate complex general\\n2 2 1\\n1 1 1 0\\n | line 1: complex matrices are not supported",
    "%%MatrixMarket matrix coordinate real hermitian\\n2 2 1\\n1 1 1\\n | line 1: hermitian",
    "%%MatrixMarkt matrix coordinate real general\\n2 2 1\\n1 1 1\\n | line 1: bad banner",
    "%%MatrixMarket matrix array real general\\n2 2\\n1\\n2\\n3\\n | line 5: the file ended after 3 values",
    "%%MatrixMarket matrix coordinate real general\\n2 two 1\\n | line 2: the number of columns is not an integer"
  })
  void badFilesNameTheLine(String content, String expected) throws IOException {
    Path p = temp.resolve("bad.mtx");
    Files.writeString(p, content.replace("\\n", "\n"));
    MatrixFormatException e = assertThrows(MatrixFormatException.class, () -> MatrixMarketFile.read(p));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
