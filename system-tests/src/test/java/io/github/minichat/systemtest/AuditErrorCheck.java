package io.github.minichat.systemtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Errors and closes: no non-retryable error frame to an honest client, no honest connection closed by the server,
 * except a bind answered "try again later" (1013) because presence could not answer it in time: the client
 * reconnects, as told.
 */
final class AuditErrorCheck {

  /** The error frames by code, and the closes. */
  record Figures(Map<String, Integer> nonRetryable, Map<String, Integer> retryable, int closedByServer,
                 int bindsRefused) {

    String lines() {
      return "errors to honest clients: non-retryable " + nonRetryable + "; retryable " + retryable + '\n'
          + "honest connections closed by the server: " + closedByServer
          + "; binds refused with 1013 (presence too slow) and retried: " + bindsRefused + '\n';
    }
  }

  private AuditErrorCheck() {
  }

  static Figures check(AuditLedger ledger, List<AuditConnection.Snapshot> connections, AuditFindings findings) {
    Map<String, Integer> nonRetryable = ledger.errorsByCode(false);
    List<String> examples = ledger.errors().stream().filter(error -> !error.retryable())
        .limit(AuditFindings.EXAMPLES)
        .map(error -> error.connection() + " " + error.code() + " (ref " + error.ref() + "): " + error.message())
        .toList();
    if (!nonRetryable.isEmpty()) {
      findings.fail("honest clients got non-retryable errors " + nonRetryable + ", e.g. " + examples);
    }
    List<String> closes = new ArrayList<>();
    int bindsRefused = 0;
    for (AuditConnection.Snapshot connection : connections) {
      String reason = connection.endReason();
      if (reason == null || !reason.startsWith("closed ") || reason.equals("closed by the client")) {
        continue;
      }
      if (!connection.bound() && reason.equals("closed 1013")) {
        bindsRefused++;
      } else {
        closes.add(connection.label() + " " + reason + (connection.bound() ? "" : " before its bind was answered"));
      }
    }
    if (!closes.isEmpty()) {
      findings.fail("honest connections closed by the server: " + closes);
    }
    return new Figures(nonRetryable, ledger.errorsByCode(true), closes.size(), bindsRefused);
  }
}
