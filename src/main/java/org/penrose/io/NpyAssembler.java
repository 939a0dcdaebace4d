package org.penrose.io;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;

/**
 * Writes one {@code .npy} file from parts written by many tasks, without ever holding the matrix in
 * one place: each task writes its rows as raw little-endian float64 (row-major) into a part file
 * under a temporary folder beside the target ({@link PartWriter}); the driver then checks that the
 * parts tile the rows in order, writes the header and streams the parts after it into a temporary
 * file that is renamed onto the target ({@link #assemble}). A failed or aborted write leaves the
 * target as it was.
 *
 * <p>With {@code transpose}, the rows written are those of {@code M^T} and the file holds {@code M}
 * ({@code n x m}) in Fortran order, which has exactly the same bytes: this is how {@code P} is
 * written from the row blocks of {@code P^T}.
 */
public final class NpyAssembler {
  private NpyAssembler() {}

  /** What one task wrote. */
  public static final class Part implements Serializable {
    private static final long serialVersionUID = 1L;
    public final int index;
    public final String path;
    public final long rows;
    /** Columns, or -1 when the part has no rows. */
    public final int cols;
    /** Row indices carried by the rows (-1 when they carry none). */
    public final long firstIndex;
    public final long lastIndex;
    /** Position of the first row whose index is not the previous one plus 1, or -1. */
    public final long outOfOrderAt;

    Part(int index, String path, long rows, int cols, long firstIndex, long lastIndex, long outOfOrderAt) {
      this.index = index;
      this.path = path;
      this.rows = rows;
      this.cols = cols;
      this.firstIndex = firstIndex;
      this.lastIndex = lastIndex;
      this.outOfOrderAt = outOfOrderAt;
    }
  }

  /** The temporary folder for the parts of {@code target} (unique per write). */
  public static String partsFolder(String target) {
    Path t = new Path(target);
    return new Path(t.getParent() == null ? new Path(".") : t.getParent(),
        "._" + t.getName() + "-parts-" + UUID.randomUUID()).toString();
  }

  /** Writes one part: rows appended in order. */
  public static final class PartWriter implements Closeable {
    private final int index;
    private final Path path;
    private final FileSystem fs;
    private final OutputStream out;
    private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private long rows;
    private int cols = -1;
    private long firstIndex = -1;
    private long lastIndex = -1;
    private long outOfOrderAt = -1;
    private boolean closed;

    /** A part file named after the partition and the attempt, so retried tasks never clash. */
    public PartWriter(Configuration conf, String folder, int index, long attempt) throws IOException {
      this.index = index;
      this.path = new Path(folder, String.format("part-%05d-%d.f8", index, attempt));
      this.fs = openFileSystem(conf, path);
      this.out = fs.create(path, true);
    }

    /**
     * Appends one row.
     *
     * @param rowIndex the row's index in the whole matrix, or -1 if rows carry no index
     */
    public void writeRow(double[] values, long rowIndex) throws IOException {
      if (cols < 0) {
        cols = values.length;
      } else if (values.length != cols) {
        throw new InvalidInputException("ragged rows: row " + (rowIndex >= 0 ? rowIndex : rows + " of part " + index)
            + " has " + values.length + " values but earlier rows have " + cols);
      }
      if (rowIndex >= 0) {
        if (rows == 0) {
          firstIndex = rowIndex;
        } else if (rowIndex != lastIndex + 1 && outOfOrderAt < 0) {
          outOfOrderAt = rows;
        }
        lastIndex = rowIndex;
      }
      for (double v : values) {
        if (!buffer.hasRemaining()) {
          flushBuffer();
        }
        buffer.putDouble(v);
      }
      rows++;
    }

    /** Appends the rows of a block (row-major on disk). */
    public void writeBlock(DoubleMatrix block, long firstRowIndex) throws IOException {
      double[] row = new double[block.cols()];
      for (int i = 0; i < block.rows(); i++) {
        for (int j = 0; j < row.length; j++) {
          row[j] = block.get(i, j);
        }
        writeRow(row, firstRowIndex < 0 ? -1 : firstRowIndex + i);
      }
      if (block.rows() == 0 && cols < 0) {
        cols = block.cols();
      }
    }

    private void flushBuffer() throws IOException {
      out.write(buffer.array(), 0, buffer.position());
      buffer.clear();
    }

    /** Closes the part and describes it. */
    public Part commit() throws IOException {
      flushBuffer();
      close();
      return new Part(index, path.toString(), rows, cols, firstIndex, lastIndex, outOfOrderAt);
    }

    /** Closes and deletes the part. */
    public void abort() throws IOException {
      if (closed) {
        return;
      }
      try {
        out.close();
        fs.delete(path, false);
      } finally {
        closed = true;
        fs.close();
      }
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      try {
        out.close();
      } finally {
        closed = true;
        fs.close();
      }
    }
  }

