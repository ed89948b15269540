package io.github.minichat.deploy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.vertx.core.json.Json;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The rendered manifests of one overlay, as typed Kubernetes objects, with lookups the checks need. */
final class Manifests {

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path K8S = ROOT.resolve("k8s");

  static final String PROMETHEUS_OPERATOR_GROUP = "monitoring.coreos.com";

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  final String overlay;
  final List<HasMetadata> resources;

  private Manifests(String overlay, List<HasMetadata> resources) {
    this.overlay = overlay;
    this.resources = resources;
  }

  private static final Map<String, Manifests> RENDERED = new ConcurrentHashMap<>();

  /** {@code k8s/<path>} rendered and checked once ({@link #render(String, Path)}), then the same objects. */
  static Manifests render(String path) {
    return RENDERED.computeIfAbsent(path, key -> render(key, K8S.resolve(key)));
  }

  /**
   * Renders the kustomization in {@code dir} with {@code kubectl kustomize}, validates every resource against the
   * Kubernetes JSON schemas (wrong types, bad enum values, missing required fields) and parses it into fabric8's
   * typed model, rejecting unknown fields.
   */
  static Manifests render(String name, Path dir) {
    List<Map<String, Object>> documents = Kubectl.kustomize(dir);
    SchemaValidator.validate(documents);
    return new Manifests(name, documents.stream().map(Manifests::typed).toList());
  }

  @SuppressWarnings("unchecked")
  static HasMetadata typed(Map<String, Object> document) {
    Object parsed = SERIALIZATION.unmarshal(Json.encode(document));
    String what = document.get("kind") + " " + ((Map<String, Object>) document.getOrDefault("metadata", Map.of())).get("name");
    if (parsed instanceof GenericKubernetesResource generic
        && String.valueOf(document.get("apiVersion")).startsWith(PROMETHEUS_OPERATOR_GROUP + "/")) {
      // the Prometheus operator's kinds are not in fabric8's model: the schema validation alone checks them
      return generic;
    }
    if (!(parsed instanceof HasMetadata resource) || parsed instanceof GenericKubernetesResource) {
      throw new AssertionError(what + ": not a kind of the Kubernetes model (apiVersion or kind wrong?)");
    }
    rejectUnknownFields(parsed, what, 0);
    return resource;
  }

  /** The model keeps fields it doesn't know in additionalProperties: any there is a misspelt or misplaced field. */
  private static void rejectUnknownFields(Object object, String path, int depth) {
    if (object == null || depth > 40) {
      return;
    }
    if (object instanceof Collection<?> collection) {
      int i = 0;
      for (Object item : collection) {
        rejectUnknownFields(item, path + "[" + i++ + "]", depth + 1);
      }
      return;
    }
    if (object instanceof Map<?, ?> map) {
      map.forEach((key, value) -> rejectUnknownFields(value, path + "." + key, depth + 1));
      return;
    }
    if (!object.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method method : object.getClass().getMethods()) {
      if (method.getParameterCount() != 0 || Modifier.isStatic(method.getModifiers())
          || !method.getName().startsWith("get") || method.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = method.invoke(object);
      } catch (ReflectiveOperationException | RuntimeException e) {
        continue;
      }
      if (method.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> unknown && !unknown.isEmpty()) {
          throw new AssertionError(path + ": unknown field(s) " + unknown.keySet());
        }
        continue;
      }
      rejectUnknownFields(value, path + "." + method.getName().substring(3), depth + 1);
    }
  }

  <T extends HasMetadata> List<T> all(Class<T> kind) {
    return resources.stream().filter(kind::isInstance).map(kind::cast).toList();
  }

  <T extends HasMetadata> Optional<T> find(Class<T> kind, String name) {
    return all(kind).stream().filter(resource -> resource.getMetadata().getName().equals(name)).findFirst();
  }

  <T extends HasMetadata> T get(Class<T> kind, String name) {
    return find(kind, name).orElseThrow(() -> new AssertionError(overlay + " has no " + kind.getSimpleName() + " " + name));
  }
}
