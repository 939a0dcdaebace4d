package org.penrose.datasource;

import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.SupportsTruncate;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriteBuilder;

/** Builds a {@code .npy} write; {@code truncate} (save mode overwrite) allows replacing an existing file. */
final class NpyWriteBuilder implements SupportsTruncate {
  private final LogicalWriteInfo info;
  private boolean overwrite;

  NpyWriteBuilder(LogicalWriteInfo info) {
    this.info = info;
  }

  @Override
  public WriteBuilder truncate() {
    overwrite = true;
    return this;
  }

  @Override
  public Write build() {
    return new NpyWrite(info, overwrite);
  }
}
