package org.penrose.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;
import org.penrose.matrix.SparseEntries;

/**
 * Parses the data lines of a Matrix Market file into {@link SparseEntries} (0-based), checking every
 * line: field count, integer indices in range, decimal finite values, only the lower triangle for
 * symmetric and skew-symmetric files, a zero diagonal for skew. Symmetric entries are mirrored.
 *
 * <p>An uncompressed coordinate file can also be parsed in byte ranges ({@link MatrixMarketRanges}).
 */
public final class MatrixMarketEntries {
  private MatrixMarketEntries() {}

  /**
   * Reads the header of {@code path} (any Hadoop file system of {@code conf}, or with a null {@code conf} a local
   * file read through java.nio, without Hadoop; {@code .gz} decompressed).
   */
  public static MatrixMarketHeader header(Configuration conf, String path) throws IOException {
    boolean exists = conf == null ? Files.isRegularFile(java.nio.file.Path.of(path))
        : new Path(path).getFileSystem(conf).exists(new Path(path));
    if (!exists) {
      throw new MatrixFormatException("no such file: " + path);
    }
    try (InputStream in = open(conf, path, false)) {
      return MatrixMarketHeader.read(in, path);
    }
  }

  /**
   * Opens the file's bytes (decompressing {@code .gz}); a null {@code conf}: a local file, through java.nio.
   * With {@code readAhead}, a local {@code .gz} is decompressed ahead on a thread of its own while the caller
   * parses ({@link ReadAheadStream}).
   */
  static InputStream open(Configuration conf, String path, boolean readAhead) throws IOException {
    InputStream raw = conf == null ? Files.newInputStream(java.nio.file.Path.of(path))
        : new Path(path).getFileSystem(conf).open(new Path(path));
    if (!path.endsWith(".gz")) {
      return raw;
    }
    InputStream decompressed = new GZIPInputStream(raw, 1 << 16);
    return conf == null && readAhead ? new ReadAheadStream(decompressed, path) : decompressed;
  }

  /**
   * Parses every entry of the file (any format; a null {@code conf} as for {@link #header}). The entry count is
   * checked against the header.
   */
  public static SparseEntries readAll(Configuration conf, MatrixMarketHeader header) throws IOException {
    return readAll(conf, header, new long[] {0, header.rows})[0];
  }

  /**
   * {@link #readAll}'s entries split by row ranges as they are parsed: part {@code p} holds, in file order, the
   * entries of rows {@code [starts[p], starts[p + 1])} (as {@link SparseEntries#splitByRows} would split them).
   */
  public static SparseEntries[] readAll(Configuration conf, MatrixMarketHeader header, long[] starts)
      throws IOException {
    // each list sized for its share of the size line's count and an eighth more (of at most 2^21 entries in all to
    // begin with: the line may be wrong), so that a list seldom grows
    int ranges = starts.length - 1;
    SparseEntries[] parts = parts(starts, (int) (Math.min(header.entries, 1L << 21) * 9 / 8 / ranges + 16));
    parseAll(conf, header, byRow(parts, starts));
    return parts;
  }

  /** An empty entry list for each row range of {@code starts}. */
  static SparseEntries[] parts(long[] starts, int capacity) {
    SparseEntries[] parts = new SparseEntries[starts.length - 1];
    for (int p = 0; p < parts.length; p++) {
      parts[p] = new SparseEntries(capacity);
    }
    return parts;
  }

  /** The sink putting each entry into the list of the row range ({@code starts}) holding its row. */
  static EntrySink byRow(SparseEntries[] parts, long[] starts) {
    return parts.length == 1 ? parts[0]::add : (i, j, v) -> parts[SparseEntries.partOf(starts, i)].add(i, j, v);
  }

  /**
   * The values of an array-format file as one dense {@code rows x cols} matrix (a symmetric or skew-symmetric
   * file's other triangle filled in), without the entry list of {@link #readAll}; the same numbers
   * ({@code readAll(...).addTo} of a zero matrix: each position is given once), the value count checked as there.
   *
   * @throws IllegalArgumentException for a coordinate file
   * @throws InvalidInputException when the matrix has more than {@code 2^31 - 1} entries
   */
  public static DoubleMatrix readDense(Configuration conf, MatrixMarketHeader header) throws IOException {
    if (header.coordinate) {
      throw new IllegalArgumentException(header.source + " is a coordinate file, not an array");
    }
    if ((double) header.rows * header.cols > Integer.MAX_VALUE) {
      throw new InvalidInputException(header.source + ": a " + header.rows + " x " + header.cols
          + " array is too large for one dense matrix");
    }
    int rows = (int) header.rows;
    DoubleMatrix dense = DoubleMatrix.zeros(rows, (int) header.cols);
    double[] values = dense.values();
    parseAll(conf, header, (i, j, v) -> values[(int) i + j * rows] = v);
    return dense;
  }

