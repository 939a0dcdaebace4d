package org.penrose.ml;

import java.io.Serializable;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The spark.ml params that {@link LeastSquaresRegression} and {@link LeastSquaresRegressionModel}
 * share, declared once: {@code featuresCol} (default "features"), {@code labelCol} ("label"),
 * {@code predictionCol} ("prediction") and {@code fitIntercept} (true). Each stage holds its own
 * {@link Shared} instances (a Param belongs to one stage); the accessors below are what Spark's
 * reflection lists as the stage's params.
 *
 * @param <T> the stage itself, which the setters return
 */
public interface LeastSquaresParams<T extends LeastSquaresParams<T>> extends Params {

  /** The shared params, created for one stage by {@link Shared#Shared(Params)}. */
  Shared sharedParams();

  /** The params' instances for one stage, with their defaults set on it. */
  final class Shared implements Serializable {
    private static final long serialVersionUID = 1L;

    final Param<String> featuresCol;
    final Param<String> labelCol;
    final Param<String> predictionCol;
    final BooleanParam fitIntercept;

    Shared(Params owner) {
      featuresCol = new Param<>(owner, "featuresCol", "features column (vector or array<double>)");
      labelCol = new Param<>(owner, "labelCol", "label column (numeric)");
      predictionCol = new Param<>(owner, "predictionCol", "prediction column the model adds");
      fitIntercept = new BooleanParam(owner, "fitIntercept", "whether to fit an intercept");
      owner.setDefault(featuresCol, "features");
      owner.setDefault(labelCol, "label");
      owner.setDefault(predictionCol, "prediction");
      owner.setDefault(fitIntercept, true);
    }
  }

  default Param<String> featuresCol() {
    return sharedParams().featuresCol;
  }

  default Param<String> labelCol() {
    return sharedParams().labelCol;
  }

  default Param<String> predictionCol() {
    return sharedParams().predictionCol;
  }

  default BooleanParam fitIntercept() {
    return sharedParams().fitIntercept;
  }

  default String getFeaturesCol() {
    return getOrDefault(featuresCol());
  }

  default String getLabelCol() {
    return getOrDefault(labelCol());
  }

  default String getPredictionCol() {
    return getOrDefault(predictionCol());
  }

  default boolean getFitIntercept() {
    return (Boolean) getOrDefault(fitIntercept());
  }

  @SuppressWarnings("unchecked")
  default T setFeaturesCol(String value) {
    set(featuresCol(), value);
    return (T) this;
  }

  @SuppressWarnings("unchecked")
  default T setPredictionCol(String value) {
    set(predictionCol(), value);
    return (T) this;
  }
}
