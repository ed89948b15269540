package io.github.minichat.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Renders a kustomization with the real Kustomize, {@code kubectl kustomize} (kubectl bundles Kustomize v5): the
 * manifests are checked as {@code kubectl apply -k} would send them. kubectl is looked for in {@code KUBECTL},
 * then {@code /usr/bin/kubectl}, then on the PATH.
 */
final class Kubectl {

  private Kubectl() {
  }

  static Path executable() {
    String configured = System.getenv("KUBECTL");
    if (configured != null && !configured.isBlank()) {
      Path path = Path.of(configured);
      if (!Files.isExecutable(path)) {
        throw new AssertionError("KUBECTL=" + configured + " is not an executable file");
      }
      return path;
    }
    List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/bin/kubectl")));
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, "kubectl"));
      }
    }
    return candidates.stream().filter(Files::isExecutable).findFirst().orElseThrow(() -> new AssertionError(
        "kubectl not found (looked at $KUBECTL, /usr/bin/kubectl and the PATH): k8s-tests renders the manifests in"
            + " k8s/ with `kubectl kustomize`, as `kubectl apply -k` does. Install kubectl 1.27 or newer (it bundles"
            + " Kustomize v5) or set KUBECTL to its path."));
  }

  /** The documents {@code kubectl kustomize dir} prints, as plain maps, in its order. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> kustomize(Path dir) {
    String yaml = run(List.of(executable().toString(), "kustomize", dir.toString()), 60);
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : new Load(LoadSettings.builder().build()).loadAllFromString(yaml)) {
      if (document != null) {
        documents.add((Map<String, Object>) document);
      }
    }
    return documents;
  }

  /** Runs a command to its end and returns its standard output; a non-zero exit fails with its standard error. */
  static String run(List<String> command, long timeoutSeconds) {
    return run(command, null, timeoutSeconds, null);
  }

  static String run(List<String> command, String stdin, long timeoutSeconds, Path workingDirectory) {
    try {
      ProcessBuilder builder = new ProcessBuilder(command);
      if (workingDirectory != null) {
        builder.directory(workingDirectory.toFile());
      }
      Process process = builder.start();
      CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
      try (var input = process.getOutputStream()) {
        if (stdin != null) {
          input.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
      }
      if (process.exitValue() != 0) {
        throw new CommandFailed(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n"
            + out.join() + err.join());
      }
      return out.join();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static String readAll(java.io.InputStream stream) {
    try {
      return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A command that ran and exited with a failure; its message holds the command's output. */
  static final class CommandFailed extends AssertionError {
    CommandFailed(String message) {
      super(message);
    }
  }
}
