package org.penrose.datasource;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.penrose.io.NpyAssembler;
import org.penrose.matrix.InvalidInputException;

/** Appends one partition's rows to a part file (see {@link NpyAssembler}). */
final class NpyDataWriter implements DataWriter<InternalRow> {
  /** The part a committed task wrote. */
  static final class Committed implements WriterCommitMessage {
    private static final long serialVersionUID = 1L;
    final NpyAssembler.Part part;

    Committed(NpyAssembler.Part part) {
      this.part = part;
    }
  }

  private final NpyAssembler.PartWriter writer;
  private final int vectorColumn;
  private final boolean vectorIsUdt;
  private final int rowColumn;
  private final boolean rowIsInt;
  private final VectorUDT vectorType = new VectorUDT();

  NpyDataWriter(Configuration conf, String partsFolder, int partitionId, long taskId, int vectorColumn,
      boolean vectorIsUdt, int rowColumn, boolean rowIsInt) {
    try {
      this.writer = new NpyAssembler.PartWriter(conf, partsFolder, partitionId, taskId);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.vectorColumn = vectorColumn;
    this.vectorIsUdt = vectorIsUdt;
    this.rowColumn = rowColumn;
    this.rowIsInt = rowIsInt;
  }

  @Override
  public void write(InternalRow record) throws IOException {
    long row = rowColumn < 0 ? -1 : rowIsInt ? record.getInt(rowColumn) : record.getLong(rowColumn);
    if (record.isNullAt(vectorColumn)) {
      throw new InvalidInputException("row " + (row >= 0 ? row : "?") + " has a null vector");
    }
    double[] values;
    if (vectorIsUdt) {
      values = ((Vector) vectorType.deserialize(record.getStruct(vectorColumn, 4))).toArray();
    } else {
      ArrayData array = record.getArray(vectorColumn);
      for (int j = 0; j < array.numElements(); j++) {
        if (array.isNullAt(j)) {
          throw new InvalidInputException("row " + (row >= 0 ? row : "?") + " has a null value in column " + j);
        }
      }
      values = array.toDoubleArray();
    }
    writer.writeRow(values, row);
  }

  @Override
  public WriterCommitMessage commit() throws IOException {
    return new Committed(writer.commit());
  }

  @Override
  public void abort() throws IOException {
    writer.abort();
  }

  @Override
  public void close() throws IOException {
    writer.close();
  }
}
