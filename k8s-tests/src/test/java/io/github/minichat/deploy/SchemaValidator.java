package io.github.minichat.deploy;

import io.vertx.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Validates rendered resources offline against the Kubernetes API's JSON schemas and the Prometheus operator's
 * ({@code k8s-tests/validator}: the npm packages {@code kubernetes-models} and
 * {@code @kubernetes-models/prometheus-operator}, run by Node). Wrong types, bad enum values and missing required
 * fields fail; unknown fields are rejected by fabric8's strict parsing ({@link Manifests}), since the schemas leave
 * most objects open. The packages are installed once with {@code npm ci} (again only when the lock file changes).
 */
final class SchemaValidator {

  static final Path DIR = Manifests.ROOT.resolve("k8s-tests/validator");
  private static final Path STAMP = DIR.resolve("node_modules/.installed-package-lock.json");
  private static boolean installed;

  private SchemaValidator() {
  }

  /** Fails with every problem the schemas find, one per line ("Kind/name: /path message"). */
  static void validate(List<Map<String, Object>> resources) {
    install();
    try {
      Kubectl.run(List.of("node", "validate.mjs"), Json.encode(resources), 60, DIR);
    } catch (Kubectl.CommandFailed failed) {
      throw new AssertionError("schema validation failed: " + failed.getMessage());
    }
  }

  private static synchronized void install() {
    if (installed) {
      return;
    }
    try {
      String lock = Files.readString(DIR.resolve("package-lock.json"));
      if (!Files.exists(STAMP) || !Files.readString(STAMP).equals(lock)) {
        Kubectl.run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), null, 300, DIR);
        Files.writeString(STAMP, lock);
      }
      installed = true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
