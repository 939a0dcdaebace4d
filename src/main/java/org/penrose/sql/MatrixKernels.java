package org.penrose.sql;

import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.DoubleMatrix;
import org.penrose.solver.Gradient;
import org.penrose.solver.LeastSquares;
import org.penrose.solver.PseudoInverse;

/**
 * The per-row bodies of Penrose's SQL functions, called by generated code ({@code StaticInvoke})
 * with Catalyst's internal values: matrices arrive as {@code array<array<double>>} ({@link ArrayData}
 * of rows) and are read straight into primitive column-major arrays, without boxing. Each method is
 * the local solver of {@code org.penrose.solver} on one cell.
 *
 * <p>{@code rtol}/{@code atol} are NaN when not given (then {@link RankCutoff}'s defaults apply).
 * With {@code lenient} (the session setting {@code spark.penrose.sql.invalidAsNull}), an invalid cell
 * (ragged, null or non-finite entries, mismatched shapes) gives NULL instead of an error.
 *
 * <p>Public only because generated code calls it; use the SQL functions or {@link functions}.
 */
public final class MatrixKernels {
  private MatrixKernels() {}

  private static RankCutoff cutoff(String function, double rtol, double atol) {
    try {
      return RankCutoff.of(Double.isNaN(rtol) ? null : rtol, Double.isNaN(atol) ? null : atol);
    } catch (IllegalArgumentException e) {
      throw CellMatrices.invalid(function, e.getMessage());
    }
  }

  /** Runs {@code body}, turning an invalid cell into NULL when lenient. */
  private interface Body<T> {
    T run();
  }

  private static <T> T guarded(String function, boolean lenient, Body<T> body) {
    try {
      return body.run();
    } catch (CellMatrices.CellTooLargeException e) {
      throw e;
    } catch (CellMatrices.InvalidCellException e) {
      if (lenient) {
        return null;
      }
      throw e;
    } catch (IllegalArgumentException e) {
      // shape mismatches from the kernels: name the function
      if (lenient) {
        return null;
      }
      throw CellMatrices.invalid(function, e.getMessage());
    }
  }

  public static ArrayData pinv(ArrayData a, double rtol, double atol, boolean lenient) {
    return guarded("pinv", lenient, () -> CellMatrices.rows(
        PseudoInverse.of(CellMatrices.matrix(a, "pinv", "A"), cutoff("pinv", rtol, atol)).pinv()));
  }

  public static ArrayData pinvJvp(ArrayData a, ArrayData tangent, double rtol, double atol, boolean lenient) {
    return guarded("pinv_jvp", lenient, () -> {
      DoubleMatrix am = CellMatrices.matrix(a, "pinv_jvp", "A");
      DoubleMatrix dA = CellMatrices.matrix(tangent, "pinv_jvp", "dA");
      return CellMatrices.rows(PseudoInverse.of(am, cutoff("pinv_jvp", rtol, atol))
          .jvp(emptyAs(dA, am.rows(), am.cols())));
    });
  }

  public static ArrayData pinvVjp(ArrayData a, ArrayData cotangent, double rtol, double atol, boolean lenient) {
    return guarded("pinv_vjp", lenient, () -> {
      DoubleMatrix am = CellMatrices.matrix(a, "pinv_vjp", "A");
      DoubleMatrix g = CellMatrices.matrix(cotangent, "pinv_vjp", "G");
      return CellMatrices.rows(PseudoInverse.of(am, cutoff("pinv_vjp", rtol, atol))
          .vjp(emptyAs(g, am.cols(), am.rows())).a());
    });
  }

  /**
   * {@code lstsq} with a matrix {@code B}: struct(solution, rank, singular_values, residual_sum_of_squares, threshold).
   */
  public static InternalRow lstsqMatrix(ArrayData a, ArrayData b, double rtol, double atol, boolean lenient) {
    return guarded("lstsq", lenient, () -> {
      DoubleMatrix am = CellMatrices.matrix(a, "lstsq", "A");
      DoubleMatrix bm = emptyAs(CellMatrices.matrix(b, "lstsq", "B"), am.rows(), 0);
      LeastSquares ls = LeastSquares.solve(am, bm, cutoff("lstsq", rtol, atol));
      return new GenericInternalRow(new Object[] {CellMatrices.rows(ls.solution()), ls.rank(),
          CellMatrices.values(ls.singularValues()), CellMatrices.values(ls.residualSumOfSquares()), ls.threshold()});
    });
  }

