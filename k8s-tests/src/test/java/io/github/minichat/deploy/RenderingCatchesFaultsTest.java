package io.github.minichat.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks see what real Kustomize renders and what the schemas say: a copy of {@code k8s/} with one fault
 * injected fails (a wrong type, a bad enum value, a missing required field, an unknown field), and a changed digest
 * is what the rendered Deployment runs.
 */
class RenderingCatchesFaultsTest {

  @TempDir
  Path copy;

  private Path k8s() throws IOException {
    Path target = copy.resolve("k8s");
    try (Stream<Path> files = Files.walk(Manifests.K8S)) {
      for (Path file : files.toList()) {
        Path to = target.resolve(Manifests.K8S.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(to);
        } else {
          Files.copy(file, to);
        }
      }
    }
    return target;
  }

  private static void replace(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertThat(text).contains(from);
    Files.writeString(file, text.replace(from, to));
  }

  @Test
  @DisplayName("a wrong type fails the schema validation")
  void wrongType() throws IOException {
    Path k8s = k8s();
    replace(k8s.resolve("base/chat-gateway.yaml"), "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: thirty");
    assertThatThrownBy(() -> Manifests.render("wrong type", k8s.resolve("overlays/prod")))
        .hasMessageContaining("schema validation failed")
        .hasMessageContaining("Deployment/chat-gateway: /spec/template/spec/terminationGracePeriodSeconds must be integer");
  }

  @Test
  @DisplayName("a bad enum value and a missing required field fail the schema validation")
  void badEnumAndMissingField() throws IOException {
    Path k8s = k8s();
    replace(k8s.resolve("base/message-service.yaml"), "imagePullPolicy: IfNotPresent", "imagePullPolicy: Sometimes");
    replace(k8s.resolve("base/presence-service.yaml"), "        - name: presence-service\n          image:", "        - image:");
    assertThatThrownBy(() -> Manifests.render("bad enum", k8s.resolve("overlays/dev")))
        .hasMessageContaining("Deployment/message-service: /spec/template/spec/containers/0/imagePullPolicy must be equal to one of the allowed values")
        .hasMessageContaining("Deployment/presence-service: /spec/template/spec/containers/0 must have required property name");
  }

  @Test
  @DisplayName("an unknown field fails fabric8's strict parsing")
  void unknownField() throws IOException {
    Path k8s = k8s();
    replace(k8s.resolve("base/chat-gateway.yaml"), "revisionHistoryLimit: 5", "revisionHistoryLimit: 5\n  revisionHistoryLimits: 5");
    assertThatThrownBy(() -> Manifests.render("unknown field", k8s.resolve("overlays/prod")))
        .hasMessageContaining("unknown field(s) [revisionHistoryLimits]");
  }

  @Test
  @DisplayName("a changed digest is what the rendered Deployment runs, and an image left without one fails")
  void digest() throws IOException {
    Path k8s = k8s();
    Path overlay = k8s.resolve("overlays/prod");
    String other = "sha256:" + "0123456789abcdef".repeat(4);
    replace(overlay.resolve("kustomization.yaml"),
        "digest: sha256:fc68185e29fb677319d2731d97c1a05a11a551547ea7661533bfe57559559951", "digest: " + other);
    Manifests changed = Manifests.render("changed digest", overlay);
    assertThat(changed.get(Deployment.class, "chat-gateway").getSpec().getTemplate().getSpec().getContainers().get(0)
        .getImage()).isEqualTo("registry.example.com/minichat/chat-gateway@" + other);
    ManifestTest.imagesPinnedByDigest(changed, overlay);

    replace(overlay.resolve("kustomization.yaml"), "    digest: " + other, "    newTag: 0.1.0");
    Manifests tagged = Manifests.render("tag only", overlay);
    assertThatThrownBy(() -> ManifestTest.imagesPinnedByDigest(tagged, overlay))
        .hasMessageContaining("image of chat-gateway");
  }
}
