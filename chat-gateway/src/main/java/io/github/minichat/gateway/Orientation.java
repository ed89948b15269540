package io.github.minichat.gateway;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.metadata.MetadataException;
import com.drew.metadata.exif.ExifIFD0Directory;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * How a picture's pixels are turned to be shown (its EXIF orientation, 1 to 8): cameras store a portrait photo as
 * landscape pixels and say so here, and viewers turn it. Read with metadata-extractor; a picture without EXIF, or
 * with EXIF it cannot read, is upright.
 */
record Orientation(int exif) {

  static final Orientation UPRIGHT = new Orientation(1);

  static Orientation of(Path file) {
    try {
      ExifIFD0Directory exif = ImageMetadataReader.readMetadata(file.toFile())
          .getFirstDirectoryOfType(ExifIFD0Directory.class);
      if (exif == null || !exif.containsTag(ExifIFD0Directory.TAG_ORIENTATION)) {
        return UPRIGHT;
      }
      int value = exif.getInt(ExifIFD0Directory.TAG_ORIENTATION);
      return value >= 1 && value <= 8 ? new Orientation(value) : UPRIGHT;
    } catch (ImageProcessingException | MetadataException | IOException | RuntimeException unreadable) {
      return UPRIGHT;
    }
  }

  /** Orientations 5 to 8 turn the picture a quarter: its shown width is its stored height. */
  boolean swapsSides() {
    return exif >= 5;
  }

  /** The pixels as they are shown. */
  BufferedImage upright(BufferedImage stored) {
    if (exif == 1) {
      return stored;
    }
    int w = stored.getWidth();
    int h = stored.getHeight();
    // where the stored pixel (x, y) is shown, for each orientation (EXIF 2.32, tag 0x0112)
    AffineTransform turn = switch (exif) {
      case 2 -> new AffineTransform(-1, 0, 0, 1, w, 0);     // mirrored
      case 3 -> new AffineTransform(-1, 0, 0, -1, w, h);    // upside down
      case 4 -> new AffineTransform(1, 0, 0, -1, 0, h);     // mirrored upside down
      case 5 -> new AffineTransform(0, 1, 1, 0, 0, 0);      // transposed
      case 6 -> new AffineTransform(0, 1, -1, 0, h, 0);     // a quarter clockwise
      case 7 -> new AffineTransform(0, -1, -1, 0, h, w);    // transversed
      default -> new AffineTransform(0, -1, 1, 0, 0, w);    // 8: a quarter counter-clockwise
    };
    BufferedImage shown = new BufferedImage(swapsSides() ? h : w, swapsSides() ? w : h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = shown.createGraphics();
    try {
      g.setColor(java.awt.Color.WHITE); // as the thumbnail: a transparent picture is shown on white
      g.fillRect(0, 0, shown.getWidth(), shown.getHeight());
      g.drawImage(stored, turn, null);
    } finally {
      g.dispose();
    }
    return shown;
  }
}