  /**
   * Every entry of the file into {@code sink} (a symmetric file's mirrored ones too), then the checks of its end:
   * the entry count against the header, nothing but comments and blank lines after.
   */
  private static void parseAll(Configuration conf, MatrixMarketHeader header, EntrySink sink) throws IOException {
    try (InputStream in = open(conf, header.source, true)) {
      MatrixMarketHeader.LineReader lines = new MatrixMarketHeader.LineReader(in, 0);
      MatrixMarketHeader.read(lines, header.source); // leaves the reader at the first data line
      long count = header.coordinate
          ? parseCoordinate(header, lines, Long.MAX_VALUE, sink,
              (read, problem) -> MatrixMarketHeader.error(header.source, lines.lineNumber(), problem))
          : parseArray(header, lines, (i, j, v) -> add(header, sink, i, j, v));
      requireEnd(header, lines, count);
    }
  }

  /** After {@code count} entries: that is the size line's count, and only comments and blank lines follow. */
  private static void requireEnd(MatrixMarketHeader header, MatrixMarketHeader.LineReader lines, long count)
      throws IOException {
    requireCount(header, count, lines.lineNumber());
    String extra;
    while ((extra = lines.next()) != null) {
      if (!MatrixMarketHeader.isSkipped(extra)) {
        throw MatrixMarketHeader.error(header.source, lines.lineNumber(),
            "more entries than the " + header.entries + " the size line declares");
      }
    }
  }

  /** Where the parsers put each entry (0-based row and column). */
  interface EntrySink {
    void add(long i, int j, double v);
  }

  /** How a parser reports a bad line: the exception to throw for the line read {@code readHere}-th, and its problem. */
  interface LineErrors {
    RuntimeException at(long readHere, String problem);
  }

  /** Throws unless the stored entries {@code total} of a file's byte ranges are what its size line declares. */
  static void requireStoredCount(MatrixMarketHeader header, long total) {
    if (total != header.storedEntries()) {
      throw new MatrixFormatException(header.source + ": the file holds " + total + " entries but its size line (line "
          + (header.dataLine() - 1) + ") declares " + header.storedEntries());
    }
  }

  /** Throws unless {@code count} stored entries is what the size line declares. */
  static void requireCount(MatrixMarketHeader header, long count, long lastLine) {
    if (count < header.entries) {
      throw MatrixMarketHeader.error(header.source, lastLine, "the file ended after " + count + " entries but the size"
          + " line declares " + header.entries);
    }
    if (count > header.entries) {
      throw new MatrixFormatException(header.source + ": " + count + " entries but the size line declares "
          + header.entries);
    }
  }

  /**
   * The coordinate lines of {@code lines} that start before {@code end} into {@code out}; returns the stored entries
   * read. A bad line is thrown as {@code errors} makes it from the line's place among the lines read here (from 1).
   */
  static long parseCoordinate(MatrixMarketHeader h, MatrixMarketHeader.LineReader lines, long end, EntrySink out,
      LineErrors errors) throws IOException {
    long count = 0;
    long readHere = 0;
    int fields = h.fieldsPerLine();
    CoordinateLine entry = new CoordinateLine();
    while (lines.position() < end) {
      if (!lines.nextBytes()) {
        break;
      }
      readHere++;
      try {
        if (entry.read(lines.bytes(), lines.lineStart(), lines.lineEnd(), h.pattern, h.rows, h.cols)) {
          add(h, out, entry.row - 1, (int) (entry.col - 1), entry.value);
        } else { // a comment, or a line the fast reader leaves to this one (which names an error)
          String line = lines.line();
          if (MatrixMarketHeader.isSkipped(line)) {
            continue;
          }
          String[] f = fields(line);
          if (f.length != fields) {
            throw new InvalidInputException("expected " + fields + " fields ('row col" + (h.pattern ? "" : " value")
                + "'), got " + f.length);
          }
          long i = index(f[0], h.rows, "row");
          long j = index(f[1], h.cols, "column");
          add(h, out, i - 1, (int) (j - 1), h.pattern ? 1.0 : value(f[2]));
        }
        count++;
      } catch (IllegalArgumentException e) {
        throw errors.at(readHere, e.getMessage());
      }
      if (count > h.entries && end == Long.MAX_VALUE) {
        throw errors.at(readHere, "more entries than the " + h.entries + " the size line declares");
      }
    }
    return count;
  }

  /**
   * The fields of a line exactly as {@code line.trim().split("\\s+")} gives them (the ends trimmed of
   * characters up to the space, then split at runs of space, tab, line feed, vertical tab, form feed
   * and carriage return), without a regular expression: every entry line is split here.
   */
  static String[] fields(String line) {
    int from = 0;
    int to = line.length();
    while (from < to && line.charAt(from) <= ' ') {
      from++;
    }
    while (to > from && line.charAt(to - 1) <= ' ') {
      to--;
    }
    if (from == to) {
      return new String[] {""};
    }
    List<String> out = new ArrayList<>(3);
    int i = from;
    while (i < to) {
      int start = i;
      while (i < to && !isSpace(line.charAt(i))) {
        i++;
      }
      out.add(line.substring(start, i));
      while (i < to && isSpace(line.charAt(i))) {
        i++;
      }
    }
    return out.toArray(new String[0]);
  }

