package org.penrose.cli;

import java.nio.file.Path;
import java.util.List;
import org.penrose.adapters.MatrixFiles;
import org.penrose.distributed.Route;
import org.penrose.engine.DriverThreads;
import org.penrose.engine.Tsqr;
import org.penrose.factor.PinvFactorization;
import org.penrose.io.NpyBlocks;
import org.penrose.io.NpyFile;
import org.penrose.io.NpyFileSet;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.LstsqVjp;

/**
 * {@code lstsq} on the TSQR route run in the driver JVM without Spark ({@link InDriver}): A and B read in the
 * row blocks a Spark read makes, the same TSQR leaves on the driver's threads and the same merge tree, hence
 * the same X; with {@code --cotangent}, the same row maps ({@link LstsqVjp}) on the same blocks, hence the
 * same gradients.
 */
final class InDriverLstsq {
  private InDriverLstsq() {}

  static Integer run(LstsqCommand command, Report report, int threads) throws Exception {
    command.requireNoLsmrOptions();
    SparkJob job = command.job;
    try (DriverThreads pool = new DriverThreads(threads, "penrose-lstsq")) {
      Integer parts = job.requestedPartitions();
      NpyBlocks a = report.time("read", () -> NpyBlocks.read(job.input, parts, threads, pool::map));
      NpyBlocks b = report.time("read_rhs", () -> a.readAligned(command.rhs, pool::map));
      System.out.printf("lstsq: A is %s, B is %s, in %d row blocks, in the driver JVM (no Spark job)%n", a.shape(),
          b.shape(), a.blocks().size());
      Route route = Route.of(a.cols(), b.cols(), command.rank, command.solver.kind(), false);
      PinvFactorization f = report.time("solve", () -> PinvFactorization.fromTriangle(
          Tsqr.triangle(a.blocks(), b.blocks(), Tsqr.DEFAULT_FAN_IN, pool), a.cols(), command.cutoff.cutoff()));
      NpyFile.writeRows(Path.of(command.output), List.of(f.solution()), b.isVector());
      if (command.vjp != null) {
        DoubleMatrix cotangent = cotangent(command.vjp.cotangent, f.solution(), b.isVector());
        report.run("vjp", () -> writeGradient(command.vjp, new LstsqVjp(f, cotangent), a, b, pool));
      }
      System.out.printf("lstsq: rank %d, threshold %.6g; wrote %s (%s)%n", f.rank(), f.threshold(), command.output,
          b.isVector() ? f.solution().rows() + "," : f.solution().shape());
      if (command.reportPath != null) {
        report.put("command", "lstsq").put("input", job.input).put("rhs", command.rhs)
            .put("m", a.rows()).put("n", a.cols()).put("k", b.cols()).put("partitions", a.blocks().size())
            .putRankDecision(f, command.cutoff.cutoff(), a.rows(), a.cols())
            .put("residual_sum_of_squares", f.residualSumOfSquares()).put("route", "tsqr")
            .put("route_reason", route.reason()).put("engine", "driver");
        report.write(command.reportPath);
      }
    }
    return 0;
  }

  /** The cotangent {@code gX}, shaped as X (1-D when B is), read and checked as the Spark route reads it. */
  private static DoubleMatrix cotangent(String path, DoubleMatrix x, boolean vectorRhs) throws Exception {
    NpyFileSet file = NpyFileSet.openLocal(path);
    LstsqCommand.requireCotangentLikeX(path, file.isVector(), x, vectorRhs);
    MatrixFiles.requireLocal(path, file.rows(), file.cols()); // before reading, as MatrixFiles.readLocal
    return file.readRange(NpyFileSet.LOCAL, 0, file.rows());
  }

  /** {@code dL/dA = L R^T} and {@code dL/dB} written from their row blocks, each block's rows as Spark's tasks. */
  private static void writeGradient(LstsqCommand.Vjp files, LstsqVjp map, NpyBlocks a, NpyBlocks b,
      DriverThreads pool) throws Exception {
    List<DoubleMatrix> aBlocks = a.blocks();
    List<DoubleMatrix> bBlocks = b.blocks();
    List<DoubleMatrix> gradA = pool.map(aBlocks.size(),
        i -> map.rowMapLeftFactor(aBlocks.get(i), bBlocks.get(i)).timesTranspose(map.rightFactor()));
    NpyFile.writeRows(Path.of(files.gradA), gradA, false);
    List<DoubleMatrix> gradB = pool.map(aBlocks.size(), i -> map.rowMapB(aBlocks.get(i)));
    NpyFile.writeRows(Path.of(files.gradB), gradB, b.isVector());
  }
}
