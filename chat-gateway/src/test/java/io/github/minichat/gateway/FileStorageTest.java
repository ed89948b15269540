package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.gateway.testing.S3TestServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both stores keep the same promises, tried over real HTTP: a download is byte for byte what was kept, streamed;
 * what is missing or deleted is {@code not_found} before a byte is written. The object store is a real
 * S3-protocol server (S3Proxy) in a process of its own, with signatures checked.
 */
class FileStorageTest {

  private static final long TIMEOUT_S = 30;

  private static Vertx vertx;
  private static S3TestServer s3;
  private static Path localRoot;
  private static FileStorage local;
  private static FileStorage objects;
  private static HttpServer server;
  private static final AtomicReference<FileStorage> serving = new AtomicReference<>();
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    s3 = S3TestServer.start();
    localRoot = Files.createTempDirectory("minichat-files");
    local = await(LocalFileStorage.open(vertx, localRoot.toString()));
    objects = await(S3FileStorage.open(vertx, s3Config("minichat-storage-test", S3TestServer.SECRET_KEY)));
    // GET /<store>/<key...> sends that key from that store, as the download route does
    server = await(vertx.createHttpServer().requestHandler(request -> {
      String path = request.path();
      FileStorage store = path.startsWith("/s3/") ? objects : local;
      String key = path.substring(path.indexOf('/', 1) + 1);
      request.response().putHeader("Content-Type", "application/octet-stream");
      store.send(key, request.response()).onFailure(failure -> {
        if (!request.response().headWritten()) {
          boolean missing = failure instanceof ChatException e && e.error() == ChatError.NOT_FOUND;
          request.response().setStatusCode(missing ? 404 : 500).end(failure.getMessage());
        }
      });
    }).listen(0, "127.0.0.1"));
  }

  @AfterAll
  static void stop() throws IOException {
    if (objects != null) {
      await(objects.close());
    }
    if (vertx != null) {
      await(vertx.close());
    }
    if (s3 != null) {
      s3.close();
    }
    if (localRoot != null) {
      try (Stream<Path> files = Files.walk(localRoot)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  @ParameterizedTest(name = "{0}: an upload of 3 MiB comes back byte for byte, and a thumbnail kept from memory too")
  @ValueSource(strings = {"local", "s3"})
  void whatIsKeptComesBackWhole(String kind) throws Exception {
    FileStorage store = store(kind);
    byte[] bytes = randomBytes(3 * 1024 * 1024 + 17);
    Path upload = Files.createTempFile(Path.of(store.uploadsDirectory()), "upload", ".part");
    Files.write(upload, bytes);
    String key = FileStorage.fileKey(FileRoutes.newId());
    await(store.put(key, upload.toString(), "application/octet-stream"));
    Files.deleteIfExists(upload); // the route's body handler removes what the store did not move away
    byte[] thumb = randomBytes(5000);
    String thumbKey = FileStorage.thumbKey(FileRoutes.newId());
    await(store.put(thumbKey, Buffer.buffer(thumb), "image/jpeg"));

    HttpResponse<byte[]> file = get(kind, key);
    assertThat(file.statusCode()).isEqualTo(200);
    assertThat(file.headers().firstValueAsLong("Content-Length")).hasValue(bytes.length);
    assertThat(file.body()).isEqualTo(bytes);
    assertThat(get(kind, thumbKey).body()).isEqualTo(thumb);
  }

  @ParameterizedTest(name = "{0}: a missing key is not_found before anything is written; deleting it twice is fine")
  @ValueSource(strings = {"local", "s3"})
  void whatIsDeletedIsGone(String kind) throws Exception {
    FileStorage store = store(kind);
    String key = FileStorage.fileKey(FileRoutes.newId());
    assertThat(get(kind, key).statusCode()).isEqualTo(404);
    await(store.put(key, Buffer.buffer("kept"), "text/plain"));
    assertThat(get(kind, key).statusCode()).isEqualTo(200);
    await(store.delete(key));
    await(store.delete(key));
    assertThat(get(kind, key).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("s3: a missing bucket is created on opening, and opening an existing one again is fine")
  void aMissingBucketIsCreated() {
    FileStorage fresh = await(S3FileStorage.open(vertx, s3Config("minichat-fresh-bucket", S3TestServer.SECRET_KEY)));
    await(fresh.put("files/x", Buffer.buffer("x"), "text/plain"));
    FileStorage again = await(S3FileStorage.open(vertx, s3Config("minichat-fresh-bucket", S3TestServer.SECRET_KEY)));
    await(again.delete("files/x"));
  }

  @Test
  @DisplayName("s3: wrong credentials fail the opening as unavailable, naming the store's refusal")
  void wrongCredentialsFailTheOpening() {
    Throwable failure = catchThrowable(() -> await(S3FileStorage.open(vertx,
        s3Config("minichat-storage-test", "not-the-secret"))));
    assertThat(failure).hasRootCauseInstanceOf(ChatException.class).rootCause()
        .hasMessageContaining("the object store refused");
  }

  @Test
  @DisplayName("local: a key that climbs out of the store is refused")
  void keysStayInsideTheLocalStore() {
    assertThat(catchThrowable(() -> local.delete("files/../../etc/passwd")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static FileStorage store(String kind) {
    return kind.equals("s3") ? objects : local;
  }

  private static FilesConfig.S3 s3Config(String bucket, String secret) {
    return new FilesConfig.S3(s3.endpoint(), bucket, "us-east-1", S3TestServer.ACCESS_KEY, secret, 4);
  }

  private static HttpResponse<byte[]> get(String kind, String key) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + server.actualPort() + "/" + kind + "/" + key);
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static byte[] randomBytes(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(TIMEOUT_S, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
