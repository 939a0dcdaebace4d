package org.penrose.datasource;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.penrose.io.HadoopConf;

/** Creates the readers of {@code .npy} row ranges on the executors. */
final class NpyPartitionReaderFactory implements PartitionReaderFactory {
  private static final long serialVersionUID = 1L;

  private final HadoopConf conf;

  NpyPartitionReaderFactory(HadoopConf conf) {
    this.conf = conf;
  }

  @Override
  public PartitionReader<InternalRow> createReader(InputPartition partition) {
    return new NpyPartitionReader(((NpyInputPartition) partition).range, conf.get());
  }
}
