package org.penrose.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.testing.TestData;

/**
 * The .npy reader and writer against files written by numpy ({@code dev/make_npy_fixtures.py}).
 * Valid fixtures hold {@code 10 i + j + 0.5} (integers: {@code 10 i + j}).
 */
class NpyFileTest {
  @TempDir Path temp;

  static Path fixture(String name) {
    return TestData.npyFixture(name);
  }

  private static void assertGrid(DoubleMatrix m, int rows, int cols, double frac) {
    assertEquals(rows + " x " + cols, m.shape());
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        assertEquals(10 * i + j + frac, m.get(i, j), 0.0, "(" + i + ", " + j + ")");
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "f8_c_3x4.npy, 0.5",
    "f8_fortran_3x4.npy, 0.5",
    "f8_big_endian_3x4.npy, 0.5",
    "f4_c_3x4.npy, 0.5",
    "i4_c_3x4.npy, 0",
    "i8_big_endian_3x4.npy, 0",
    "f8_v2_3x4.npy, 0.5",
    "f8_v3_3x4.npy, 0.5"
  })
  void readsEveryVariantNumpyWrites(String name, double frac) throws IOException {
    assertGrid(NpyFile.read(fixture(name)), 3, 4, frac);
  }

  @Test
  void oneDimensionalArraysAreColumnsAndScalarsAreOneByOne() throws IOException {
    assertGrid(NpyFile.read(fixture("f8_1d_5.npy")), 5, 1, 0.5);
    DoubleMatrix scalar = NpyFile.read(fixture("f8_0d.npy"));
    assertEquals("1 x 1", scalar.shape());
    assertEquals(2.5, scalar.get(0, 0));
    assertEquals("0 x 3", NpyFile.read(fixture("f8_empty_0x3.npy")).shape());
  }

  @Test
  void writesExactlyTheBytesNumpyWrites() throws IOException {
    DoubleMatrix grid = NpyFile.read(fixture("f8_c_3x4.npy"));
    Path p = temp.resolve("out.npy");
    NpyFile.write(p, grid);
    assertArrayEquals(Files.readAllBytes(fixture("expected_write_fortran_3x4.npy")), Files.readAllBytes(p));
    Path v = temp.resolve("v.npy");
    NpyFile.writeVector(v, NpyFile.read(fixture("f8_1d_5.npy")));
    assertArrayEquals(Files.readAllBytes(fixture("expected_write_vector_5.npy")), Files.readAllBytes(v));
    Path c = temp.resolve("c.npy");
    NpyFile.writeRowMajor(c, grid);
    assertArrayEquals(Files.readAllBytes(fixture("f8_c_3x4.npy")), Files.readAllBytes(c));
  }

  @Test
  void roundTripsLargerMatricesAndEdgeShapes() throws IOException {
    // 5000 x 37 in C order spans two 1 MiB chunks of rows
    for (int[] shape : new int[][] {{0, 0}, {0, 5}, {7, 0}, {1, 1}, {1000, 37}, {5000, 37}}) {
      DoubleMatrix m = DoubleMatrix.zeros(shape[0], shape[1]);
      for (int e = 0; e < m.values().length; e++) {
        m.values()[e] = Math.sin(e) * 1e300 / (e + 1);
      }
      Path p = temp.resolve("m.npy");
      NpyFile.write(p, m);
      assertEquals(m, NpyFile.read(p));
      NpyFile.writeRowMajor(p, m);
      assertEquals(m, NpyFile.read(p));
      if (shape[0] == 5000) { // rows [1234, 4999): a range starting and ending inside chunks
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p)) {
          NpyHeader header = NpyHeader.read(ByteSource.of(ch), p.toString());
          DoubleMatrix rows = NpyFile.readRows(ByteSource.of(ch), header, 1234, 3765, p.toString());
          for (int j = 0; j < 37; j++) {
            for (int i = 0; i < 3765; i++) {
              assertEquals(m.get(1234 + i, j), rows.get(i, j));
            }
          }
        }
      }
    }
  }

  /**
   * A Fortran-order float64 file (bytes written here, entry {@code (i, j)} = {@code i + 1e6 j}) whose columns are
   * longer than a read chunk (1 MiB): rows read in a range starting and ending inside chunks, in both byte orders;
   * the same file cut short is reported as truncated.
   */
  @Test
  void readsRowRangesOfFortranOrderFilesInBothByteOrders() throws IOException {
    int m = 300_000;
    int n = 3;
    for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
      String header = new String(NpyHeader.encode(new long[] {m, n}, true), StandardCharsets.ISO_8859_1);
      if (order == ByteOrder.BIG_ENDIAN) {
        header = header.replace("'<f8'", "'>f8'");
      }
      ByteBuffer data = ByteBuffer.allocate(8 * m * n).order(order);
      for (int j = 0; j < n; j++) { // column after column
        for (int i = 0; i < m; i++) {
          data.putDouble(i + 1e6 * j);
        }
      }
      Path p = temp.resolve("fortran.npy");
      byte[] head = header.getBytes(StandardCharsets.ISO_8859_1);
      byte[] file = java.util.Arrays.copyOf(head, head.length + data.capacity());
      System.arraycopy(data.array(), 0, file, head.length, data.capacity());
      Files.write(p, file);
      try (FileChannel ch = FileChannel.open(p)) {
        NpyHeader h = NpyHeader.read(ByteSource.of(ch), p.toString());
        assertTrue(h.fortranOrder());
        DoubleMatrix rows = NpyFile.readRows(ByteSource.of(ch), h, 70_001, 200_000, p.toString());
        for (int j = 0; j < n; j++) {
          for (int i = 0; i < 200_000; i++) {
            assertEquals(70_001 + i + 1e6 * j, rows.get(i, j), order + " (" + i + ", " + j + ")");
          }
        }
      }
      assertEquals(299_999 + 2e6, NpyFile.read(p).get(m - 1, n - 1), order.toString());
      Files.write(p, java.util.Arrays.copyOf(file, file.length - 8));
      MatrixFormatException e = assertThrows(MatrixFormatException.class, () -> NpyFile.read(p));
      assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }
  }

  @Test
  void readsRowRangesOfCOrderFiles() throws IOException {
    Path p = fixture("f8_c_3x4.npy");
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p)) {
      NpyHeader header = NpyHeader.read(ByteSource.of(ch), p.toString());
      DoubleMatrix rows = NpyFile.readRows(ByteSource.of(ch), header, 1, 2, p.toString());
      assertEquals("2 x 4", rows.shape());
      assertEquals(10 + 3 + 0.5, rows.get(0, 3));
      assertEquals(20 + 0.5, rows.get(1, 0));
    }
  }

  @Test
  void aFailedWriteLeavesTheExistingFileIntact() throws IOException {
    Path p = temp.resolve("keep.npy");
    NpyFile.write(p, DoubleMatrix.identity(2));
    byte[] before = Files.readAllBytes(p);
    DoubleMatrix wide = DoubleMatrix.zeros(2, 2);
    assertThrows(IllegalArgumentException.class, () -> NpyFile.writeVector(p, wide));
    assertArrayEquals(before, Files.readAllBytes(p));
    try (var files = Files.list(temp)) {
      assertEquals(1, files.count(), "no partial files left behind");
    }
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
    "bad_truncated.npy     | truncated .npy data",
    "bad_trailing.npy      | 8 more bytes follow the data",
    "bad_magic.npy         | not a .npy file",
    "bad_version.npy       | unsupported .npy format version 4.0",
    "bad_absurd_shape.npy  | 1000000000000",
    "bad_header_syntax.npy | corrupt .npy header",
    "bad_complex.npy       | unsupported dtype '<c16'",
    "bad_bool.npy          | unsupported dtype '|b1'",
    "bad_structured.npy    | structured arrays",
    "bad_3d.npy            | 3-dimensional array is not a matrix"
  })
  void badFilesGiveAClearError(String name, String expected) {
    MatrixFormatException e = assertThrows(MatrixFormatException.class, () -> NpyFile.read(fixture(name)));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().contains(name), "names the file: " + e.getMessage());
  }

  /** The first bad value by rows, as the file stores them, though the check passes over the columns first. */
  @Test
  void theFirstNonFiniteValueIsNamedInTheFilesRowOrder() {
    DoubleMatrix block = DoubleMatrix.zeros(8, 4);
    block.set(5, 0, Double.NaN); // first in column-major order
    block.set(1, 3, Double.NEGATIVE_INFINITY); // first in row order
    MatrixFormatException e = assertThrows(MatrixFormatException.class,
        () -> NpyFileSet.requireFinite(block, "A.npy", 100));
    assertEquals("A.npy: row 101 has a non-finite value -Infinity in column 3", e.getMessage());
    block.set(1, 3, 2.0);
    block.set(5, 0, 3.0);
    assertSame(block, NpyFileSet.requireFinite(block, "A.npy", 100));
  }

  @Test
  void absurdShapeFailsBeforeAllocating() {
    MatrixFormatException e =
        assertThrows(MatrixFormatException.class, () -> NpyFile.read(fixture("bad_absurd_shape.npy")));
    assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("overflows"), e.getMessage());
  }

  @Test
  void aHugeShapeInASmallFileIsReportedAsTruncatedWithoutAllocating() throws IOException {
    // 10^8 x 1000 float64 would be 800 GB: the size check must come before any allocation.
    Path p = temp.resolve("huge.npy");
    byte[] header = NpyHeader.encode(new long[] {100_000_000L, 1000}, false);
    byte[] file = java.util.Arrays.copyOf(header, header.length + 64);
    Files.write(p, file);
    MatrixFormatException e = assertThrows(MatrixFormatException.class, () -> NpyFile.read(p));
    assertTrue(e.getMessage().contains("800000000000 bytes") && e.getMessage().contains("only 64 bytes"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"missing.npy"})
  void missingFilesAndDirectoriesAreNamed(String name) {
    Exception e = assertThrows(IOException.class, () -> NpyFile.read(temp.resolve(name)));
    assertTrue(e.getMessage().contains(name), e.getMessage());
    assertThrows(MatrixFormatException.class, () -> NpyFile.read(temp));
  }

  @Test
  void headerEncodingAlignsDataTo64Bytes() {
    for (long[] shape : new long[][] {{3}, {3, 4}, {123456789012L, 5}}) {
      byte[] h = NpyHeader.encode(shape, true);
      assertEquals(0, h.length % 64);
      assertEquals('\n', h[h.length - 1]);
      assertFalse(new String(h, java.nio.charset.StandardCharsets.ISO_8859_1).contains("\n "));
    }
  }
}
