"""The JVM stages' class names as a Python module: pyspark.ml loads a saved stage (inside a PipelineModel,
say) by importing the module named like its Java class (``JavaParams._from_java``), so
``org.penrose.ml.LeastSquaresRegression`` must name the Python wrapper. (``org`` and ``org.penrose`` are
namespace packages.)"""

from penrose.ml import LeastSquaresRegression, LeastSquaresRegressionModel

__all__ = ["LeastSquaresRegression", "LeastSquaresRegressionModel"]
