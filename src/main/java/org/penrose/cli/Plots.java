package org.penrose.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
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
      ValueMarker cut = new ValueMarker(threshold);
      cut.setPaint(Color.RED);
      cut.setStroke(new BasicStroke(2f));
      cut.setLabel(String.format("cut-off %.3g", threshold));
      plot.addRangeMarker(cut);
    }
    style(chart);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
  }

  /** A scatter plot of {@code (x, y)} points. */
  static void scatter(Path file, String title, String xLabel, String yLabel, double[] x, double[] y) throws IOException {
    XYSeries points = new XYSeries(yLabel, false, true);
    for (int i = 0; i < x.length; i++) {
      points.add(x[i], y[i]);
    }
    JFreeChart chart = ChartFactory.createScatterPlot(title, xLabel, yLabel, new XYSeriesCollection(points),
        PlotOrientation.VERTICAL, false, false, false);
    style(chart);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
  }

  /** Data points and a fitted curve over the same x. */
  static void dataAndFit(Path file, String title, String xLabel, String yLabel, double[] x, double[] y, double[] curveX,
      double[] curveY) throws IOException {
    XYSeries points = new XYSeries("data", false, true);
    for (int i = 0; i < x.length; i++) {
      points.add(x[i], y[i]);
    }
    XYSeries curve = new XYSeries("fit", true, true);
    for (int i = 0; i < curveX.length; i++) {
      curve.add(curveX[i], curveY[i]);
    }
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(points);
    data.addSeries(curve);
    JFreeChart chart = ChartFactory.createScatterPlot(title, xLabel, yLabel, data, PlotOrientation.VERTICAL, true, false,
        false);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
    renderer.setSeriesLinesVisible(0, false);
    renderer.setSeriesShapesVisible(0, true);
    renderer.setSeriesLinesVisible(1, true);
    renderer.setSeriesShapesVisible(1, false);
    renderer.setSeriesPaint(1, Color.RED);
    renderer.setSeriesStroke(1, new BasicStroke(2.5f));
    chart.getXYPlot().setRenderer(renderer);
    style(chart);
    ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
  }

  private static void style(JFreeChart chart) {
    chart.setBackgroundPaint(Color.WHITE);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
  }
}
