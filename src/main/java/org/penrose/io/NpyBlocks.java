package org.penrose.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.InvalidInputException;

/**
 * A local {@code .npy} file (or folder, {@link NpyFileSet}) read on the driver in the row blocks a Spark
 * read makes of it ({@code NpyRowBlocks}): the same split, the same checks, the same values, for the
 * routes that run in the driver JVM without Spark (nor Hadoop: java.nio reads the files, {@link
 * NpyFileSet#LOCAL}). Block {@code i} holds rows {@code [starts[i], starts[i+1])}.
 */
public final class NpyBlocks {
  /** How the caller runs block reads: {@code count} tasks, results in task order. */
  public interface Tasks {
    <T> List<T> map(int count, IntFunction<T> task);

    /** {@link #map} for tasks that read: the first failure's {@code IOException} is rethrown as it was. */
    default <T> List<T> mapReading(int count, Reading<T> task) throws IOException {
      try {
        return map(count, i -> {
          try {
            return task.read(i);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
    }
  }

  /** A task that reads: task {@code index}'s result, or its failure. */
  public interface Reading<T> {
    T read(int index) throws IOException;
  }

  /** The blocks read one after the other on the calling thread. */
  public static final Tasks IN_ORDER = new Tasks() {
    @Override
    public <T> List<T> map(int count, IntFunction<T> task) {
      List<T> results = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        results.add(task.apply(i));
      }
      return results;
    }
  };

  private final List<DoubleMatrix> blocks;
  private final long[] starts;
  private final int cols;
  private final boolean vector;

  private NpyBlocks(List<DoubleMatrix> blocks, long[] starts, int cols, boolean vector) {
    this.blocks = blocks;
    this.starts = starts;
    this.cols = cols;
    this.vector = vector;
  }

  /**
   * {@code path} in {@code partitions} row blocks (more when a folder has more files), read on {@code tasks};
   * a null {@code partitions} takes {@link NpyFileSet#defaultPartitions} for {@code parallelism}.
   */
  public static NpyBlocks read(String path, Integer partitions, int parallelism, Tasks tasks) throws IOException {
    NpyFileSet files = NpyFileSet.openLocal(path);
    int parts = partitions != null ? partitions : files.defaultPartitions(parallelism);
    List<NpyFileSet.RowRange> ranges = files.split(files.rowsPerPartitionFor(parts));
    List<DoubleMatrix> blocks = tasks.mapReading(ranges.size(), i -> ranges.get(i).read(NpyFileSet.LOCAL));
    return new NpyBlocks(blocks, NpyFileSet.starts(ranges, files.rows()), files.cols(), files.isVector());
  }

  /**
   * {@code path} read in the row blocks of {@code a} (e.g. {@code B}).
   *
   * @throws InvalidInputException when its row count differs from these blocks'
   */
  public NpyBlocks readAligned(String other, Tasks tasks) throws IOException {
    NpyFileSet files = NpyFileSet.openLocal(other);
    if (files.rows() != rows()) {
      throw new InvalidInputException("shape mismatch: " + other + " is " + files.rows() + " x "
          + files.cols() + " but must have as many rows as A, which is " + shape());
    }
    List<DoubleMatrix> aligned = tasks.mapReading(blocks.size(),
        i -> files.readRange(NpyFileSet.LOCAL, starts[i], starts[i + 1] - starts[i]));
    return new NpyBlocks(aligned, starts, files.cols(), files.isVector());
  }

  /** The blocks, in row order (shared: read them only). */
  public List<DoubleMatrix> blocks() {
    return new ArrayList<>(blocks);
  }

  /** First rows of the blocks, then {@code m} (a copy). */
  public long[] starts() {
    return starts.clone();
  }

  public long rows() {
    return starts[starts.length - 1];
  }

  public int cols() {
    return cols;
  }

  /** True for a single 1-D file (its results are written 1-D). */
  public boolean isVector() {
    return vector;
  }

  /** {@code "m x n"}, as {@code RowBlockMatrix.shape}. */
  public String shape() {
    return rows() + " x " + cols;
  }
}
