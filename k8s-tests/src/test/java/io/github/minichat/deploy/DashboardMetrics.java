package io.github.minichat.deploy;

import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The metric names the Grafana dashboard's queries use. */
final class DashboardMetrics {

  private static final Pattern METRIC = Pattern.compile("\\b((?:minichat|vertx|jvm|process)_[a-z0-9_]+)\\b");

  private DashboardMetrics() {
  }

  static Set<String> names(JsonObject dashboard) {
    Set<String> names = new TreeSet<>();
    dashboard.getJsonArray("panels").forEach(panel -> ((JsonObject) panel).getJsonArray("targets").forEach(target -> {
      Matcher matcher = METRIC.matcher(((JsonObject) target).getString("expr"));
      while (matcher.find()) {
        names.add(matcher.group(1));
      }
    }));
    return names;
  }
}
