package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The gateway's meters, under stable names (docs/operations.md lists them, the Grafana dashboard in {@code k8s/} uses
 * them). They live in Micrometer's global registry, which the management server exposes to Prometheus; where no
 * registry is attached (tests, tools) every call is a cheap no-op.
 *
 * <p>Tag values come from closed sets only (frame types the protocol knows, error codes), so a client can't grow
 * the number of series: any other frame type is counted as {@code other}.
 */
public final class GatewayMetrics {

  public static final String CONNECTIONS_OPEN = "minichat.connections.open";
  public static final String CONNECTS = "minichat.connects";
  public static final String DISCONNECTS = "minichat.disconnects";
  public static final String FRAMES_IN = "minichat.frames.in";
  public static final String FRAMES_OUT = "minichat.frames.out";
  public static final String DELIVERY_LATENCY = "minichat.delivery.latency";
  public static final String UNREAD_PUSHES = "minichat.unread.pushes";
  public static final String INBOX_READ_BACKS = "minichat.inbox.read.backs";
  public static final String ERRORS = "minichat.errors";

  /** Every frame type of the protocol, both directions; anything else is tagged {@code other}. */
  public static final Set<String> FRAME_TYPES = Set.of("init", "bind", "heart", "online", "say", "text", "letters",
      "sync", "read", "ack", "error");
  static final String OTHER = "other";

  private static final MeterRegistry REGISTRY = Metrics.globalRegistry;
  private static final AtomicInteger OPEN = new AtomicInteger();
  private static final Map<String, Counter> FRAMES_IN_BY_TYPE = new ConcurrentHashMap<>();
  private static final Map<String, Counter> FRAMES_OUT_BY_TYPE = new ConcurrentHashMap<>();
  private static final Map<String, Counter> ERRORS_BY_CODE = new ConcurrentHashMap<>();
  private static final Counter CONNECTS_COUNTER = Counter.builder(CONNECTS)
      .description("WebSocket connections accepted").register(REGISTRY);
  private static final Counter DISCONNECTS_COUNTER = Counter.builder(DISCONNECTS)
      .description("WebSocket connections closed").register(REGISTRY);
  private static final Counter UNREAD = Counter.builder(UNREAD_PUSHES)
      .description("Unread-count pushes written to sockets").register(REGISTRY);
  private static final Counter READ_BACKS = Counter.builder(INBOX_READ_BACKS)
      .description("Inbox reads by gateways for pushes that did not come in order (or a settle check after bind)")
      .register(REGISTRY);
  private static final Timer LATENCY = Timer.builder(DELIVERY_LATENCY)
      .description("From a message's creation (stored) to its push onto a recipient socket")
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofMillis(1))
      .maximumExpectedValue(Duration.ofSeconds(30))
      .register(REGISTRY);

  static {
    Gauge.builder(CONNECTIONS_OPEN, OPEN, AtomicInteger::get)
        .description("WebSocket connections open on this gateway").register(REGISTRY);
    // every series exists from the start, at 0, so that rates and dashboards work before the first event
    FRAME_TYPES.forEach(type -> {
      frameCounter(FRAMES_IN_BY_TYPE, FRAMES_IN, type);
      frameCounter(FRAMES_OUT_BY_TYPE, FRAMES_OUT, type);
    });
    frameCounter(FRAMES_IN_BY_TYPE, FRAMES_IN, OTHER);
    frameCounter(FRAMES_OUT_BY_TYPE, FRAMES_OUT, OTHER);
    for (ChatError error : ChatError.values()) {
      error(error.code(), 0);
    }
  }

  private GatewayMetrics() {
  }

  /** Registers every meter now (class initialisation), so that a scrape shows them before the first event. */
  public static void register() {
    OPEN.get();
  }

  /** A WebSocket was accepted. */
  public static void connected() {
    OPEN.incrementAndGet();
    CONNECTS_COUNTER.increment();
  }

  /** A WebSocket closed. */
  public static void disconnected() {
    OPEN.decrementAndGet();
    DISCONNECTS_COUNTER.increment();
  }

  /** A frame came in from a client ({@code type} as the client sent it; null or unknown counts as other). */
  public static void frameIn(Object type) {
    frameCounter(FRAMES_IN_BY_TYPE, FRAMES_IN, known(type)).increment();
  }

  /** A frame went out to a client. */
  public static void frameOut(Object type) {
    frameCounter(FRAMES_OUT_BY_TYPE, FRAMES_OUT, known(type)).increment();
  }

  /** An error was answered to a client (error frame or HTTP error), by its wire code. */
  public static void error(ChatError error) {
    error(error.code(), 1);
  }

  /** A message created at {@code createdAtMillis} (epoch) was just pushed onto a socket. */
  public static void delivered(long createdAtMillis) {
    // clocks of different hosts may disagree by a little: never a negative latency
    LATENCY.record(Math.max(0, System.currentTimeMillis() - createdAtMillis), TimeUnit.MILLISECONDS);
  }

  public static void unreadPushed() {
    UNREAD.increment();
  }

  /** A connection read its inbox back from the store: a push was late or lost, or the check after bind ran. */
  public static void gapFilled() {
    READ_BACKS.increment();
  }

  /** Connections this process counts as open (for tests and logs). */
  public static int connectionsOpen() {
    return OPEN.get();
  }

  private static void error(String code, int amount) {
    Counter counter = ERRORS_BY_CODE.computeIfAbsent(code, key -> Counter.builder(ERRORS)
        .description("Errors answered to clients, by wire code").tag("code", key).register(REGISTRY));
    if (amount > 0) {
      counter.increment(amount);
    }
  }

  private static String known(Object type) {
    return type instanceof String name && FRAME_TYPES.contains(name) ? name : OTHER;
  }

  private static Counter frameCounter(Map<String, Counter> counters, String name, String type) {
    Counter counter = counters.get(type); // on every frame: no lambda unless the counter is new
    if (counter != null) {
      return counter;
    }
    Function<String, Counter> create = key -> Counter.builder(name)
        .description(name.equals(FRAMES_IN) ? "Frames received from clients, by type" : "Frames sent to clients, by type")
        .tag("type", key).register(REGISTRY);
    return counters.computeIfAbsent(type, create);
  }
}
