package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A link opens one upload (or its thumbnail) for the reader it was signed for, until it expires; nothing else. */
class SignedLinksTest {

  private static final String SEED = "20261203";
  private static final byte[] KEY = "a key for the links of these tests".getBytes(StandardCharsets.UTF_8);
  private static final Duration TTL = Duration.ofMinutes(15);
  private static final Instant NOW = Instant.parse("2026-12-03T10:00:20Z");
  private static final String FILE = "AAAAAAAAAAAAAAAAAAAAAA";
  private static final long READER = 7;

  private final SignedLinks links = new SignedLinks(KEY, TTL, Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  @DisplayName("a fresh link is valid for its reader, rounded up to the minute past the lifetime")
  void aFreshLinkIsValid() {
    Link link = Link.parse(links.forReader(READER, "https://chat.example").url(FILE, false));
    assertThat(link.path).isEqualTo("/api/files/" + FILE);
    assertThat(link.expires).isEqualTo(NOW.plus(TTL).getEpochSecond() + 40);
    assertThat(links.valid(FILE, false, READER, link.expires, link.signature)).isTrue();
  }

  @Test
  @DisplayName("a link expires: valid to its last second, refused one second later")
  void linksExpire() {
    Link link = Link.parse(links.forReader(READER, "").url(FILE, true));
    Instant lastSecond = Instant.ofEpochSecond(link.expires);
    assertThat(at(lastSecond).valid(FILE, true, READER, link.expires, link.signature)).isTrue();
    assertThat(at(lastSecond.plusSeconds(1)).valid(FILE, true, READER, link.expires, link.signature)).isFalse();
  }

  @Test
  @DisplayName("a link is for one reader, one file, the file or its thumbnail, and one key")
  void aLinkOpensNothingElse() {
    Link link = Link.parse(links.forReader(READER, "").url(FILE, false));
    assertThat(links.valid(FILE, false, READER + 1, link.expires, link.signature)).isFalse();
    assertThat(links.valid("BAAAAAAAAAAAAAAAAAAAAA", false, READER, link.expires, link.signature)).isFalse();
    assertThat(links.valid(FILE, true, READER, link.expires, link.signature)).isFalse();
    assertThat(links.valid(FILE, false, READER, link.expires + 60, link.signature)).isFalse();
    assertThat(links.valid(FILE, false, READER, link.expires, null)).isFalse();
    SignedLinks otherKey = new SignedLinks("another key".getBytes(StandardCharsets.UTF_8), TTL,
        Clock.fixed(NOW, ZoneOffset.UTC));
    assertThat(otherKey.valid(FILE, false, READER, link.expires, link.signature)).isFalse();
  }

  @Property(tries = 2_000, seed = SEED)
  void noAlteredSignatureIsValid(@ForAll @IntRange(min = 0, max = 42) int position, @ForAll("replacements") char c) {
    String signature = Link.parse(links.forReader(READER, "").url(FILE, false)).signature;
    long expires = links.expiry();
    String altered = position >= signature.length() ? signature + c
        : signature.substring(0, position) + c + signature.substring(position + 1);
    if (!altered.equals(signature)) {
      assertThat(links.valid(FILE, false, READER, expires, altered)).isFalse();
    }
  }

  @Provide
  Arbitrary<Character> replacements() {
    return Arbitraries.chars().with("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/%");
  }

  private static SignedLinks at(Instant instant) {
    return new SignedLinks(KEY, TTL, Clock.fixed(instant, ZoneOffset.UTC));
  }

  private record Link(String path, long reader, long expires, String signature) {
    static Link parse(String url) {
      URI uri = URI.create(url);
      Map<String, String> query = new HashMap<>();
      for (String pair : uri.getRawQuery().split("&")) {
        query.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
      }
      return new Link(uri.getPath(), Long.parseLong(query.get("u")), Long.parseLong(query.get("e")), query.get("s"));
    }
  }
}
