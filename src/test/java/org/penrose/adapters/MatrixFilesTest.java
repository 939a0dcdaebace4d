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
}
