package io.github.minichat.common;

/**
 * A picture or file a message carries: the upload it references and what was learned of it on upload (the type
 * from its bytes, never from the client's claim). Links to it are minted per reader, never stored.
 *
 * @param fileId   the upload's id (also its storage key's last part)
 * @param kind     {@code image} or {@code file}
 * @param mime     the detected type
 * @param size     bytes
 * @param name     the original file name, as the uploader named it
 * @param width    pixels, images only (else 0)
 * @param height   pixels, images only (else 0)
 * @param hasThumb whether a thumbnail was stored
 */
public record Attachment(String fileId, String kind, String mime, long size, String name, int width, int height,
                         boolean hasThumb) {

  public static final String IMAGE = "image";
  public static final String FILE = "file";

  public boolean image() {
    return IMAGE.equals(kind);
  }
}
