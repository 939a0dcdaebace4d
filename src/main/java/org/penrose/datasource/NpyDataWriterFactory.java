package org.penrose.datasource;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.write.DataWriter;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.penrose.io.HadoopConf;

/** Creates one part writer per task. */
final class NpyDataWriterFactory implements DataWriterFactory {
  private static final long serialVersionUID = 1L;

  private final HadoopConf conf;
  private final String partsFolder;
  private final int vectorColumn;
  private final boolean vectorIsUdt;
  private final int rowColumn;
  private final boolean rowIsInt;

  NpyDataWriterFactory(HadoopConf conf, String partsFolder, int vectorColumn, boolean vectorIsUdt, int rowColumn,
      boolean rowIsInt) {
    this.conf = conf;
    this.partsFolder = partsFolder;
    this.vectorColumn = vectorColumn;
    this.vectorIsUdt = vectorIsUdt;
    this.rowColumn = rowColumn;
    this.rowIsInt = rowIsInt;
  }

  @Override
  public DataWriter<InternalRow> createWriter(int partitionId, long taskId) {
    return new NpyDataWriter(conf.get(), partsFolder, partitionId, taskId, vectorColumn, vectorIsUdt, rowColumn,
        rowIsInt);
  }
}
