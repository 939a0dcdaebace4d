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
      int digits = 1 + random.nextInt(19);
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
      if (entry == null) { // only mantissas past 2^63 (19 significant digits) are left to the general parser
        assertTrue(text.replace("-", "").replace(".", "").replaceFirst("^0+", "").length() >= 19, text);
        continue;
      }
      assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(entry.value), text);
      assertEquals(7, entry.row);
      assertEquals(13, entry.col);
    }
  }

  /**
   * Values as numpy, scipy and Java write them (17 significant digits, exponents) and decimals exactly halfway
   * between two doubles (ties to even): the bits {@code Double.parseDouble} gives.
   */
  @Test
  void exponentsAndSeventeenDigitsAreTheBitsParseDoubleGives() {
    Random random = new Random(13);
    int read = 0;
    int usual = 0; // magnitudes of 10^-5 to 10^5: every one read in place
    for (int t = 0; t < 300_000; t++) {
      int decade = random.nextInt(41) - 20;
      double x = (random.nextBoolean() ? 1 : -1) * (1 + 8.9 * random.nextDouble()) * Math.pow(10, decade);
      String text = switch (t % 4) {
        case 0 -> Double.toString(x); // shortest, E above 10^7 and below 10^-3
        case 1 -> String.format(java.util.Locale.ROOT, "%.16e", x); // numpy's savetxt
        case 2 -> String.format(java.util.Locale.ROOT, "%." + random.nextInt(18) + "E", x);
        default -> String.format(java.util.Locale.ROOT, "%.17g", x);
      };
      CoordinateLine entry = read("3 4 " + text, false);
      usual += Math.abs(decade) <= 5 ? 1 : 0;
      if (entry == null) { // a mantissa past 2^63, or a decimal exponent beyond 22
        assertTrue(Math.abs(decade) > 5, text);
        continue;
      }
      read++;
      assertEquals(Double.doubleToRawLongBits(Double.parseDouble(text)), Double.doubleToRawLongBits(entry.value),
          text);
    }
    assertTrue(read >= usual && usual > 60_000, read + " of 300000 read in place, " + usual + " of 10^-5 to 10^5");
    // halfway cases: h 2^f for an odd h of 54 bits, written as m 10^q (q = f for f < 0: m = h 5^-f)
    for (int t = 0; t < 100_000; t++) {
      long h = (1L << 53) | (random.nextLong() & ((1L << 53) - 1)) | 1;
      int f = random.nextInt(12) - 3;
      long m = f >= 0 ? h << f : h * (long) Math.pow(5, -f);
      int q = f >= 0 ? 0 : f;
      String text = m + "e" + q;
      assertEquals(Double.doubleToRawLongBits(Double.parseDouble(text)), Double.doubleToRawLongBits(
          DecimalDouble.of(m, q)), text);
      assertEquals(Double.doubleToRawLongBits(Double.parseDouble(text)), Double.doubleToRawLongBits(read(
          "1 1 " + text, false).value), text);
      // and one above and one below the tie
      assertEquals(Double.parseDouble((m + 1) + "e" + q), DecimalDouble.of(m + 1, q), 0.0, (m + 1) + "e" + q);
      assertEquals(Double.parseDouble((m - 1) + "e" + q), DecimalDouble.of(m - 1, q), 0.0, (m - 1) + "e" + q);
    }
    // every exponent with mantissas of 16 to 19 digits
    for (int q = -DecimalDouble.MAX_EXPONENT; q <= DecimalDouble.MAX_EXPONENT; q++) {
      for (int t = 0; t < 5_000; t++) {
        long m = (1L << 53) + (random.nextLong() >>> 1) % (Long.MAX_VALUE - (1L << 53));
        assertEquals(Double.parseDouble(m + "e" + q), DecimalDouble.of(m, q), 0.0, m + "e" + q);
      }
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
    for (String line : List.of("% a comment", "", "   ", "1 2 1e", "1 2 1e+", "1 2 1e400", "1 2 1e-23",
        "1 2 1e23", "1 2 1e3x", "1 2 1e12345", "1 2 e3", "1 2 1.5D0", "1 2 NaN", "1 2 Infinity",
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
        assertTrue(text.replace("-", "").replace(".", "").replaceFirst("^0+", "").length() >= 19, text);
        continue;
      }
      assertEquals(Double.doubleToRawLongBits(Double.parseDouble(text)), Double.doubleToRawLongBits(value), text);
    }
    for (String line : List.of("% a comment", "", "1 2", "1e", "1e400", "1.5D0", "NaN", "-", "1,5")) {
      assertEquals(null, readValue(line), line);
    }
    assertEquals(1000.0, readValue(" 1e3 "));
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
    MatrixMarketHeader.LineReader reader = new MatrixMarketHeader.LineReader(new ByteArrayInputStream(bytes), 0);
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
