package org.penrose.datasource;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.penrose.io.ByteSource;
import org.penrose.io.NpyFile;
import org.penrose.io.NpyFileSet;
import org.penrose.matrix.DoubleMatrix;

/**
 * Reads one row range in chunks of rows (bounded memory whatever the range's size) and emits
 * {@code (row, vector)}. Non-finite values are an error naming the row.
 */
final class NpyPartitionReader implements PartitionReader<InternalRow> {
  /** Rows read per chunk. */
  private static final int CHUNK_ROWS = 4096;

  private final NpyFileSet.RowRange range;
  private final ByteSource in;
  private final VectorUDT vectorType = new VectorUDT();
  private DoubleMatrix chunk;
  private long chunkStart;
  private int position = -1;
  private long done;

  NpyPartitionReader(NpyFileSet.RowRange range, Configuration conf) {
    this.range = range;
    try {
      Path p = new Path(range.file.path);
      this.in = ByteSource.open(p.getFileSystem(conf), p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public boolean next() throws IOException {
    if (chunk != null && position + 1 < chunk.rows()) {
      position++;
      return true;
    }
    if (done >= range.rowCount) {
      return false;
    }
    long count = Math.min(CHUNK_ROWS, range.rowCount - done);
    chunkStart = range.firstRowInFile + done;
    NpyFileSet.Member file = range.file;
    chunk = NpyFileSet.requireFinite(NpyFile.readRows(in, file.header, chunkStart, count, file.path),
        file.path, file.firstRow + chunkStart);
    done += count;
    position = 0;
    return chunk.rows() > 0;
  }

  @Override
  public InternalRow get() {
    double[] values = new double[chunk.cols()];
    long row = range.file.firstRow + chunkStart + position;
    for (int j = 0; j < values.length; j++) {
      values[j] = chunk.get(position, j);
    }
    return new GenericInternalRow(new Object[] {row, vectorType.serialize(new DenseVector(values))});
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
