package org.penrose.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG charts for the reports (JFreeChart, headless). */
final class Plots {
  private static final int WIDTH = 900;
  private static final int HEIGHT = 560;

  /** Marker of one data point: a 3-pixel disc. */
  private static final Shape DOT = new Ellipse2D.Double(-1.5, -1.5, 3, 3);

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private Plots() {}

  /**
   * Singular values (index vs value, log scale), kept ones and dropped ones in two colours, with the
   * cut-off threshold as a horizontal line.
   */
  static void spectrum(Path file, String title, double[] singularValues, double threshold) throws IOException {
    XYSeries kept = new XYSeries("kept (s > threshold)");
    XYSeries dropped = new XYSeries("dropped (s <= threshold)");
    double floor = Double.MAX_VALUE;
    for (int i = 0; i < singularValues.length; i++) {
      double s = singularValues[i];
      double shown = s > 0 ? s : Double.MIN_NORMAL; // a log axis cannot show 0
      (s > threshold ? kept : dropped).add(i + 1, shown);
      if (s > 0) {
        floor = Math.min(floor, s);
      }
    }
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(kept);
    data.addSeries(dropped);
    JFreeChart chart = ChartFactory.createScatterPlot(title, "index", "singular value", data, PlotOrientation.VERTICAL,
        true, false, false);
    XYPlot plot = chart.getXYPlot();
    LogAxis axis = new LogAxis("singular value (log scale)");
    double lowest = Math.min(floor, threshold > 0 ? threshold : floor);
    axis.setRange(lowest / 10, Math.max(singularValues.length == 0 ? 1 : singularValues[0], lowest) * 10);
    plot.setRangeAxis(axis);
    if (threshold > 0) {
      plot.addRangeMarker(redLine(threshold, String.format("cut-off %.3g", threshold)));
    }
    style(chart);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
  }

  /** A labelled red line at {@code value}, for a cut-off or a chosen parameter. */
  private static ValueMarker redLine(double value, String label) {
    ValueMarker marker = new ValueMarker(value);
    marker.setPaint(Color.RED);
    marker.setStroke(new BasicStroke(2f));
    marker.setLabel(label);
    return marker;
  }

  /**
   * Criteria along a regularization path (log-log), one line per criterion, with the chosen penalty
   * as a vertical line.
   */
  static void path(Path file, String title, double[] regParams, Map<String, double[]> criteria, double chosen)
      throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Map.Entry<String, double[]> criterion : criteria.entrySet()) {
      XYSeries series = new XYSeries(criterion.getKey());
      for (int i = 0; i < regParams.length; i++) {
        if (criterion.getValue()[i] > 0 && Double.isFinite(criterion.getValue()[i])) {
          series.add(regParams[i], criterion.getValue()[i]);
        }
      }
      data.addSeries(series);
    }
    JFreeChart chart = ChartFactory.createXYLineChart(title, "regParam", "criterion", data, PlotOrientation.VERTICAL,
        true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setDomainAxis(new LogAxis("regParam (log scale)"));
    LogAxis range = new LogAxis("mean squared prediction error (log scale)");
    range.setAutoRange(true);
    plot.setRangeAxis(range);
    plot.addDomainMarker(redLine(chosen, String.format("chosen %.3g", chosen)));
    style(chart);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
  }

  /** A scatter plot of {@code (x, y)} points. */
  static void scatter(Path file, String title, String xLabel, String yLabel, double[] x,
      double[] y) throws IOException {
    XYSeries points = new XYSeries(yLabel, false, true);
    for (int i = 0; i < x.length; i++) {
      points.add(x[i], y[i]);
    }
    JFreeChart chart = ChartFactory.createScatterPlot(title, xLabel, yLabel, new XYSeriesCollection(points),
        PlotOrientation.VERTICAL, false, false, false);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
    renderer.setSeriesShape(0, DOT);
    renderer.setSeriesPaint(0, new Color(40, 90, 160, 140));
    chart.getXYPlot().setRenderer(renderer);
    style(chart);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
  }

  /**
   * Data points with the fitted curve drawn over them, and below on the same x axis the residuals
   * {@code y - fitted(x)}.
   *
   * @param fittedAtX the fitted value at each data point
   * @param curveX where the curve is drawn, increasing
   */
  static void dataAndFit(Path file, String title, String xLabel, String yLabel, double[] x, double[] y,
      double[] fittedAtX,
      double[] curveX, double[] curveY) throws IOException {
    XYSeries points = new XYSeries("data", false, true);
    XYSeries residuals = new XYSeries("residual", false, true);
    for (int i = 0; i < x.length; i++) {
      points.add(x[i], y[i]);
      residuals.add(x[i], y[i] - fittedAtX[i]);
    }
    XYSeries curve = new XYSeries("fit", true, true);
    for (int i = 0; i < curveX.length; i++) {
      curve.add(curveX[i], curveY[i]);
    }
    XYLineAndShapeRenderer dots = new XYLineAndShapeRenderer(false, true);
    dots.setSeriesShape(0, DOT);
    dots.setSeriesPaint(0, new Color(110, 110, 110, 120));
    XYLineAndShapeRenderer line = new XYLineAndShapeRenderer(true, false);
    line.setSeriesPaint(0, Color.RED);
    line.setSeriesStroke(0, new BasicStroke(2f));
    // the data plot: points (dataset 0) first, then the curve (dataset 1) over them
    XYPlot fitPlot = new XYPlot(new XYSeriesCollection(points), null, new NumberAxis(yLabel), dots);
    fitPlot.setDataset(1, new XYSeriesCollection(curve));
    fitPlot.setRenderer(1, line);
    fitPlot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
    XYLineAndShapeRenderer residualDots = new XYLineAndShapeRenderer(false, true);
    residualDots.setSeriesShape(0, DOT);
    residualDots.setSeriesPaint(0, new Color(40, 90, 160, 140));
    XYPlot residualPlot = new XYPlot(new XYSeriesCollection(residuals), null, new NumberAxis("residual"), residualDots);
    residualPlot.addRangeMarker(new ValueMarker(0.0, Color.RED, new BasicStroke(1f)));
    CombinedDomainXYPlot combined = new CombinedDomainXYPlot(new NumberAxis(xLabel));
    combined.add(fitPlot, 3);
    combined.add(residualPlot, 1);
    style(fitPlot);
    style(residualPlot);
    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, combined, true);
    chart.setBackgroundPaint(Color.WHITE);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT + 160);
  }

  private static void style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    style(chart.getXYPlot());
  }

  private static void style(XYPlot plot) {
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
  }
}
