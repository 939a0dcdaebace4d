package org.penrose.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import org.penrose.matrix.DoubleMatrix;

/**
 * The banner and size line of a Matrix Market file, and where its entries start:
 *
 * <pre>
 *   %%MatrixMarket matrix coordinate real general        (format: coordinate | array;
 *   % comments                                            field: real | integer | pattern | double;
 *   rows cols entries        (array: rows cols)           symmetry: general | symmetric | skew-symmetric)
 * </pre>
 *
 * {@code complex} and {@code hermitian} are refused. Errors name the file and the line.
 */
public final class MatrixMarketHeader implements Serializable {
  private static final long serialVersionUID = 1L;

  /** How the stored entries relate to the matrix. */
  public enum Symmetry {
    GENERAL, SYMMETRIC, SKEW_SYMMETRIC
  }

  final String source;
  final boolean coordinate;
  final boolean pattern;
  final Symmetry symmetry;
  final long rows;
  final long cols;
  /** Stored entries: from the size line (coordinate) or implied by the shape and symmetry (array). */
  final long entries;
  /** Byte offset of the first line after the size line. */
  final long dataOffset;
  /** Line number (1-based) of the first line after the size line. */
  final long dataLine;

  private MatrixMarketHeader(String source, boolean coordinate, boolean pattern, Symmetry symmetry, long rows,
      long cols, long entries, long dataOffset, long dataLine) {
    this.source = source;
    this.coordinate = coordinate;
    this.pattern = pattern;
    this.symmetry = symmetry;
    this.rows = rows;
    this.cols = cols;
    this.entries = entries;
    this.dataOffset = dataOffset;
    this.dataLine = dataLine;
  }

  public long rows() {
    return rows;
  }

  public long cols() {
    return cols;
  }

  /** True for the sparse {@code coordinate} format, false for dense {@code array}. */
  public boolean isCoordinate() {
    return coordinate;
  }

  public Symmetry symmetry() {
    return symmetry;
  }

  /** Stored entries (before mirroring a symmetric matrix's triangle). */
  public long storedEntries() {
    return entries;
  }

  /** Byte offset of the first data line (the line after the size line). */
  public long dataOffset() {
    return dataOffset;
  }

  /** Line number (1-based) of the first data line; the size line is the one before it. */
  public long dataLine() {
    return dataLine;
  }

  /** Values per data line: 2 for pattern, 3 for coordinate, 1 for array. */
  int fieldsPerLine() {
    return coordinate ? (pattern ? 2 : 3) : 1;
  }

  /** Reads the header from the start of {@code in}. */
  public static MatrixMarketHeader read(InputStream in, String source) throws IOException {
    return read(new LineReader(in, 0), source);
  }

  /** Reads the header from a line reader at the start of the file, leaving it at the first data line. */
  static MatrixMarketHeader read(LineReader lines, String source) throws IOException {
    String banner = lines.next();
    if (banner == null) {
      throw new MatrixFormatException(source + ": empty file, not a Matrix Market file");
    }
    String[] words = banner.trim().toLowerCase(Locale.ROOT).split("\\s+");
    if (words.length != 5 || !words[0].equals("%%matrixmarket")) {
      throw error(source, 1, "bad banner '" + banner.trim()
          + "': expected '%%MatrixMarket matrix <format> <field> <symmetry>'");
    }
    if (!words[1].equals("matrix")) {
      throw error(source, 1, "unsupported object '" + words[1] + "': only 'matrix'");
    }
    boolean coordinate;
    switch (words[2]) {
      case "coordinate":
        coordinate = true;
        break;
      case "array":
        coordinate = false;
        break;
      default:
        throw error(source, 1, "unsupported format '" + words[2] + "': expected 'coordinate' or 'array'");
    }
    boolean pattern = false;
    switch (words[3]) {
      case "real":
      case "double":
      case "integer":
        break;
      case "pattern":
        if (!coordinate) {
          throw error(source, 1, "'pattern' is only valid with the coordinate format");
        }
        pattern = true;
        break;
      case "complex":
        throw error(source, 1, "complex matrices are not supported (Penrose works in real arithmetic)");
      default:
        throw error(source, 1, "unsupported field '" + words[3] + "': expected real, integer or pattern");
    }
    Symmetry symmetry;
    switch (words[4]) {
      case "general":
        symmetry = Symmetry.GENERAL;
        break;
      case "symmetric":
        symmetry = Symmetry.SYMMETRIC;
        break;
      case "skew-symmetric":
        symmetry = Symmetry.SKEW_SYMMETRIC;
        break;
      case "hermitian":
        throw error(source, 1, "hermitian matrices are complex and not supported");
      default:
        throw error(source, 1, "unsupported symmetry '" + words[4] + "'");
    }
    String size;
    do {
      size = lines.next();
    } while (size != null && isSkipped(size));
    if (size == null) {
      throw error(source, lines.lineNumber(), "missing the size line");
    }
    String[] dims = size.trim().split("\\s+");
    long line = lines.lineNumber();
    if (dims.length != (coordinate ? 3 : 2)) {
      throw error(source, line, "bad size line '" + size.trim() + "': expected "
          + (coordinate ? "'rows cols entries'" : "'rows cols'"));
    }
    long rows = count(source, line, dims[0], "rows");
    long cols = count(source, line, dims[1], "columns");
    if (symmetry != Symmetry.GENERAL && rows != cols) {
      throw error(source, line, "a " + words[4] + " matrix must be square, got " + rows + " x " + cols);
    }
    if (cols > DoubleMatrix.MAX_ENTRIES) {
      throw error(source, line, "absurd size: " + cols + " columns (at most " + DoubleMatrix.MAX_ENTRIES + ")");
    }
    long entries;
    try {
      // a shape whose entry count overflows is no matrix any reader can hold
      long shape = Math.multiplyExact(rows, cols);
      if (coordinate) {
        entries = count(source, line, dims[2], "entries");
      } else if (symmetry == Symmetry.GENERAL) {
        entries = shape;
      } else if (symmetry == Symmetry.SYMMETRIC) {
        entries = Math.multiplyExact(rows, rows + 1) / 2;
      } else {
        entries = Math.multiplyExact(rows, rows - 1) / 2;
      }
    } catch (ArithmeticException e) {
      throw error(source, line, "absurd size: " + rows + " x " + cols + " has more entries than a long counts");
    }
    return new MatrixMarketHeader(source, coordinate, pattern, symmetry, rows, cols, entries, lines.position(),
        line + 1);
  }

