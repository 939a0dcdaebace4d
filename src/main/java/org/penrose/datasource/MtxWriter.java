package org.penrose.datasource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.penrose.adapters.RowVectors;
import org.penrose.io.HadoopConf;
import org.penrose.io.NpyAssembler;
import org.penrose.matrix.InvalidInputException;

/**
 * Writes the rows of a DataFrame as one Matrix Market file (see {@link MtxDataSource}): a first job
 * summarizes each partition (row count, width, order), a second writes each partition's part
 * (text), and the driver writes the header and streams the parts into the file — for the
 * column-major {@code array} format, column by column across the parts.
 */
final class MtxWriter {
  private MtxWriter() {}

  /** What one partition holds. */
  static final class Summary implements Serializable {
    private static final long serialVersionUID = 1L;
    long rows;
    int cols = -1;
    boolean firstSparse;
    long firstIndex = -1;
    long lastIndex = -1;
    boolean inOrder = true;
  }

  /** What one partition wrote. */
  static final class Part implements Serializable {
    private static final long serialVersionUID = 1L;
    String path;
    long nonzeros;
    /** Array format: bytes of each column's segment, in column order. */
    long[] segments;
  }

  static void write(SparkSession spark, Dataset<Row> data, String target, String column, String format)
      throws IOException {
    RowVectors.Columns columns = RowVectors.columns(data.schema(), column, "the DataFrame", "option(\"column\", ...)");
    int vectorColumn = columns.vector();
    int rowColumn = columns.row();
    int vc = vectorColumn;
    int rc = rowColumn;
    JavaRDD<Row> rows = data.javaRDD();
    List<Summary> summaries = rows.mapPartitions(it -> {
      Summary s = new Summary();
      while (it.hasNext()) {
        Row r = it.next();
        double[] v = values(r, vc, rc, s.rows);
        if (s.cols < 0) {
          s.cols = v.length;
          s.firstSparse = !r.isNullAt(vc) && r.get(vc) instanceof SparseVector;
        } else if (v.length != s.cols) {
          throw new InvalidInputException("ragged rows: a row has " + v.length + " values but earlier rows have "
              + s.cols);
        }
        if (rc >= 0) {
          long index = ((Number) r.get(rc)).longValue();
          if (s.rows > 0 && index != s.lastIndex + 1) {
            s.inOrder = false;
          }
          if (s.rows == 0) {
            s.firstIndex = index;
          }
          s.lastIndex = index;
        }
        s.rows++;
      }
      return Collections.singletonList(s).iterator();
    }, true).collect();
    long[] offsets = new long[summaries.size() + 1];
    int cols = -1;
    boolean sparse = false;
    boolean sawFirst = false;
    for (int p = 0; p < summaries.size(); p++) {
      Summary s = summaries.get(p);
      if (s.rows > 0) {
        if (cols >= 0 && s.cols != cols) {
          throw new InvalidInputException("ragged rows: rows of partition " + p + " have " + s.cols
              + " values but earlier rows have " + cols);
        }
        cols = s.cols;
        if (!sawFirst) {
          sparse = s.firstSparse;
          sawFirst = true;
        }
        if (rc >= 0 && (!s.inOrder || s.firstIndex != offsets[p])) {
          throw new InvalidInputException("rows are not in row order (partition " + p + " holds rows from "
              + s.firstIndex + " where row " + offsets[p] + " was expected): sort by the row column first,"
              + " e.g. df.orderBy(\"row\")");
        }
      }
      offsets[p + 1] = offsets[p] + s.rows;
    }
    int n = Math.max(cols, 0);
    long m = offsets[summaries.size()];
    boolean coordinate = format.equalsIgnoreCase("coordinate") || (format.equalsIgnoreCase("auto") && sparse);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    HadoopConf conf = new HadoopConf(hadoop);
    Path targetPath = new Path(target);
    String folder = new Path(targetPath.getParent() == null ? new Path(".") : targetPath.getParent(),
        "._" + targetPath.getName() + "-parts-" + UUID.randomUUID()).toString();
    try {
      List<Part> parts = rows.mapPartitionsWithIndex((p, it) -> {
        TaskContext task = TaskContext.get();
        Part part = new Part();
        part.path = new Path(folder, String.format("part-%05d-%d.txt", p, task == null ? 0 : task.taskAttemptId()))
            .toString();
        try (FileSystem fs = NpyAssembler.openFileSystem(conf.get(), new Path(part.path));
            OutputStream out = fs.create(new Path(part.path), true)) {
          if (coordinate) {
            long row = offsets[p];
            StringBuilder line = new StringBuilder();
            while (it.hasNext()) {
              double[] v = values(it.next(), vc, rc, row - offsets[p]);
              for (int j = 0; j < v.length; j++) {
                if (v[j] != 0.0) {
                  line.setLength(0);
                  line.append(row + 1).append(' ').append(j + 1).append(' ').append(v[j]).append('\n');
                  out.write(line.toString().getBytes(StandardCharsets.US_ASCII));
                  part.nonzeros++;
                }
              }
              row++;
            }
          } else {
            // column-major: this part's segment of every column, one after the other
            List<double[]> block = new ArrayList<>();
            while (it.hasNext()) {
              block.add(values(it.next(), vc, rc, block.size()));
            }
            part.segments = new long[n];
            for (int j = 0; j < n; j++) {
              StringBuilder segment = new StringBuilder();
              for (double[] v : block) {
                segment.append(v[j]).append('\n');
              }
              byte[] bytes = segment.toString().getBytes(StandardCharsets.US_ASCII);
              out.write(bytes);
              part.segments[j] = bytes.length;
            }
          }
        }
        return Collections.singletonList(part).iterator();
      }, true).collect();
      assemble(hadoop, targetPath, new Path(folder), parts, coordinate, m, n);
    } finally {
      try (FileSystem fs = NpyAssembler.openFileSystem(hadoop, new Path(folder))) {
        fs.delete(new Path(folder), true);
      }
    }
  }

