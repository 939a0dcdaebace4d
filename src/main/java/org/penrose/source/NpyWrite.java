package org.penrose.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Writes rows to one {@code .npy} file: tasks write parts, the driver assembles them in partition
 * order ({@link NpyAssembler}).
 */
final class NpyWrite implements Write, BatchWrite {
  private final String target;
  private final String partsFolder;
  private final HadoopConf conf;
  private final int vectorColumn;
  private final boolean vectorIsUdt;
  private final int rowColumn;
  private final boolean rowIsInt;
  private final boolean transpose;

  NpyWrite(LogicalWriteInfo info, boolean overwrite) {
    this.target = info.options().get("path");
    if (target == null) {
      throw new IllegalArgumentException("the npy source needs a path: save(\"out.npy\")");
    }
    Configuration hadoop = new Configuration(SparkSession.active().sparkContext().hadoopConfiguration());
    this.conf = new HadoopConf(hadoop);
    StructType schema = info.schema();
    String requested = info.options().get("column");
    int found = -1;
    int row = -1;
    for (int i = 0; i < schema.fields().length; i++) {
      StructField f = schema.fields()[i];
      if (f.name().equals("row") && (f.dataType().equals(DataTypes.LongType) || f.dataType().equals(DataTypes.IntegerType))) {
        row = i;
      }
      boolean usable = isVector(f.dataType()) || isDoubleArray(f.dataType());
      if (requested != null ? f.name().equals(requested) : usable) {
        if (!usable) {
          throw new IllegalArgumentException("column '" + requested + "' has type " + f.dataType().simpleString()
              + "; the npy source writes a vector or array<double> column");
        }
        if (found >= 0) {
          throw new IllegalArgumentException("several vector/array<double> columns (" + schema.fields()[found].name()
              + ", " + f.name() + "): choose one with option(\"column\", ...)");
        }
        found = i;
      }
    }
    if (found < 0) {
      throw new IllegalArgumentException(requested != null
          ? "no column '" + requested + "' (columns: " + String.join(", ", schema.fieldNames()) + ")"
          : "no vector or array<double> column to write (columns: " + String.join(", ", schema.fieldNames()) + ")");
    }
    this.vectorColumn = found;
    this.vectorIsUdt = isVector(schema.fields()[found].dataType());
    this.rowColumn = row;
    this.rowIsInt = row >= 0 && schema.fields()[row].dataType().equals(DataTypes.IntegerType);
    this.transpose = Boolean.parseBoolean(info.options().getOrDefault("transpose", "false"));
    try {
      Path t = new Path(target);
      if (!overwrite && t.getFileSystem(hadoop).exists(t)) {
        throw new IllegalArgumentException(target + " already exists; use mode(\"overwrite\") to replace it"
            + " (appending to a .npy file is not supported)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.partsFolder = NpyAssembler.partsFolder(target);
  }

  private static boolean isVector(DataType t) {
    return t.equals(SQLDataTypes.VectorType());
  }

  private static boolean isDoubleArray(DataType t) {
    return t instanceof ArrayType && ((ArrayType) t).elementType().equals(DataTypes.DoubleType);
  }

  @Override
  public BatchWrite toBatch() {
    return this;
  }

  @Override
  public DataWriterFactory createBatchWriterFactory(PhysicalWriteInfo info) {
    return new NpyDataWriterFactory(conf, partsFolder, vectorColumn, vectorIsUdt, rowColumn, rowIsInt);
  }

  @Override
  public boolean useCommitCoordinator() {
    return true; // one committed attempt per partition
  }

  @Override
  public void commit(WriterCommitMessage[] messages) {
    List<NpyAssembler.Part> parts = new ArrayList<>();
    for (WriterCommitMessage m : messages) {
      parts.add(((NpyDataWriter.Committed) m).part);
    }
    try {
      NpyAssembler.assemble(conf.get(), target, partsFolder, parts, transpose, rowColumn >= 0, -1);
    } catch (IOException e) {
      NpyAssembler.discard(conf.get(), partsFolder);
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      NpyAssembler.discard(conf.get(), partsFolder);
      throw e;
    }
  }

  @Override
  public void abort(WriterCommitMessage[] messages) {
    NpyAssembler.discard(conf.get(), partsFolder);
  }
}
