package io.github.minichat.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the code reads: the settings catalogues, and as a safety net every variable name the sources spell out, so
 * that a variable read outside a catalogue is still found.
 */
final class CodeFacts {

  /** Name-like literals that are no variables: PostgreSQL's marker file in a data folder. */
  private static final Set<String> NOT_VARIABLES = Set.of("PG_VERSION");

  private static final Pattern NAME_LITERAL = Pattern.compile("\"((?:CHAT|PG)_[A-Z0-9_]+)\"");
  private static final Pattern SECRET_CALL = Pattern.compile("\\.secret\\(\\s*\"([A-Z0-9_]+)\"");
  private static final Pattern LOGBACK_VARIABLE = Pattern.compile("\\$\\{((?:CHAT|PG)_[A-Z0-9_]+)");

  private CodeFacts() {
  }

  /** Every environment variable the services read: the catalogues' and any other the sources name. */
  static Set<String> environmentVariables() {
    Set<String> names = new TreeSet<>(SettingsCatalogues.names());
    names.addAll(namesInCode());
    return names;
  }

  /** The variable names main sources spell as literals (secrets' _FILE forms included), and logback.xml's. */
  static Set<String> namesInCode() {
    Set<String> names = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Manifests.ROOT)) {
      files.filter(file -> file.toString().contains("/src/main/"))
          .filter(file -> !file.toString().contains("/load-test/"))
          .filter(file -> file.toString().endsWith(".java") || file.getFileName().toString().equals("logback.xml"))
          .forEach(file -> {
            String text = read(file);
            collect(NAME_LITERAL, text, names);
            collect(LOGBACK_VARIABLE, text, names);
            Matcher secret = SECRET_CALL.matcher(text);
            while (secret.find()) {
              names.add(secret.group(1));
              names.add(secret.group(1) + "_FILE");
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    names.removeAll(NOT_VARIABLES);
    return names;
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void collect(Pattern pattern, String text, Set<String> into) {
    Matcher matcher = pattern.matcher(text);
    while (matcher.find()) {
      into.add(matcher.group(1));
    }
  }
}
