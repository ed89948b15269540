package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Helpers shared by IdempotencyTest, SyncTest, MultiDeviceTest, HistoryTest and others: frame builders, HTTP sends, pipelined sends with cids, and id lists straight from the database.
 */
final class MessagingTestSupport {

  private final ChatSystem system;

  MessagingTestSupport(ChatSystem system) {
    this.system = system;
  }

  TestClient open(long userId) {
    return system.open(userId);
  }

  TestClient connect(long userId) {
    return system.connect(userId);
  }

  static JsonObject say(long from, long to, String data) {
    return new JsonObject().put("type", "say").put("from_id", from).put("to_id", to).put("data", data);
  }

  static JsonObject say(long from, long to, String data, String cid) {
    return say(from, to, data).put("cid", cid);
  }

  /** The next ack, failing at once (not after the deadline) if an error frame comes instead. */
  static JsonObject expectAck(TestClient client) {
    JsonObject frame = client.expect(f -> "ack".equals(f.getString("type")) || "error".equals(f.getString("type")),
        "an ack");
    assertThat(frame.getString("type")).as("answer to a say: %s", frame).isEqualTo("ack");
    return frame;
  }

  /** The next text frame, skipping letters and other pushes. */
  static JsonObject expectText(TestClient client) {
    return client.expect("text");
  }

  /** POST /api/messages as {@code from}; checks the 201 and returns the stored message. */
  JsonObject post(long from, long to, String text, String cid) {
    JsonObject body = new JsonObject().put("to_id", to).put("message", text);
    if (cid != null) {
      body.put("cid", cid);
    }
    ChatSystem.HttpResult result = system.call(HttpMethod.POST, "/api/messages", from, body);
    assertThat(result.status()).as("POST /api/messages: %s", result.body()).isEqualTo(201);
    return result.json();
  }

  JsonObject post(long from, long to, String text) {
    return post(from, to, text, null);
  }

  /**
   * Sends each text as a say with cid {@code cidPrefix + index}, keeping at most {@code window} sends unacknowledged
   * on the socket, and returns the acks in order. (With {@code CHAT_MAX_QUEUED_SENDS} sends queued the gateway stops
   * reading the socket, so a larger window is slowed down by TCP, not refused.)
   * {@code onAcked} is told the number of acks so far after each one.
   */
  static List<JsonObject> sendPipelined(TestClient sender, long from, long to, List<String> texts, String cidPrefix,
                                        int window, IntConsumer onAcked) {
    List<JsonObject> acks = new ArrayList<>(texts.size());
    int sent = 0;
    while (acks.size() < texts.size()) {
      while (sent < texts.size() && sent - acks.size() < window) {
        sender.send(say(from, to, texts.get(sent), cidPrefix + sent));
        sent++;
      }
      JsonObject ack = expectAck(sender);
      // one socket's sends are stored in the order sent, so the acks come back in that order
      assertThat(ack.getString("cid")).isEqualTo(cidPrefix + acks.size());
      acks.add(ack);
      onAcked.accept(acks.size());
    }
    return acks;
  }

  static List<String> texts(String prefix, int count) {
    List<String> texts = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      texts.add(prefix + " " + i);
    }
    return texts;
  }

  /** The first column of every row of the query, as longs (e.g. message ids). */
  List<Long> longs(String sql) {
    PgConnectOptions database = system.database;
    String url = "jdbc:postgresql://" + database.getHost() + ":" + database.getPort() + "/" + database.getDatabase();
    try (Connection connection = DriverManager.getConnection(url, database.getUser(), database.getPassword());
         Statement statement = connection.createStatement();
         ResultSet rows = statement.executeQuery(sql)) {
      List<Long> values = new ArrayList<>();
      while (rows.next()) {
        values.add(rows.getLong(1));
      }
      return values;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** The text as a SQL string literal (quotes doubled), for row checks. */
  static String literal(String text) {
    return "'" + text.replace("'", "''") + "'";
  }
}
