package org.penrose.adapters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.io.NpyFile;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/** {@code .npy} files into row blocks (plain, aligned, transposed, folders) and back ({@link MatrixFiles}). */
class MatrixFilesTest extends SparkTestSession {
  @TempDir Path dir;

  private final DoubleMatrix a = TestMatrices.gaussian(23, 4, new Random(1));

  @Test
  void npyFilesAlignedTransposedAndWritten() throws IOException {
    Path f = dir.resolve("A.npy");
    NpyFile.writeRowMajor(f, a);
    RowBlockMatrix m = new MatrixFiles(spark).read(f.toString(), 5);
    assertEquals(5, m.numBlocks());
    assertEquals(a, m.collectLocal());
    // the transpose of a 4 x 23 file, aligned with m's blocks, in both storage orders
    Path t = dir.resolve("T.npy");
    NpyFile.writeRowMajor(t, a.transpose());
    assertEquals(a, new MatrixFiles(spark).readTransposed(t.toString(), m).collectLocal());
    NpyFile.write(t, a.transpose());
    assertEquals(a, new MatrixFiles(spark).readTransposed(t.toString(), m).collectLocal());
    // a folder of two files read in blocks that span both
    NpyFile.writeRowMajor(dir.resolve("parts/0.npy"), a.rowRange(0, 9));
    NpyFile.write(dir.resolve("parts/1.npy"), a.rowRange(9, 23));
    assertEquals(a, new MatrixFiles(spark).readAligned(dir.resolve("parts").toString(), m).collectLocal());
    // written back as one file, and transposed
    Path out = dir.resolve("out.npy");
    new MatrixFiles(spark).writeNpy(m, out.toString());
    assertEquals(a, NpyFile.read(out));
    new MatrixFiles(spark).writeNpyTransposed(m, out.toString());
    assertEquals(a.transpose(), NpyFile.read(out));
    assertArrayEquals(new long[] {23, 4}, NpyFile.header(dir.resolve("A.npy")).shape());
  }

  @Test
  void truncatedNpyFilesAreNamed() throws IOException {
    Path f = dir.resolve("A.npy");
    NpyFile.writeRowMajor(f, a);
    byte[] bytes = java.nio.file.Files.readAllBytes(f);
    java.nio.file.Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 16));
    Exception e = assertThrows(Exception.class, () -> new MatrixFiles(spark).read(f.toString(), 2));
    assertTrue(e.getMessage().contains("truncated .npy data"), e.getMessage());
  }
  /**
   * An uncompressed coordinate file read on the driver in byte ranges side by side (3 blocks, 6 ranges on 2
   * threads): rows out of order, comment lines and CRLF endings between entries, lines across the ranges' edges,
   * values of 17 significant digits with exponents; each block against the dense matrix the test wrote. A bad line
   * in a later range is named by its line number, and a short file by its count.
   */
  @Test
  void aCoordinateFileReadInByteRangesOnTheDriver() throws IOException {
    Random random = new Random(5);
    int rows = 400;
    int cols = 30;
    DoubleMatrix expected = DoubleMatrix.zeros(rows, cols);
    StringBuilder body = new StringBuilder();
    int entries = 0;
    int lines = 3; // header, comment, size line
    for (int i = 0; i < rows; i++) {
      int row = (i * 7919) % rows; // every row once, out of order
      for (int j = 0; j < cols; j += 1 + random.nextInt(3)) {
        double v = random.nextGaussian();
        expected.set(row, j, v);
        body.append(row + 1).append(' ').append(j + 1).append(' ').append(String.format("%.16e", v))
            .append(random.nextInt(5) == 0 ? "\r\n" : "\n");
        entries++;
        lines++;
        if (random.nextInt(50) == 0) {
          body.append("% a comment between entries\n");
          lines++;
        }
      }
    }
    String head = "%%MatrixMarket matrix coordinate real general\n% written by the test\n" + rows + " " + cols + " ";
    Path f = dir.resolve("ranges.mtx");
    java.nio.file.Files.writeString(f, head + entries + "\n" + body);
    assertTrue(java.nio.file.Files.size(f) > 6 * 1024, "large enough for 6 ranges");
    DriverBlocks read;
    try (org.penrose.engine.DriverThreads pool = new org.penrose.engine.DriverThreads(2, "ranges-test")) {
      read = MatrixFiles.readOnDriver(f.toString(), 3, 2, pool::map);
      long[] starts = read.starts();
      assertEquals(3, read.numBlocks());
      for (int b = 0; b < 3; b++) {
        assertArrayEquals(expected.rowRange((int) starts[b], (int) starts[b + 1]).values(),
            read.matrices().get(b).dense().values(), 0.0, "block " + b);
      }
      // a bad line in the last ranges: named by its number; a size line that promises more: by the count
      java.nio.file.Files.writeString(f, head + entries + "\n" + body + "3 x 1.0\n");
      Exception bad = assertThrows(Exception.class, () -> MatrixFiles.readOnDriver(f.toString(), 3, 2, pool::map));
      assertTrue(bad.getMessage().contains("line " + (lines + 1)), bad.getMessage());
      java.nio.file.Files.writeString(f, head + (entries + 1) + "\n" + body);
      Exception shortFile = assertThrows(Exception.class,
          () -> MatrixFiles.readOnDriver(f.toString(), 3, 2, pool::map));
      assertTrue(shortFile.getMessage().contains("the file holds " + entries + " entries but its size line (line 3)"
          + " declares " + (entries + 1)), shortFile.getMessage());
    }
  }
}
