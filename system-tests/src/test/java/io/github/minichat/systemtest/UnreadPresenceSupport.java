package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.systemtest.ChatSystem.HttpResult;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;

/**
 * Helpers shared by {@link UnreadTest} and {@link PresenceTest}.
 */
final class UnreadPresenceSupport {

  private UnreadPresenceSupport() {
  }

  /** Opens a socket for the user (token in the query string) without binding; init is still unread. */
  static TestClient open(ChatSystem system, long userId) {
    return system.open(userId);
  }

  /** Open + init + bind, with a heart round trip so that the bind has been handled when this returns. */
  static TestClient connect(ChatSystem system, long userId) {
    TestClient client = open(system, userId);
    client.expect("init");
    bind(client, userId);
    return client;
  }

  /** Binds an opened socket (init already consumed) and waits for a heart round trip. */
  static void bind(TestClient client, long userId) {
    client.send(new JsonObject().put("type", "bind").put("fromId", userId));
    client.send(new JsonObject().put("type", "heart").put("fromId", userId));
    client.expect("heart");
  }

  /** An HTTP call as {@code userId} (0: no token), the body (if any) sent as JSON. */
  static HttpResult call(ChatSystem system, HttpMethod method, String uri, long userId, JsonObject body) {
    return system.call(method, uri, userId, body);
  }

  /** Every frame up to and including the first that matches, in arrival order. */
  static List<JsonObject> framesUntil(TestClient client, Predicate<JsonObject> wanted, String description) {
    List<JsonObject> frames = new ArrayList<>();
    while (true) {
      JsonObject frame = client.expect(any -> true,
          "any frame while waiting for " + description + " (got " + frames + ")");
      frames.add(frame);
      if (wanted.test(frame)) {
        return frames;
      }
    }
  }

  static Predicate<JsonObject> ofType(String type) {
    return frame -> type.equals(frame.getString("type"));
  }

  static Predicate<JsonObject> presenceOf(long userId, boolean online) {
    return frame -> "online".equals(frame.getString("type")) && frame.getLong("user_id") == userId
        && frame.getBoolean("online") == online;
  }

  static JsonObject online(long userId, long peer) {
    return new JsonObject().put("type", "online").put("to_id", peer).put("from_id", userId);
  }

  static JsonObject say(long from, long to, String data, String cid) {
    JsonObject frame = new JsonObject().put("type", "say").put("from_id", from).put("to_id", to).put("data", data);
    return cid == null ? frame : frame.put("cid", cid);
  }

  /**
   * A bare-bones WebSocket client on a plain TCP socket, for what the Vert.x client cannot do: vanish without a
   * close frame. {@link #vanish()} resets the connection (SO_LINGER 0), as a phone that loses its network would.
   */
  static final class RawWebSocket implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final SecureRandom random = new SecureRandom();

    RawWebSocket(int port, long userId) {
      try {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout((int) ChatSystem.AWAIT.toMillis());
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        byte[] key = new byte[16];
        random.nextBytes(key);
        String request = "GET /ws?token=" + ChatSystem.token(userId) + " HTTP/1.1\r\n"
            + "Host: 127.0.0.1:" + port + "\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n";
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String head = readHead();
        assertThat(head).as("handshake response").startsWith("HTTP/1.1 101");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private String readHead() throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int matched = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      while (matched < 4) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("connection closed during the handshake: " + head);
        }
        head.write(b);
        matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      return head.toString(StandardCharsets.US_ASCII);
    }

    /** Sends one masked text frame, as a client must. */
    void send(JsonObject frame) {
      byte[] payload = frame.encode().getBytes(StandardCharsets.UTF_8);
      assertThat(payload.length).isLessThan(126);
      byte[] mask = new byte[4];
      random.nextBytes(mask);
      byte[] bytes = new byte[2 + 4 + payload.length];
      bytes[0] = (byte) 0x81; // FIN + text
      bytes[1] = (byte) (0x80 | payload.length);
      System.arraycopy(mask, 0, bytes, 2, 4);
      for (int i = 0; i < payload.length; i++) {
        bytes[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
      }
      try {
        out.write(bytes);
        out.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The next text frame from the server (unmasked, unfragmented: what this server sends). */
    JsonObject receive() {
      try {
        while (true) {
          int first = readByte();
          int second = readByte();
          long length = second & 0x7f;
          if (length == 126) {
            length = (readByte() << 8) | readByte();
          } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
              length = (length << 8) | readByte();
            }
          }
          byte[] payload = in.readNBytes((int) length);
          if ((first & 0x0f) == 0x1) {
            return new JsonObject(new String(payload, StandardCharsets.UTF_8));
          }
          // ping/pong/other control frames are not part of these tests: skip them
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    JsonObject receive(String type) {
      while (true) {
        JsonObject frame = receive();
        if (type.equals(frame.getString("type"))) {
          return frame;
        }
      }
    }

    private int readByte() throws IOException {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed by the server");
      }
      return b;
    }

    /** Drops the connection without a close frame: an RST, so the server sees a reset, not a goodbye. */
    void vanish() {
      try {
        socket.setSoLinger(true, 0);
        socket.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void close() {
      if (!socket.isClosed()) {
        vanish();
      }
    }
  }
}
