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
import org.penrose.adapters.RowVectors;
import org.penrose.io.HadoopConf;
import org.penrose.io.NpyAssembler;
import org.penrose.matrix.InvalidInputException;

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
    SourceOptions options = new SourceOptions("writing npy", info.options(), SourceOptions.NPY_WRITE);
    this.target = options.path("save(\"out.npy\")");
    Configuration hadoop = new Configuration(SparkSession.active().sparkContext().hadoopConfiguration());
    this.conf = new HadoopConf(hadoop);
    RowVectors.Columns columns =
        RowVectors.columns(info.schema(), options.text("column"), "the DataFrame", "option(\"column\", ...)");
    this.vectorColumn = columns.vector();
    this.vectorIsUdt = columns.vectorIsUdt();
    this.rowColumn = columns.row();
    this.rowIsInt = columns.rowIsInt();
    this.transpose = options.bool("transpose", false);
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
}
