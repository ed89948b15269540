package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Pictures, files and texts from several senders at once, while a hostile user throws spoofed, oversized and stolen
 * uploads at the same gateway: at the end every message is audited. Each recipient holds each message once, in
 * its sender's order, and every file downloads as exactly the bytes sent; nothing the honest users sent was
 * refused because of the hostile one.
 */
class FilesAuditTest {

  private static final int SENDERS = 6;
  private static final int MESSAGES_PER_SENDER = 12;
  private static final int MAX_FILE_BYTES = 256 * 1024;
  private static final long FIRST_USER = 700;
  private static final long HOSTILE = 799;

  private static ChatSystem system;
  private static java.nio.file.Path fileDir;

  @BeforeAll
  static void start() throws Exception {
    fileDir = java.nio.file.Files.createTempDirectory("minichat-files-audit");
    system = ChatSystem.start("files_audit", Map.of("CHAT_FILE_DIR", fileDir.toString(),
        "CHAT_MAX_FILE_BYTES", Integer.toString(MAX_FILE_BYTES), "CHAT_UPLOADS_PER_HOUR", "1000"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (system != null) {
      system.close();
    }
    try (var files = java.nio.file.Files.walk(fileDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  /** What a sender sent, in order: a text, or a file's bytes. */
  record Sent(String cid, String text, byte[] file) {
  }

  @Test
  @DisplayName("concurrent senders of texts and files, a hostile uploader beside them: every message once, in order, whole")
  void everyMessageArrivesOnceInOrderWhole() throws Exception {
    Map<Long, List<Sent>> sentBy = new ConcurrentHashMap<>();
    List<String> honestFileIds = new CopyOnWriteArrayList<>();
    List<String> hostileSurprises = new CopyOnWriteArrayList<>();
    List<TestClient> recipients = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(SENDERS + 1);
    try {
      for (int s = 0; s < SENDERS; s++) {
        recipients.add(system.connect(recipient(s)));
      }
      List<CompletableFuture<Void>> senders = new ArrayList<>();
      for (int s = 0; s < SENDERS; s++) {
        int index = s;
        senders.add(CompletableFuture.runAsync(() -> sentBy.put(sender(index),
            sendMixed(index, honestFileIds)), pool));
      }
      CompletableFuture<Void> hostile = CompletableFuture.runAsync(
          () -> attack(honestFileIds, hostileSurprises), pool);
      CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
      hostile.get(2, TimeUnit.MINUTES);
    } finally {
      pool.shutdownNow();
    }
    assertThat(hostileSurprises).as("answers to the hostile user that were not clear refusals").isEmpty();

    for (int s = 0; s < SENDERS; s++) {
      List<Sent> sent = sentBy.get(sender(s));
      TestClient recipient = recipients.get(s);
      long lastSeq = 0;
      for (Sent expected : sent) {
        JsonObject frame = recipient.expect("text");
        assertThat(frame.getLong("from_id")).isEqualTo(sender(s));
        assertThat(frame.getLong("seq")).as("seq order").isGreaterThan(lastSeq);
        lastSeq = frame.getLong("seq");
        if (expected.text() != null) {
          assertThat(frame.getString("data")).isEqualTo(expected.text());
          assertThat(frame.containsKey("file")).isFalse();
        } else {
          JsonObject file = frame.getJsonObject("file");
          assertThat(file.getLong("size")).isEqualTo(expected.file().length);
          HttpResponse<byte[]> download = Uploads.download(file.getString("url"));
          assertThat(download.statusCode()).isEqualTo(200);
          assertThat(Arrays.equals(download.body(), expected.file())).as("the bytes of %s", expected.cid()).isTrue();
        }
      }
      // nothing more, nothing twice: the store agrees with what arrived
      assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = " + sender(s)))
          .isEqualTo(MESSAGES_PER_SENDER);
      recipient.close();
    }
    assertThat(system.count("SELECT count(*) FROM files WHERE owner_id = " + HOSTILE + " AND expires_at IS NULL"))
        .as("hostile uploads sent as messages").isZero();
  }

  private static List<Sent> sendMixed(int index, List<String> fileIds) {
    long me = sender(index);
    Random random = new Random(me);
    List<Sent> sent = new ArrayList<>();
    try (TestClient socket = system.connect(me)) {
      for (int i = 0; i < MESSAGES_PER_SENDER; i++) {
        String cid = "a-" + me + "-" + i;
        JsonObject say = new JsonObject().put("type", "say").put("to_id", recipient(index)).put("cid", cid);
        Sent one;
        if (i % 2 == 0) {
          one = new Sent(cid, "text " + i + " from " + me + " 你好", null);
          say.put("data", one.text());
        } else {
          byte[] bytes = new byte[1 + random.nextInt(MAX_FILE_BYTES - 1)];
          random.nextBytes(bytes);
          HttpResponse<String> upload = Uploads.upload(system.port, ChatSystem.token(me), "f" + i + ".bin",
              "application/octet-stream", bytes, null);
          assertThat(upload.statusCode()).as(upload.body()).isEqualTo(201);
          String fileId = new JsonObject(upload.body()).getString("id");
          fileIds.add(fileId);
          one = new Sent(cid, null, bytes);
          say.put("file_id", fileId);
        }
        socket.send(say);
        JsonObject ack = socket.expect(frame -> "ack".equals(frame.getString("type"))
            || "error".equals(frame.getString("type")), "the answer to " + cid);
        assertThat(ack.getString("type")).as("the answer to %s: %s", cid, ack).isEqualTo("ack");
        sent.add(one);
      }
    }
    return sent;
  }

  /** Spoofed types, oversized bodies, other users' uploads: each must be a clear refusal, never a success. */
  private static void attack(List<String> honestFileIds, List<String> surprises) {
    byte[] exe = new byte[2048];
    exe[0] = 'M';
    exe[1] = 'Z';
    String token = ChatSystem.token(HOSTILE);
    try (TestClient socket = system.connect(HOSTILE)) {
      for (int round = 0; round < 20; round++) {
        expectStatus(Uploads.upload(system.port, token, "x.png", "image/png", exe, null), 415, surprises);
        expectStatus(Uploads.upload(system.port, token, "big.bin", "application/octet-stream",
            new byte[MAX_FILE_BYTES + 1], null), 413, surprises);
        expectStatus(Uploads.upload(system.port, token, "x.jpg", "image/jpeg",
            "<svg onload=alert(1)>".getBytes(StandardCharsets.UTF_8), null), 415, surprises);
        if (!honestFileIds.isEmpty()) {
          String stolen = honestFileIds.get(round % honestFileIds.size());
          String cid = "steal-" + round;
          socket.send(new JsonObject().put("type", "say").put("to_id", FIRST_USER).put("cid", cid)
              .put("file_id", stolen));
          JsonObject answer = socket.expect(frame -> "ack".equals(frame.getString("type"))
              || "error".equals(frame.getString("type")), "the answer to " + cid);
          if (!"not_found".equals(answer.getString("code"))) {
            surprises.add(cid + ": " + answer);
          }
          expectStatus404(stolen, surprises);
        }
      }
    }
  }

  private static void expectStatus(HttpResponse<String> response, int status, List<String> surprises) {
    if (response.statusCode() != status) {
      surprises.add("expected " + status + ", got " + response.statusCode() + " " + response.body());
    }
  }

  private static void expectStatus404(String fileId, List<String> surprises) {
    ChatSystem.HttpResult link = system.call(io.vertx.core.http.HttpMethod.GET, "/api/files/" + fileId + "/link",
        HOSTILE, null);
    if (link.status() != 404) {
      surprises.add("a link to " + fileId + " for a stranger: " + link.status() + " " + link.body());
    }
  }

  private static long sender(int index) {
    return FIRST_USER + index * 2;
  }

  private static long recipient(int index) {
    return FIRST_USER + index * 2 + 1;
  }
}
