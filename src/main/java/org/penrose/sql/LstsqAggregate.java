package org.penrose.sql;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.execution.aggregate.ScalaAggregator;
import org.apache.spark.sql.expressions.Aggregator;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.penrose.adapters.RowVectors;
import org.penrose.factor.PinvFactorization;
import org.penrose.factor.QrAccumulator;
import org.penrose.factor.RankCutoff;
import org.penrose.matrix.InvalidInputException;
import scala.Option;

/**
 * {@code lstsq_agg(features, label[, rtol[, atol]])}: a minimum-norm least-squares fit per group,
 * {@code x = pinv(A; rtol, atol) y} over the group's rows {@code (a_i, y_i)}, as an aggregate (also
 * usable as a window aggregate).
 *
 * <p>The buffer is the TSQR element of {@code [A | y]} ({@link QrAccumulator}): the QR triangle
 * ({@code (n+1) x (n+1)}) plus at most {@code max(256, n + 1)} staged rows that are folded into it
 * with one Householder QR when full; merging two buffers stacks and re-factors their triangles. Memory per group is
 * {@code O(n^2)}
 * whatever its row count; the rows and {@code A^T A} are never kept. The result is
 * {@code struct(coefficients, rank, singular_values, residual_sum_of_squares, rows)}; for a group
 * without rows (or only NULL ones) every field but {@code rows = 0} is NULL. No intercept is added: include a constant
 * feature for one.
 *
 * <p>Rows whose features or label are NULL are skipped, as SQL aggregates skip NULLs; non-finite
 * values and feature vectors of different lengths are errors. Spark merges partial buffers in the
 * order tasks finish, so the last bits of the result can differ between runs (unlike the
 * distributed engine, whose merge order is fixed).
 */
public final class LstsqAggregate extends Aggregator<Row, LstsqAggregate.Buffer, Row> {
  private static final long serialVersionUID = 1L;

  /** The result; every field but {@code rows} is NULL for a group without rows. */
  static final StructType RESULT = new StructType()
      .add("coefficients", DataTypes.createArrayType(DataTypes.DoubleType, false), true)
      .add("rank", DataTypes.IntegerType, true)
      .add("singular_values", DataTypes.createArrayType(DataTypes.DoubleType, false), true)
      .add("residual_sum_of_squares", DataTypes.DoubleType, true)
      .add("rows", DataTypes.LongType, false);

  private final RankCutoff cutoff;

  LstsqAggregate(RankCutoff cutoff) {
    this.cutoff = cutoff;
  }

  /**
   * Throws unless a group's buffer for {@code width} features fits: about five {@code (width + 1)^2}
   * arrays (the triangle, the staged rows, the fold's copy and QR work space, the serialized
   * buffer), allowed up to a quarter of the heap {@code heapBytes} of the JVM that aggregates.
   */
  static void requireFits(int width, long heapBytes) {
    double cols = width + 1.0;
    double bytes = 5 * 8 * cols * cols;
    if (bytes > heapBytes / 4.0) {
      throw new InvalidInputException(String.format(Locale.ROOT,
          "lstsq_agg: %d features need about %.1f GiB per group (a %d^2 triangle and its work space), more than"
              + " a quarter of this JVM's %.1f GiB heap; fit them with LeastSquaresRegression or jobs/penrose regress"
              + " (one distributed TSQR over all rows), or give the executors more memory",
          width, bytes / (1L << 30), width + 1, heapBytes / (double) (1L << 30)));
    }
  }

  /** The running triangle of {@code [A | y]} (public for Spark's encoders). */
  public static final class Buffer implements Serializable {
    private static final long serialVersionUID = 1L;
    QrAccumulator accumulator; // null until the first row fixes the width

    /** Checks a row of {@code width} features against the group's first (and, for the first, against memory). */
    void requireWidth(int width) {
      if (accumulator == null) {
        requireFits(width, Runtime.getRuntime().maxMemory());
      } else if (width + 1 != accumulator.cols()) {
        throw new InvalidInputException("lstsq_agg: features has " + width
            + " values but earlier rows of the group have " + (accumulator.cols() - 1));
      }
    }

    /** Adds a row whose width {@link #requireWidth} accepted. */
    void add(double[] features, double label) {
      if (accumulator == null) {
        accumulator = new QrAccumulator(features.length + 1);
      }
      double[] row = Arrays.copyOf(RowVectors.requireFinite(features, "lstsq_agg: features"),
          features.length + 1);
      if (!Double.isFinite(label)) {
        throw new InvalidInputException("lstsq_agg: the label is not finite: " + label);
      }
      row[features.length] = label;
      accumulator.add(row);
    }

