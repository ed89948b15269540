package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real WebSocket client that records every frame it receives, so a test can wait (with a deadline) for the
 * frame it expects, or check that nothing else arrived.
 */
final class TestClient implements AutoCloseable {

  private final WebSocket webSocket;
  private final LinkedBlockingDeque<JsonObject> inbox = new LinkedBlockingDeque<>();
  final CompletableFuture<Short> closed = new CompletableFuture<>();

  TestClient(WebSocket webSocket) {
    this.webSocket = webSocket;
    webSocket.textMessageHandler(text -> inbox.add(new JsonObject(text)));
    webSocket.closeHandler(ignored -> closed.complete(webSocket.closeStatusCode()));
  }

  void send(JsonObject frame) {
    webSocket.writeTextMessage(frame.encode());
  }

  void sendRaw(String text) {
    webSocket.writeTextMessage(text);
  }

  WebSocket socket() {
    return webSocket;
  }

  /** The next frame of this type, skipping frames of other types; fails after the deadline. */
  JsonObject expect(String type) {
    return expect(frame -> type.equals(frame.getString("type")), "a '" + type + "' frame");
  }

  /** The answer to this connection's own {@code read}: a read receipt push (which has {@code by}) is not it. */
  JsonObject expectReadAnswer() {
    return expect(frame -> "read".equals(frame.getString("type")) && !frame.containsKey("by"), "the answer to read");
  }

  JsonObject expect(Predicate<JsonObject> wanted, String description) {
    return expect(wanted, description, ChatSystem.AWAIT);
  }

  JsonObject expect(Predicate<JsonObject> wanted, String description, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    List<JsonObject> skipped = new ArrayList<>();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        JsonObject frame = left <= 0 ? null : inbox.poll(left, TimeUnit.NANOSECONDS);
        if (frame == null) {
          throw new AssertionError("no " + description + " within " + within + "; got " + skipped);
        }
        if (wanted.test(frame)) {
          return frame;
        }
        skipped.add(frame);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The error frame answering a request, checked for its code and ref. */
  JsonObject expectError(String code, Object ref) {
    JsonObject error = expect("error");
    assertThat(error.getString("code")).as("error code of %s", error).isEqualTo(code);
    assertThat(error.getValue("ref")).as("ref of %s", error).isEqualTo(ref);
    assertThat(error.getString("message")).isNotBlank();
    return error;
  }

  /** Waits until a frame is there to consume, at most {@code within}; whether one is. Consumes nothing. */
  boolean awaitFrame(Duration within) {
    try {
      JsonObject frame = inbox.pollFirst(within.toNanos(), TimeUnit.NANOSECONDS);
      if (frame == null) {
        return false;
      }
      inbox.putFirst(frame);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Frames received so far and not yet consumed. */
  List<JsonObject> drain() {
    List<JsonObject> frames = new ArrayList<>();
    inbox.drainTo(frames);
    return frames;
  }

  /**
   * Every frame received during the next {@code window}: for checking that nothing arrives within a bound the
   * server promises (the frames are consumed).
   */
  List<JsonObject> drainFor(Duration window) {
    List<JsonObject> frames = new ArrayList<>();
    long deadline = System.nanoTime() + window.toNanos();
    try {
      for (long left = window.toNanos(); left > 0; left = deadline - System.nanoTime()) {
        JsonObject frame = inbox.poll(left, TimeUnit.NANOSECONDS);
        if (frame != null) {
          frames.add(frame);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return frames;
  }

  /** Waits for the server to close the socket and returns the close code. */
  short awaitClose() {
    try {
      return closed.get(ChatSystem.AWAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("socket not closed within " + ChatSystem.AWAIT, e);
    }
  }

  @Override
  public void close() {
    if (!webSocket.isClosed()) {
      ChatSystem.await(webSocket.close());
    }
  }
}
