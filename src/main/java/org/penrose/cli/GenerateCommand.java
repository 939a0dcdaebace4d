package org.penrose.cli;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;
import org.penrose.linalg.DoubleMatrix;
import org.penrose.source.NpyFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code penrose generate}: writes a random test problem as {@code .npy} files: {@code A = X Y^T}
 * of a chosen rank, right-hand sides, and matching tangent and cotangents for trying the derivative
 * flags.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Write a random problem: A.npy (m x n, rank r, C order), B.npy (m x k), and dA.npy, G.npy, GX.npy for the derivative flags.")
final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--rows", defaultValue = "1000", description = "Rows m (default ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--cols", defaultValue = "20", description = "Columns n (default ${DEFAULT-VALUE}).")
  int cols;

  @Option(names = "--rank", description = "Rank r of A = X Y^T (default min(m, n)).")
  Integer rank;

  @Option(names = "--rhs", defaultValue = "1", description = "Columns k of B; 1 writes B as a vector (default ${DEFAULT-VALUE}).")
  int rhs;

  @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--output-dir", required = true, paramLabel = "DIR", description = "Folder for the files.")
  Path outputDir;

  @Override
  public Integer call() throws Exception {
    int r = rank == null ? Math.min(rows, cols) : rank;
    if (rows < 0 || cols < 0 || rhs < 1 || r < 0 || r > Math.min(rows, cols)) {
      throw new IllegalArgumentException("need rows, cols >= 0, rhs >= 1 and 0 <= rank <= min(rows, cols); got "
          + rows + " x " + cols + ", rank " + r + ", rhs " + rhs);
    }
    Random random = new Random(seed);
    DoubleMatrix x = gaussian(rows, r, random);
    DoubleMatrix y = gaussian(cols, r, random);
    DoubleMatrix a = x.timesTranspose(y);
    // dA = dX Y^T + X dY^T stays on the rank-r manifold (a rank-preserving tangent).
    DoubleMatrix tangent = gaussian(rows, r, random).timesTranspose(y).plusScaled(1.0, x.timesTranspose(gaussian(cols, r, random)));
    DoubleMatrix b = gaussian(rows, rhs, random);
    NpyFile.writeRowMajor(outputDir.resolve("A.npy"), a);
    NpyFile.writeRowMajor(outputDir.resolve("dA.npy"), tangent);
    NpyFile.writeRowMajor(outputDir.resolve("G.npy"), gaussian(cols, rows, random));
    if (rhs == 1) {
      NpyFile.writeVector(outputDir.resolve("B.npy"), b);
      NpyFile.writeVector(outputDir.resolve("GX.npy"), gaussian(cols, 1, random));
    } else {
      NpyFile.writeRowMajor(outputDir.resolve("B.npy"), b);
      NpyFile.writeRowMajor(outputDir.resolve("GX.npy"), gaussian(cols, rhs, random));
    }
    System.out.printf("wrote A.npy (%d x %d, rank %d), B.npy (%s), dA.npy, G.npy (%d x %d), GX.npy to %s%n",
        rows, cols, r, rhs == 1 ? rows + "," : rows + " x " + rhs, cols, rows, outputDir);
    return 0;
  }

  static DoubleMatrix gaussian(int rows, int cols, Random random) {
    DoubleMatrix m = DoubleMatrix.zeros(rows, cols);
    for (int i = 0; i < m.values().length; i++) {
      m.values()[i] = random.nextGaussian();
    }
    return m;
  }
}
