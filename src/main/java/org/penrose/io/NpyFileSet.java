package org.penrose.io;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;

/**
 * The {@code .npy} files behind one distributed matrix: a single file, or a folder whose
 * {@code *.npy} files are stacked by rows in file-name order (files starting with {@code _} or
 * {@code .} are skipped). All must have the same number of columns. Only headers are read here, on
 * the driver; {@link #split} cuts the rows into ranges that tasks read independently.
 */
public final class NpyFileSet implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One file and where its rows start in the stacked matrix. */
  public static final class Member implements Serializable {
    private static final long serialVersionUID = 1L;
    public final String path;
    public final NpyHeader header;
    public final long firstRow;

    Member(String path, NpyHeader header, long firstRow) {
      this.path = path;
      this.header = header;
      this.firstRow = firstRow;
    }
  }

  /** Rows {@code [firstRowInFile, firstRowInFile + rowCount)} of one file: one partition's work. */
  public static final class RowRange implements Serializable {
    private static final long serialVersionUID = 1L;
    public final Member file;
    public final long firstRowInFile;
    public final long rowCount;

    RowRange(Member file, long firstRowInFile, long rowCount) {
      this.file = file;
      this.firstRowInFile = firstRowInFile;
      this.rowCount = rowCount;
    }

    /** Index of the range's first row in the stacked matrix. */
    public long firstRow() {
      return file.firstRow + firstRowInFile;
    }

    /**
     * Reads the range as one dense block.
     *
     * @throws MatrixFormatException for a non-finite value (naming the global row) or a corrupt file
     */
    public DoubleMatrix read(Configuration conf) throws IOException {
      return read(hadoop(conf));
    }

    /** {@link #read(Configuration)} through {@code files} (e.g. {@link #LOCAL}). */
    public DoubleMatrix read(Opener files) throws IOException {
      try (ByteSource in = files.open(file.path)) {
        return requireFinite(NpyFile.readRows(in, file.header, firstRowInFile, rowCount, file.path), file.path,
            firstRow());
      }
    }
  }

  /** How the files of a set are opened by path. */
  public interface Opener {
    ByteSource open(String path) throws IOException;
  }

  /** Local files, read with java.nio: no Hadoop file system (nor its start-up) involved. */
  public static final Opener LOCAL = path -> ByteSource.openLocal(java.nio.file.Path.of(path));

  /** Files of any Hadoop file system, by {@code conf}. */
  public static Opener hadoop(Configuration conf) {
    return path -> {
      Path p = new Path(path);
      return ByteSource.open(p.getFileSystem(conf), p);
    };
  }

  /**
   * Checks a block read from {@code source} whose first row is row {@code firstRow} of the matrix.
   *
   * @throws MatrixFormatException naming the first non-finite value's row and column
   */
  public static DoubleMatrix requireFinite(DoubleMatrix block, String source, long firstRow) {
    if (block.firstNonFinite() < 0) { // one pass in storage order; the search by rows only to name the first
      return block;
    }
    for (int i = 0; i < block.rows(); i++) {
      for (int j = 0; j < block.cols(); j++) {
        double v = block.get(i, j);
        if (!Double.isFinite(v)) {
          throw new MatrixFormatException(source + ": row " + (firstRow + i) + " has a non-finite value "
              + v + " in column " + j);
        }
      }
    }
    return block;
  }

  private final List<Member> members;
  private final long rows;
  private final int cols;

  private NpyFileSet(List<Member> members, long rows, int cols) {
    this.members = members;
    this.rows = rows;
    this.cols = cols;
  }

  /**
   * Lists {@code path} (a file or a folder) and reads every header.
   *
   * @throws MatrixFormatException for a missing path, an empty folder, an unreadable header or
   *     files whose column counts differ
   */
  public static NpyFileSet open(Configuration conf, String path) throws IOException {
    Path root = new Path(path);
    FileSystem fs = root.getFileSystem(conf);
    if (!fs.exists(root)) {
      throw new MissingPathException(path);
    }
    List<FileStatus> files = new ArrayList<>();
    if (fs.getFileStatus(root).isDirectory()) {
      for (FileStatus st : fs.listStatus(root)) {
        String name = st.getPath().getName();
        if (st.isFile() && name.endsWith(".npy") && !name.startsWith("_") && !name.startsWith(".")) {
          files.add(st);
        }
      }
      files.sort(Comparator.comparing(st -> st.getPath().getName()));
      if (files.isEmpty()) {
        throw new MatrixFormatException("the folder " + path + " has no .npy files");
      }
    } else {
      files.add(fs.getFileStatus(root));
    }
    List<String> names = new ArrayList<>();
    for (FileStatus st : files) {
      names.add(st.getPath().toString());
    }
    return ofFiles(names, hadoop(conf));
  }

  /**
   * {@link #open} for a path of the local file system (a file or a folder), listed and read with java.nio.
   *
   * @throws MatrixFormatException as {@link #open}
   */
  public static NpyFileSet openLocal(String path) throws IOException {
    java.nio.file.Path root = java.nio.file.Path.of(path);
    if (!Files.exists(root)) {
      throw new MissingPathException(path);
    }
    List<String> names = new ArrayList<>();
    if (Files.isDirectory(root)) {
      try (Stream<java.nio.file.Path> listing = Files.list(root)) {
        listing.filter(NpyFileSet::isMember).map(java.nio.file.Path::toString).sorted().forEach(names::add);
      }
      if (names.isEmpty()) {
        throw new MatrixFormatException("the folder " + path + " has no .npy files");
      }
    } else {
      names.add(path);
    }
    return ofFiles(names, LOCAL);
  }

  /** A stacked member of a folder: a {@code .npy} file whose name starts with neither {@code _} nor {@code .}. */
  public static boolean isMember(java.nio.file.Path file) {
    String name = file.getFileName().toString();
    return Files.isRegularFile(file) && name.endsWith(".npy") && !name.startsWith("_") && !name.startsWith(".");
  }

  /** The set of {@code files} (in stacking order), their headers read through {@code opener}. */
  private static NpyFileSet ofFiles(List<String> files, Opener opener) throws IOException {
    List<Member> members = new ArrayList<>();
    long offset = 0;
    int cols = -1;
    for (String file : files) {
      NpyHeader header;
      try (ByteSource in = opener.open(file)) {
        header = NpyHeader.read(in, file);
      }
      if (header.cols() > Integer.MAX_VALUE) {
        throw new MatrixFormatException(file + ": " + header.cols() + " columns is too many");
      }
      if (cols >= 0 && header.cols() != cols) {
        throw new MatrixFormatException(file + " has " + header.cols() + " columns but "
            + members.get(0).path + " has " + cols + ": stacked files must have the same number of columns");
      }
      cols = (int) header.cols();
      members.add(new Member(file, header, offset));
      offset += header.rows();
    }
    return new NpyFileSet(members, offset, cols);
  }

  public long rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** True for a single 1-D file (its results are written 1-D). */
  public boolean isVector() {
    return members.size() == 1 && members.get(0).header.shape().length == 1;
  }

  public List<Member> members() {
    return members;
  }

  /** Cuts every file into ranges of at most {@code rowsPerPartition} rows (balanced within the file). */
  public List<RowRange> split(long rowsPerPartition) {
    if (rowsPerPartition < 1) {
      throw new InvalidInputException("rowsPerPartition must be >= 1, got " + rowsPerPartition);
    }
    List<RowRange> ranges = new ArrayList<>();
    for (Member f : members) {
      long m = f.header.rows();
      long pieces = m == 0 ? 1 : (m + rowsPerPartition - 1) / rowsPerPartition;
      for (long p = 0; p < pieces; p++) {
        long start = m * p / pieces;
        long end = m * (p + 1) / pieces;
        ranges.add(new RowRange(f, start, end - start));
      }
    }
    return ranges;
  }

  /**
   * Rows {@code [first, first + count)} of the stacked matrix, which may span files, as one block
   * (for reading a matrix aligned with another one's row blocks).
   */
  public DoubleMatrix readRange(Configuration conf, long first, long count) throws IOException {
    return readRange(hadoop(conf), first, count);
  }

  /** {@link #readRange(Configuration, long, long)} through {@code files} (e.g. {@link #LOCAL}). */
  public DoubleMatrix readRange(Opener files, long first, long count) throws IOException {
    if (first < 0 || count < 0 || first + count > rows) {
      throw new InvalidInputException("rows [" + first + ", " + (first + count) + ") are outside the " + rows
          + " rows of " + this);
    }
    if (count == 0) {
      return DoubleMatrix.zeros(0, cols);
    }
    List<DoubleMatrix> pieces = new ArrayList<>();
    for (Member f : members) {
      long start = Math.max(first, f.firstRow);
      long end = Math.min(first + count, f.firstRow + f.header.rows());
      if (start < end) {
        pieces.add(new RowRange(f, start - f.firstRow, end - start).read(files));
      }
    }
    if (pieces.size() == 1) {
      return pieces.get(0);
    }
    DoubleMatrix block = DoubleMatrix.zeros((int) count, cols);
    int offset = 0;
    for (DoubleMatrix piece : pieces) {
      for (int j = 0; j < cols; j++) {
        System.arraycopy(piece.values(), j * piece.rows(), block.values(), offset + j * block.rows(), piece.rows());
      }
      offset += piece.rows();
    }
    return block;
  }

  /** Largest default partition: 128 MiB of float64. */
  public static final long MAX_DEFAULT_PARTITION_BYTES = 128L << 20;

  /**
   * The default number of row blocks: {@code parallelism} (e.g. {@code spark.default.parallelism}),
   * or more when that would make blocks larger than {@link #MAX_DEFAULT_PARTITION_BYTES}.
   */
  public int defaultPartitions(int parallelism) {
    long bytes = rows * (long) cols * Double.BYTES;
    long bySize = (bytes + MAX_DEFAULT_PARTITION_BYTES - 1) / MAX_DEFAULT_PARTITION_BYTES;
    return (int) Math.max(1, Math.min(Math.max(rows, 1), Math.max(parallelism, bySize)));
  }

  /** Rows per partition for about {@code targetPartitions} partitions over all files. */
  public long rowsPerPartitionFor(int targetPartitions) {
    return Math.max(1, (rows + Math.max(1, targetPartitions) - 1) / Math.max(1, targetPartitions));
  }

  /** First rows of the ranges, then {@code m}. */
  public static long[] starts(List<RowRange> ranges, long rows) {
    long[] starts = new long[ranges.size() + 1];
    for (int i = 0; i < ranges.size(); i++) {
      starts[i] = ranges.get(i).firstRow();
    }
    starts[ranges.size()] = rows;
    return starts;
  }

  @Override
  public String toString() {
    return "NpyFileSet(" + rows + " x " + cols + " in " + members.size() + " file(s): "
        + Arrays.toString(members.stream().map(m -> m.path).toArray()) + ")";
  }
}
