package org.penrose.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.penrose.matrix.SparseEntries;

/**
 * One coordinate Matrix Market file ({@code real general}) written in parts: each part holds the
 * entry lines of some rows ({@code row col value}, 1-based, values in Java's shortest round-trip
 * form so they read back bit for bit); {@link #assemble} writes the header with the total entry
 * count and the parts in order, then moves the file into place. Every stored entry is written,
 * zeros included, so the file keeps the pattern it was given.
 */
public final class MatrixMarketParts {
  private MatrixMarketParts() {}

  /** A written part: where, and how many entries. */
  public static final class Part implements Serializable {
    private static final long serialVersionUID = 1L;
    public final String path;
    public final long entries;

    Part(String path, long entries) {
      this.path = path;
      this.entries = entries;
    }
  }

  /** Writes {@code entries} (0-based) as part {@code index} in {@code folder}. */
  public static Part write(Configuration conf, String folder, int index, long attempt, SparseEntries entries)
      throws IOException {
    Path path = new Path(folder, String.format("part-%05d-%d.txt", index, attempt));
    try (FileSystem fs = NpyAssembler.openFileSystem(conf, path); OutputStream out = fs.create(path, true)) {
      StringBuilder lines = new StringBuilder();
      for (int k = 0; k < entries.size(); k++) {
        lines.append(entries.row(k) + 1).append(' ').append(entries.col(k) + 1).append(' ')
            .append(entries.value(k)).append('\n');
        if (lines.length() > 1 << 16) {
          out.write(lines.toString().getBytes(StandardCharsets.US_ASCII));
          lines.setLength(0);
        }
      }
      out.write(lines.toString().getBytes(StandardCharsets.US_ASCII));
    }
    return new Part(path.toString(), entries.size());
  }

  /** Writes {@code target}: the header of a {@code rows x cols} coordinate file, then the parts in order. */
  public static void assemble(Configuration conf, String target, String folder, List<Part> parts, long rows, long cols)
      throws IOException {
    long entries = 0;
    for (Part p : parts) {
      entries += p.entries;
    }
    Path targetPath = new Path(target);
    try (FileSystem fs = NpyAssembler.openFileSystem(conf, targetPath)) {
      Path temp = new Path(folder, "assembled.mtx");
      byte[] buffer = new byte[1 << 16];
      try (OutputStream out = fs.create(temp, true)) {
        out.write(("%%MatrixMarket matrix coordinate real general\n% written by Penrose\n" + rows + " " + cols + " "
            + entries + "\n").getBytes(StandardCharsets.US_ASCII));
        for (Part p : parts) {
          try (InputStream in = fs.open(new Path(p.path))) {
            int k;
            while ((k = in.read(buffer)) > 0) {
              out.write(buffer, 0, k);
            }
          }
        }
      }
      if (fs.exists(targetPath)) {
        fs.delete(targetPath, false);
      }
      if (!fs.rename(temp, targetPath)) {
        throw new IOException("could not move the assembled file to " + target);
      }
    } finally {
      NpyAssembler.discard(conf, folder);
    }
  }
}
