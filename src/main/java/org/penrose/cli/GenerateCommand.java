package org.penrose.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.penrose.check.RandomMatrices;
import org.penrose.io.NpyFile;
import org.penrose.matrix.DoubleMatrix;
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

  /** A file written into {@link #outputDir}: its name, its part of the problem, whether it is shaped like B. */
  private record Output(String name, Function<RandomMatrices.LowRankProblem, DoubleMatrix> part, boolean likeB) {}

  /** The files written, in this order. */
  private static final List<Output> OUTPUTS = List.of(
      new Output("A.npy", RandomMatrices.LowRankProblem::a, false),
      new Output("dA.npy", RandomMatrices.LowRankProblem::tangent, false),
      new Output("G.npy", RandomMatrices.LowRankProblem::cotangent, false),
      new Output("B.npy", RandomMatrices.LowRankProblem::b, true),
      new Output("GX.npy", RandomMatrices.LowRankProblem::solutionCotangent, true));

  @Override
  public Integer call() throws Exception {
    // every output checked before any work
    OutputPaths.requireFiles(OUTPUTS.stream().map(o -> outputDir.resolve(o.name()).toString()).toList());
    int r = rank == null ? Math.min(rows, cols) : rank;
    RandomMatrices.LowRankProblem p = RandomMatrices.lowRank(rows, cols, r, rhs, seed);
    for (Output o : OUTPUTS) {
      Path path = outputDir.resolve(o.name());
      if (o.likeB() && rhs == 1) { // B and GX as vectors, (m,)
        NpyFile.writeVector(path, o.part().apply(p));
      } else {
        NpyFile.writeRowMajor(path, o.part().apply(p));
      }
    }
    System.out.printf("wrote A.npy (%d x %d, rank %d), B.npy (%s), dA.npy, G.npy (%d x %d), GX.npy to %s%n",
        rows, cols, r, rhs == 1 ? rows + "," : rows + " x " + rhs, cols, rows, outputDir);
    return 0;
  }
}
