package org.penrose.sql;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;
import java.util.function.Function;
import org.apache.spark.ml.linalg.MatrixUDT;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;
import org.apache.spark.sql.catalyst.expressions.Alias;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.catalyst.expressions.Coalesce;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.NamedExpression$;
import org.apache.spark.sql.catalyst.expressions.objects.StaticInvoke;
import org.apache.spark.sql.catalyst.util.package$;
import org.apache.spark.sql.connector.catalog.CatalogManager;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.penrose.matrix.InvalidInputException;
import scala.Option;
import scala.Tuple3;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Penrose's Spark SQL functions: what they are called, their documentation ({@code DESCRIBE
 * FUNCTION EXTENDED}), and how each call becomes a Catalyst expression. Install them with the
 * session extension ({@code spark.sql.extensions=org.penrose.sql.PenroseExtensions}) or, where that
 * cannot be set, {@link #register(SparkSession)}.
 *
 * <p>Matrix arguments are {@code array<array<double>>} (row-major; other numeric element types are
 * cast) or {@code ml.linalg.Matrix}; vector arguments {@code array<double>} or {@code ml.linalg.Vector}.
 * {@code rtol}/{@code atol} are optional numbers (NULL = not given). NULL matrices give NULL. Invalid
 * cells are errors naming the function, unless {@code spark.penrose.sql.invalidAsNull=true}, which
 * turns them into NULL.
 */
public final class PenroseFunctions {
  /** Session setting: invalid matrix cells give NULL instead of an error. */
  public static final String INVALID_AS_NULL = "spark.penrose.sql.invalidAsNull";

  private static final String SINCE = "0.1.0";
  private static final ArrayType VECTOR = DataTypes.createArrayType(DataTypes.DoubleType, false);
  private static final ArrayType MATRIX = DataTypes.createArrayType(VECTOR, false);

  private PenroseFunctions() {}

  /** One function: its name, its documentation and its expression builder. */
  static final class Spec {
    final String name;
    final ExpressionInfo info;
    final Function<List<Expression>, Expression> builder;

    Spec(String name, String usage, String arguments, String examples, String group,
        Function<List<Expression>, Expression> builder) {
      this.name = name;
      this.info = new ExpressionInfo(MatrixKernels.class.getName(), null, name, usage, arguments, examples, "",
          group, SINCE, "", "");
      this.builder = builder;
    }

    /**
     * The builder as Spark calls it. A per-row function's result is named as Spark names a built-in
     * function's, {@code pinv(A)}, not by the kernel it invokes (the alias is dropped when the call is
     * not a top-level column).
     */
    scala.Function1<Seq<Expression>, Expression> scalaBuilder() {
      return args -> {
        List<Expression> list = new ArrayList<>(CollectionConverters.asJava(args));
        Expression call = builder.apply(list);
        if (!(call instanceof StaticInvoke)) {
          return call;
        }
        StringJoiner sql = new StringJoiner(", ", name + "(", ")");
        list.forEach(arg -> sql.add(package$.MODULE$.toPrettySQL(arg, false)));
        return new Alias(call, sql.toString(), NamedExpression$.MODULE$.newExprId(), seq(), Option.empty(), seq());
      };
    }
  }

  private static final String TOLERANCES =
      "      * rtol - optional relative tolerance; singular values <= max(atol, rtol * s_max) are dropped."
          + " Default max(m, n) * eps, or 0 when only atol is given; NULL = not given.\n"
          + "      * atol - optional absolute tolerance (default 0).\n";

  /**
   * {@code name(A, second[, rtol[, atol]])}: a matrix-valued derivative of pinv computed by
   * {@code kernel}, documented by {@code usage} and the meaning of {@code second}.
   */
  private static Spec pinvDerivative(String name, String kernel, String second, String usage, String secondMeaning) {
    return new Spec(name,
        "_FUNC_(A, " + second + "[, rtol[, atol]]) - " + usage,
        "\n    Arguments:\n      * A - the m x n matrix.\n      * " + second + " - " + secondMeaning + ".\n"
            + TOLERANCES,
        "\n    Examples:\n      > SELECT _FUNC_(array(array(2d)), array(array(1d)));\n       [[-0.25]]\n  ",
        "math_funcs",
        args -> {
          arity(name, args, 2, 4);
          return invoke(kernel, MATRIX, matrix(name, "A", args.get(0)), matrix(name, second, args.get(1)),
              tolerance(name, args, 2), tolerance(name, args, 3), lenient());
        });
  }

  static List<Spec> specs() {
    List<Spec> specs = new ArrayList<>();
    specs.add(new Spec("pinv",
        "_FUNC_(A[, rtol[, atol]]) - The Moore-Penrose pseudo-inverse of the m x n matrix A (n x m).",
        "\n    Arguments:\n      * A - array<array<double>> (rows) or a matrix.\n" + TOLERANCES,
        "\n    Examples:\n      > SELECT _FUNC_(array(array(2d, 0d), array(0d, 4d), array(0d, 0d)));\n"
            + "       [[0.5,0.0,0.0],[0.0,0.25,0.0]]\n  ",
        "math_funcs",
        args -> {
          arity("pinv", args, 1, 3);
          return invoke("pinv", MATRIX, matrix("pinv", "A", args.get(0)), tolerance("pinv", args, 1),
              tolerance("pinv", args, 2), lenient());
        }));
    specs.add(new Spec("lstsq",
        "_FUNC_(A, B[, rtol[, atol]]) - Minimum-norm least squares X = pinv(A) B, with the cut-off of pinv."
            + " Returns struct(solution, rank, singular_values, residual_sum_of_squares, threshold).",
        "\n    Arguments:\n      * A - the m x n matrix: array<array<double>> or a matrix.\n"
            + "      * B - the m x k right-hand sides (then solution is n x k and residual_sum_of_squares an"
            + " array of k), or a vector of m (then both are a vector and a double).\n" + TOLERANCES,
        "\n    Examples:\n"
            + "      > SELECT _FUNC_(array(array(2d, 0d), array(0d, 4d), array(0d, 0d)), array(1d, 2d, 3d)).solution;\n"
            + "       [0.5,0.5]\n  ",
        "math_funcs",
        args -> {
          arity("lstsq", args, 2, 4);
          Expression a = matrix("lstsq", "A", args.get(0));
          if (isVector(args.get(1))) {
            return invoke("lstsqVector", lstsqType(VECTOR, DataTypes.DoubleType), a, vector("lstsq", "b", args.get(1)),
                tolerance("lstsq", args, 2), tolerance("lstsq", args, 3), lenient());
          }
          return invoke("lstsqMatrix", lstsqType(MATRIX, VECTOR), a, matrix("lstsq", "B", args.get(1)),
              tolerance("lstsq", args, 2), tolerance("lstsq", args, 3), lenient());
        }));
    specs.add(pinvDerivative("pinv_jvp", "pinvJvp", "dA",
        "The derivative dP of P = pinv(A) along the tangent dA (m x n), on the manifold of matrices of A's rank"
            + " (Golub-Pereyra): -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P.",
        "the tangent, m x n (rank-preserving)"));
    specs.add(pinvDerivative("pinv_vjp", "pinvVjp", "G",
        "The gradient dL/dA (m x n) for the cotangent G = dL/dP (n x m):"
            + " -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A).",
        "the cotangent of pinv(A), n x m"));
    specs.add(new Spec("lstsq_vjp",
        "_FUNC_(A, B, gX[, rtol[, atol]]) - Gradients of a loss L(X), X = lstsq(A, B), for the cotangent"
            + " gX = dL/dX: struct(grad_a, grad_b).",
        "\n    Arguments:\n      * A - the m x n matrix.\n      * B - the right-hand sides, m x k or a vector of m.\n"
            + "      * gX - the cotangent of the solution: n x k, or a vector of n when B is a vector.\n" + TOLERANCES,
        "\n    Examples:\n      > SELECT _FUNC_(array(array(2d)), array(4d), array(1d)).grad_b;\n       [0.5]\n  ",
        "math_funcs",
        args -> {
          arity("lstsq_vjp", args, 3, 5);
          Expression a = matrix("lstsq_vjp", "A", args.get(0));
          if (isVector(args.get(1))) {
            return invoke("lstsqVjpVector", gradientType(VECTOR), a, vector("lstsq_vjp", "b", args.get(1)),
                vector("lstsq_vjp", "gx", args.get(2)), tolerance("lstsq_vjp", args, 3),
                    tolerance("lstsq_vjp", args, 4),
                lenient());
          }
          return invoke("lstsqVjpMatrix", gradientType(MATRIX), a, matrix("lstsq_vjp", "B", args.get(1)),
              matrix("lstsq_vjp", "gX", args.get(2)), tolerance("lstsq_vjp", args, 3), tolerance("lstsq_vjp", args, 4),
              lenient());
        }));
    specs.add(new Spec("matrix_rank",
        "_FUNC_(A[, rtol[, atol]]) - The numerical rank of A: the number of singular values above"
            + " max(atol, rtol * s_max).",
        "\n    Arguments:\n      * A - the m x n matrix.\n" + TOLERANCES,
        "\n    Examples:\n      > SELECT _FUNC_(array(array(1d, 2d), array(2d, 4d)));\n       1\n  ",
        "math_funcs",
        args -> {
          arity("matrix_rank", args, 1, 3);
          return invoke("matrixRank", DataTypes.IntegerType, matrix("matrix_rank", "A", args.get(0)),
              tolerance("matrix_rank", args, 1), tolerance("matrix_rank", args, 2), lenient());
        }));
    specs.add(new Spec("svdvals",
        "_FUNC_(A) - The min(m, n) singular values of A, in descending order.",
        "\n    Arguments:\n      * A - the m x n matrix.\n",
        "\n    Examples:\n      > SELECT _FUNC_(array(array(3d, 0d), array(0d, -4d)));\n       [4.0,3.0]\n  ",
        "math_funcs",
        args -> {
          arity("svdvals", args, 1, 1);
          return invoke("svdvals", VECTOR, matrix("svdvals", "A", args.get(0)), lenient());
        }));
    specs.add(LstsqAggregate.spec());
    return specs;
  }

  /**
   * Registers every function in {@code spark}'s session (for sessions that cannot set
   * {@code spark.sql.extensions}). Safe to call more than once.
   */
  public static void register(SparkSession spark) {
    FunctionRegistry registry = ((org.apache.spark.sql.classic.SparkSession) spark).sessionState().functionRegistry();
    for (Spec spec : specs()) {
      // Spark 4.2 keeps session functions under system.session (what spark.udf().register uses);
      // earlier 4.x registries take the bare name.
      FunctionIdentifier qualified = new FunctionIdentifier(spec.name,
          Option.apply(org.apache.spark.sql.connector.catalog.CatalogManager$.MODULE$.SESSION_NAMESPACE()),
          Option.apply(org.apache.spark.sql.connector.catalog.CatalogManager$.MODULE$.SYSTEM_CATALOG_NAME()));
      try {
        registry.registerFunction(qualified, spec.info, spec.scalaBuilder());
      } catch (AssertionError e) {
        registry.registerFunction(FunctionIdentifier.apply(spec.name), spec.info, spec.scalaBuilder());
      }
    }
  }

  /** The functions as {@code SparkSessionExtensions.injectFunction} wants them. */
  static List<Tuple3<FunctionIdentifier, ExpressionInfo,
      scala.Function1<Seq<Expression>, Expression>>> descriptions() {
    List<Tuple3<FunctionIdentifier, ExpressionInfo, scala.Function1<Seq<Expression>,
        Expression>>>
        out = new ArrayList<>();
    for (Spec spec : specs()) {
      out.add(new Tuple3<>(FunctionIdentifier.apply(spec.name), spec.info, spec.scalaBuilder()));
    }
    return out;
  }

  // ------------------------------------------------------------------ argument handling

  static void arity(String function, List<Expression> args, int min, int max) {
    if (args.size() < min || args.size() > max) {
      throw new InvalidInputException(function + " takes " + (min == max ? min : min + " to " + max)
          + " arguments, got " + args.size());
    }
  }

  /** A matrix argument as {@code array<array<double>>}. */
  static Expression matrix(String function, String name, Expression e) {
    DataType t = e.dataType();
    boolean nested = t instanceof ArrayType && ((ArrayType) t).elementType() instanceof ArrayType;
    DataType element = nested ? ((ArrayType) ((ArrayType) t).elementType()).elementType() : null;
    return converted(function, name, e, MATRIX, t instanceof MatrixUDT, "rowsOfMatrix",
        nested && DataTypes.DoubleType.equals(element), nested && (element instanceof NumericType
            || element instanceof NullType),
        "a matrix (array<array<double>> or ml.linalg.Matrix)");
  }

  /** True when the argument is a vector ({@code array<number>} or {@code ml.linalg.Vector}). */
  static boolean isVector(Expression e) {
    DataType t = e.dataType();
    return t instanceof VectorUDT
        || (t instanceof ArrayType && (((ArrayType) t).elementType() instanceof NumericType));
  }

  /** A vector argument as {@code array<double>}. */
  static Expression vector(String function, String name, Expression e) {
    DataType t = e.dataType();
    boolean array = t instanceof ArrayType;
    return converted(function, name, e, VECTOR, t instanceof VectorUDT, "valuesOfVector",
        array && ((ArrayType) t).elementType().equals(DataTypes.DoubleType),
        array && ((ArrayType) t).elementType() instanceof NumericType, "a vector (array<double> or ml.linalg.Vector)");
  }

  /**
   * An argument as {@code target}: arrays of doubles ({@code isDoubleArray}, of either element
   * nullability) pass unchanged, NULL and other numeric arrays are cast, the ml.linalg type
   * ({@code isUdt}) goes through {@link MatrixKernels}' {@code udtKernel}.
   */
  private static Expression converted(String function, String name, Expression e, DataType target, boolean isUdt,
      String udtKernel, boolean isDoubleArray, boolean isNumericArray, String expected) {
    DataType t = e.dataType();
    if (isDoubleArray) {
      return e;
    }
    if (t instanceof NullType || isNumericArray) {
      return cast(e, target);
    }
    if (isUdt) {
      return staticInvoke(MatrixKernels.class, udtKernel, target, e);
    }
    throw new InvalidInputException(function + ": " + name + " must be " + expected + ", got " + t.simpleString());
  }

  /** The optional tolerance at {@code index} as a double, NaN when absent or NULL. */
  static Expression tolerance(String function, List<Expression> args, int index) {
    if (index >= args.size()) {
      return Literal.create(Double.NaN, DataTypes.DoubleType);
    }
    Expression e = args.get(index);
    DataType t = e.dataType();
    if (!(t instanceof NumericType) && !(t instanceof NullType)) {
      throw new InvalidInputException(function + ": rtol and atol must be numbers, got " + t.simpleString());
    }
    return new Coalesce(seq(cast(e, DataTypes.DoubleType), Literal.create(Double.NaN, DataTypes.DoubleType)));
  }

  /** The {@link #INVALID_AS_NULL} setting, fixed when the query is analyzed. */
  static Expression lenient() {
    boolean lenient = Boolean.parseBoolean(SQLConf.get().getConfString(INVALID_AS_NULL, "false"));
    return Literal.create(lenient, DataTypes.BooleanType);
  }

  private static Expression invoke(String method, DataType type, Expression... args) {
    return staticInvoke(MatrixKernels.class, method, type, args);
  }

  static Expression staticInvoke(Class<?> owner, String method, DataType type, Expression... args) {
    return new StaticInvoke(owner, type, method, seq(args), seq(), true, true, true, Option.empty());
  }

  static Expression cast(Expression e, DataType type) {
    return new Cast(e, type, Option.empty());
  }

  @SafeVarargs
  static <T> Seq<T> seq(T... items) {
    return CollectionConverters.asScala(Arrays.asList(items)).toSeq();
  }

  private static StructType lstsqType(DataType solution, DataType residuals) {
    return new StructType()
        .add("solution", solution, false)
        .add("rank", DataTypes.IntegerType, false)
        .add("singular_values", VECTOR, false)
        .add("residual_sum_of_squares", residuals, false)
        .add("threshold", DataTypes.DoubleType, false);
  }

  private static StructType gradientType(DataType gradB) {
    return new StructType().add("grad_a", MATRIX, false).add("grad_b", gradB, false);
  }
}
