package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.minichat.common.UserTokens;
import io.github.minichat.gateway.testing.S3TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Pictures across two gateway processes of one cluster that keep uploads in an S3-compatible object store (a real
 * S3-protocol server process): uploaded on one, delivered and served on the other, links good on either.
 */
class FilesClusterTest {

  private static S3TestServer s3;
  private static LocalCluster cluster;
  private static LocalCluster.Gateway gateway1;
  private static LocalCluster.Gateway gateway2;

  @BeforeAll
  static void start() {
    s3 = S3TestServer.start();
    Map<String, String> env = new HashMap<>(s3.gatewayEnv("minichat-cluster-files"));
    env.put("CHAT_FILE_SWEEP_MS", "300");
    cluster = new LocalCluster("files_cluster", env);
    cluster.presence("presence-1");
    cluster.messages("messages-1");
    gateway1 = cluster.gateway("gateway-1");
    gateway2 = cluster.gateway("gateway-2");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  @DisplayName("uploaded on one gateway, pushed and downloaded on the other, from the object store")
  void aPictureCrossesGateways() {
    long alice = 6001;
    long bob = 6002;
    byte[] jpeg = Uploads.picture("jpeg", 800, 600);
    HttpResponse<String> upload = Uploads.upload(gateway1.port(), token(alice), "tmp_1.jpg", "image/jpeg", jpeg,
        "夕阳.jpg");
    assertThat(upload.statusCode()).as(upload.body()).isEqualTo(201);
    String fileId = new JsonObject(upload.body()).getString("id");

    try (TestClient aliceOn1 = cluster.clients.connect(gateway1.port(), alice);
         TestClient bobOn2 = cluster.clients.connect(gateway2.port(), bob)) {
      aliceOn1.send(new JsonObject().put("type", "say").put("to_id", bob).put("cid", "x-1").put("file_id", fileId));
      JsonObject ack = aliceOn1.expect(frame -> "ack".equals(frame.getString("type")), "the ack");
      JsonObject pushed = bobOn2.expect("text");
      assertThat(pushed.getLong("id")).isEqualTo(ack.getLong("id"));
      JsonObject file = pushed.getJsonObject("file");
      assertThat(file.getInteger("width")).isEqualTo(800);
      assertThat(file.getString("url")).startsWith("http://127.0.0.1:" + gateway2.port() + "/api/files/" + fileId);

      HttpResponse<byte[]> onTwo = Uploads.download(file.getString("url"));
      assertThat(onTwo.statusCode()).isEqualTo(200);
      assertThat(onTwo.body()).isEqualTo(jpeg);
      // a link minted by one gateway is served by any
      String viaOne = file.getString("url").replace(":" + gateway2.port() + "/", ":" + gateway1.port() + "/");
      assertThat(Uploads.download(viaOne).body()).isEqualTo(jpeg);
      assertThat(Uploads.download(file.getString("thumb_url")).statusCode()).isEqualTo(200);
    }
  }

  private static String token(long user) {
    return UserTokens.mint(LocalCluster.SECRET, user, Duration.ofHours(1));
  }
}