    Buffer merge(Buffer other) {
      if (other.accumulator == null) {
        return this;
      }
      if (accumulator == null) {
        return other;
      }
      if (other.accumulator.cols() != accumulator.cols()) {
        throw new InvalidInputException("lstsq_agg: features has " + (other.accumulator.cols() - 1)
            + " values in some rows of the group and " + (accumulator.cols() - 1) + " in others");
      }
      accumulator.merge(other.accumulator);
      return this;
    }
  }

  @Override
  public Buffer zero() {
    return new Buffer();
  }

  @Override
  public Buffer reduce(Buffer buffer, Row row) {
    if (row.isNullAt(0) || row.isNullAt(1)) {
      return buffer;
    }
    Object cell = row.get(0);
    buffer.requireWidth(cell instanceof Vector v ? v.size() : row.getList(0).size());
    double[] features = RowVectors.values(row, 0, "lstsq_agg: features");
    buffer.add(features, row.getDouble(1));
    return buffer;
  }

  @Override
  public Buffer merge(Buffer a, Buffer b) {
    return a.merge(b);
  }

  @Override
  public Row finish(Buffer buffer) {
    if (buffer.accumulator == null) {
      return RowFactory.create(null, null, null, null, 0L);
    }
    QrAccumulator a = buffer.accumulator;
    PinvFactorization f = PinvFactorization.fromTriangle(a.triangle(), a.cols() - 1, cutoff);
    return RowFactory.create(f.solution().values(), f.rank(), f.singularValues(), f.residualSumOfSquares()[0],
        a.rows());
  }

  @Override
  public Encoder<Buffer> bufferEncoder() {
    return Encoders.javaSerialization(Buffer.class);
  }

  @Override
  public Encoder<Row> outputEncoder() {
    return Encoders.row(RESULT);
  }

  static PenroseFunctions.Spec spec() {
    return new PenroseFunctions.Spec("lstsq_agg",
        "_FUNC_(features, label[, rtol[, atol]]) - Minimum-norm least squares over the rows of a group:"
            + " x = pinv(A; rtol, atol) y with A the features and y the labels, from a streamed QR"
            + " triangle of [A | y]. Returns struct(coefficients, rank, singular_values,"
            + " residual_sum_of_squares, rows). No intercept is added.",
        "\n    Arguments:\n      * features - array<double> or a vector; the same length in every row of a group.\n"
            + "      * label - a number.\n"
            + "      * rtol - optional constant relative tolerance (default max(rows, n) * eps, or 0 when"
            + " only atol is given).\n      * atol - optional constant absolute tolerance (default 0).\n",
        "\n    Examples:\n"
            + "      > SELECT _FUNC_(array(a, b), y).coefficients FROM VALUES (1d, 0d, 5d), (0d, 1d, 7d), (0d, 0d, 0d)"
            + " AS t(a, b, y);\n"
            + "       [5.0,7.0]\n  ",
        "agg_funcs",
        LstsqAggregate::build);
  }

  private static Expression build(List<Expression> args) {
    PenroseFunctions.arity("lstsq_agg", args, 2, 4);
    Expression features = args.get(0);
    boolean vector = features.dataType() instanceof VectorUDT;
    if (!vector) {
      features = PenroseFunctions.vector("lstsq_agg", "features", features);
    }
    DataType labelType = args.get(1).dataType();
    if (!(labelType instanceof NumericType)) {
      throw new InvalidInputException("lstsq_agg: label must be a number, got " + labelType.simpleString());
    }
    Expression label = PenroseFunctions.cast(args.get(1), DataTypes.DoubleType);
    Double rtol = constantTolerance(args, 2);
    Double atol = constantTolerance(args, 3);
    LstsqAggregate aggregate = new LstsqAggregate(RankCutoff.of(rtol, atol));
    StructType input = new StructType()
        .add("features", vector ? new VectorUDT() : DataTypes.createArrayType(DataTypes.DoubleType), true)
        .add("label", DataTypes.DoubleType, true);
    return new ScalaAggregator<>(PenroseFunctions.seq(features, label), aggregate,
        org.apache.spark.sql.catalyst.encoders.package$.MODULE$.encoderFor(Encoders.row(input)),
        org.apache.spark.sql.catalyst.encoders.package$.MODULE$.encoderFor(aggregate.bufferEncoder()),
        true, true, 0, 0, Option.apply("lstsq_agg"));
  }

  private static Double constantTolerance(List<Expression> args, int index) {
    if (index >= args.size()) {
      return null;
    }
    Expression e = args.get(index);
    if (!e.foldable() || !(e.dataType() instanceof NumericType
        || e.dataType() instanceof NullType)) {
      throw new InvalidInputException("lstsq_agg: " + (index == 2 ? "rtol" : "atol") + " must be a constant number");
    }
    Object v = PenroseFunctions.cast(e, DataTypes.DoubleType).eval(null);
    return v == null ? null : (Double) v;
  }
}
