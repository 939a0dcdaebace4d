package org.penrose.ml;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.penrose.adapters.RowVectors;
import org.penrose.matrix.InvalidInputException;

/**
 * The input columns of {@link LeastSquaresRegression} and its model: the checks on a schema (the
 * features a vector or an array of numbers, the label and weight numeric, the prediction column new)
 * and the features' names.
 */
final class RegressionSchema {
  private RegressionSchema() {}

  /**
   * The schema with the prediction column added.
   *
   * @param weight the weight column, or null
   * @throws InvalidInputException naming the missing or mistyped column
   */
  static StructType withPrediction(StructType schema, String features, String label, String weight,
      String prediction) {
    requireColumn(schema, features);
    DataType f = schema.apply(features).dataType();
    if (!f.equals(SQLDataTypes.VectorType()) && !RowVectors.isNumericArray(f)) {
      throw new InvalidInputException("LeastSquaresRegression: the features column '" + features + "' has type "
          + f.simpleString() + "; expected a vector or an array of numbers");
    }
    requireNumeric(schema, label, "label");
    if (weight != null) {
      requireNumeric(schema, weight, "weight");
    }
    if (schema.getFieldIndex(prediction).isDefined()) {
      throw new InvalidInputException("LeastSquaresRegression: the prediction column '" + prediction
          + "' already exists");
    }
    return schema.add(prediction, DataTypes.DoubleType, false);
  }

  /** Feature names from VectorAssembler's metadata, else {@code features[j]}; the width from the first row. */
  static List<String> featureNames(StructField field, Dataset<?> dataset) {
    int size = -1;
    List<String> names = new ArrayList<>();
    if (field.dataType().equals(SQLDataTypes.VectorType())) {
      AttributeGroup group = AttributeGroup.fromStructField(field);
      size = group.size();
      if (group.attributes().isDefined()) {
        Attribute[] attributes = group.attributes().get();
        for (int j = 0; j < attributes.length; j++) {
          names.add(attributes[j].name().isDefined() ? attributes[j].name().get() : field.name() + "[" + j + "]");
        }
        return names;
      }
    }
    if (size < 0) {
      List<Row> first = dataset.select(field.name()).where(functions.col(field.name()).isNotNull()).limit(1).toDF()
          .collectAsList();
      if (first.isEmpty()) {
        throw new InvalidInputException("LeastSquaresRegression: no rows to fit");
      }
      Object cell = first.get(0).get(0);
      size = cell instanceof Vector ? ((Vector) cell).size() : first.get(0).getList(0).size();
    }
    for (int j = 0; j < size; j++) {
      names.add(field.name() + "[" + j + "]");
    }
    return names;
  }

  static void requireColumn(StructType schema, String name) {
    if (schema.getFieldIndex(name).isEmpty()) {
      throw new InvalidInputException("LeastSquaresRegression: no column '" + name + "' (columns: "
          + String.join(", ", schema.fieldNames()) + ")");
    }
  }

  private static void requireNumeric(StructType schema, String name, String role) {
    requireColumn(schema, name);
    DataType t = schema.apply(name).dataType();
    if (!(t instanceof NumericType)) {
      throw new InvalidInputException("LeastSquaresRegression: the " + role + " column '" + name + "' has type "
          + t.simpleString() + "; expected a number");
    }
  }
}
