package io.github.minichat.common;

/**
 * A message service's sign of life, published every {@code everyMillis}: it takes sends at
 * {@link Addresses#messageServiceSends(String) its own address}. An interval of 0 says it is leaving.
 */
public record MessageServiceBeacon(String serviceId, long everyMillis) {

  public static MessageServiceBeacon leaving(String serviceId) {
    return new MessageServiceBeacon(serviceId, 0);
  }
}
