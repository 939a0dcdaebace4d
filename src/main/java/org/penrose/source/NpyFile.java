package org.penrose.source;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.penrose.linalg.DoubleMatrix;

/**
 * Reads and writes NumPy {@code .npy} files as {@link DoubleMatrix} values.
 *
 * <ul>
 *   <li>Reading: format versions 1.0, 2.0, 3.0; either byte order; {@code f8}, {@code f4} and
 *       integer types converted to float64; C or Fortran order; a 1-D array is read as a column, a
 *       0-D array as {@code 1 x 1}. Everything is validated before the data is allocated.
 *   <li>Writing: little-endian float64, format 1.0 (2.0 for huge headers), Fortran order for
 *       matrices (the column-major values are written as they are) and a 1-D array for vectors.
 *       The file is written next to its destination and moved into place at the end, so a failed
 *       write never leaves a half-written file under the destination's name.
 * </ul>
 */
public final class NpyFile {
  private static final int CHUNK_BYTES = 1 << 20;

  private NpyFile() {}

  /** Reads and validates only the header. */
  public static NpyHeader header(Path path) throws IOException {
    try (FileChannel channel = open(path)) {
      return NpyHeader.read(channel, path.toString());
    }
  }

  /**
   * Reads a whole {@code .npy} file into memory.
   *
   * @throws MatrixFormatException for a corrupt, truncated or unsupported file (naming it), or one
   *     too large for a single in-memory matrix or for this JVM's free heap
   */
  public static DoubleMatrix read(Path path) throws IOException {
    try (FileChannel channel = open(path)) {
      NpyHeader header = NpyHeader.read(channel, path.toString());
      requireFitsInMemory(header, path);
      return readRows(channel, header, 0, header.rows(), path.toString());
    }
  }

  /**
   * Reads rows {@code [firstRow, firstRow + rowCount)} of a C-order (or 1-D) file as one row block.
   * Fortran-order files are read whole (their rows are not contiguous).
   */
  public static DoubleMatrix readRows(FileChannel channel, NpyHeader header, long firstRow, long rowCount, String source)
      throws IOException {
    long rows = header.rows();
    long cols = header.cols();
    if (firstRow < 0 || rowCount < 0 || firstRow + rowCount > rows) {
      throw new IllegalArgumentException(source + ": rows [" + firstRow + ", " + (firstRow + rowCount)
          + ") are outside the file's " + rows + " rows");
    }
    if (rowCount * cols > DoubleMatrix.MAX_ENTRIES) {
      throw new MatrixFormatException(source + ": " + rowCount + " x " + cols + " does not fit in one in-memory "
          + "block (at most " + DoubleMatrix.MAX_ENTRIES + " entries); use the distributed path");
    }
    boolean columnMajor = header.fortranOrder() && header.shape().length == 2;
    if (columnMajor && (firstRow != 0 || rowCount != rows)) {
      throw new IllegalArgumentException(source + ": a Fortran-order file can only be read whole");
    }
    int b = (int) rowCount;
    int n = (int) cols;
    DoubleMatrix block = DoubleMatrix.zeros(b, n);
    double[] values = block.values();
    ElementReader in = new ElementReader(channel, header, header.dataOffset() + firstRow * cols * header.type().size(),
        rowCount * cols, source);
    if (columnMajor) {
      for (int e = 0; e < values.length; e++) {
        values[e] = in.next();
      }
    } else {
      for (int i = 0; i < b; i++) {
        for (int j = 0; j < n; j++) {
          values[i + j * b] = in.next();
        }
      }
    }
    return block;
  }

  /** Sequential, buffered reading of elements of the file's type, converted to double. */
  private static final class ElementReader {
    private final FileChannel channel;
    private final NpyType type;
    private final ByteBuffer buffer;
    private final String source;
    private long position;
    private long remainingBytes;

    ElementReader(FileChannel channel, NpyHeader header, long start, long count, String source) {
      this.channel = channel;
      this.type = header.type();
      this.source = source;
      this.position = start;
      this.remainingBytes = count * type.size();
      this.buffer = ByteBuffer.allocate((int) Math.max(type.size(), Math.min(CHUNK_BYTES, remainingBytes)))
          .order(header.byteOrder());
      buffer.limit(0);
    }

    double next() throws IOException {
      if (buffer.remaining() < type.size()) {
        buffer.compact();
        buffer.limit((int) Math.min(buffer.capacity(), buffer.position() + remainingBytes));
        while (buffer.hasRemaining()) {
          int n = channel.read(buffer, position);
          if (n < 0) {
            throw new MatrixFormatException(source + ": truncated .npy data (the file ended early)");
          }
          position += n;
          remainingBytes -= n;
        }
        buffer.flip();
      }
      return type.read(buffer);
    }
  }

  private static void requireFitsInMemory(NpyHeader header, Path path) {
    long entries = header.rows() * header.cols();
    long bytes = entries * Double.BYTES;
    Runtime rt = Runtime.getRuntime();
    long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    if (entries > DoubleMatrix.MAX_ENTRIES || bytes > free) {
      throw new MatrixFormatException(path + ": " + header.describe() + " needs " + gib(bytes)
          + " as float64 in one block but this JVM has " + gib(free) + " free; use the distributed path"
          + " or more driver memory");
    }
  }

  private static String gib(long bytes) {
    return String.format("%.2f GiB", bytes / (double) (1L << 30));
  }

  private static FileChannel open(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      throw new MatrixFormatException(path + " is a directory, not a .npy file");
    }
    try {
      return FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(path.toString(), null, "no such file");
    }
  }

  /** Writes {@code matrix} as a 2-D float64 array ({@code rows x cols}, Fortran order: the values as stored). */
  public static void write(Path path, DoubleMatrix matrix) throws IOException {
    write(path, matrix, new long[] {matrix.rows(), matrix.cols()}, true);
  }

  /** Writes {@code matrix} as a 2-D float64 array in C (row-major) order, which readers can split by rows. */
  public static void writeRowMajor(Path path, DoubleMatrix matrix) throws IOException {
    write(path, matrix, new long[] {matrix.rows(), matrix.cols()}, false);
  }

  /** Writes a single-column {@code matrix} as a 1-D float64 array of its {@code rows} values. */
  public static void writeVector(Path path, DoubleMatrix column) throws IOException {
    if (column.cols() != 1) {
      throw new IllegalArgumentException("a vector must have one column, got " + column.shape());
    }
    write(path, column, new long[] {column.rows()}, false);
  }

  private static void write(Path path, DoubleMatrix matrix, long[] shape, boolean fortranOrder) throws IOException {
    Path absolute = path.toAbsolutePath();
    Path dir = absolute.getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    Path temp = Files.createTempFile(dir, "." + absolute.getFileName(), ".partial");
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        writeFully(out, ByteBuffer.wrap(NpyHeader.encode(shape, fortranOrder && shape.length == 2)));
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        double[] values = matrix.values();
        int rows = matrix.rows();
        int cols = matrix.cols();
        boolean columnMajor = fortranOrder || cols == 1;
        for (long e = 0; e < values.length; e++) {
          if (!buffer.hasRemaining()) {
            buffer.flip();
            writeFully(out, buffer);
            buffer.clear();
          }
          // column-major: the values as stored; row-major: element e is (e / cols, e % cols)
          buffer.putDouble(columnMajor ? values[(int) e] : values[(int) (e / cols) + (int) (e % cols) * rows]);
        }
        buffer.flip();
        writeFully(out, buffer);
        out.force(false);
      }
      try {
        Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
  }
}
