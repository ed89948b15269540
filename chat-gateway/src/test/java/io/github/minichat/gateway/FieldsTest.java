package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every client string read is either refused, naming its field, or one that the store keeps byte for byte. The properties run
 * from a fixed seed, so every run tries the same strings.
 */
class FieldsTest {

  private static final String SEED = "20261202";

  @Property(tries = 3_000, seed = SEED)
  void cidIsRefusedOrStorableAsSent(@ForAll("clientStrings") String cid) {
    String accepted = readOrRefusal(Fields::cid, new JsonObject().put("cid", cid), "cid");
    if (accepted != null) {
      assertStorable(accepted, cid);
      assertThat(accepted).hasSizeBetween(1, Fields.MAX_CID_LENGTH).matches("[!-~]+");
    }
  }

  @Property(tries = 3_000, seed = SEED)
  void textIsRefusedOrStorableAsSent(@ForAll("clientStrings") String data) {
    String accepted = readOrRefusal(json -> Fields.text(json, "data", Integer.MAX_VALUE),
        new JsonObject().put("data", data), "data");
    if (accepted != null) {
      assertStorable(accepted, data);
    }
  }

  @Property(tries = 500, seed = SEED)
  void everyCidOfTheAlphabetIsAccepted(@ForAll("cids") String cid) {
    assertThat(Fields.cid(new JsonObject().put("cid", cid))).isEqualTo(cid);
  }

  @Property(tries = 200, seed = SEED)
  void integerCidIsItsDecimalString(@ForAll long number) {
    assertThat(Fields.cid(new JsonObject().put("cid", number))).isEqualTo(Long.toString(number));
  }

  @Test
  @DisplayName("a cid outside the alphabet or too long is refused with invalid_field naming cid")
  void cidOutsideTheAlphabet() {
    for (String cid : List.of("", " ", "a b", "tab\t", "nul\u0000", "a\ud800", "\udc00a", "é", "😀", "\u007f",
        "x".repeat(Fields.MAX_CID_LENGTH + 1))) {
      ChatException refusal = catchThrowableOfType(ChatException.class,
          () -> Fields.cid(new JsonObject().put("cid", cid)));
      assertThat(refusal).as("refusal of %s", cid).isNotNull();
      assertThat(refusal.error()).isEqualTo(ChatError.INVALID_FIELD);
      assertThat(refusal.getMessage()).startsWith("cid ");
    }
  }

  /** Strings of every kind: any UTF-16 units (lone surrogates too), near-valid cids, hostile characters mixed in. */
  @Provide
  Arbitrary<String> clientStrings() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.strings().all().ofMaxLength(80)),
        Tuple.of(3, Arbitraries.strings().withCharRange('!', '~')
            .withChars('\u0000', ' ', '\u007f', '\u0085', '\ud800', '\udbff', '\udc00', '\udfff', '\ufeff', '\ufffd')
            .withChars("é😀𠜎") // each UTF-16 unit on its own: pairs and halves
            .ofMaxLength(70)),
        Tuple.of(2, cids()),
        Tuple.of(1, Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(70)));
  }

  @Provide
  Arbitrary<String> cids() {
    return Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(Fields.MAX_CID_LENGTH);
  }

  /** What the reader accepts, or null if it refused: a refusal must be invalid_field and name the field. */
  private static String readOrRefusal(Function<JsonObject, String> reader, JsonObject json, String field) {
    ChatException refusal = catchThrowableOfType(ChatException.class, () -> reader.apply(json));
    if (refusal == null) {
      return reader.apply(json);
    }
    assertThat(refusal.error()).isEqualTo(ChatError.INVALID_FIELD);
    assertThat(refusal.getMessage()).startsWith(field + " ");
    return null;
  }

  /** Accepted unchanged, and what PostgreSQL keeps of it is what was sent: UTF-8 round trip, no NUL. */
  private static void assertStorable(String accepted, String sent) {
    assertThat(accepted).isEqualTo(sent);
    assertThat(new String(accepted.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(sent);
    assertThat(accepted).doesNotContain("\u0000");
  }
}
