package io.github.minichat.load;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * {@code report.html}: one self-contained page (inline SVG drawn here, no scripts, nothing fetched) with the summary's
 * figures, latency over time (each second's p50, p99 and max), throughput over time and the percentile
 * distribution of the delivery and ack latencies.
 */
final class HtmlReport {

  private record Series(String name, String color, List<double[]> points) {
  }

  private static final int WIDTH = 860;
  private static final int HEIGHT = 300;
  private static final int LEFT = 70;
  private static final int BOTTOM = 40;
  private static final int TOP = 20;
  private static final int RIGHT = 20;

  private HtmlReport() {
  }

  static String render(JsonObject summary, List<ChatProgress.Second> seconds, Histogram delivery, Histogram ack) {
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>minichat load test: ")
        .append(escape(summary.getString("scenario", ""))).append("</title><style>")
        .append("body{font-family:sans-serif;margin:24px;color:#222}")
        .append("pre{background:#f6f6f6;padding:12px;white-space:pre-wrap}")
        .append("h2{margin-top:32px}svg{background:#fff;border:1px solid #ddd}")
        .append("</style></head><body><h1>minichat load test</h1>");
    html.append("<pre>").append(escape(summary.getString("text", ""))).append("</pre>");

    List<double[]> p50 = new ArrayList<>();
    List<double[]> p99 = new ArrayList<>();
    List<double[]> max = new ArrayList<>();
    List<double[]> sent = new ArrayList<>();
    List<double[]> delivered = new ArrayList<>();
    for (ChatProgress.Second s : seconds) {
      if (s.samples() > 0) {
        p50.add(new double[] {s.second(), s.p50() / 1000.0});
        p99.add(new double[] {s.second(), s.p99() / 1000.0});
        max.add(new double[] {s.second(), s.max() / 1000.0});
      }
      sent.add(new double[] {s.second(), s.sent()});
      delivered.add(new double[] {s.second(), s.delivered()});
    }
    html.append("<h2>Delivery latency over time (send → recipient, each second; log scale)</h2>");
    html.append(chart(List.of(new Series("p50", "#1f77b4", p50), new Series("p99", "#ff7f0e", p99),
        new Series("max", "#d62728", max)), "seconds since start", "ms", true, false));
    html.append("<h2>Throughput over time</h2>");
    html.append(chart(List.of(new Series("sent/s", "#2ca02c", sent), new Series("delivered/s", "#9467bd", delivered)),
        "seconds since start", "messages/s", false, false));
    html.append("<h2>Latency percentile distribution (measured messages; log scales)</h2>");
    html.append(chart(List.of(new Series("delivery", "#1f77b4", distribution(delivery)),
        new Series("ack", "#8c564b", distribution(ack))), "percentile", "ms", true, true));
    html.append("<h2>summary.json</h2><pre>").append(escape(summary.copy().put("text", "…").encodePrettily()))
        .append("</pre></body></html>\n");
    return html.toString();
  }

  /** Points (x = log10(1 / (1 - p)), y = ms) up to p99.999. */
  private static List<double[]> distribution(Histogram histogram) {
    List<double[]> points = new ArrayList<>();
    if (histogram.getTotalCount() == 0) {
      return points;
    }
    for (HistogramIterationValue value : histogram.percentiles(5)) {
      double p = value.getPercentileLevelIteratedTo() / 100.0;
      if (p >= 0.99999) {
        points.add(new double[] {5, value.getValueIteratedTo() / 1000.0});
        break;
      }
      points.add(new double[] {Math.log10(1 / (1 - p)), value.getValueIteratedTo() / 1000.0});
    }
    return points;
  }

  private static String chart(List<Series> series, String xLabel, String yLabel, boolean logY, boolean percentileX) {
    double minX = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    double minY = Double.MAX_VALUE;
    double maxY = -Double.MAX_VALUE;
    for (Series s : series) {
      for (double[] p : s.points()) {
        minX = Math.min(minX, p[0]);
        maxX = Math.max(maxX, p[0]);
        minY = Math.min(minY, p[1]);
        maxY = Math.max(maxY, p[1]);
      }
    }
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "font-size=\"11\">", WIDTH, HEIGHT));
    if (minX > maxX) {
      return svg.append("<text x=\"20\" y=\"40\">no data</text></svg>").toString();
    }
    if (percentileX) {
      minX = 0;
      maxX = 5;
    }
    if (maxX == minX) {
      maxX = minX + 1;
    }
    double lowY = logY ? Math.floor(Math.log10(Math.max(minY, 0.01))) : 0;
    double highY = logY ? Math.ceil(Math.log10(Math.max(maxY, 0.01) * 1.01)) : niceCeiling(maxY);
    if (highY <= lowY) {
      highY = lowY + 1;
    }
    Scale scale = new Scale(minX, maxX, lowY, highY, logY);
    // axes and grid
    svg.append(line(LEFT, TOP, LEFT, HEIGHT - BOTTOM, "#999")).append(line(LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT,
        HEIGHT - BOTTOM, "#999"));
    int yTicks = logY ? (int) (highY - lowY) : 5;
    for (int i = 0; i <= yTicks; i++) {
      double value = logY ? Math.pow(10, lowY + i) : highY * i / yTicks;
      double y = scale.y(value);
      svg.append(line(LEFT, y, WIDTH - RIGHT, y, "#eee"));
      svg.append(text(LEFT - 6, y + 4, "end", format(value)));
    }
    if (percentileX) {
      String[] labels = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"};
      for (int i = 0; i <= 5; i++) {
        svg.append(text(scale.x(i), HEIGHT - BOTTOM + 14, "middle", labels[i]));
      }
    } else {
      for (int i = 0; i <= 8; i++) {
        double value = minX + (maxX - minX) * i / 8;
        svg.append(text(scale.x(value), HEIGHT - BOTTOM + 14, "middle", format(value)));
      }
    }
    svg.append(text((LEFT + WIDTH - RIGHT) / 2.0, HEIGHT - 6, "middle", xLabel));
    svg.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" "
        + "text-anchor=\"middle\">%s</text>", HEIGHT / 2, HEIGHT / 2, escape(yLabel)));
    int legendX = LEFT + 10;
    for (Series s : series) {
      svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
          s.color()));
      for (double[] p : s.points()) {
        svg.append(String.format(Locale.ROOT, "%.1f,%.1f ", scale.x(p[0]), scale.y(p[1])));
      }
      svg.append("\"/>");
      svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>",
          legendX, TOP, s.color()));
      svg.append(text(legendX + 14, TOP + 9, "start", s.name()));
      legendX += 24 + 7 * s.name().length();
    }
    return svg.append("</svg>").toString();
  }

  private record Scale(double minX, double maxX, double lowY, double highY, boolean logY) {
    double x(double value) {
      return LEFT + (value - minX) / (maxX - minX) * (WIDTH - LEFT - RIGHT);
    }

    double y(double value) {
      double v = logY ? Math.log10(Math.max(value, Math.pow(10, lowY))) : value;
      return HEIGHT - BOTTOM - (v - lowY) / (highY - lowY) * (HEIGHT - TOP - BOTTOM);
    }
  }

  private static double niceCeiling(double value) {
    if (value <= 0) {
      return 1;
    }
    double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    for (double step : new double[] {1, 2, 5, 10}) {
      if (step * magnitude >= value) {
        return step * magnitude;
      }
    }
    return 10 * magnitude;
  }

  private static String line(double x1, double y1, double x2, double y2, String color) {
    return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
        x1, y1, x2, y2, color);
  }

  private static String text(double x, double y, String anchor, String content) {
    return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>", x, y, anchor,
        escape(content));
  }

  private static String format(double value) {
    if (value >= 1000) {
      return String.format(Locale.ROOT, "%.0f", value);
    }
    if (value >= 1) {
      return String.format(Locale.ROOT, "%.4g", value).replaceAll("\\.?0+$", "");
    }
    return String.format(Locale.ROOT, "%.2g", value);
  }

  static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