  /**
   * {@code lstsq} with a vector {@code b}: struct(solution array, rank, singular_values, residual_sum_of_squares
   * double, threshold).
   */
  public static InternalRow lstsqVector(ArrayData a, ArrayData b, double rtol, double atol, boolean lenient) {
    return guarded("lstsq", lenient, () -> {
      LeastSquares ls = LeastSquares.solve(CellMatrices.matrix(a, "lstsq", "A"), CellMatrices.vector(b, "lstsq", "b"),
          cutoff("lstsq", rtol, atol));
      return new GenericInternalRow(new Object[] {CellMatrices.values(ls.solution().values()), ls.rank(),
          CellMatrices.values(ls.singularValues()), ls.residualSumOfSquares()[0], ls.threshold()});
    });
  }

  /** {@code lstsq_vjp} with a matrix {@code B}: struct(grad_a, grad_b). */
  public static InternalRow lstsqVjpMatrix(ArrayData a, ArrayData b, ArrayData gx, double rtol, double atol,
      boolean lenient) {
    return guarded("lstsq_vjp", lenient, () -> {
      DoubleMatrix am = CellMatrices.matrix(a, "lstsq_vjp", "A");
      DoubleMatrix bm = emptyAs(CellMatrices.matrix(b, "lstsq_vjp", "B"), am.rows(), 0);
      DoubleMatrix g = emptyAs(CellMatrices.matrix(gx, "lstsq_vjp", "gX"), am.cols(), bm.cols());
      Gradient<DoubleMatrix> grad = LeastSquares.solve(am, bm, cutoff("lstsq_vjp", rtol, atol)).vjp(g);
      return new GenericInternalRow(new Object[] {CellMatrices.rows(grad.a()), CellMatrices.rows(grad.b())});
    });
  }

  /** {@code lstsq_vjp} with a vector {@code b} (and {@code gx}): struct(grad_a, grad_b array). */
  public static InternalRow lstsqVjpVector(ArrayData a, ArrayData b, ArrayData gx, double rtol, double atol,
      boolean lenient) {
    return guarded("lstsq_vjp", lenient, () -> {
      DoubleMatrix am = CellMatrices.matrix(a, "lstsq_vjp", "A");
      Gradient<DoubleMatrix> grad = LeastSquares.solve(am, CellMatrices.vector(b, "lstsq_vjp", "b"),
          cutoff("lstsq_vjp", rtol, atol)).vjp(CellMatrices.vector(gx, "lstsq_vjp", "gx"));
      return new GenericInternalRow(new Object[] {CellMatrices.rows(grad.a()), CellMatrices.values(grad.b().values())});
    });
  }

  public static Integer matrixRank(ArrayData a, double rtol, double atol, boolean lenient) {
    return guarded("matrix_rank", lenient,
        () -> PseudoInverse.of(CellMatrices.matrix(a, "matrix_rank", "A"), cutoff("matrix_rank", rtol, atol)).rank());
  }

  public static ArrayData svdvals(ArrayData a, boolean lenient) {
    return guarded("svdvals", lenient,
        () -> CellMatrices.values(PseudoInverse.of(CellMatrices.matrix(a, "svdvals", "A")).singularValues()));
  }

  /** An {@code ml.linalg.Matrix} cell (its internal struct) as rows. */
  public static ArrayData rowsOfMatrix(Object matrix) {
    return CellMatrices.rowsOfMatrixUdt((InternalRow) matrix);
  }

  /** An {@code ml.linalg.Vector} cell (its internal struct) as values. */
  public static ArrayData valuesOfVector(Object vector) {
    return CellMatrices.valuesOfVectorUdt((InternalRow) vector);
  }

  /**
   * An empty cell ({@code array()}) has no row to tell its column count: read as {@code rows x cols}
   * zeros when the other arguments fix that shape to be empty too.
   */
  private static DoubleMatrix emptyAs(DoubleMatrix m, int rows, int cols) {
    return m.rows() == 0 && m.cols() == 0 && (long) rows * cols == 0 ? DoubleMatrix.zeros(rows, cols) : m;
  }
}
