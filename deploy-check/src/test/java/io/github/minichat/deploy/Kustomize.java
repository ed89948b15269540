package io.github.minichat.deploy;

import io.vertx.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Renders a kustomization the way {@code kustomize build} does, for the features the manifests in {@code k8s/} use
 * (no Java library renders Kustomize): {@code resources} (files and directories), {@code namespace},
 * {@code images}, {@code patches} (JSON 6902 operations add, replace, remove, with a kind and a name regex as
 * target), {@code configMapGenerator} (files, labels) and {@code generatorOptions.disableNameSuffixHash}. Any
 * other field fails the rendering, so a manifest can't use a feature these tests would silently skip.
 */
final class Kustomize {

  private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "resources", "namespace", "images",
      "patches", "configMapGenerator", "generatorOptions");
  private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
      "PersistentVolume", "StorageClass");

  private Kustomize() {
  }

  /** The resources of the kustomization in {@code dir}, as plain maps (the YAML documents). */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> build(Path dir) {
    Map<String, Object> kustomization = (Map<String, Object>) yaml(dir.resolve("kustomization.yaml")).get(0);
    for (String key : kustomization.keySet()) {
      if (!SUPPORTED.contains(key)) {
        throw new IllegalArgumentException(dir + "/kustomization.yaml uses '" + key + "', which these checks can't render");
      }
    }
    List<Map<String, Object>> resources = new ArrayList<>();
    for (String entry : (List<String>) kustomization.getOrDefault("resources", List.of())) {
      Path path = dir.resolve(entry).normalize();
      if (!Files.exists(path)) {
        throw new IllegalArgumentException(dir + " names a missing resource " + entry);
      }
      resources.addAll(Files.isDirectory(path) ? build(path) : yaml(path));
    }
    boolean hash = !Boolean.TRUE.equals(((Map<String, Object>) kustomization.getOrDefault("generatorOptions", Map.of()))
        .get("disableNameSuffixHash"));
    for (Map<String, Object> generator : (List<Map<String, Object>>) kustomization.getOrDefault("configMapGenerator",
        List.of())) {
      if (hash) {
        throw new IllegalArgumentException("generated names with a hash suffix are not rendered here");
      }
      resources.add(configMap(dir, generator));
    }
    for (Map<String, Object> patch : (List<Map<String, Object>>) kustomization.getOrDefault("patches", List.of())) {
      applyPatch(dir, patch, resources);
    }
    for (Map<String, Object> image : (List<Map<String, Object>>) kustomization.getOrDefault("images", List.of())) {
      setImage(image, resources);
    }
    Object namespace = kustomization.get("namespace");
    if (namespace != null) {
      resources.stream().filter(resource -> !CLUSTER_SCOPED.contains(resource.get("kind")))
          .forEach(resource -> metadata(resource).put("namespace", namespace));
    }
    return resources;
  }

  /** The YAML documents of a file, as maps. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> yaml(Path file) {
    try {
      List<Map<String, Object>> documents = new ArrayList<>();
      for (Object document : new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(file))) {
        if (document != null) {
          // a deep, mutable copy
          documents.add((Map<String, Object>) Json.decodeValue(Json.encode(document), Map.class));
        }
      }
      return documents;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> metadata(Map<String, Object> resource) {
    return (Map<String, Object>) resource.computeIfAbsent("metadata", key -> new LinkedHashMap<>());
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> configMap(Path dir, Map<String, Object> generator) {
    Map<String, Object> data = new LinkedHashMap<>();
    for (String file : (List<String>) generator.getOrDefault("files", List.of())) {
      String[] keyAndPath = file.contains("=") ? file.split("=", 2) : new String[] {Path.of(file).getFileName().toString(), file};
      Path path = dir.resolve(keyAndPath[1]).normalize();
      if (!path.startsWith(dir.normalize())) {
        throw new IllegalArgumentException("kustomize refuses files outside the kustomization's folder: " + file);
      }
      try {
        data.put(keyAndPath[0], Files.readString(path));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", generator.get("name"));
    Map<String, Object> options = (Map<String, Object>) generator.getOrDefault("options", Map.of());
    if (options.get("labels") != null) {
      metadata.put("labels", options.get("labels"));
    }
    Map<String, Object> configMap = new LinkedHashMap<>();
    configMap.put("apiVersion", "v1");
    configMap.put("kind", "ConfigMap");
    configMap.put("metadata", metadata);
    configMap.put("data", data);
    return configMap;
  }

  @SuppressWarnings("unchecked")
  private static void applyPatch(Path dir, Map<String, Object> patch, List<Map<String, Object>> resources) {
    Map<String, Object> target = (Map<String, Object>) patch.get("target");
    if (target == null || patch.get("path") == null) {
      throw new IllegalArgumentException("only JSON 6902 patches from a file with a target are rendered here");
    }
    Path file = dir.resolve((String) patch.get("path"));
    List<Map<String, Object>> operations;
    try {
      operations = (List<Map<String, Object>>) new Load(LoadSettings.builder().build())
          .loadFromString(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Pattern name = Pattern.compile((String) target.get("name"));
    int matched = 0;
    for (Map<String, Object> resource : resources) {
      if (resource.get("kind").equals(target.get("kind")) && name.matcher((String) metadata(resource).get("name")).matches()) {
        matched++;
        operations.forEach(operation -> JsonPatch.apply(resource, operation));
      }
    }
    if (matched == 0) {
      throw new IllegalArgumentException(file + " targets " + target + ", which matches no resource");
    }
  }

  @SuppressWarnings("unchecked")
  private static void setImage(Map<String, Object> image, List<Map<String, Object>> resources) {
    String name = (String) image.get("name");
    int matched = 0;
    for (Map<String, Object> resource : resources) {
      Map<String, Object> spec = (Map<String, Object>) resource.get("spec");
      if (spec == null || !(spec.get("template") instanceof Map)) {
        continue;
      }
      Map<String, Object> podSpec = (Map<String, Object>) ((Map<String, Object>) spec.get("template")).get("spec");
      for (Map<String, Object> container : (List<Map<String, Object>>) podSpec.get("containers")) {
        String current = (String) container.get("image");
        String repository = current.contains(":") ? current.substring(0, current.lastIndexOf(':')) : current;
        String tag = current.contains(":") ? current.substring(current.lastIndexOf(':') + 1) : "latest";
        if (repository.equals(name)) {
          matched++;
          container.put("image", image.getOrDefault("newName", repository) + ":" + image.getOrDefault("newTag", tag));
        }
      }
    }
    if (matched == 0) {
      throw new IllegalArgumentException("image " + name + " is used by no container");
    }
  }
}
