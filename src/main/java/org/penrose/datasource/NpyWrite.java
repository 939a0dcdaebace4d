package org.penrose.datasource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.write.BatchWrite;
import org.apache.spark.sql.connector.write.DataWriterFactory;
import org.apache.spark.sql.connector.write.LogicalWriteInfo;
import org.apache.spark.sql.connector.write.PhysicalWriteInfo;
import org.apache.spark.sql.connector.write.Write;
import org.apache.spark.sql.connector.write.WriterCommitMessage;
import org.penrose.distributed.RowVectors;
import org.penrose.io.HadoopConf;
import org.penrose.io.NpyAssembler;
import org.penrose.linalg.InvalidInputException;

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
      throw new InvalidInputException("the npy source needs a path: save(\"out.npy\")");
    }
    Configuration hadoop = new Configuration(SparkSession.active().sparkContext().hadoopConfiguration());
    this.conf = new HadoopConf(hadoop);
    RowVectors.Columns columns =
        RowVectors.columns(info.schema(), info.options().get("column"), "the DataFrame", "option(\"column\", ...)");
    this.vectorColumn = columns.vector();
    this.vectorIsUdt = columns.vectorIsUdt();
    this.rowColumn = columns.row();
    this.rowIsInt = columns.rowIsInt();
    this.transpose = booleanOption(info.options().getOrDefault("transpose", "false"), "transpose");
    try {
      Path t = new Path(target);
      if (!overwrite && t.getFileSystem(hadoop).exists(t)) {
        throw new InvalidInputException(target + " already exists; use mode(\"overwrite\") to replace it"
            + " (appending to a .npy file is not supported)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.partsFolder = NpyAssembler.partsFolder(target);
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

  /** {@code true} or {@code false} (any case); anything else, a typo included, is an error rather than false. */
  static boolean booleanOption(String text, String name) {
    String t = text.trim();
    if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(t);
    }
    throw new InvalidInputException("option " + name + " must be true or false, got '" + text + "'");
  }
}
