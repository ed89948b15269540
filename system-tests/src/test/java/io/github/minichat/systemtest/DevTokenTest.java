package io.github.minichat.systemtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The chat page and the client module are served by the gateway in every profile; {@code POST /dev/token} mints
 * tokens only in the dev profile and does not exist in prod.
 */
class DevTokenTest {

  private static ChatSystem dev;
  private static ChatSystem prod;
  private static RaceFreeHttp devHttp;
  private static RaceFreeHttp prodHttp;
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(ChatSystem.AWAIT).build();

  @BeforeAll
  static void start() {
    dev = ChatSystem.start("devtoken_dev", Map.of("CHAT_PROFILE", "dev"));
    prod = ChatSystem.start("devtoken_prod", Map.of("CHAT_PROFILE", "prod"));
    devHttp = new RaceFreeHttp(dev);
    prodHttp = new RaceFreeHttp(prod);
  }

  @AfterAll
  static void stop() {
    if (dev != null) {
      dev.close();
    }
    if (prod != null) {
      prod.close();
    }
  }

  private static ChatSystem.HttpResult mint(RaceFreeHttp http, String body) {
    return http.callRaw("POST", "/dev/token", Map.of(), body);
  }

  @Test
  @DisplayName("in the dev profile, POST /dev/token mints a token that the API and the socket accept")
  void devMintsTokens() {
    ChatSystem.HttpResult minted = mint(devHttp, "{\"userId\":77}");
    assertThat(minted.status()).as("%s", minted).isEqualTo(200);
    JsonObject json = minted.json();
    assertThat(json.getLong("userId")).isEqualTo(77);
    String token = json.getString("token");
    assertThat(token).isNotBlank();

    ChatSystem.HttpResult unread = devHttp.callRaw("GET", "/api/messages/unread",
        Map.of("Authorization", "Bearer " + token), null);
    assertThat(unread.status()).as("%s", unread).isEqualTo(200);
    assertThat(unread.json().getInteger("countNum")).isZero();
  }

  @Test
  @DisplayName("in the dev profile, /dev/token refuses a body without a good user id with a JSON error")
  void devRefusesBadUserIds() {
    for (String body : new String[] {"{}", "{\"userId\":-1}", "{\"userId\":\"abc\"}"}) {
      ChatSystem.HttpResult result = mint(devHttp, body);
      assertThat(result.status()).as("%s for %s", result, body).isEqualTo(400);
      assertThat(result.json().getJsonObject("error").getString("code")).isEqualTo("invalid_field");
    }
    ChatSystem.HttpResult notJson = mint(devHttp, "not json");
    assertThat(notJson.status()).isEqualTo(400);
    assertThat(notJson.json().getJsonObject("error").getString("code")).isEqualTo("invalid_json");
  }

  @Test
  @DisplayName("in the prod profile, /dev/token does not exist: 404 with a JSON error, and no token anywhere")
  void prodHasNoMinting() {
    ChatSystem.HttpResult result = mint(prodHttp, "{\"userId\":77}");
    assertThat(result.status()).as("%s", result).isEqualTo(404);
    assertThat(result.body()).doesNotContain("token\"");
    assertThat(result.json().getJsonObject("error").getString("code")).isEqualTo("not_found");
  }

  @Test
  @DisplayName("both profiles serve the chat page at / and the client module under /client/ as JavaScript")
  void pageAndModuleAreServed() throws Exception {
    for (ChatSystem system : new ChatSystem[] {dev, prod}) {
      HttpResponse<String> page = get(system, "/");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
      assertThat(page.body()).contains("minichat");

      HttpResponse<String> module = get(system, "/client/index.js");
      assertThat(module.statusCode()).isEqualTo(200);
      assertThat(module.headers().firstValue("Content-Type").orElse("")).contains("javascript");
      assertThat(module.body()).contains("export");

      assertThat(get(system, "/client/no-such-file.js").statusCode()).isEqualTo(404);
      assertThat(get(system, "/health").body()).contains("UP");
    }
  }

  private static HttpResponse<String> get(ChatSystem system, String path) throws Exception {
    return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + system.port + path))
        .timeout(ChatSystem.AWAIT).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
