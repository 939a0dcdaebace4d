package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.mllib.linalg.distributed.CoordinateMatrix;
import org.apache.spark.mllib.linalg.distributed.MatrixEntry;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.penrose.adapters.DatasetRows;
import org.penrose.adapters.MatrixFiles;
import org.penrose.adapters.MllibMatrices;
import org.penrose.engine.BlockStarts;
import org.penrose.engine.RowBlock;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.io.MatrixMarketFile;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.matrix.SparseEntries;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestData;

/** Inputs that stay sparse (coordinate files, sparse vectors, CoordinateMatrix) and the operations on sparse blocks. */
class SparseBlocksTest extends SparkTestSession {
  @TempDir Path dir;

  private Dataset<Row> sparseRows(int rows, int cols, long seed, boolean withNaN) {
    Random random = new Random(seed);
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < rows; i++) {
      int[] idx = random.ints(0, cols).distinct().limit(3).sorted().toArray();
      double[] val = new double[idx.length];
      for (int p = 0; p < val.length; p++) {
        val[p] = withNaN && i == 17 && p == 1 ? Double.NaN : random.nextGaussian();
      }
      out.add(RowFactory.create((long) i, Vectors.sparse(cols, idx, val)));
    }
    return spark.createDataFrame(out, new StructType().add("id", "long").add("x", SQLDataTypes.VectorType()))
        .repartition(3);
  }

  @Test
  void sparseVectorsBecomeSparseBlocksAndComeBackSparse() {
    Dataset<Row> df = sparseRows(40, 100_000, 1, false);
    RowBlockMatrix a = DatasetRows.fromDataset(df, "x", "id");
    assertEquals("40 x 100000", a.shape());
    assertTrue(a.blocks().collect().stream().allMatch(RowBlock::isSparse), "no block densified");
    List<Row> back = DatasetRows.toDataset(spark, a).orderBy("row").collectAsList();
    List<Row> original = df.orderBy("id").collectAsList();
    for (int i = 0; i < 40; i++) {
      Vector v = (Vector) back.get(i).get(1);
      assertTrue(v instanceof SparseVector);
      assertEquals(original.get(i).get(1), v);
    }
    RowBlockMatrix reblocked = a.reblock(BlockStarts.balanced(40, 5));
    assertTrue(reblocked.blocks().collect().stream().allMatch(RowBlock::isSparse));
    assertEquals(a.transpose(BlockStarts.balanced(100_000, 2)).transpose(a.blockStarts()).blocks()
        .map(b -> b.matrix().entries(b.firstRow()).size()).reduce(Integer::sum), 120, "transposed twice, 120 entries");
  }

  @Test
  void aNonFiniteSparseValueNamesItsRowAndColumn() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DatasetRows.fromDataset(sparseRows(30, 50_000, 2, true), "x", "id"));
    assertTrue(e.getMessage().matches("row 17 has a non-finite value NaN in column \\d+"), e.getMessage());
  }

  @Test
  void coordinateFilesAndCoordinateMatricesStaySparseArrayFilesAreDense() throws Exception {
    String coordinate = TestData.path("sparse/hb_lsq/illc1033.mtx.gz").toString();
    RowBlockMatrix a = new MatrixFiles(spark).read(coordinate, 3);
    assertTrue(a.blocks().collect().stream().allMatch(RowBlock::isSparse));
    assertEquals(MatrixMarketFile.read(Path.of(coordinate)), a.collectLocal(), "the same values as the dense reader");
    String array = TestData.path("sparse/hb_lsq/illc1033_rhs1.mtx.gz").toString();
    assertFalse(new MatrixFiles(spark).readAligned(array, a).blocks().first().isSparse());
    List<MatrixEntry> entries = List.of(new MatrixEntry(0, 4, 1.5), new MatrixEntry(2, 1, -2.0), new MatrixEntry(2, 1, 0.5));
    RowBlockMatrix c = MllibMatrices.fromCoordinateMatrix(new CoordinateMatrix(sc.parallelize(entries).rdd(), 3, 5), 2);
    assertTrue(c.blocks().first().isSparse());
    assertEquals(-1.5, c.collectLocal().get(2, 1), "duplicates summed");
  }

  @Test
  void theTsqrRouteDensifiesSparseBlocksExplicitlyAndGivesTheDenseBits() throws Exception {
    String path = TestData.path("sparse/hb_lsq/well1033.mtx.gz").toString();
    String rhs = TestData.path("sparse/hb_lsq/well1033_rhs1.mtx.gz").toString();
    RowBlockMatrix sparse = new MatrixFiles(spark).read(path, 3);
    RowBlockMatrix dense = RowBlockMatrix.fromLocal(sc, sparse.collectLocal(), sparse.blockStarts());
    RowBlockMatrix b = new MatrixFiles(spark).readAligned(rhs, sparse);
    DoubleMatrix fromSparse = DistributedLstsq.solve(sparse, b, RankCutoff.DEFAULT).solution();
    DoubleMatrix fromDense = DistributedLstsq.solve(dense, b, RankCutoff.DEFAULT).solution();
    assertEquals(fromDense, fromSparse, "the same dense blocks go into TSQR");
  }

  @Test
  void writingStoredEntriesKeepsThePatternZerosIncluded() throws Exception {
    org.penrose.matrix.SparseEntries e = new org.penrose.matrix.SparseEntries();
    e.add(0, 3, 0.0);
    e.add(1, 0, 0.1 + 0.2);
    e.add(4, 2, -1e-300);
    RowBlockMatrix m = RowBlockMatrix.fromEntries(sc.parallelize(List.of(e), 1), 5, 4, new long[] {0, 2, 5}, true);
    Path out = dir.resolve("g.mtx");
    new MatrixFiles(spark).writeMatrixMarket(m, out.toString());
    List<String> lines = Files.readAllLines(out);
    assertEquals("5 4 3", lines.get(2), "three stored entries, the explicit zero included");
    assertEquals(List.of("1 4 0.0", "2 1 0.30000000000000004", "5 3 -1.0E-300"), lines.subList(3, 6));
    assertEquals(m.collectLocal(), MatrixMarketFile.read(out), "values read back bit for bit");
  }
}
