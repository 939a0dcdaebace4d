package org.penrose.source;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.penrose.linalg.DoubleMatrix;

/**
 * Reads a Matrix Market file ({@code .mtx}, or gzip-compressed {@code .mtx.gz}) into a dense
 * in-memory matrix.
 *
 * <p>Supported: {@code matrix coordinate} with {@code real}, {@code integer} or {@code pattern}
 * values (pattern entries are 1.0) and {@code general}, {@code symmetric} or {@code skew-symmetric}
 * symmetry (the other triangle is mirrored, negated for skew); {@code matrix array} (dense,
 * column-major, the stored triangle for symmetric/skew). Indices are 1-based; comment lines
 * ({@code %}) and blank lines are skipped; duplicate coordinate entries are summed. {@code complex}
 * and {@code hermitian} are refused. Errors name the file and line number.
 */
public final class MatrixMarketFile {
  private MatrixMarketFile() {}

  /** The parsed banner and size line. */
  private static final class Header {
    boolean coordinate;
    boolean pattern;
    String symmetry;
    long rows;
    long cols;
    long entries;
  }

  /**
   * Reads the whole file as a dense matrix.
   *
   * @throws MatrixFormatException naming the file, the line and the problem
   */
  public static DoubleMatrix read(Path path) throws IOException {
    String source = path.toString();
    try (InputStream raw = Files.newInputStream(path);
        InputStream in = source.endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII), 1 << 16)) {
      LineCursor lines = new LineCursor(reader, source);
      Header header = readHeader(lines);
      if (header.rows * header.cols > DoubleMatrix.MAX_ENTRIES) {
        throw new MatrixFormatException(source + ": a dense " + header.rows + " x " + header.cols
            + " matrix does not fit in one in-memory block; use the distributed path");
      }
      DoubleMatrix result = DoubleMatrix.zeros((int) header.rows, (int) header.cols);
      if (header.coordinate) {
        readCoordinate(lines, header, result);
      } else {
        readArray(lines, header, result);
      }
      String extra = lines.next();
      if (extra != null) {
        throw lines.error("more entries than the " + header.entries + " the size line declares");
      }
      return result;
    }
  }

  private static Header readHeader(LineCursor lines) throws IOException {
    String banner = lines.nextRaw();
    if (banner == null) {
      throw new MatrixFormatException(lines.source + ": empty file, not a Matrix Market file");
    }
    String[] words = banner.trim().toLowerCase(Locale.ROOT).split("\\s+");
    if (words.length != 5 || !words[0].equals("%%matrixmarket")) {
      throw lines.error("bad banner '" + banner.trim() + "': expected '%%MatrixMarket matrix <format> <field> <symmetry>'");
    }
    if (!words[1].equals("matrix")) {
      throw lines.error("unsupported object '" + words[1] + "': only 'matrix'");
    }
    Header h = new Header();
    switch (words[2]) {
      case "coordinate":
        h.coordinate = true;
        break;
      case "array":
        h.coordinate = false;
        break;
      default:
        throw lines.error("unsupported format '" + words[2] + "': expected 'coordinate' or 'array'");
    }
    switch (words[3]) {
      case "real":
      case "double":
      case "integer":
        break;
      case "pattern":
        if (!h.coordinate) {
          throw lines.error("'pattern' is only valid with the coordinate format");
        }
        h.pattern = true;
        break;
      case "complex":
        throw lines.error("complex matrices are not supported (Penrose works in real arithmetic)");
      default:
        throw lines.error("unsupported field '" + words[3] + "': expected real, integer or pattern");
    }
    switch (words[4]) {
      case "general":
      case "symmetric":
      case "skew-symmetric":
        h.symmetry = words[4];
        break;
      case "hermitian":
        throw lines.error("hermitian matrices are complex and not supported");
      default:
        throw lines.error("unsupported symmetry '" + words[4] + "'");
    }
    String size = lines.next();
    if (size == null) {
      throw lines.error("missing the size line");
    }
    String[] dims = size.trim().split("\\s+");
    if (dims.length != (h.coordinate ? 3 : 2)) {
      throw lines.error("bad size line '" + size.trim() + "': expected " + (h.coordinate ? "'rows cols entries'" : "'rows cols'"));
    }
    h.rows = lines.parseCount(dims[0], "rows");
    h.cols = lines.parseCount(dims[1], "columns");
    if (!h.symmetry.equals("general") && h.rows != h.cols) {
      throw lines.error("a " + h.symmetry + " matrix must be square, got " + h.rows + " x " + h.cols);
    }
    if (h.coordinate) {
      h.entries = lines.parseCount(dims[2], "entries");
    } else if (h.symmetry.equals("general")) {
      h.entries = h.rows * h.cols;
    } else if (h.symmetry.equals("symmetric")) {
      h.entries = h.rows * (h.rows + 1) / 2;
    } else {
      h.entries = h.rows * (h.rows - 1) / 2;
    }
    return h;
  }

  private static void readCoordinate(LineCursor lines, Header h, DoubleMatrix result) throws IOException {
    int expectedFields = h.pattern ? 2 : 3;
    for (long e = 0; e < h.entries; e++) {
      String line = lines.next();
      if (line == null) {
        throw lines.error("the file ended after " + e + " entries but the size line declares " + h.entries);
      }
      String[] f = line.trim().split("\\s+");
      if (f.length != expectedFields) {
        throw lines.error("expected " + expectedFields + " fields ('row col" + (h.pattern ? "" : " value")
            + "'), got " + f.length);
      }
      long i = lines.parseIndex(f[0], h.rows, "row");
      long j = lines.parseIndex(f[1], h.cols, "column");
      double v = h.pattern ? 1.0 : lines.parseValue(f[2]);
      int r = (int) (i - 1);
      int c = (int) (j - 1);
      result.set(r, c, result.get(r, c) + v);
      if (r != c && !h.symmetry.equals("general")) {
        if (r < c) {
          throw lines.error("entry (" + i + ", " + j + ") is above the diagonal of a " + h.symmetry
              + " matrix, which stores only the lower triangle");
        }
        double mirrored = h.symmetry.equals("skew-symmetric") ? -v : v;
        result.set(c, r, result.get(c, r) + mirrored);
      } else if (r == c && h.symmetry.equals("skew-symmetric") && v != 0.0) {
        throw lines.error("a skew-symmetric matrix has a zero diagonal, but entry (" + i + ", " + j + ") is " + v);
      }
    }
  }

  private static void readArray(LineCursor lines, Header h, DoubleMatrix result) throws IOException {
    boolean general = h.symmetry.equals("general");
    boolean skew = h.symmetry.equals("skew-symmetric");
    long e = 0;
    for (int j = 0; j < h.cols; j++) {
      int firstRow = general ? 0 : skew ? j + 1 : j;
      for (int i = firstRow; i < h.rows; i++) {
        String line = lines.next();
        if (line == null) {
          throw lines.error("the file ended after " + e + " values but a " + h.rows + " x " + h.cols + " "
              + h.symmetry + " array needs " + h.entries);
        }
        String[] f = line.trim().split("\\s+");
        if (f.length != 1) {
          throw lines.error("expected one value per line in the array format, got " + f.length);
        }
        double v = lines.parseValue(f[0]);
        result.set(i, j, v);
        if (!general && i != j) {
          result.set(j, i, skew ? -v : v);
        }
        e++;
      }
    }
  }

  /** Reads lines, counting them, skipping comments and blank lines for {@link #next}. */
  private static final class LineCursor {
    final BufferedReader reader;
    final String source;
    long lineNumber;

    LineCursor(BufferedReader reader, String source) {
      this.reader = reader;
      this.source = source;
    }

    String nextRaw() throws IOException {
      String line = reader.readLine();
      if (line != null) {
        lineNumber++;
      }
      return line;
    }

    String next() throws IOException {
      String line;
      while ((line = nextRaw()) != null) {
        String t = line.trim();
        if (!t.isEmpty() && !t.startsWith("%")) {
          return line;
        }
      }
      return null;
    }

    MatrixFormatException error(String message) {
      return new MatrixFormatException(source + ", line " + lineNumber + ": " + message);
    }

    long parseCount(String s, String what) {
      try {
        long v = Long.parseLong(s);
        if (v < 0) {
          throw error("negative number of " + what + ": " + s);
        }
        return v;
      } catch (NumberFormatException e) {
        throw error("the number of " + what + " is not an integer: '" + s + "'");
      }
    }

    long parseIndex(String s, long limit, String what) {
      long v;
      try {
        v = Long.parseLong(s);
      } catch (NumberFormatException e) {
        throw error(what + " index is not an integer: '" + s + "'");
      }
      if (v < 1 || v > limit) {
        throw error(what + " index " + v + " is out of range 1.." + limit + " (indices are 1-based)");
      }
      return v;
    }

    double parseValue(String s) {
      // Fortran writes exponents as 'D'; Java would also accept "1.5d", "NaN" and hex: allow only decimal numbers.
      String normalized = s.replace('D', 'E').replace('d', 'e');
      char last = normalized.charAt(normalized.length() - 1);
      if (!Character.isDigit(last) && last != '.') {
        throw error("not a finite decimal number: '" + s + "'");
      }
      double v;
      try {
        v = Double.parseDouble(normalized);
      } catch (NumberFormatException e) {
        throw error("not a number: '" + s + "'");
      }
      if (!Double.isFinite(v)) {
        throw error("value out of the float64 range: '" + s + "'");
      }
      return v;
    }
  }
}
