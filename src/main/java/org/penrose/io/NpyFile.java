package org.penrose.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;

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
      return NpyHeader.read(ByteSource.of(channel), path.toString());
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
      ByteSource in = ByteSource.of(channel);
      NpyHeader header = NpyHeader.read(in, path.toString());
      requireFitsInMemory(header, path);
      return readRows(in, header, 0, header.rows(), path.toString());
    }
  }

  /**
   * Reads rows {@code [firstRow, firstRow + rowCount)} of the file's matrix as one dense block
   * ({@code rowCount x cols}): one contiguous read for C order, one per column for Fortran order.
   */
  public static DoubleMatrix readRows(ByteSource in, NpyHeader header, long firstRow, long rowCount, String source)
      throws IOException {
    return readBlock(in, header, firstRow, rowCount, false, source);
  }

  /**
   * Reads rows {@code [firstRow, firstRow + rowCount)} of the <em>transpose</em> of the file's
   * matrix, i.e. columns of an {@code n x m} file as a {@code rowCount x n} block: one read per row
   * for C order, one contiguous read for Fortran order. This is how a cotangent {@code G}
   * ({@code n x m}) is read as row blocks of {@code G^T} aligned with {@code A}.
   */
  public static DoubleMatrix readTransposedRows(ByteSource in, NpyHeader header, long firstRow, long rowCount,
      String source) throws IOException {
    return readBlock(in, header, firstRow, rowCount, true, source);
  }

  private static DoubleMatrix readBlock(ByteSource in, NpyHeader header, long first, long count, boolean transposed,
      String source) throws IOException {
    long fileRows = header.rows();
    long fileCols = header.cols();
    long limit = transposed ? fileCols : fileRows;
    long width = transposed ? fileRows : fileCols;
    if (first < 0 || count < 0 || first + count > limit) {
      throw new InvalidInputException(source + ": rows [" + first + ", " + (first + count) + ") are outside the "
          + limit + " rows of " + (transposed ? "the transpose of " : "") + "its " + fileRows + " x " + fileCols
              + " matrix");
    }
    if (count * width > DoubleMatrix.MAX_ENTRIES) {
      throw new MatrixFormatException(source + ": " + count + " x " + width + " does not fit in one in-memory "
          + "block (at most " + DoubleMatrix.MAX_ENTRIES + " entries); use the distributed path");
    }
    boolean columnMajor = header.fortranOrder() && header.shape().length == 2;
    int b = (int) count;
    int w = (int) width;
    DoubleMatrix block = DoubleMatrix.zeros(b, w);
    double[] values = block.values();
    // Whether the requested block's rows run along the file's storage order: then one run holds them all.
    boolean contiguous = columnMajor == transposed;
    if (contiguous && header.type() == NpyType.FLOAT64 && width <= CHUNK_BYTES) { // a chunk holds a row
      readFloat64Rows(in, header, first * width, b, w, values, source);
    } else if (contiguous) {
      // row t of the block is stored at element (first + t) * w .. + w - 1
      ElementReader run = new ElementReader(in, header, first * width, count * width, source);
      for (int t = 0; t < b; t++) {
        for (int j = 0; j < w; j++) {
          values[t + j * b] = run.next();
        }
      }
    } else if (header.type() == NpyType.FLOAT64) {
      readFloat64Columns(in, header, first, limit, b, w, values, source);
    } else {
      // column j of the block is stored at element j * limit + first .. + count - 1
      for (int j = 0; j < w; j++) {
        ElementReader run = new ElementReader(in, header, j * limit + first, count, source);
        for (int t = 0; t < b; t++) {
          values[t + j * b] = run.next();
        }
      }
    }
    return block;
  }

  /**
   * The contiguous float64 case of {@link #readBlock}, the common one: {@code b} rows of {@code w} values stored
   * row after row from element {@code firstElement}, read a chunk of rows at a time (one bulk conversion of the
   * chunk's bytes) and transposed into the column-major {@code values} ({@code b x w}) column by column.
   */
  private static void readFloat64Rows(ByteSource in, NpyHeader header, long firstElement, int b, int w,
      double[] values, String source) throws IOException {
    int chunkRows = (int) Math.max(1, Math.min(b, CHUNK_BYTES / (8L * Math.max(1, w))));
    double[] rows = new double[chunkRows * w];
    long position = header.dataOffset() + firstElement * 8;
    // a local file is mapped (no copy through a read buffer); the mapping must lie within the file
    ByteBuffer mapped = (long) b * w * 8 <= in.size() - position ? in.map(position, (long) b * w * 8) : null;
    DoubleBuffer mappedValues = mapped == null ? null : mapped.order(header.byteOrder()).asDoubleBuffer();
    byte[] bytes = mapped == null ? new byte[chunkRows * w * 8] : null;
    for (int t0 = 0; t0 < b; t0 += chunkRows) {
      int r = Math.min(chunkRows, b - t0);
      if (mappedValues != null) {
        mappedValues.get(rows, 0, r * w);
      } else {
        readFloat64(in, position, bytes, header, rows, 0, r * w, source);
        position += 8L * r * w;
      }
      for (int j = 0; j < w; j++) {
        int column = t0 + j * b;
        for (int t = 0; t < r; t++) {
          values[column + t] = rows[t * w + j];
        }
      }
    }
  }

  /**
   * The float64 case of {@link #readBlock} along the file's storage order the other way (a Fortran-order file's
   * rows, a C-order file's transposed rows): column {@code j} of the {@code b x w} block is the {@code b} values
   * stored from element {@code j * stride + first}, read a chunk at a time and converted in bulk straight into
   * its place in the column-major {@code values}.
   */
  private static void readFloat64Columns(ByteSource in, NpyHeader header, long first, long stride, int b, int w,
      double[] values, String source) throws IOException {
    byte[] bytes = new byte[(int) Math.min(CHUNK_BYTES, 8L * b)];
    int chunkValues = bytes.length / 8;
    for (int j = 0; j < w; j++) {
      long position = header.dataOffset() + (j * stride + first) * 8;
      for (int t0 = 0; t0 < b; t0 += chunkValues) {
        int r = Math.min(chunkValues, b - t0);
        readFloat64(in, position, bytes, header, values, j * b + t0, r, source);
        position += 8L * r;
      }
    }
  }

  /**
   * {@code count} float64 values stored from byte {@code position}, read through {@code bytes} (at least
   * {@code 8 count} long) and converted in bulk into {@code dst[offset, offset + count)}.
   */
  private static void readFloat64(ByteSource in, long position, byte[] bytes, NpyHeader header, double[] dst,
      int offset, int count, String source) throws IOException {
    if (in.readFully(position, bytes, 0, 8 * count) < 8 * count) {
      throw new MatrixFormatException(source + ": truncated .npy data (the file ended early)");
    }
    ByteBuffer.wrap(bytes, 0, 8 * count).order(header.byteOrder()).asDoubleBuffer().get(dst, offset, count);
  }

  /** Sequential, buffered reading of elements of the file's type, converted to double. */
  private static final class ElementReader {
    private final ByteSource in;
    private final NpyType type;
    private final ByteBuffer buffer;
    private final String source;
    private long position;
    private long remainingBytes;

    /** Reads {@code count} elements starting at element {@code firstElement} of the data. */
    ElementReader(ByteSource in, NpyHeader header, long firstElement, long count, String source) {
      this.in = in;
      this.type = header.type();
      this.source = source;
      this.position = header.dataOffset() + firstElement * type.size();
      this.remainingBytes = count * type.size();
      this.buffer = ByteBuffer.allocate((int) Math.max(type.size(), Math.min(CHUNK_BYTES, remainingBytes)))
          .order(header.byteOrder());
      buffer.limit(0);
    }

    double next() throws IOException {
      if (buffer.remaining() < type.size()) {
        buffer.compact();
        int want = (int) Math.min(buffer.remaining(), remainingBytes);
        int got = in.readFully(position, buffer.array(), buffer.position(), want);
        if (got < want) {
          throw new MatrixFormatException(source + ": truncated .npy data (the file ended early)");
        }
        position += got;
        remainingBytes -= got;
        buffer.position(buffer.position() + got);
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
    write(path, List.of(matrix), new long[] {matrix.rows(), matrix.cols()}, true, true);
  }

  /** Writes {@code matrix} as a 2-D float64 array in C (row-major) order, which readers can split by rows. */
  public static void writeRowMajor(Path path, DoubleMatrix matrix) throws IOException {
    write(path, List.of(matrix), new long[] {matrix.rows(), matrix.cols()}, false, false);
  }

  /** Writes a single-column {@code matrix} as a 1-D float64 array of its {@code rows} values. */
  public static void writeVector(Path path, DoubleMatrix column) throws IOException {
    if (column.cols() != 1) {
      throw new InvalidInputException("a vector must have one column, got " + column.shape());
    }
    write(path, List.of(column), new long[] {column.rows()}, false, true);
  }

  /**
   * Writes the matrix stacked from {@code rowBlocks} in C order ({@code m x n}), or with {@code asVector} (one
   * column) as a 1-D array of its {@code m} values: what Spark's tasks write from the same blocks.
   */
  public static void writeRows(Path path, List<DoubleMatrix> rowBlocks, boolean asVector) throws IOException {
    long m = stackedRows(rowBlocks);
    int n = rowBlocks.isEmpty() ? 0 : rowBlocks.get(0).cols();
    if (asVector && n != 1) {
      throw new InvalidInputException("a vector must have one column, got " + m + " x " + n);
    }
    write(path, rowBlocks, asVector ? new long[] {m} : new long[] {m, n}, false, false);
  }

  /**
   * Writes the transpose {@code M^T} ({@code n x m}, Fortran order) of the matrix {@code M} ({@code m x n})
   * stacked from {@code rowBlocks}: the blocks' rows one after the other, as {@code P} is written from the
   * row blocks of {@code P^T}.
   */
  public static void writeTransposeOf(Path path, List<DoubleMatrix> rowBlocks, int n) throws IOException {
    write(path, rowBlocks, new long[] {n, stackedRows(rowBlocks)}, true, false);
  }

  private static long stackedRows(List<DoubleMatrix> rowBlocks) {
    long m = 0;
    for (DoubleMatrix block : rowBlocks) {
      m += block.rows();
    }
    return m;
  }

  /**
   * Writes a float64 {@code .npy} file of {@code shape}: the values of {@code blocks} as stored ({@code asStored},
   * column-major) or row after row of each block in turn; into a hidden sibling first, then moved in place.
   */
  private static void write(Path path, List<DoubleMatrix> blocks, long[] shape, boolean fortranOrder,
      boolean asStored) throws IOException {
    Path absolute = path.toAbsolutePath();
    if (Files.isDirectory(absolute)) {
      throw new InvalidInputException(path + " is a folder; give a file name ending in .npy");
    }
    Path dir = absolute.getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    // A hidden sibling, created with the usual permissions (createTempFile would make it owner-only), never an
    // existing file (CREATE_NEW); its name needs no secure random (UUID's costs a cold JVM about 20 ms)
    Path temp = absolute.resolveSibling("." + absolute.getFileName() + "."
        + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".partial");
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        writeFully(out, ByteBuffer.wrap(NpyHeader.encode(shape, fortranOrder && shape.length == 2)));
        ByteBuffer bytes = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        DoubleBuffer chunk = bytes.asDoubleBuffer();
        double[] tile = null; // rows of a column-major block in row-major order
        for (DoubleMatrix block : blocks) {
          double[] values = block.values();
          int rows = block.rows();
          int cols = block.cols();
          if (asStored || cols == 1) { // column-major: the values as stored
            for (int from = 0; from < values.length; ) {
              int count = Math.min(chunk.remaining(), values.length - from);
              chunk.put(values, from, count);
              from += count;
              flushIfFull(out, bytes, chunk);
            }
          } else { // row-major: row t is values[t + j * rows], j = 0..cols-1; a tile of rows at a time
            if (tile == null) {
              tile = new double[CHUNK_BYTES / Double.BYTES];
            }
            int tileRows = Math.max(1, tile.length / Math.max(1, cols));
            for (int first = 0; first < rows; first += tileRows) {
              int count = Math.min(tileRows, rows - first);
              for (int j = 0; j < cols; j++) {
                for (int t = 0; t < count; t++) {
                  tile[t * cols + j] = values[first + t + j * rows];
                }
              }
              for (int from = 0; from < count * cols; ) {
                int put = Math.min(chunk.remaining(), count * cols - from);
                chunk.put(tile, from, put);
                from += put;
                flushIfFull(out, bytes, chunk);
              }
            }
          }
        }
        bytes.limit(chunk.position() * Double.BYTES);
        writeFully(out, bytes);
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

  /** Writes the chunk's doubles when it is full, then starts it again. */
  private static void flushIfFull(FileChannel out, ByteBuffer bytes, DoubleBuffer chunk) throws IOException {
    if (!chunk.hasRemaining()) {
      bytes.position(0).limit(chunk.position() * Double.BYTES);
      writeFully(out, bytes);
      bytes.clear();
      chunk.clear();
    }
  }

  private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
    while (buffer.hasRemaining()) {
      out.write(buffer);
    }
  }
}
