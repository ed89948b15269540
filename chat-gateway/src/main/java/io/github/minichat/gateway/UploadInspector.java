package io.github.minichat.gateway;

import io.github.minichat.common.Attachment;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MediaTypeRegistry;
import org.apache.tika.mime.MimeTypes;

/**
 * What an upload really is, from its bytes: the type by its magic numbers (Apache Tika), checked against the type
 * the client declared (the part's {@code Content-Type}, or its name's extension when that is generic); for a
 * picture, its size and a JPEG thumbnail. Blocking and CPU-bound: runs on the uploads' worker pool.
 */
final class UploadInspector {

  /** The longest side of a thumbnail: a chat bubble's picture on a phone, at 2× density. */
  static final int THUMB_PIXELS = 240;
  /** Pictures larger than this are kept as pictures but get no thumbnail: decoding them is a memory bomb. */
  static final long MAX_THUMB_SOURCE_PIXELS = 50_000_000L;
  /** The pictures a browser or mini-program shows inline; anything else is a file. */
  static final Set<String> PICTURES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp");

  private static final MimeTypes TYPES = MimeTypes.getDefaultMimeTypes();
  private static final MediaTypeRegistry REGISTRY = TYPES.getMediaTypeRegistry();

  /** What was found: the attachment's description less its id, and the thumbnail's JPEG bytes (or null). */
  record Inspected(String kind, String mime, int width, int height, byte[] thumbnail) {
    Attachment attachment(String fileId, long size, String name) {
      return new Attachment(fileId, kind, mime, size, name, width, height, thumbnail != null);
    }
  }

  private UploadInspector() {
  }

  static Inspected inspect(Path file, String declaredType, String name) {
    MediaType detected = detect(file);
    MediaType declared = declared(declaredType, name);
    String mime = agreed(detected, declared).toString();
    if (!PICTURES.contains(mime)) {
      return new Inspected(Attachment.FILE, mime, 0, 0, null);
    }
    return picture(file, mime);
  }

  /** The type by the bytes alone: no name is given to Tika, so a renamed file cannot pass for something else. */
  static MediaType detect(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return REGISTRY.normalize(TYPES.detect(in.markSupported() ? in : new java.io.BufferedInputStream(in),
          new Metadata()).getBaseType());
    } catch (IOException e) {
      throw new IllegalStateException("upload unreadable: " + e.getMessage(), e);
    }
  }

  /** The client's claim: a specific Content-Type, else what the name's extension says; octet-stream: no claim. */
  static MediaType declared(String contentType, String name) {
    MediaType type = contentType == null ? null : MediaType.parse(contentType.trim().toLowerCase());
    if (type != null && !MediaType.OCTET_STREAM.equals(type.getBaseType())) {
      return REGISTRY.normalize(type.getBaseType());
    }
    Metadata byName = new Metadata();
    byName.set(TikaCoreProperties.RESOURCE_NAME_KEY, name);
    try {
      return REGISTRY.normalize(TYPES.detect(null, byName).getBaseType());
    } catch (IOException e) {
      return MediaType.OCTET_STREAM;
    }
  }

  /**
   * The stored type: the bytes' type, or the declared one where it refines it (a .docx is a zip, a .csv plain text).
   * A claim the bytes contradict is refused: a picture that is not one, an executable named .png.
   */
  static MediaType agreed(MediaType detected, MediaType declared) {
    if (MediaType.OCTET_STREAM.equals(declared) || declared.equals(detected)) {
      return detected;
    }
    if (REGISTRY.isInstanceOf(declared, detected) && !PICTURES.contains(declared.toString())
        && !(MediaType.OCTET_STREAM.equals(detected) && recognizable(declared))) {
      return declared;
    }
    if (REGISTRY.isInstanceOf(detected, declared)) {
      return detected;
    }
    throw new ChatException(ChatError.UNSUPPORTED_TYPE, "the file is " + detected + ", not the " + declared
        + " it was declared as");
  }

  /** Whether Tika knows this type's magic: bytes of that type would have been recognized as it. */
  private static boolean recognizable(MediaType type) {
    try {
      return TYPES.forName(type.toString()).hasMagic();
    } catch (org.apache.tika.mime.MimeTypeException e) {
      return false;
    }
  }

  /** Width and height from the header; a thumbnail decoded at a fraction of the size where the format allows. */
  private static Inspected picture(Path file, String mime) {
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        return new Inspected(Attachment.FILE, mime, 0, 0, null);
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        Orientation orientation = Orientation.of(file);
        byte[] thumbnail = (long) width * height > MAX_THUMB_SOURCE_PIXELS ? null
            : thumbnail(reader, width, height, orientation);
        // the size as the picture is shown: a phone's portrait photo is often stored landscape, turned by EXIF
        return orientation.swapsSides() ? new Inspected(Attachment.IMAGE, mime, height, width, thumbnail)
            : new Inspected(Attachment.IMAGE, mime, width, height, thumbnail);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      throw new ChatException(ChatError.UNSUPPORTED_TYPE, "the picture could not be read: " + e.getMessage());
    }
  }

  private static byte[] thumbnail(ImageReader reader, int width, int height, Orientation orientation)
      throws IOException {
    int longest = Math.max(width, height);
    ImageReadParam param = reader.getDefaultReadParam();
    int step = Math.max(1, longest / (THUMB_PIXELS * 2));
    param.setSourceSubsampling(step, step, 0, 0);
    BufferedImage source = orientation.upright(reader.read(0, param));
    double scale = Math.min(1.0, (double) THUMB_PIXELS / Math.max(source.getWidth(), source.getHeight()));
    int w = Math.max(1, (int) Math.round(source.getWidth() * scale));
    int h = Math.max(1, (int) Math.round(source.getHeight() * scale));
    BufferedImage thumb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = thumb.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setColor(java.awt.Color.WHITE); // JPEG has no transparency: a transparent PNG is shown on white
      g.fillRect(0, 0, w, h);
      g.drawImage(source, 0, 0, w, h, null);
    } finally {
      g.dispose();
    }
    return jpeg(thumb);
  }

  private static byte[] jpeg(BufferedImage image) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(0.8f);
      writer.write(null, new IIOImage(image, null, null), param);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }
}
