package io.github.minichat.gateway;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Links to uploads signed for one reader: {@code /api/files/<id>[/thumb]?u=<reader>&e=<expiry>&s=<HMAC>}. They work
 * without a token (an {@code <image src>} sends none) until the expiry, which is rounded up to the minute so that
 * the frames of that minute carry the same link and the client's image cache finds it again.
 */
final class SignedLinks implements LinkSigner {

  private static final String HMAC = "HmacSHA256";
  private static final long ROUND_SECONDS = 60;

  private final SecretKeySpec key;
  private final Duration ttl;
  private final Clock clock;

  SignedLinks(byte[] key, Duration ttl, Clock clock) {
    this.key = new SecretKeySpec(key, HMAC);
    this.ttl = ttl;
    this.clock = clock;
  }

  @Override
  public FileLinks forReader(long userId, String baseUrl) {
    return (fileId, thumb) -> {
      long expires = expiry();
      return baseUrl + path(fileId, thumb) + "?u=" + userId + "&e=" + expires + "&s="
          + signature(fileId, thumb, userId, expires);
    };
  }

  /** Seconds since the epoch at which links minted now stop working. */
  long expiry() {
    long at = clock.instant().plus(ttl).getEpochSecond();
    return (at + ROUND_SECONDS - 1) / ROUND_SECONDS * ROUND_SECONDS;
  }

  /** Whether {@code signature} is this gateway's for that reader and has not expired. */
  boolean valid(String fileId, boolean thumb, long reader, long expires, String signature) {
    if (signature == null || expires < clock.instant().getEpochSecond()) {
      return false;
    }
    byte[] expected = signature(fileId, thumb, reader, expires).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII));
  }

  static String path(String fileId, boolean thumb) {
    return "/api/files/" + fileId + (thumb ? "/thumb" : "");
  }

  private String signature(String fileId, boolean thumb, long reader, long expires) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      byte[] tag = mac.doFinal((fileId + '|' + (thumb ? "thumb" : "file") + '|' + reader + '|' + expires)
          .getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this Java", e);
    }
  }
}
