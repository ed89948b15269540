package io.github.minichat.message;

import io.github.minichat.common.Attachment;
import io.vertx.core.json.JsonObject;

/** An attachment as the {@code attachment} jsonb column of a message holds it (the upload as it was sent). */
final class Attachments {

  private Attachments() {
  }

  /** The column's text (a jsonb parameter travels as text and is cast), or null. */
  static String toColumn(Attachment attachment) {
    if (attachment == null) {
      return null;
    }
    return new JsonObject()
        .put("id", attachment.fileId())
        .put("kind", attachment.kind())
        .put("mime", attachment.mime())
        .put("size", attachment.size())
        .put("name", attachment.name())
        .put("width", attachment.width())
        .put("height", attachment.height())
        .put("thumb", attachment.hasThumb())
        .encode();
  }

  /** The column's value as the driver returns it (a JsonObject for jsonb, or its text), or null. */
  static Attachment fromColumn(Object value) {
    JsonObject json = value instanceof JsonObject object ? object
        : value instanceof String text ? new JsonObject(text) : null;
    if (json == null) {
      return null;
    }
    return new Attachment(json.getString("id"), json.getString("kind"), json.getString("mime"),
        json.getLong("size", 0L), json.getString("name"), json.getInteger("width", 0), json.getInteger("height", 0),
        json.getBoolean("thumb", false));
  }
}
