package io.github.minichat.gateway;

import io.github.minichat.platform.Env;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Uploads: where they are kept, their limits, and the key and lifetime of their links; from {@link FileSettings}.
 *
 * @param store          {@link FileSettings#LOCAL} or {@link FileSettings#S3}
 * @param dir            the directory of local uploads
 * @param maxFileBytes   bytes per upload
 * @param maxConcurrentUploads uploads streaming in at once per gateway process
 * @param uploadsPerHour uploads per user per hour on one gateway
 * @param linkTtl        how long a signed link works
 * @param linkKey        the HMAC key of links
 * @param sweepEvery     how often expired uploads are deleted from storage
 * @param s3             the object store, when {@code store} is s3
 */
public record FilesConfig(String store, String dir, int maxFileBytes, int maxConcurrentUploads,
                          int uploadsPerHour, Duration linkTtl,
                          byte[] linkKey, Duration sweepEvery, S3 s3) {

  /** An S3-compatible object store; {@code endpoint} null means AWS itself, null keys the SDK's default chain. */
  public record S3(String endpoint, String bucket, String region, String accessKey, String secretKey, int threads) {
  }

  public static FilesConfig from(Env env, String jwtSecret) {
    String secret = env.get(FileSettings.LINK_SECRET);
    byte[] key = secret != null ? secret.getBytes(StandardCharsets.UTF_8) : derived(jwtSecret);
    return new FilesConfig(env.get(FileSettings.STORE), env.get(FileSettings.DIR),
        env.get(FileSettings.MAX_FILE_BYTES), env.get(FileSettings.MAX_CONCURRENT_UPLOADS),
        env.get(FileSettings.UPLOADS_PER_HOUR), env.get(FileSettings.LINK_TTL),
        key, env.get(FileSettings.SWEEP_EVERY), new S3(env.get(FileSettings.S3_ENDPOINT), env.get(FileSettings.S3_BUCKET),
        env.get(FileSettings.S3_REGION), env.get(FileSettings.S3_ACCESS_KEY), env.get(FileSettings.S3_SECRET_KEY),
        env.get(FileSettings.S3_THREADS)));
  }

  /** A key of its own for links, so that a link's signature never doubles as anything signed with the token key. */
  private static byte[] derived(String jwtSecret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(jwtSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal("minichat file links".getBytes(StandardCharsets.UTF_8));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this Java", e);
    }
  }
}
