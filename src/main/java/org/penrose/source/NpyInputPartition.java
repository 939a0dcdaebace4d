package org.penrose.source;

import org.apache.spark.sql.connector.read.InputPartition;

/** One row range of one {@code .npy} file. */
final class NpyInputPartition implements InputPartition {
  private static final long serialVersionUID = 1L;

  final NpyFileSet.RowRange range;

  NpyInputPartition(NpyFileSet.RowRange range) {
    this.range = range;
  }
}
