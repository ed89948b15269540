package io.github.minichat.systemtest;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What an audit found: its failures (each a broken promise, described with a few examples) and its notes; and the
 * printed audit, from its title, parameters and the ledger's timeline down to the verdict.
 */
final class AuditFindings {

  /** Examples given per kind of failure. */
  static final int EXAMPLES = 5;

  private final String title;
  private final String parameters;
  private final long startedAtNanos;
  private final List<String> timeline;
  private final List<String> failures = new ArrayList<>();
  private final List<String> notes;

  AuditFindings(String title, String parameters, AuditLedger ledger, List<String> notes) {
    this.title = title;
    this.parameters = parameters;
    this.startedAtNanos = ledger.startedAtNanos;
    this.timeline = ledger.timeline();
    this.notes = new ArrayList<>(notes);
  }

  /** When the ledger started: the zero of the timeline. */
  long startedAtNanos() {
    return startedAtNanos;
  }

  void fail(String failure) {
    failures.add(failure);
  }

  /** One failure for all of {@code faults}, if there are any: how many, and the first few. */
  void failIfAny(Collection<?> faults, String what) {
    if (!faults.isEmpty()) {
      fail(faults.size() + " " + what + ", e.g. " + faults.stream().limit(EXAMPLES).toList());
    }
  }

  /** Printed as it is, below the figures. */
  void note(String note) {
    notes.add(note);
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  static <T> void addExample(List<T> examples, T example) {
    if (examples.size() < EXAMPLES) {
      examples.add(example);
    }
  }

  /** The whole audit: title and parameters, the timeline, {@code figures}, the notes, the verdict and failures. */
  String table(String figures) {
    StringBuilder out = new StringBuilder();
    out.append(title).append(": ").append(parameters).append('\n');
    timeline.forEach(event -> out.append("  ").append(event).append('\n'));
    out.append(figures);
    notes.forEach(note -> out.append(note).append('\n'));
    out.append(failures.isEmpty() ? "verdict: PASS" : "verdict: FAIL (" + failures.size() + ")").append('\n');
    failures.forEach(failure -> out.append("  - ").append(failure).append('\n'));
    return out.toString();
  }
}