  /**
   * A private (uncached) file system instance that writes no {@code .crc} side files on the local
   * file system; callers close it.
   */
  public static FileSystem openFileSystem(Configuration conf, Path path) throws IOException {
    FileSystem fs = FileSystem.newInstance(path.toUri(), conf);
    fs.setWriteChecksum(false);
    fs.setVerifyChecksum(false);
    return fs;
  }

  /**
   * Checks the parts and writes {@code target}: header, then the parts' bytes in part order.
   *
   * @param requireRowOrder when the rows carried indices: they must run 0..m-1 across the parts in order
   * @param knownCols the column count to use when every part is empty (-1 if unknown)
   * @throws IllegalArgumentException naming the first problem (ragged parts, rows out of order)
   */
  public static void assemble(Configuration conf, String target, String partsFolder, List<Part> parts,
      boolean transpose, boolean requireRowOrder, int knownCols) throws IOException {
    assemble(conf, target, partsFolder, parts, transpose, requireRowOrder, knownCols, false);
  }

  /** As above; {@code asVector} writes a single-column matrix as a 1-D array. */
  public static void assemble(Configuration conf, String target, String partsFolder, List<Part> parts,
      boolean transpose, boolean requireRowOrder, int knownCols, boolean asVector) throws IOException {
    List<Part> ordered = new ArrayList<>(parts);
    ordered.sort(Comparator.comparingInt(p -> p.index));
    long rows = 0;
    int cols = knownCols;
    long expectedIndex = 0;
    for (Part p : ordered) {
      if (p.cols >= 0) {
        if (cols >= 0 && p.cols != cols) {
          throw new InvalidInputException("ragged rows: rows written by partition " + p.index + " have " + p.cols
              + " values but other rows have " + cols);
        }
        cols = p.cols;
      }
      if (requireRowOrder && p.rows > 0) {
        if (p.outOfOrderAt >= 0 || p.firstIndex != expectedIndex) {
          throw new InvalidInputException("rows are not in row order (partition " + p.index + " holds rows from "
              + p.firstIndex + " where row " + expectedIndex + " was expected): sort by the row column first,"
              + " e.g. df.orderBy(\"row\")");
        }
        expectedIndex = p.lastIndex + 1;
      }
      rows += p.rows;
    }
    cols = Math.max(cols, 0);
    Path finalPath = new Path(target);
    try (FileSystem fs = openFileSystem(conf, finalPath)) {
      long[] shape = asVector ? new long[] {rows} : transpose ? new long[] {cols, rows} : new long[] {rows, cols};
      writeAssembled(fs, finalPath, new Path(partsFolder), ordered, shape, transpose, target);
    }
  }

  private static void writeAssembled(FileSystem fs, Path finalPath, Path partsFolder, List<Part> ordered, long[] shape,
      boolean transpose, String target) throws IOException {
    Path temp = new Path(partsFolder, "assembled.npy");
    byte[] copyBuffer = new byte[1 << 20];
    try (OutputStream out = fs.create(temp, true)) {
      out.write(NpyHeader.encode(shape, transpose));
      for (Part p : ordered) {
        try (InputStream in = fs.open(new Path(p.path))) {
          int n;
          while ((n = in.read(copyBuffer)) > 0) {
            out.write(copyBuffer, 0, n);
          }
        }
      }
    }
    if (fs.exists(finalPath)) {
      if (fs.getFileStatus(finalPath).isDirectory()) {
        throw new InvalidInputException(target + " is a folder; give a file name ending in .npy");
      }
      fs.delete(finalPath, false);
    }
    if (!fs.rename(temp, finalPath)) {
      throw new IOException("could not move the assembled file to " + target);
    }
    fs.delete(partsFolder, true);
  }

  /** Writes a small matrix held by the driver (C order, or 1-D with {@code asVector}) to any Hadoop file system. */
  public static void writeSmall(Configuration conf, String target, DoubleMatrix matrix,
      boolean asVector) throws IOException {
    String folder = partsFolder(target);
    try {
      PartWriter writer = new PartWriter(conf, folder, 0, 0);
      writer.writeBlock(matrix, 0);
      assemble(conf, target, folder, List.of(writer.commit()), false, true, matrix.cols(), asVector);
    } catch (IOException | RuntimeException e) {
      discard(conf, folder);
      throw e;
    }
  }

  /** Deletes the parts folder (after a failure). */
  public static void discard(Configuration conf, String partsFolder) {
    Path p = new Path(partsFolder);
    try (FileSystem fs = openFileSystem(conf, p)) {
      fs.delete(p, true);
    } catch (IOException e) {
      // best effort: the folder is hidden (starts with '.') and named after the target
    }
  }
}
