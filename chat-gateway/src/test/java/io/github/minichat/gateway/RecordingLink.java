package io.github.minichat.gateway;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** A client end that records what the gateway writes and how it closes; the test decides when its queue is full. */
final class RecordingLink implements ClientLink {

  private final List<String> frames = new ArrayList<>();
  private volatile boolean queueFull;
  private volatile Short closeCode;
  private volatile boolean cut;
  private volatile boolean paused;

  @Override
  public synchronized void write(String frame) {
    frames.add(frame);
  }

  @Override
  public boolean writeQueueFull() {
    return queueFull;
  }

  @Override
  public void close(short code, String reason) {
    if (closeCode == null) {
      closeCode = code;
    }
  }

  @Override
  public void cut() {
    cut = true;
  }

  @Override
  public boolean isClosed() {
    return cut;
  }

  @Override
  public void pause() {
    paused = true;
  }

  @Override
  public void resume() {
    paused = false;
  }

  void fillQueue() {
    queueFull = true;
  }

  synchronized List<JsonObject> frames() {
    return frames.stream().map(JsonObject::new).toList();
  }

  /** The frames of one type, in the order written. */
  List<JsonObject> frames(String type) {
    return frames().stream().filter(frame -> type.equals(frame.getString("type"))).toList();
  }

  Short closeCode() {
    return closeCode;
  }

  boolean wasCut() {
    return cut;
  }

  boolean paused() {
    return paused;
  }
}