  /** Comment ({@code %}) and blank lines carry no data. */
  static boolean isSkipped(String line) {
    String t = line.trim();
    return t.isEmpty() || t.startsWith("%");
  }

  static MatrixFormatException error(String source, long line, String message) {
    return new MatrixFormatException(source + ", line " + line + ": " + message);
  }

  private static long count(String source, long line, String text, String what) {
    try {
      long v = Long.parseLong(text);
      if (v < 0) {
        throw error(source, line, "negative number of " + what + ": " + text);
      }
      return v;
    } catch (NumberFormatException e) {
      throw error(source, line, "the number of " + what + " is not an integer: '" + text + "'");
    }
  }

  /**
   * ASCII lines from a stream, with the byte offset of the next line and the number of lines read
   * ({@code \n} or {@code \r\n} endings).
   */
  static final class LineReader {
    private final InputStream in;
    private byte[] buffer = new byte[1 << 16];
    private int start;
    private int end;
    private int lineStart;
    private int lineEnd;
    private long position;
    private long lineNumber;

    LineReader(InputStream in, long position) {
      this.in = in;
      this.position = position;
    }

    /** The next line without its terminator, or null at the end. */
    String next() throws IOException {
      return nextBytes() ? line() : null;
    }

    /** The line {@link #nextBytes} moved to, as a String. */
    String line() {
      return new String(buffer, lineStart, lineEnd - lineStart, StandardCharsets.ISO_8859_1);
    }

    /**
     * Moves to the next line, false at the end: its bytes, without the terminator ({@code \n} or {@code \r\n}),
     * are {@code bytes()[lineStart(), lineEnd())} until the next call. The line is read into the buffer whole
     * (the buffer grows for a longer line), so a parser can read it in place, without a String.
     */
    boolean nextBytes() throws IOException {
      int scanned = 0; // bytes of the partial line [start, end) scanned already: no '\n' among them
      while (true) {
        int i = start + scanned;
        while (i < end && buffer[i] != '\n') {
          i++;
        }
        if (i < end) {
          return line(i, 1);
        }
        scanned = i - start;
        if (!fill()) { // the end of the stream: the last line has no terminator, or there is none
          return scanned > 0 && line(end, 0);
        }
      }
    }

    /** The line {@code [start, terminator)} is the current one; the next starts after its terminator. */
    private boolean line(int terminator, int terminatorLength) {
      lineStart = start;
      lineEnd = terminator;
      position += terminator - start + terminatorLength;
      start = terminator + terminatorLength;
      lineNumber++;
      if (lineEnd > lineStart && buffer[lineEnd - 1] == '\r') {
        lineEnd--;
      }
      return true;
    }

    /**
     * Reads more bytes after the partial line {@code [start, end)}, moved to the front of the buffer (grown when
     * the line fills it); false at the end of the stream.
     */
    private boolean fill() throws IOException {
      int partial = end - start;
      if (start > 0) {
        System.arraycopy(buffer, start, buffer, 0, partial);
        start = 0;
        end = partial;
      }
      if (end == buffer.length) {
        buffer = Arrays.copyOf(buffer, 2 * buffer.length);
      }
      int n = in.read(buffer, end, buffer.length - end);
      if (n <= 0) {
        return false;
      }
      end += n;
      return true;
    }

    byte[] bytes() {
      return buffer;
    }

    int lineStart() {
      return lineStart;
    }

    int lineEnd() {
      return lineEnd;
    }

    /** Byte offset of the next line. */
    long position() {
      return position;
    }

    /** Lines read so far (the number of the last line returned). */
    long lineNumber() {
      return lineNumber;
    }
  }
}
