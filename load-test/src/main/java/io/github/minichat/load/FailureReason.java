package io.github.minichat.load;

import io.vertx.core.http.UpgradeRejectedException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;

/**
 * Names why a connection attempt failed, in few enough words that identical causes add up in one counter: the
 * addresses and ports that make each exception's message unique are left out.
 */
final class FailureReason {

  private FailureReason() {
  }

  static String of(Throwable failure) {
    Throwable cause = failure;
    while (cause.getCause() != null && cause.getCause() != cause) {
      if (cause instanceof UpgradeRejectedException) {
        break;
      }
      cause = cause.getCause();
    }
    if (cause instanceof UpgradeRejectedException rejected) {
      return "handshake refused: HTTP " + rejected.getStatus();
    }
    if (cause instanceof BindException) {
      return "bind: " + withoutAddresses(cause.getMessage()) + " (source ports exhausted? add --source-addresses)";
    }
    if (cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
      return "connect: " + withoutAddresses(cause.getMessage());
    }
    String type = cause.getClass().getSimpleName();
    if (type.contains("Timeout")) {
      return "timeout: handshake";
    }
    String message = withoutAddresses(cause.getMessage());
    return message.isEmpty() ? type : type + ": " + message;
  }

  private static String withoutAddresses(String message) {
    if (message == null) {
      return "";
    }
    String cleaned = message.replaceAll("[:\\s]*/?[\\w.-]*/?\\d{1,3}(\\.\\d{1,3}){3}(:\\d+)?", "").trim();
    return cleaned.length() > 100 ? cleaned.substring(0, 100) + "…" : cleaned;
  }
}
