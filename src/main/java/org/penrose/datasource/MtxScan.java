package org.penrose.datasource;

import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.connector.read.V1Scan;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.TableScan;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The scan of an {@code mtx} table. A row's entries can stand anywhere in a coordinate file, so the rows are
 * made by a shuffle after the parse; a V2 {@code Batch} of input partitions cannot hold a shuffle, so the scan
 * hands Spark an RDD ({@link MtxRelation}) through {@link V1Scan}, as Spark's own JDBC V2 source does.
 */
final class MtxScan implements V1Scan {
  private final SourceOptions options;

  MtxScan(CaseInsensitiveStringMap given) {
    this.options = new SourceOptions("reading mtx", given, SourceOptions.MTX_READ);
  }

  @Override
  public StructType readSchema() {
    return MtxDataSource.SCHEMA;
  }

  @Override
  public String description() {
    return "mtx " + options.text("path");
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T extends BaseRelation & TableScan> T toV1TableScan(SQLContext context) {
    return (T) new MtxRelation(context, options);
  }
}
