package org.penrose.datasource;

import org.apache.spark.sql.connector.read.InputPartition;
import org.penrose.io.NpyFileSet;

/** One row range of one {@code .npy} file. */
final class NpyInputPartition implements InputPartition {
  private static final long serialVersionUID = 1L;

  final NpyFileSet.RowRange range;

  NpyInputPartition(NpyFileSet.RowRange range) {
    this.range = range;
  }
}
