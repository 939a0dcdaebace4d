package org.penrose.io;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.SparseEntries;

/**
 * Reads a Matrix Market file ({@code .mtx}, or gzip-compressed {@code .mtx.gz}) into a dense
 * in-memory matrix; see {@link MatrixMarketHeader} for the formats and {@link MatrixMarketEntries}
 * for the checks. Duplicate coordinate entries are summed. Errors name the file and line number.
 * (The {@code mtx} data source reads the same files distributed.)
 */
public final class MatrixMarketFile {
  private MatrixMarketFile() {}

  /**
   * Reads the whole file as a dense matrix.
   *
   * @throws MatrixFormatException naming the file, the line and the problem
   */
  public static DoubleMatrix read(Path path) throws IOException {
    Configuration conf = new Configuration(false);
    String name = path.toAbsolutePath().toString();
    MatrixMarketHeader header = MatrixMarketEntries.header(conf, name);
    if (header.rows > DoubleMatrix.MAX_ENTRIES / Math.max(1, header.cols)) {
      throw new MatrixFormatException(name + ": a dense " + header.rows + " x " + header.cols
          + " matrix does not fit in one in-memory block; use the distributed path");
    }
    DoubleMatrix result = DoubleMatrix.zeros((int) header.rows, (int) header.cols);
    SparseEntries entries = MatrixMarketEntries.readAll(conf, header);
    entries.addTo(result, 0);
    return result;
  }
}