  /** The characters of the regular expression {@code \\s}. */
  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
  }

  /** Entry {@code (i, j)} and, in a symmetric or skew-symmetric file, its mirror (checked: the lower triangle). */
  private static void add(MatrixMarketHeader h, EntrySink out, long i, int j, double v) {
    out.add(i, j, v);
    if (h.symmetry != MatrixMarketHeader.Symmetry.GENERAL) {
      if (i < j) {
        throw new InvalidInputException("entry (" + (i + 1) + ", " + (j + 1) + ") is above the diagonal of a "
            + h.symmetry.name().toLowerCase().replace('_', '-') + " matrix, which stores only the lower triangle");
      }
      if (i == j && h.symmetry == MatrixMarketHeader.Symmetry.SKEW_SYMMETRIC && v != 0.0) {
        throw new InvalidInputException("a skew-symmetric matrix has a zero diagonal, but entry (" + (i + 1) + ", "
            + (j + 1) + ") is " + v);
      }
      if (i != j) {
        out.add(j, (int) i, h.symmetry == MatrixMarketHeader.Symmetry.SKEW_SYMMETRIC ? -v : v);
      }
    }
  }

  /** The array format: values column by column (the stored triangle for symmetric/skew). */
  private static long parseArray(MatrixMarketHeader h, MatrixMarketHeader.LineReader lines, EntrySink out)
      throws IOException {
    boolean general = h.symmetry == MatrixMarketHeader.Symmetry.GENERAL;
    boolean skew = h.symmetry == MatrixMarketHeader.Symmetry.SKEW_SYMMETRIC;
    long count = 0;
    CoordinateLine entry = new CoordinateLine();
    for (long j = 0; j < h.cols; j++) {
      for (long i = general ? 0 : skew ? j + 1 : j; i < h.rows; i++) {
        double v = nextArrayValue(h, lines, entry, count);
        if (v != 0.0) { // -0.0 too: a sum of entries into zeros reads it as 0.0
          out.add(i, (int) j, v);
        }
        count++;
      }
    }
    return count;
  }

  /**
   * The next value of an array file after {@code count} values: comments and blank lines skipped, the line read in
   * place or, when the fast reader leaves it, by the general parser (one field, a number), which names an error.
   */
  private static double nextArrayValue(MatrixMarketHeader h, MatrixMarketHeader.LineReader lines, CoordinateLine entry,
      long count) throws IOException {
    while (lines.nextBytes()) {
      if (entry.readValue(lines.bytes(), lines.lineStart(), lines.lineEnd())) {
        return entry.value;
      }
      String line = lines.line();
      if (!MatrixMarketHeader.isSkipped(line)) {
        return arrayValue(h, lines, line);
      }
    }
    throw MatrixMarketHeader.error(h.source, lines.lineNumber(), "the file ended after " + count + " values but a "
        + h.rows + " x " + h.cols + " " + h.symmetry.name().toLowerCase().replace('_', '-') + " array needs "
        + h.entries);
  }

  private static double arrayValue(MatrixMarketHeader h, MatrixMarketHeader.LineReader lines, String line) {
    String[] f = fields(line);
    try {
      if (f.length != 1) {
        throw new InvalidInputException("expected one value per line in the array format, got " + f.length);
      }
      return value(f[0]);
    } catch (IllegalArgumentException e) {
      throw MatrixMarketHeader.error(h.source, lines.lineNumber(), e.getMessage());
    }
  }

  private static long index(String s, long limit, String what) {
    long v;
    try {
      v = Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new InvalidInputException(what + " index is not an integer: '" + s + "'");
    }
    if (v < 1 || v > limit) {
      throw new InvalidInputException(what + " index " + v + " is out of range 1.." + limit + " (indices are 1-based)");
    }
    return v;
  }

  /** A decimal number (Fortran's 'D' exponent accepted); NaN, infinities, hex and type suffixes are refused. */
  static double value(String s) {
    String normalized = s.replace('D', 'E').replace('d', 'e');
    char last = normalized.charAt(normalized.length() - 1);
    if (!Character.isDigit(last) && last != '.') {
      throw new InvalidInputException("not a finite decimal number: '" + s + "'");
    }
    double v;
    try {
      v = Double.parseDouble(normalized);
    } catch (NumberFormatException e) {
      throw new InvalidInputException("not a number: '" + s + "'");
    }
    if (!Double.isFinite(v)) {
      throw new InvalidInputException("value out of the float64 range: '" + s + "'");
    }
    return v;
  }
}