  /** A row's values: a vector or array column, checked (no nulls, finite). */
  private static double[] values(Row r, int vectorColumn, int rowColumn, long position) {
    String where = rowColumn >= 0 && !r.isNullAt(rowColumn) ? "row " + r.get(rowColumn) : "a row";
    double[] v = RowVectors.values(r, vectorColumn, where);
    if (v == null) {
      throw new InvalidInputException(where + " has a null vector");
    }
    int j = RowVectors.firstNonFinite(v);
    if (j >= 0) {
      throw new InvalidInputException(where + " has a non-finite value " + v[j] + " in column " + j
          + " (Matrix Market has no representation for it)");
    }
    return v;
  }

  private static void assemble(Configuration conf, Path target, Path folder, List<Part> parts, boolean coordinate,
      long m, int n) throws IOException {
    long nonzeros = 0;
    for (Part p : parts) {
      nonzeros += p.nonzeros;
    }
    String header = coordinate
        ? "%%MatrixMarket matrix coordinate real general\n% written by Penrose\n" + m + " " + n + " " + nonzeros + "\n"
        : "%%MatrixMarket matrix array real general\n% written by Penrose\n" + m + " " + n + "\n";
    try (FileSystem fs = NpyAssembler.openFileSystem(conf, target)) {
      Path temp = new Path(folder, "assembled.mtx");
      byte[] buffer = new byte[1 << 16];
      try (OutputStream out = fs.create(temp, true)) {
        out.write(header.getBytes(StandardCharsets.US_ASCII));
        if (coordinate) {
          for (Part p : parts) {
            try (InputStream in = fs.open(new Path(p.path))) {
              int k;
              while ((k = in.read(buffer)) > 0) {
                out.write(buffer, 0, k);
              }
            }
          }
        } else {
          List<FSDataInputStream> inputs = new ArrayList<>();
          try {
            for (Part p : parts) {
              inputs.add(fs.open(new Path(p.path)));
            }
            for (int j = 0; j < n; j++) {
              for (int p = 0; p < parts.size(); p++) {
                long remaining = parts.get(p).segments[j];
                FSDataInputStream in = inputs.get(p); // segments are read in order: no seeking needed
                while (remaining > 0) {
                  int k = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                  if (k < 0) {
                    throw new IOException("part " + parts.get(p).path + " is shorter than written");
                  }
                  out.write(buffer, 0, k);
                  remaining -= k;
                }
              }
            }
          } finally {
            for (FSDataInputStream in : inputs) {
              in.close();
            }
          }
        }
      }
      if (fs.exists(target)) {
        fs.delete(target, false);
      }
      if (!fs.rename(temp, target)) {
        throw new IOException("could not move the assembled file to " + target);
      }
    }
  }
}
