package io.github.minichat.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.minichat.common.Attachment;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.gateway.testing.TestPictures;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An upload is stored as what its bytes are: a claim they contradict is refused, a picture is measured and gets a
 * small thumbnail, and nothing a browser would run (HTML, SVG) passes for a picture. The properties run from a
 * fixed seed.
 */
class UploadInspectorTest {

  private static final String SEED = "20261203";

  @ParameterizedTest(name = "a real {0} is a picture, measured, with a thumbnail of at most 240 px")
  @ValueSource(strings = {"png", "jpeg", "gif", "bmp"})
  void realPicturesAreMeasuredAndThumbnailed(String format) throws IOException {
    Path file = write(TestPictures.picture(format, 640, 360));
    UploadInspector.Inspected found = UploadInspector.inspect(file, "image/" + format, "photo." + format);

    assertThat(found.kind()).isEqualTo(Attachment.IMAGE);
    assertThat(found.mime()).isEqualTo("image/" + format);
    assertThat(found.width()).isEqualTo(640);
    assertThat(found.height()).isEqualTo(360);
    BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(found.thumbnail()));
    assertThat(thumb.getWidth()).isEqualTo(UploadInspector.THUMB_PIXELS);
    assertThat(thumb.getHeight()).isEqualTo(135); // the picture's proportions
  }

  @Test
  @DisplayName("a WebP (what phones send) is a picture, measured and thumbnailed")
  void webpIsAPicture() throws IOException {
    byte[] webp;
    try (var in = getClass().getResourceAsStream("/uploads/gradient-360x240.webp")) {
      webp = in.readAllBytes(); // made with cwebp: Java writes no WebP
    }
    UploadInspector.Inspected found = UploadInspector.inspect(write(webp), "image/webp", "IMG_0001.webp");
    assertThat(found.kind()).isEqualTo(Attachment.IMAGE);
    assertThat(found.mime()).isEqualTo("image/webp");
    assertThat(found.width()).isEqualTo(360);
    assertThat(found.height()).isEqualTo(240);
    BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(found.thumbnail()));
    assertThat(thumb.getWidth()).isEqualTo(UploadInspector.THUMB_PIXELS);
    assertThat(thumb.getHeight()).isEqualTo(160);
  }

  @ParameterizedTest(name = "EXIF orientation {0}: the size and thumbnail are the way up the photo is shown")
  @ValueSource(ints = {1, 3, 6, 8})
  void exifOrientationTurnsTheThumbnail(int orientation) throws IOException {
    // stored 400 x 200: the left half red, the right half blue
    BufferedImage stored = new BufferedImage(400, 200, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = stored.createGraphics();
    g.setColor(Color.RED);
    g.fillRect(0, 0, 200, 200);
    g.setColor(Color.BLUE);
    g.fillRect(200, 0, 200, 200);
    g.dispose();
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    ImageIO.write(stored, "jpeg", jpeg);
    UploadInspector.Inspected found = UploadInspector.inspect(write(withOrientation(jpeg.toByteArray(), orientation)),
        "image/jpeg", "IMG_0002.jpg");

    BufferedImage thumb = ImageIO.read(new ByteArrayInputStream(found.thumbnail()));
    boolean quarter = orientation == 6 || orientation == 8;
    assertThat(found.width()).isEqualTo(quarter ? 200 : 400);
    assertThat(found.height()).isEqualTo(quarter ? 400 : 200);
    assertThat(thumb.getWidth()).isEqualTo(quarter ? 120 : 240);
    // where the stored left (red) half is shown: left (1), right (3, upside down), top (6), bottom (8)
    Color first = new Color(quarter ? thumb.getRGB(60, 30) : thumb.getRGB(30, 60));
    Color last = new Color(quarter ? thumb.getRGB(60, 210) : thumb.getRGB(210, 60));
    boolean redFirst = orientation == 1 || orientation == 6;
    assertThat(first.getRed() > first.getBlue()).as("red first: %s, %s", first, last).isEqualTo(redFirst);
    assertThat(last.getRed() > last.getBlue()).isEqualTo(!redFirst);
  }

  /** The JPEG with an EXIF segment holding only an orientation, right after its start marker. */
  private static byte[] withOrientation(byte[] jpeg, int orientation) {
    byte[] exif = {(byte) 0xFF, (byte) 0xE1, 0, 34, 'E', 'x', 'i', 'f', 0, 0,
        'I', 'I', 0x2A, 0, 8, 0, 0, 0,            // little-endian TIFF, first directory at 8
        1, 0,                                      // one entry
        0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte) orientation, 0, 0, 0,   // 0x0112 orientation, SHORT, 1
        0, 0, 0, 0};                               // no next directory
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    out.writeBytes(exif);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  @Test
  @DisplayName("a picture smaller than a thumbnail keeps its size in the thumbnail; a tall one is bounded by its height")
  void thumbnailsAreBoundedOnTheLongestSide() throws IOException {
    BufferedImage small = ImageIO.read(new ByteArrayInputStream(
        UploadInspector.inspect(write(TestPictures.picture("png", 100, 50)), "image/png", "s.png").thumbnail()));
    assertThat(small.getWidth()).isEqualTo(100);
    BufferedImage tall = ImageIO.read(new ByteArrayInputStream(
        UploadInspector.inspect(write(TestPictures.picture("jpeg", 300, 3000)), "image/jpeg", "t.jpg").thumbnail()));
    assertThat(tall.getHeight()).isEqualTo(UploadInspector.THUMB_PIXELS);
    assertThat(tall.getWidth()).isEqualTo(24);
  }

  @Test
  @DisplayName("a picture whose header claims more than 50 megapixels is measured but never decoded")
  void hugePicturesGetNoThumbnail() throws IOException {
    Path file = write(pngHeaderOnly(10_000, 6_000));
    UploadInspector.Inspected found = UploadInspector.inspect(file, "image/png", "huge.png");
    assertThat(found.kind()).isEqualTo(Attachment.IMAGE);
    assertThat(found.width()).isEqualTo(10_000);
    assertThat(found.thumbnail()).isNull();
  }

  @Test
  @DisplayName("a PNG declared as a JPEG, or named .jpg, is refused")
  void aPictureOfAnotherTypeIsRefused() throws IOException {
    Path png = write(TestPictures.picture("png", 20, 20));
    assertRefused(png, "image/jpeg", "photo.jpg");
    assertRefused(png, "application/octet-stream", "photo.jpg");
  }

  @Test
  @DisplayName("an executable, an HTML page or an SVG declared as a picture is refused")
  void activeContentDeclaredAsAPictureIsRefused() throws IOException {
    byte[] exe = new byte[512];
    exe[0] = 'M';
    exe[1] = 'Z';
    assertRefused(write(exe), "image/png", "cat.png");
    assertRefused(write(ascii("<!DOCTYPE html><html><script>alert(1)</script></html>")), "image/png", "cat.png");
    assertRefused(write(ascii("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>")),
        "image/jpeg", "cat.jpg");
  }

  @Test
  @DisplayName("HTML and SVG declared as what they are are kept as files, never as pictures")
  void htmlAndSvgAreFiles() throws IOException {
    UploadInspector.Inspected html = UploadInspector.inspect(
        write(ascii("<!DOCTYPE html><html><body>hi</body></html>")), "text/html", "page.html");
    assertThat(html.kind()).isEqualTo(Attachment.FILE);
    assertThat(html.mime()).isEqualTo("text/html");
    UploadInspector.Inspected svg = UploadInspector.inspect(
        write(ascii("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\"/>")),
        "image/svg+xml", "logo.svg");
    assertThat(svg.kind()).isEqualTo(Attachment.FILE);
    assertThat(UploadInspector.PICTURES).doesNotContain(svg.mime());
  }

  @Test
  @DisplayName("a declared type the bytes only refine is kept: a .docx is a zip, a .csv is text")
  void refinementsOfTheDetectedTypeAreKept() throws IOException {
    UploadInspector.Inspected docx = UploadInspector.inspect(write(zip()), "application/octet-stream",
        "report.docx");
    assertThat(docx.mime()).isEqualTo("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    UploadInspector.Inspected csv = UploadInspector.inspect(write(ascii("a,b\n1,2\n")), null, "table.csv");
    assertThat(csv.mime()).isEqualTo("text/csv");
    assertThat(csv.kind()).isEqualTo(Attachment.FILE);
  }

  @Property(tries = 300, seed = SEED)
  void arbitraryBytesNeverPassForAPicture(@ForAll("noPictureMagic") byte[] bytes,
                                          @ForAll("declaredTypes") String declared) {
    Path file = write(bytes);
    try {
      UploadInspector.Inspected found = UploadInspector.inspect(file, declared, "upload");
      assertThat(found.kind()).isEqualTo(Attachment.FILE);
      assertThat(UploadInspector.PICTURES).doesNotContain(found.mime());
      assertThat(found.thumbnail()).isNull();
    } catch (ChatException refused) {
      assertThat(refused.error()).isEqualTo(ChatError.UNSUPPORTED_TYPE);
    } finally {
      delete(file);
    }
  }

  @Property(tries = 100, seed = SEED)
  void aTruncatedPictureIsRefusedOrMeasuredNeverAFailure(@ForAll("cutOffs") int keep) throws IOException {
    byte[] whole = TestPictures.picture("png", 300, 200);
    byte[] cut = java.util.Arrays.copyOf(whole, Math.min(whole.length, keep));
    Path file = write(cut);
    try {
      UploadInspector.Inspected found = UploadInspector.inspect(file, "image/png", "cut.png");
      assertThat(found.mime()).isEqualTo("image/png");
    } catch (ChatException refused) {
      assertThat(refused.error()).isEqualTo(ChatError.UNSUPPORTED_TYPE);
    } finally {
      delete(file);
    }
  }

  @Provide
  Arbitrary<byte[]> noPictureMagic() {
    // the first byte of no picture signature (PNG 0x89, JPEG 0xFF, GIF 'G', BMP 'B', WebP 'R'), so that no random
    // run can happen to be a real picture
    return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(2048).map(bytes -> {
      if ("\u0089\u00ffGBR".indexOf((char) (bytes[0] & 0xff)) >= 0) {
        bytes[0] = 0;
      }
      return bytes;
    });
  }

  @Provide
  Arbitrary<String> declaredTypes() {
    return Arbitraries.of("image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "IMAGE/PNG ",
        "application/octet-stream", "text/plain", "text/html", "image/svg+xml", "application/pdf", "image/png; x=1");
  }

  @Provide
  Arbitrary<Integer> cutOffs() {
    return Arbitraries.integers().between(1, 4096);
  }

  private static void assertRefused(Path file, String declared, String name) {
    ChatException refused = catchThrowableOfType(ChatException.class,
        () -> UploadInspector.inspect(file, declared, name));
    assertThat(refused).as("%s declared %s", name, declared).isNotNull();
    assertThat(refused.error()).isEqualTo(ChatError.UNSUPPORTED_TYPE);
  }

  /** A PNG signature and header for a picture of this size, and no pixels. */
  private static byte[] pngHeaderOnly(int width, int height) {
    ByteBuffer header = ByteBuffer.allocate(13).putInt(width).putInt(height).put(new byte[] {8, 2, 0, 0, 0});
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    chunk(out, "IHDR", header.array());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] name = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(name);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(name);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  private static byte[] zip() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.putNextEntry(new ZipEntry("word/document.xml"));
      zip.write(ascii("<w:document/>"));
      zip.closeEntry();
    }
    return bytes.toByteArray();
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static Path write(byte[] bytes) {
    try {
      Path file = Files.createTempFile("upload", ".bin");
      file.toFile().deleteOnExit();
      return Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
