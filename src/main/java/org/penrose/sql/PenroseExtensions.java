package org.penrose.sql;

import org.apache.spark.SparkContext;
import org.apache.spark.SparkContext$;
import org.apache.spark.sql.SparkSessionExtensions;
import org.penrose.engine.TaskErrorLogFilter;
import scala.Option;
import scala.runtime.AbstractFunction1;
import scala.runtime.BoxedUnit;

/**
 * Installs Penrose's SQL functions as built-in-like functions in every session:
 *
 * <pre>
 *   spark-submit --conf spark.sql.extensions=org.penrose.sql.PenroseExtensions ...
 *   SparkSession.builder().config("spark.sql.extensions", "org.penrose.sql.PenroseExtensions")
 * </pre>
 *
 * (or in {@code spark-defaults.conf}). Functions: {@code pinv}, {@code lstsq}, {@code pinv_jvp},
 * {@code pinv_vjp}, {@code lstsq_vjp}, {@code matrix_rank}, {@code svdvals} and the aggregate
 * {@code lstsq_agg}; {@code DESCRIBE FUNCTION EXTENDED pinv} documents each. With
 * {@code spark.penrose.quietInputErrors=true} it also installs {@link TaskErrorLogFilter}.
 */
public final class PenroseExtensions extends AbstractFunction1<SparkSessionExtensions, BoxedUnit> {
  @Override
  public BoxedUnit apply(SparkSessionExtensions extensions) {
    Option<SparkContext> context = SparkContext$.MODULE$.getActive();
    if (context.isDefined() && context.get().conf().getBoolean(TaskErrorLogFilter.SETTING, false)) {
      TaskErrorLogFilter.install(); // a task's bad-input failure is reported once, by the caller's exception
    }
    for (var description : PenroseFunctions.descriptions()) {
      extensions.injectFunction(description);
    }
    return BoxedUnit.UNIT;
  }
}
