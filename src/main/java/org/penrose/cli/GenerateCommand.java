package org.penrose.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.penrose.check.RandomMatrices;
import org.penrose.io.NpyFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code penrose generate}: writes a random test problem as {@code .npy} files: {@code A = X Y^T}
 * of a chosen rank, right-hand sides, and matching tangent and cotangents for trying the derivative
 * flags.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Write a random problem: A.npy (m x n, rank r, C order), B.npy (m x k), and dA.npy, G.npy, GX.npy "
        + "for the derivative flags.")
final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--rows", defaultValue = "1000", description = "Rows m (default ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--cols", defaultValue = "20", description = "Columns n (default ${DEFAULT-VALUE}).")
  int cols;

  @Option(names = "--rank", description = "Rank r of A = X Y^T (default min(m, n)).")
  Integer rank;

  @Option(names = "--rhs", defaultValue = "1",
      description = "Columns k of B; 1 writes B as a vector (default ${DEFAULT-VALUE}).")
  int rhs;

  @Option(names = "--seed", defaultValue = "1", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--output-dir", required = true, paramLabel = "DIR", description = "Folder for the files.")
  Path outputDir;

  /** The files written into {@link #outputDir}. */
  private static final List<String> FILES = List.of("A.npy", "dA.npy", "G.npy", "B.npy", "GX.npy");

  @Override
  public Integer call() throws Exception {
    OutputPaths.requireFiles(FILES.stream().map(f -> outputDir.resolve(f).toString()).toList()); // before any work
    int r = rank == null ? Math.min(rows, cols) : rank;
    RandomMatrices.LowRankProblem p = RandomMatrices.lowRank(rows, cols, r, rhs, seed);
    NpyFile.writeRowMajor(outputDir.resolve("A.npy"), p.a());
    NpyFile.writeRowMajor(outputDir.resolve("dA.npy"), p.tangent());
    NpyFile.writeRowMajor(outputDir.resolve("G.npy"), p.cotangent());
    if (rhs == 1) {
      NpyFile.writeVector(outputDir.resolve("B.npy"), p.b());
      NpyFile.writeVector(outputDir.resolve("GX.npy"), p.solutionCotangent());
    } else {
      NpyFile.writeRowMajor(outputDir.resolve("B.npy"), p.b());
      NpyFile.writeRowMajor(outputDir.resolve("GX.npy"), p.solutionCotangent());
    }
    System.out.printf("wrote A.npy (%d x %d, rank %d), B.npy (%s), dA.npy, G.npy (%d x %d), GX.npy to %s%n",
        rows, cols, r, rhs == 1 ? rows + "," : rows + " x " + rhs, cols, rows, outputDir);
    return 0;
  }
}
