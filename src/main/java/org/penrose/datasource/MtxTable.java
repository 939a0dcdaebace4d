package org.penrose.datasource;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * A Matrix Market file as a table that is read ({@link MtxScan}); see {@link MtxDataSource}. It declares no
 * batch write, so Spark saves through {@link MtxDataSource}'s relation provider, which keeps every save mode.
 */
final class MtxTable implements SupportsRead {
  private final Map<String, String> properties;

  MtxTable(Map<String, String> properties) {
    this.properties = properties;
  }

  @Override
  public String name() {
    return "mtx:" + properties.getOrDefault("path", "?");
  }

  @Override
  public StructType schema() {
    return MtxDataSource.SCHEMA;
  }

  @Override
  public Set<TableCapability> capabilities() {
    return EnumSet.of(TableCapability.BATCH_READ);
  }

  @Override
  public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
    return () -> new MtxScan(options);
  }
}
