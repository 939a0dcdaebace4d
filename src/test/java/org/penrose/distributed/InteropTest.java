package org.penrose.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.mllib.linalg.distributed.BlockMatrix;
import org.apache.spark.mllib.linalg.distributed.CoordinateMatrix;
import org.apache.spark.mllib.linalg.distributed.MatrixEntry;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.penrose.adapters.DatasetRows;
import org.penrose.adapters.MllibMatrices;
import org.penrose.engine.RowBlockMatrix;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.LeastSquares;
import org.penrose.testing.SparkTestSession;
import org.penrose.testing.TestMatrices;

/** Engine inputs from MLlib's CoordinateMatrix and BlockMatrix and from feature pipelines; re-blocking and transposing. */
class InteropTest extends SparkTestSession {

  private DoubleMatrix sparseWithEmptyRows() {
    DoubleMatrix m = TestMatrices.gaussian(40, 5, new Random(8));
    for (int i = 0; i < 40; i++) {
      for (int j = 0; j < 5; j++) {
        if (i % 7 == 3 || (i + j) % 3 == 0) {
          m.set(i, j, 0.0); // rows 3, 10, 17, ... empty
        }
      }
    }
    return m;
  }

  private CoordinateMatrix coordinates(DoubleMatrix m) {
    List<MatrixEntry> entries = new ArrayList<>();
    for (int i = 0; i < m.rows(); i++) {
      for (int j = 0; j < m.cols(); j++) {
        if (m.get(i, j) != 0) {
          entries.add(new MatrixEntry(i, j, m.get(i, j)));
        }
      }
    }
    java.util.Collections.shuffle(entries, new Random(9));
    return new CoordinateMatrix(sc.parallelize(entries, 3).rdd(), m.rows(), m.cols());
  }

  @Test
  void coordinateAndBlockMatricesKeepEmptyRows() {
    DoubleMatrix m = sparseWithEmptyRows();
    CoordinateMatrix c = coordinates(m);
    RowBlockMatrix fromCoordinates = MllibMatrices.fromCoordinateMatrix(c, 4);
    assertEquals("40 x 5", fromCoordinates.shape());
    assertEquals(m, fromCoordinates.collectLocal());
    BlockMatrix b = c.toBlockMatrix(7, 2);
    assertEquals(m, MllibMatrices.fromBlockMatrix(b, 3).collectLocal());
    // and the engine on it, against the local kernel
    DistributedLstsq ls = DistributedLstsq.solve(fromCoordinates,
        RowBlockMatrix.fromLocal(sc, TestMatrices.gaussian(40, 1, new Random(10)), fromCoordinates.blockStarts()),
        RankCutoff.DEFAULT);
    DoubleMatrix expected = LeastSquares.solve(m, TestMatrices.gaussian(40, 1, new Random(10))).solution();
    assertTrue(TestMatrices.relativeError(ls.solution(), expected) < 1e-13);
  }

  @Test
  void vectorAssemblerOutputIsDensifiedPerBlock() {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      rows.add(RowFactory.create((long) i, i % 2 == 0 ? 0.0 : i, 1.0 * i * i, 0.0));
    }
    Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("id", "long").add("a", "double")
        .add("b", "double").add("c", "double"));
    Dataset<Row> assembled = new VectorAssembler().setInputCols(new String[] {"a", "b", "c"}).setOutputCol("features")
        .transform(df);
    RowBlockMatrix m = DatasetRows.fromDataset(assembled, "features", "id");
    DoubleMatrix local = m.collectLocal();
    assertEquals(29.0, local.get(29, 0));
    assertEquals(0.0, local.get(28, 0));
    assertEquals(841.0, local.get(29, 1));
    assertEquals(0.0, local.get(5, 2));
  }

  @Test
  void reblockingAndTransposingKeepTheValues() {
    DoubleMatrix m = TestMatrices.gaussian(33, 4, new Random(11));
    RowBlockMatrix blocks = RowBlockMatrix.fromLocal(sc, m, 3);
    RowBlockMatrix re = blocks.reblock(new long[] {0, 0, 5, 30, 33});
    assertEquals(4, re.numBlocks());
    assertEquals(m, re.collectLocal());
    RowBlockMatrix t = blocks.transpose(new long[] {0, 1, 4});
    assertEquals("4 x 33", t.shape());
    assertEquals(m.transpose(), t.collectLocal());
  }
}
