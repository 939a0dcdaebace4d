package org.penrose.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.penrose.matrix.SparseEntries;

/**
 * An uncompressed coordinate Matrix Market file parsed in byte ranges side by side (Spark tasks, or the driver's
 * threads): a line belongs to the range holding its first byte. A range's parse does not throw for a bad line: it
 * reports the line's place among its own lines and the problem, and every range reports how many lines it read, so
 * {@link #requireGood} names the file's first bad line with its number — whatever order the ranges finished in, and
 * without reading the file again to count the lines before a range.
 */
public final class MatrixMarketRanges {
  private MatrixMarketRanges() {}

  /** A parsed byte range: its entries by row range and counts, or its first bad line. */
  public static final class Parsed implements Serializable {
    private static final long serialVersionUID = 1L;

    private final SparseEntries[] parts;
    private final long stored;
    private final long lines;
    private final long badLine;
    private final String problem;

    private Parsed(SparseEntries[] parts, long stored, long lines, long badLine, String problem) {
      this.parts = parts;
      this.stored = stored;
      this.lines = lines;
      this.badLine = badLine;
      this.problem = problem;
    }

    /** All the entries of a file read whole ({@code readAll}, which checked them). */
    public static Parsed whole(SparseEntries entries, MatrixMarketHeader header) {
      return new Parsed(new SparseEntries[] {entries}, header.storedEntries(), 0, 0, null);
    }

    /** Part {@code p}: the entries of rows {@code [starts[p], starts[p + 1])} in file order (null for a bad range). */
    public SparseEntries part(int p) {
      return parts == null ? null : parts[p];
    }

    /** The same counts and bad line without the entries: what {@link #requireGood} reads, small to collect. */
    public Parsed summary() {
      return new Parsed(null, stored, lines, badLine, problem);
    }
  }

  /**
   * The data bytes of a file of {@code length} bytes cut into about {@code parts} byte ranges {@code [start, end)}
   * for {@link #parse} (fewer for a small file: at least 1 KiB each).
   */
  public static List<long[]> of(MatrixMarketHeader header, long length, int parts) {
    long data = length - header.dataOffset;
    int count = (int) Math.max(1, Math.min(parts, Math.max(1, data / 1024)));
    List<long[]> ranges = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ranges.add(new long[] {header.dataOffset + data * i / count, header.dataOffset + data * (i + 1) / count});
    }
    return ranges;
  }

  /** True when the file can be parsed in byte ranges (uncompressed coordinate). */
  public static boolean splittable(MatrixMarketHeader header) {
    return header.coordinate && !header.source.endsWith(".gz");
  }

  /**
   * Parses the coordinate lines that start in bytes {@code [start, end)} of an uncompressed file ({@code start >=
   * dataOffset}; a null {@code conf}: a local file, through java.nio), split by the row ranges of {@code starts} as
   * they are parsed; stored entries are counted (not a symmetric file's mirrored ones). A bad line ends the range's
   * parse and is reported, not thrown.
   */
  public static Parsed parse(Configuration conf, MatrixMarketHeader header, long start, long end, long[] starts)
      throws IOException {
    // from the byte before the range: the line it ends (or the empty one a line feed there ends) is the previous
    // range's, and the first line read here starts at or after start
    boolean skipFirst = start > header.dataOffset;
    long from = skipFirst ? start - 1 : start;
    try (InputStream in = openAt(conf, header.source, from)) {
      MatrixMarketHeader.LineReader lines = new MatrixMarketHeader.LineReader(in, from);
      if (skipFirst) {
        lines.nextBytes();
      }
      long before = lines.lineNumber();
      SparseEntries[] parts = MatrixMarketEntries.parts(starts, 1024);
      try {
        long stored = MatrixMarketEntries.parseCoordinate(header, lines, end, MatrixMarketEntries.byRow(parts, starts),
            BadLine::new);
        return new Parsed(parts, stored, lines.lineNumber() - before, 0, null);
      } catch (BadLine bad) {
        return new Parsed(null, 0, 0, bad.readHere, bad.problem);
      }
    }
  }

  /**
   * Throws for the first bad line of {@code inOrder} (the ranges in file order), its number the size line's plus the
   * lines of the ranges before it plus its place in its range; then unless the stored entries are the size line's.
   */
  public static void requireGood(MatrixMarketHeader header, List<Parsed> inOrder) {
    long linesBefore = header.dataLine - 1;
    long stored = 0;
    for (Parsed range : inOrder) {
      if (range.problem != null) {
        throw MatrixMarketHeader.error(header.source, linesBefore + range.badLine, range.problem);
      }
      linesBefore += range.lines;
      stored += range.stored;
    }
    MatrixMarketEntries.requireStoredCount(header, stored);
  }

  /** A range's bad line, carried out of the parser to {@link #parse} (no stack trace: it is not an error here). */
  private static final class BadLine extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final long readHere;
    final String problem;

    BadLine(long readHere, String problem) {
      super(problem, null, false, false);
      this.readHere = readHere;
      this.problem = problem;
    }
  }

  /** The file's bytes from {@code position} on (uncompressed; a null {@code conf}: a local file, java.nio). */
  private static InputStream openAt(Configuration conf, String path, long position) throws IOException {
    if (conf == null) {
      SeekableByteChannel channel = Files.newByteChannel(java.nio.file.Path.of(path));
      channel.position(position);
      return Channels.newInputStream(channel);
    }
    FSDataInputStream in = new Path(path).getFileSystem(conf).open(new Path(path));
    in.seek(position);
    return in;
  }
}
