package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Pictures and files over real HTTP and sockets, on the local store: uploaded as a mini-program sends them, sent
 * as messages, read only through links signed for the conversation's participants, checked against their bytes,
 * cut off while streaming, limited per user, and swept when never sent.
 */
class FilesTest {

  private static final int MAX_FILE_BYTES = 1024 * 1024;
  private static final int UPLOADS_PER_HOUR = 12;
  private static final int CONCURRENT_UPLOADS = 2;
  /** The body handler's allowance for multipart framing above the file's own limit. */
  private static final int FRAMING = 64 * 1024;

  private static ChatSystem system;
  private static Path fileDir;

  @BeforeAll
  static void start() throws IOException {
    fileDir = Files.createTempDirectory("minichat-files-test");
    system = ChatSystem.start("files", Map.of("CHAT_FILE_DIR", fileDir.toString(),
        "CHAT_MAX_FILE_BYTES", Integer.toString(MAX_FILE_BYTES),
        "CHAT_UPLOADS_PER_HOUR", Integer.toString(UPLOADS_PER_HOUR),
        "CHAT_MAX_CONCURRENT_UPLOADS", Integer.toString(CONCURRENT_UPLOADS),
        "CHAT_FILE_SWEEP_MS", "300"));
  }

  @AfterAll
  static void stop() throws IOException {
    if (system != null) {
      system.close();
    }
    try (Stream<Path> files = Files.walk(fileDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  @Test
  @DisplayName("a picture: uploaded, sent, pushed with its size and thumbnail, downloaded whole by the recipient only")
  void aPictureGoesFromUploadToAnAuthorizedDownload() {
    long alice = 101;
    long bob = 102;
    long carol = 103;
    byte[] png = Uploads.picture("png", 640, 480);
    JsonObject upload = uploaded(alice, "tmp_8f3a.png", "image/png", png, "海边 1.png");
    assertThat(upload.getString("kind")).isEqualTo("image");
    assertThat(upload.getString("mime")).isEqualTo("image/png");
    assertThat(upload.getString("name")).isEqualTo("海边 1.png");
    assertThat(upload.getLong("size")).isEqualTo(png.length);
    assertThat(upload.getInteger("width")).isEqualTo(640);
    assertThat(upload.getInteger("height")).isEqualTo(480);

    try (TestClient aliceSocket = system.connect(alice); TestClient bobSocket = system.connect(bob)) {
      JsonObject ack = say(aliceSocket, bob, upload.getString("id"), "pic-1");
      JsonObject pushed = bobSocket.expect("text");
      assertThat(pushed.getLong("id")).isEqualTo(ack.getLong("id"));
      assertThat(pushed.getString("kind")).isEqualTo("image");
      JsonObject file = pushed.getJsonObject("file");
      assertThat(file.getString("id")).isEqualTo(upload.getString("id"));
      assertThat(file.getString("name")).isEqualTo("海边 1.png");
      assertThat(file.getInteger("width")).isEqualTo(640);
      assertThat(file.getLong("size")).isEqualTo(png.length);
      // what a seed client shows: a placeholder and the link, signed for the recipient
      assertThat(pushed.getString("data")).isEqualTo("[图片] " + file.getString("url"));
      assertThat(query(file.getString("url"), "u")).isEqualTo(Long.toString(bob));

      HttpResponse<byte[]> download = Uploads.download(file.getString("url"));
      assertThat(download.statusCode()).isEqualTo(200);
      assertThat(download.body()).isEqualTo(png);
      assertThat(download.headers().firstValue("Content-Type")).hasValue("image/png");
      assertThat(download.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      assertThat(download.headers().firstValue("Content-Disposition")).hasValue(
          "inline; filename*=UTF-8''%E6%B5%B7%E8%BE%B9%201.png");
      HttpResponse<byte[]> thumb = Uploads.download(file.getString("thumb_url"));
      assertThat(thumb.headers().firstValue("Content-Type")).hasValue("image/jpeg");
      assertThat(width(thumb.body())).isEqualTo(240);

      // a stranger gets no link, cannot sign one for themselves, and cannot send the upload as theirs
      ChatSystem.HttpResult strangersLink = link(carol, upload.getString("id"));
      assertThat(strangersLink.status()).isEqualTo(404);
      assertThat(Uploads.download(file.getString("url").replace("u=" + bob, "u=" + carol)).statusCode())
          .isEqualTo(403);
      assertThat(Uploads.download(file.getString("url").replaceAll("e=\\d+", "e=99999999999")).statusCode())
          .isEqualTo(403);
      assertThat(Uploads.download(file.getString("url").replace("/thumb", "").replaceAll("(s=.)", "$1x"))
          .statusCode()).isEqualTo(403);
      try (TestClient carolSocket = system.connect(carol)) {
        carolSocket.send(sayFrame(bob, upload.getString("id"), "steal-1"));
        carolSocket.expectError("not_found", "steal-1");
      }

      // the recipient asks for fresh links; history carries them too
      JsonObject fresh = new JsonObject(link(bob, upload.getString("id")).body());
      assertThat(Uploads.download(fresh.getString("url")).body()).isEqualTo(png);
      assertThat(fresh.getLong("expires_at")).isGreaterThan(System.currentTimeMillis());
      JsonObject stored = history(bob, alice).getJsonObject(0);
      assertThat(stored.getString("kind")).isEqualTo("image");
      assertThat(Uploads.download(stored.getJsonObject("file").getString("thumb_url")).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("a picture in a group reaches its members with their own links; someone outside cannot open it")
  void aPictureInAGroup() {
    long alice = 201;
    long bob = 202;
    long outsider = 203;
    ChatSystem.HttpResult created = system.call(HttpMethod.POST, "/api/groups", alice,
        new JsonObject().put("name", "photos").put("members", new JsonArray().add(bob)));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    long groupId = created.json().getLong("group_id");
    byte[] gif = Uploads.picture("gif", 320, 200);
    JsonObject upload = uploaded(alice, "tmp_2.gif", "image/gif", gif, "moving.gif");
    try (TestClient aliceSocket = system.connect(alice); TestClient bobSocket = system.connect(bob)) {
      aliceSocket.send(new JsonObject().put("type", "say").put("group_id", groupId).put("cid", "g-1")
          .put("file_id", upload.getString("id")));
      aliceSocket.expect(frame -> "ack".equals(frame.getString("type")), "the ack");
      JsonObject pushed = GroupTestSupport.expectGroupText(bobSocket, groupId);
      while ("system".equals(pushed.getString("kind"))) {
        pushed = GroupTestSupport.expectGroupText(bobSocket, groupId);
      }
      assertThat(pushed.getString("kind")).isEqualTo("image");
      JsonObject file = pushed.getJsonObject("file");
      assertThat(query(file.getString("url"), "u")).isEqualTo(Long.toString(bob));
      assertThat(pushed.getString("data")).isEqualTo("[图片] " + file.getString("url"));
      assertThat(Uploads.download(file.getString("url")).body()).isEqualTo(gif);
      assertThat(link(outsider, upload.getString("id")).status()).isEqualTo(404);
      assertThat(link(bob, upload.getString("id")).status()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("a file is an attachment under its name; HTML and SVG are never served inline or run")
  void filesAreAttachments() {
    long alice = 111;
    long bob = 112;
    byte[] html = "<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
        .getBytes(StandardCharsets.UTF_8);
    byte[] svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".getBytes(StandardCharsets.UTF_8);
    try (TestClient aliceSocket = system.connect(alice); TestClient bobSocket = system.connect(bob)) {
      for (Object[] upload : List.of(new Object[] {"page.html", "text/html", html},
          new Object[] {"logo.svg", "image/svg+xml", svg})) {
        JsonObject uploaded = uploaded(alice, (String) upload[0], (String) upload[1], (byte[]) upload[2], null);
        assertThat(uploaded.getString("kind")).isEqualTo("file");
        assertThat(uploaded.containsKey("thumb_url")).isFalse();
        say(aliceSocket, bob, uploaded.getString("id"), "doc-" + upload[0]);
        JsonObject pushed = bobSocket.expect("text");
        JsonObject file = pushed.getJsonObject("file");
        assertThat(pushed.getString("kind")).isEqualTo("file");
        assertThat(pushed.getString("data")).isEqualTo("[文件] " + upload[0] + " " + file.getString("url"));
        HttpResponse<byte[]> download = Uploads.download(file.getString("url"));
        assertThat(download.body()).isEqualTo(upload[2]);
        assertThat(download.headers().firstValue("Content-Disposition")).hasValue(
            "attachment; filename*=UTF-8''" + upload[0]);
        assertThat(download.headers().firstValue("Content-Security-Policy")).hasValue("default-src 'none'; sandbox");
        assertThat(download.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      }
    }
  }

  @Test
  @DisplayName("a type the bytes contradict is refused 415, and nothing of it is kept")
  void typeSpoofingIsRefused() {
    long mallory = 121;
    byte[] exe = new byte[4096];
    exe[0] = 'M';
    exe[1] = 'Z';
    byte[] png = Uploads.picture("png", 20, 20);
    for (Object[] spoof : List.of(new Object[] {"cat.png", "image/png", exe},
        new Object[] {"cat.jpg", "image/jpeg", png},
        new Object[] {"cat.gif", "application/octet-stream", png},
        new Object[] {"cat.png", "image/png", "<html><script>alert(1)</script></html>".getBytes(StandardCharsets.UTF_8)})) {
      HttpResponse<String> refused = Uploads.upload(system.port, ChatSystem.token(mallory), (String) spoof[0],
          (String) spoof[1], (byte[]) spoof[2], null);
      assertThat(refused.statusCode()).as("%s as %s", spoof[0], spoof[1]).isEqualTo(415);
      assertThat(error(refused)).isEqualTo("unsupported_type");
    }
    assertThat(system.count("SELECT count(*) FROM files WHERE owner_id = " + mallory)).isZero();
    awaitNoTemporaryUploads();
  }

  @Test
  @DisplayName("an upload streams to disk as it comes, and one over the limit is cut off mid-stream with 413")
  void theSizeLimitHoldsWhileStreaming() throws Exception {
    long alice = 131;
    // under the limit, unfinished: its bytes are already on disk, not held in memory
    try (Uploads.Streaming upload = new Uploads.Streaming(system.port, ChatSystem.token(alice), null)) {
      upload.beginFile("big.bin", "application/octet-stream").write(768 * 1024);
      await().atMost(ChatSystem.AWAIT).until(() -> temporaryUploadBytes() >= 768 * 1024);
      upload.write(128 * 1024).finish();
      assertThat(upload.statusLine()).isEqualTo("HTTP/1.1 201 Created");
    }

    // over the limit: refused while the client is still sending, the part written so far deleted
    try (Uploads.Streaming upload = new Uploads.Streaming(system.port, ChatSystem.token(alice), null)) {
      upload.beginFile("huge.bin", "application/octet-stream");
      CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
        try {
          upload.write(MAX_FILE_BYTES + FRAMING + 256 * 1024);
        } catch (IOException closedByTheServer) {
          // the server may stop listening once it has answered
        }
      });
      assertThat(upload.statusLine()).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
      sending.join();
    }
    // declared too large: refused before a byte of the body is sent
    try (Uploads.Streaming upload = new Uploads.Streaming(system.port, ChatSystem.token(alice),
        Long.toString(50L * 1024 * 1024))) {
      assertThat(upload.statusLine()).isEqualTo("HTTP/1.1 413 Request Entity Too Large");
    }
    // just over the file limit, inside the framing allowance: the file's own size is checked
    HttpResponse<String> overByOne = Uploads.upload(system.port, ChatSystem.token(alice), "x.bin",
        "application/octet-stream", new byte[MAX_FILE_BYTES + 1], null);
    assertThat(overByOne.statusCode()).isEqualTo(413);
    assertThat(error(overByOne)).isEqualTo("too_large");
    assertThat(system.count("SELECT count(*) FROM files WHERE owner_id = " + alice)).isEqualTo(1);
    awaitNoTemporaryUploads();
  }

  @Test
  @DisplayName("uploads per user per hour: the next is 429 with Retry-After, and another user is not held back")
  void uploadsAreLimitedPerUser() {
    long busy = 141;
    long other = 142;
    byte[] text = "hello".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < UPLOADS_PER_HOUR; i++) {
      assertThat(Uploads.upload(system.port, ChatSystem.token(busy), "n" + i + ".txt", "text/plain", text, null)
          .statusCode()).isEqualTo(201);
    }
    HttpResponse<String> refused = Uploads.upload(system.port, ChatSystem.token(busy), "late.txt", "text/plain",
        text, null);
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(error(refused)).isEqualTo("rate_limited");
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat(Uploads.upload(system.port, ChatSystem.token(other), "mine.txt", "text/plain", text, null)
        .statusCode()).isEqualTo(201);
  }

  @Test
  @DisplayName("uploads beyond the gateway's slots are told to come back (503, Retry-After) until one ends")
  void concurrentUploadsAreBounded() throws Exception {
    long[] users = {191, 192, 193};
    try (Uploads.Streaming first = new Uploads.Streaming(system.port, ChatSystem.token(users[0]), null);
         Uploads.Streaming second = new Uploads.Streaming(system.port, ChatSystem.token(users[1]), null)) {
      first.beginFile("a.bin", "application/octet-stream").write(1024);
      second.beginFile("b.bin", "application/octet-stream").write(1024);
      // both are streaming once their bytes reach the disk
      await().atMost(ChatSystem.AWAIT).until(() -> temporaryUploadBytes() >= 2048);
      HttpResponse<String> third = Uploads.upload(system.port, ChatSystem.token(users[2]), "c.txt", "text/plain",
          "c".getBytes(StandardCharsets.UTF_8), null);
      assertThat(third.statusCode()).isEqualTo(503);
      assertThat(error(third)).isEqualTo("overloaded");
      assertThat(third.headers().firstValue("Retry-After")).hasValue("2");
      first.finish();
      assertThat(first.statusLine()).isEqualTo("HTTP/1.1 201 Created");
      assertThat(Uploads.upload(system.port, ChatSystem.token(users[2]), "c.txt", "text/plain",
          "c".getBytes(StandardCharsets.UTF_8), null).statusCode()).isEqualTo(201);
    }
    // the second went away mid-upload: its part is deleted and its slot given back, so two fit again
    await().atMost(ChatSystem.AWAIT).until(() -> temporaryUploadBytes() == 0);
    try (Uploads.Streaming first = new Uploads.Streaming(system.port, ChatSystem.token(users[0]), null);
         Uploads.Streaming second = new Uploads.Streaming(system.port, ChatSystem.token(users[1]), null)) {
      first.beginFile("e.bin", "application/octet-stream").write(1024);
      second.beginFile("f.bin", "application/octet-stream").write(1024);
      await().atMost(ChatSystem.AWAIT).until(() -> temporaryUploadBytes() >= 2048);
      assertThat(first.finish().statusLine()).isEqualTo("HTTP/1.1 201 Created");
      assertThat(second.finish().statusLine()).isEqualTo("HTTP/1.1 201 Created");
    }
  }

  @Test
  @DisplayName("bad uploads get clear errors: no token, not multipart, no file, two files, an empty file")
  void badUploadsAreRefusedClearly() {
    long alice = 151;
    byte[] text = "x".getBytes(StandardCharsets.UTF_8);
    assertThat(Uploads.upload(system.port, null, "a.txt", "text/plain", text, null).statusCode()).isEqualTo(401);
    ChatSystem.HttpResult json = system.call(HttpMethod.POST, "/api/files", alice, new JsonObject());
    assertThat(json.status()).isEqualTo(400);
    assertThat(json.json().getJsonObject("error").getString("code")).isEqualTo("invalid_field");
    HttpResponse<String> empty = Uploads.upload(system.port, ChatSystem.token(alice), "a.txt", "text/plain",
        new byte[0], null);
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(system.count("SELECT count(*) FROM files WHERE owner_id = " + alice)).isZero();
  }

  @Test
  @DisplayName("a message's cid is idempotent with its file: the same upload again is the same message, another is a conflict")
  void resendsOfAFileMessageAreIdempotent() {
    long alice = 161;
    long bob = 162;
    String first = uploaded(alice, "a.txt", "text/plain", "a".getBytes(StandardCharsets.UTF_8), null).getString("id");
    String second = uploaded(alice, "b.txt", "text/plain", "b".getBytes(StandardCharsets.UTF_8), null).getString("id");
    try (TestClient aliceSocket = system.connect(alice)) {
      long id = say(aliceSocket, bob, first, "same-1").getLong("id");
      assertThat(say(aliceSocket, bob, first, "same-1").getLong("id")).isEqualTo(id);
      aliceSocket.send(sayFrame(bob, second, "same-1"));
      aliceSocket.expectError("cid_conflict", "same-1");
    }
    assertThat(system.count("SELECT count(*) FROM messages WHERE from_id = " + alice)).isEqualTo(1);
  }

  @Test
  @DisplayName("a recalled picture can no longer be opened by its recipient, and history shows the placeholder")
  void aRecalledFileIsNoLongerServed() {
    long alice = 171;
    long bob = 172;
    JsonObject upload = uploaded(alice, "p.png", "image/png", Uploads.picture("png", 50, 50), null);
    try (TestClient aliceSocket = system.connect(alice); TestClient bobSocket = system.connect(bob)) {
      long id = say(aliceSocket, bob, upload.getString("id"), "rec-1").getLong("id");
      String url = bobSocket.expect("text").getJsonObject("file").getString("url");
      assertThat(Uploads.download(url).statusCode()).isEqualTo(200);
      assertThat(system.call(HttpMethod.POST, "/api/messages/" + id + "/recall", alice, new JsonObject()).status())
          .isEqualTo(200);
      bobSocket.expect("recall");
      assertThat(Uploads.download(url).statusCode()).isEqualTo(404);
      assertThat(link(bob, upload.getString("id")).status()).isEqualTo(404);
      JsonObject placeholder = history(bob, alice).getJsonObject(0);
      assertThat(placeholder.getString("kind")).isEqualTo("recalled");
      assertThat(placeholder.containsKey("file")).isFalse();
    }
  }

  @Test
  @DisplayName("an upload never sent is deleted from storage once it expires; a sent one stays")
  void unsentUploadsAreSwept() {
    long alice = 181;
    long bob = 182;
    String unsent = uploaded(alice, "u.png", "image/png", Uploads.picture("png", 300, 300), null).getString("id");
    JsonObject sentUpload = uploaded(alice, "s.png", "image/png", Uploads.picture("png", 300, 300), null);
    try (TestClient aliceSocket = system.connect(alice)) {
      say(aliceSocket, bob, sentUpload.getString("id"), "keep-1");
    }
    assertThat(Files.exists(fileDir.resolve("files").resolve(unsent))).isTrue();
    assertThat(Files.exists(fileDir.resolve("thumbs").resolve(unsent))).isTrue();
    // the upload's time runs out (CHAT_UPLOAD_TTL_S): move its expiry into the past, and every row's that could
    system.count("WITH expired AS (UPDATE files SET expires_at = clock_timestamp() - interval '1 second'"
        + " WHERE owner_id = " + alice + " AND expires_at IS NOT NULL RETURNING 1) SELECT count(*) FROM expired");
    await().atMost(ChatSystem.AWAIT).until(() -> !Files.exists(fileDir.resolve("files").resolve(unsent))
        && !Files.exists(fileDir.resolve("thumbs").resolve(unsent)));
    assertThat(system.count("SELECT count(*) FROM files WHERE id = '" + unsent + "'")).isZero();
    ChatSystem.HttpResult sentLink = link(bob, sentUpload.getString("id"));
    assertThat(sentLink.status()).isEqualTo(200);
    assertThat(Uploads.download(new JsonObject(sentLink.body()).getString("url")).statusCode()).isEqualTo(200);
  }

  private static JsonObject uploaded(long user, String partName, String type, byte[] bytes, String name) {
    HttpResponse<String> response = Uploads.upload(system.port, ChatSystem.token(user), partName, type, bytes, name);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return new JsonObject(response.body());
  }

  private static JsonObject sayFrame(long to, String fileId, String cid) {
    return new JsonObject().put("type", "say").put("to_id", to).put("cid", cid).put("file_id", fileId);
  }

  private static JsonObject say(TestClient sender, long to, String fileId, String cid) {
    sender.send(sayFrame(to, fileId, cid));
    return sender.expect(frame -> "ack".equals(frame.getString("type")) && cid.equals(frame.getString("cid")),
        "the ack of " + cid);
  }

  private static ChatSystem.HttpResult link(long user, String fileId) {
    return system.call(HttpMethod.GET, "/api/files/" + fileId + "/link", user, null);
  }

  private static JsonArray history(long user, long peer) {
    ChatSystem.HttpResult result = system.call(HttpMethod.GET, "/api/messages?peer=" + peer, user, null);
    assertThat(result.status()).isEqualTo(200);
    return result.json().getJsonArray("messages");
  }

  private static String error(HttpResponse<String> response) {
    return new JsonObject(response.body()).getJsonObject("error").getString("code");
  }

  private static String query(String url, String name) {
    for (String pair : URI.create(url).getRawQuery().split("&")) {
      if (pair.startsWith(name + "=")) {
        return pair.substring(name.length() + 1);
      }
    }
    return null;
  }

  private static int width(byte[] picture) {
    try {
      return ImageIO.read(new java.io.ByteArrayInputStream(picture)).getWidth();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long temporaryUploadBytes() throws IOException {
    try (Stream<Path> files = Files.list(fileDir.resolve("tmp"))) {
      return files.mapToLong(path -> path.toFile().length()).sum();
    }
  }

  private static void awaitNoTemporaryUploads() {
    await().atMost(ChatSystem.AWAIT).until(() -> temporaryUploadBytes() == 0);
  }
}
