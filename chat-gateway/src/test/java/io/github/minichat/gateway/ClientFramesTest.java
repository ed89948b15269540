package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.platform.Env;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Client JSON in, typed frames out, parsed once with the same rules for the socket and for HTTP. */
class ClientFramesTest {

  private final GatewayConfig config = GatewayConfig.from(new Env(Map.of("CHAT_MAX_SYNC_PAGE", "50")), "gw", 1);
  private final ClientFrames frames = new ClientFrames(new JsonFrames(config.limits(), config.maxFrameBytes()),
      config.maxTextLength(), config.limits().maxSyncPage());

  private ClientFrame frame(String json, boolean bound) {
    return frames.frame(frames.object(json), bound);
  }

  private ChatError refusal(String json, boolean bound) {
    ChatException refusal = catchThrowableOfType(ChatException.class, () -> frame(json, bound));
    assertThat(refusal).as("refusal of %s", json).isNotNull();
    return refusal.error();
  }

  @Test
  @DisplayName("each frame type of the seed protocol becomes its record, numeric strings for ids included")
  void frameTypes() {
    assertThat(frame("{\"type\":\"bind\",\"fromId\":\"7\"}", false)).isEqualTo(new ClientFrame.Bind(7));
    assertThat(frame("{\"type\":\"heart\"}", false)).isEqualTo(new ClientFrame.Heart());
    assertThat(frame("{\"type\":\"online\",\"from_id\":7,\"to_id\":8}", true))
        .isEqualTo(new ClientFrame.Online(7L, 8));
    assertThat(frame("{\"type\":\"say\",\"to_id\":8,\"data\":\"hi\",\"cid\":42}", true))
        .isEqualTo(new ClientFrame.Say(null, 8, "42", "hi"));
    assertThat(frame("{\"type\":\"read\",\"peer\":8}", true)).isEqualTo(new ClientFrame.Read(8, null));
  }

  @Test
  @DisplayName("a sync limit is clamped to 1..the page limit")
  void syncLimit() {
    assertThat(frame("{\"type\":\"sync\",\"since\":5,\"limit\":1000}", true)).isEqualTo(new ClientFrame.Sync(5, 50));
    assertThat(frame("{\"type\":\"sync\",\"limit\":0}", true)).isEqualTo(new ClientFrame.Sync(0, 1));
  }

  @Test
  @DisplayName("before bind, a known type is not_bound whatever its fields; an unknown one is unknown_type")
  void beforeBind() {
    assertThat(refusal("{\"type\":\"say\"}", false)).isEqualTo(ChatError.NOT_BOUND);
    assertThat(refusal("{\"type\":\"sync\",\"since\":-1}", false)).isEqualTo(ChatError.NOT_BOUND);
    assertThat(refusal("{\"type\":\"SAY\"}", false)).isEqualTo(ChatError.UNKNOWN_TYPE);
    assertThat(refusal("{\"type\":7}", false)).isEqualTo(ChatError.INVALID_FIELD);
    assertThat(refusal("{\"data\":\"no type\"}", true)).isEqualTo(ChatError.INVALID_FIELD);
  }

  @Test
  @DisplayName("an HTTP send reads its text from message, with the socket's rules for every field")
  void httpSend() {
    assertThat(frames.send(new JsonObject().put("to_id", "8").put("message", "hi").put("from_id", 7)))
        .isEqualTo(new ClientFrame.Say(7L, 8, null, "hi"));
    ChatException noText = catchThrowableOfType(ChatException.class,
        () -> frames.send(new JsonObject().put("to_id", 8).put("data", "wrong field")));
    assertThat(noText.getMessage()).startsWith("message ");
    ChatException badCid = catchThrowableOfType(ChatException.class,
        () -> frames.send(new JsonObject().put("to_id", 8).put("message", "x").put("cid", "a b")));
    assertThat(badCid.getMessage()).startsWith("cid ");
  }
}
