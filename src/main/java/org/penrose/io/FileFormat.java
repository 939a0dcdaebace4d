package org.penrose.io;

import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The input formats Penrose reads, recognized by file name, or for a folder by the files in it: the
 * one place where a path's format is decided, for matrices and for regression tables alike.
 */
public enum FileFormat {
  /** {@code .npy} (NumPy), a file or a folder of them stacked in file-name order. */
  NPY,
  /** Matrix Market, {@code .mtx} or {@code .mtx.gz}. */
  MTX,
  /** Parquet, a {@code .parquet} file or a folder of them. */
  PARQUET,
  /** Comma-separated text with a header row ({@code .csv}, {@code .csv.gz}, {@code .data}, {@code .txt}). */
  CSV;

  /**
   * The format of {@code path}.
   *
   * @throws MatrixFormatException when the path does not exist or its format is not one of these
   */
  public static FileFormat of(Configuration conf, String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      throw new MissingPathException(path);
    }
    FileFormat byName = byName(path);
    if (byName != null) {
      return byName;
    }
    if (fs.getFileStatus(p).isDirectory()) {
      for (FileStatus st : fs.listStatus(p)) {
        FileFormat member = byName(st.getPath().getName());
        if (member == NPY || member == PARQUET || member == CSV) {
          return member;
        }
      }
    }
    throw new MatrixFormatException(path + ": unsupported input; expected a .npy file or folder, a .mtx or .mtx.gz"
        + " file, a Parquet file or folder, or a CSV file");
  }

  /** The format a file name announces, or null. */
  public static FileFormat byName(String path) {
    String lower = path.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".npy")) {
      return NPY;
    }
    if (lower.endsWith(".mtx") || lower.endsWith(".mtx.gz")) {
      return MTX;
    }
    if (lower.endsWith(".parquet")) {
      return PARQUET;
    }
    if (lower.endsWith(".csv") || lower.endsWith(".csv.gz") || lower.endsWith(".data") || lower.endsWith(".txt")) {
      return CSV;
    }
    return null;
  }
}
