package org.penrose.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.penrose.matrix.DoubleMatrix;

/**
 * The in-place reader of coordinate lines against the general parser's reading ({@code Long.parseLong},
 * {@code Double.parseDouble}), and what it leaves to it; the line reader's byte positions.
 */
class CoordinateLineTest {
  private static CoordinateLine read(String line, boolean pattern) {
    CoordinateLine entry = new CoordinateLine();
    byte[] bytes = ("xx" + line + "yy").getBytes(StandardCharsets.ISO_8859_1); // read in place, between others
    return entry.read(bytes, 2, 2 + line.length(), pattern, 1000, 2000) ? entry : null;
  }

  @Test
  void valuesAreTheBitsParseDoubleGives() {
    Random random = new Random(11);
    for (int t = 0; t < 200_000; t++) {
      int digits = 1 + random.nextInt(16);
      StringBuilder number = new StringBuilder(random.nextInt(4) == 0 ? "-" : "");
      int point = random.nextInt(digits + 2) - 1; // -1: no point
      for (int d = 0; d < digits; d++) {
        if (d == point) {
          number.append('.');
        }
        number.append((char) ('0' + random.nextInt(10)));
      }
      if (point == digits) {
        number.append('.');
      }
      String text = number.toString();
      CoordinateLine entry = read("7 13 " + text, false);
      double expected = Double.parseDouble(text);
      if (entry == null) { // only numbers beyond the exact range are left to the general parser
        assertTrue(text.replace("-", "").replace(".", "").replaceFirst("^0+", "").length() >= 16, text);
        continue;
      }
      assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(entry.value), text);
      assertEquals(7, entry.row);
      assertEquals(13, entry.col);
    }
  }

  @Test
  void readsWhatTheGeneralParserReads() {
    CoordinateLine e = read("  12\t 7   -0.5 \r", false);
    assertEquals(12, e.row);
    assertEquals(7, e.col);
    assertEquals(-0.5, e.value);
    assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(read("1 1 -0", false).value));
    assertEquals(0.25, read("1 1 +.25", false).value);
    assertEquals(3.0, read("1 1 3.", false).value);
    assertEquals(1e-22, read("1 1 0.0000000000000000000001", false).value); // 22 decimals
    assertEquals(1.0, read("1000 2000", true).value);
  }

  @Test
  void leavesEverythingElseToTheGeneralParser() {
    for (String line : List.of("% a comment", "", "   ", "1 2 1e3", "1 2 1.5D0", "1 2 NaN", "1 2 Infinity",
        "1 2 0x1p3", "1 2 1.5f", "1 2 1..5", "1 2 .", "1 2 -", "1 2", "1 2 3 4", "0 2 1", "1001 2 1", "1 2001 1",
        "-1 2 1", "1.0 2 1", "1,2,3", "1 2 12345678901234567890", "1 2 0.10000000000000000000001",
        "1234567890123456789 2 1", "1\u000B2 1", "1 2\u000C1")) {
      assertEquals(null, read(line, false), line);
    }
    assertEquals(null, read("1 2 1", true), "a value in a pattern file");
  }

  private static Double readValue(String line) {
    CoordinateLine entry = new CoordinateLine();
    byte[] bytes = ("7" + line + "8").getBytes(StandardCharsets.ISO_8859_1);
    return entry.readValue(bytes, 1, 1 + line.length()) ? entry.value : null;
  }

  @Test
  void arrayLinesAreReadAsTheGeneralParserReadsThem() {
    Random random = new Random(12);
    for (int t = 0; t < 50_000; t++) {
      double number = (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(9));
      String text = String.format(java.util.Locale.ROOT, "%." + random.nextInt(17) + "f", number);
      Double value = readValue(" " + text + "\t");
      if (value == null) {
        assertTrue(text.replace("-", "").replace(".", "").replaceFirst("^0+", "").length() >= 16, text);
        continue;
      }
      assertEquals(Double.doubleToRawLongBits(Double.parseDouble(text)), Double.doubleToRawLongBits(value), text);
    }
    for (String line : List.of("% a comment", "", "1 2", "1e3", "1.5D0", "NaN", "-", "1,5")) {
      assertEquals(null, readValue(line), line);
    }
  }

  @Test
  void arrayFilesReadTheSameThroughBothParsersAndBothReaders() throws IOException {
    // 16 significant digits and fewer are read in place, 17 and an exponent by the general parser
    double[] general = readBoth("general", "3 2\n10.26088223739921\n14.984499604551075\n\n% between\n-2.5e-3\n"
        + "-0\n  7 \n1.0000000000000002\n");
    double[] expected = {10.26088223739921, 14.984499604551075, -2.5e-3, 0, 7, 1.0000000000000002};
    for (int k = 0; k < expected.length; k++) {
      assertEquals(Double.doubleToRawLongBits(expected[k]), Double.doubleToRawLongBits(general[k]), "entry " + k);
    }
    // the stored lower triangle, column by column; the other one mirrored (negated for skew)
    assertArrayEquals(new double[] {1, 2, 3, 2, 4, 5, 3, 5, 6}, readBoth("symmetric", "3 3\n1\n2\n3\n4\n5\n6\n"));
    assertArrayEquals(new double[] {0, 2, 3, -2, 0, 5, -3, -5, 0}, readBoth("skew-symmetric", "3 3\n2\n3\n5\n"));
  }

  /** The array file's values through readDense, checked bit for bit against readAll's entries added into zeros. */
  private static double[] readBoth(String symmetry, String body) throws IOException {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("array", ".mtx");
    try {
      java.nio.file.Files.writeString(file, "%%MatrixMarket matrix array real " + symmetry + "\n% values\n" + body);
      MatrixMarketHeader header = MatrixMarketEntries.header(null, file.toString());
      DoubleMatrix summed = DoubleMatrix.zeros((int) header.rows(), (int) header.cols());
      MatrixMarketEntries.readAll(null, header).addTo(summed, 0);
      double[] dense = MatrixMarketEntries.readDense(null, header).values();
      for (int k = 0; k < dense.length; k++) {
        assertEquals(Double.doubleToRawLongBits(summed.values()[k]), Double.doubleToRawLongBits(dense[k]),
            "entry " + k);
      }
      return dense;
    } finally {
      java.nio.file.Files.delete(file);
    }
  }

  @Test
  void lineReaderKeepsPositionsAcrossBufferRefillsAndLongLines() throws IOException {
    StringBuilder text = new StringBuilder();
    List<String> lines = new ArrayList<>();
    Random random = new Random(2);
    for (int i = 0; i < 3000; i++) {
      String line = "x".repeat(random.nextInt(i == 1500 ? 200_000 : 90)); // one line longer than the buffer
      lines.add(line);
      text.append(line).append(i % 3 == 0 ? "\r\n" : "\n");
    }
    text.append("last line without a terminator");
    lines.add("last line without a terminator");
    byte[] bytes = text.toString().getBytes(StandardCharsets.ISO_8859_1);
    MatrixMarketHeader.LineReader reader = new MatrixMarketHeader.LineReader(new ByteArrayInputStream(bytes), 0, 0);
    long position = 0;
    for (int i = 0; i < lines.size(); i++) {
      assertEquals(position, reader.position(), "line " + (i + 1));
      assertEquals(lines.get(i), reader.next());
      assertEquals(i + 1, reader.lineNumber());
      position += lines.get(i).length() + (i == lines.size() - 1 ? 0 : i % 3 == 0 ? 2 : 1);
    }
    assertEquals(bytes.length, reader.position());
    assertEquals(null, reader.next());
    assertFalse(reader.nextBytes());
  }
}
