package io.github.minichat.gateway;

import io.github.minichat.common.Attachment;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.FileRegistration;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads and downloads under {@code /api/files}: {@code POST} takes one file as {@code uni.uploadFile} and
 * {@code wx.uploadFile} send it (multipart, bearer token), streamed to disk and cut off at {@code
 * CHAT_MAX_FILE_BYTES}; its type is checked against its bytes, a picture gets its size and a thumbnail, and the
 * upload is kept and recorded as its owner's until a message sends it. {@code GET <id>} and {@code <id>/thumb} serve
 * through links signed for one reader; {@code GET <id>/link} mints fresh ones for a user who may read the file.
 */
final class FileRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(FileRoutes.class);
  /** Room for the multipart framing around the file (boundaries, part headers, a few form fields). */
  private static final int MULTIPART_OVERHEAD = 64 * 1024;
  private static final int MAX_NAME_LENGTH = 200;
  private static final Pattern FILE_ID = Pattern.compile("[A-Za-z0-9_-]{22}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String JSON = "application/json; charset=utf-8";

  private final FilesConfig config;
  private final String publicUrl;
  private final RateLimits rateLimits;
  private final UploadSlots slots;
  private final FileRegistry registry;
  private final FileStorage storage;
  private final SignedLinks links;
  private final WorkerExecutor inspectors;

  FileRoutes(FilesConfig config, String publicUrl, RateLimits rateLimits, UploadSlots slots, FileRegistry registry, FileStorage storage,
             SignedLinks links, WorkerExecutor inspectors) {
    this.config = config;
    this.publicUrl = publicUrl;
    this.rateLimits = rateLimits;
    this.slots = slots;
    this.registry = registry;
    this.storage = storage;
    this.links = links;
    this.inspectors = inspectors;
  }

  /**
   * Mounts before the API's JSON body handler: an upload streams to disk instead, and a download carries its
   * authorization in its link, not in a token. {@code authenticate} is the API's bearer-token check.
   */
  void mount(Router api, Handler<RoutingContext> authenticate) {
    // two routes, because vertx-web puts a body handler before any other on its route: these checks are
    // synchronous, so no byte of the body is read (or written to disk) before they pass
    api.post("/files").handler(authenticate).handler(this::admit);
    api.post("/files")
        .handler(BodyHandler.create(storage.uploadsDirectory())
            .setBodyLimit((long) config.maxFileBytes() + MULTIPART_OVERHEAD)
            .setDeleteUploadedFilesOnEnd(true))
        .handler(ApiRoutes.answer(201, this::upload));
    api.get("/files/:id/link").handler(authenticate).handler(ApiRoutes.answer(200, this::link));
    api.get("/files/:id").handler(ctx -> download(ctx, false));
    api.get("/files/:id/thumb").handler(ctx -> download(ctx, true));
  }

  /**
   * Refuses before the body is read: not multipart, declaring a body too large, over the hourly quota, or with
   * every upload slot of this gateway taken. A slot is held until the response ends, however it ends.
   */
  private void admit(RoutingContext ctx) {
    try {
      String type = ctx.request().getHeader("Content-Type");
      if (type == null || !type.toLowerCase().startsWith("multipart/form-data")) {
        throw new ChatException(ChatError.INVALID_FIELD, "an upload is multipart/form-data with the file in a part");
      }
      String length = ctx.request().getHeader("Content-Length");
      if (length != null && length.matches("\\d{1,18}")
          && Long.parseLong(length) > (long) config.maxFileBytes() + MULTIPART_OVERHEAD) {
        throw tooLarge();
      }
      slots.take();
    } catch (ChatException e) {
      ctx.fail(e);
      return;
    }
    try {
      rateLimits.takeUpload(ApiRoutes.user(ctx)); // after the slot: a gateway too busy costs no quota
    } catch (ChatException e) {
      slots.release();
      ctx.fail(e);
      return;
    }
    ctx.addEndHandler(ended -> slots.release());
    ctx.next();
  }

  private Future<String> upload(RoutingContext ctx) {
    long owner = ApiRoutes.user(ctx);
    List<FileUpload> uploads = ctx.fileUploads();
    if (uploads.size() != 1) {
      throw new ChatException(ChatError.INVALID_FIELD, "an upload carries exactly one file (it had " + uploads.size()
          + ")");
    }
    FileUpload upload = uploads.get(0);
    if (upload.size() > config.maxFileBytes()) {
      throw tooLarge();
    }
    if (upload.size() == 0) {
      throw new ChatException(ChatError.INVALID_FIELD, "the file is empty");
    }
    String name = name(ctx.request().getFormAttribute("name"), upload.fileName());
    String fileId = newId();
    Future<UploadInspector.Inspected> inspected = inspectors.executeBlocking(
        () -> UploadInspector.inspect(Path.of(upload.uploadedFileName()), upload.contentType(), name), false);
    return inspected.compose(found -> keep(fileId, upload.uploadedFileName(), found)
        .compose(kept -> {
          Attachment attachment = found.attachment(fileId, upload.size(), name);
          return registry.register(new FileRegistration(owner, attachment))
              .recover(refused -> forget(fileId, found).transform(ignored -> Future.failedFuture(refused)))
              .map(registered -> described(attachment, links(ctx)).encode());
        }));
  }

  /** The bytes, then the thumbnail; a failure halfway leaves nothing behind. */
  private Future<Void> keep(String fileId, String path, UploadInspector.Inspected found) {
    Future<Void> file = storage.put(FileStorage.fileKey(fileId), path, found.mime());
    if (found.thumbnail() == null) {
      return file;
    }
    return file.compose(stored -> storage.put(FileStorage.thumbKey(fileId), Buffer.buffer(found.thumbnail()),
            "image/jpeg")
        .recover(failed -> forget(fileId, found).transform(ignored -> Future.failedFuture(failed))));
  }

  private Future<Void> forget(String fileId, UploadInspector.Inspected found) {
    Future<Void> file = storage.delete(FileStorage.fileKey(fileId));
    Future<Void> thumb = found.thumbnail() == null ? Future.succeededFuture()
        : storage.delete(FileStorage.thumbKey(fileId));
    return Future.join(file, thumb).<Void>mapEmpty()
        .onFailure(failure -> LOG.warn("Upload {} not removed from storage: {}", fileId, failure.toString()));
  }

  private Future<String> link(RoutingContext ctx) {
    String fileId = fileId(ctx);
    FileLinks reader = links(ctx);
    return registry.readable(ApiRoutes.user(ctx), fileId).map(file -> {
      JsonObject body = new JsonObject().put("url", reader.url(fileId, false));
      if (file.hasThumb()) {
        body.put("thumb_url", reader.url(fileId, true));
      }
      return body.put("expires_at", links.expiry() * 1000).encode();
    });
  }

  /** Serves a file to the reader its link was signed for, while that reader may still read it. */
  private void download(RoutingContext ctx, boolean thumb) {
    String fileId;
    long reader;
    long expires;
    try {
      fileId = fileId(ctx);
      reader = Long.parseLong(ctx.request().getParam("u", ""));
      expires = Long.parseLong(ctx.request().getParam("e", ""));
    } catch (NumberFormatException | ChatException e) {
      ctx.fail(new ChatException(ChatError.FORBIDDEN, "not a file link"));
      return;
    }
    if (!links.valid(fileId, thumb, reader, expires, ctx.request().getParam("s"))) {
      ctx.fail(new ChatException(ChatError.FORBIDDEN, "the link is not valid or has expired: ask for a new one"));
      return;
    }
    String id = fileId;
    registry.readable(reader, fileId)
        .compose(file -> {
          if (thumb && !file.hasThumb()) {
            return Future.failedFuture(new ChatException(ChatError.NOT_FOUND, "the file has no thumbnail"));
          }
          HttpServerResponse response = ctx.response();
          headers(response, file, thumb, expires);
          return storage.send(thumb ? FileStorage.thumbKey(id) : FileStorage.fileKey(id), response);
        })
        .onFailure(failure -> {
          if (!ctx.response().headWritten()) {
            ctx.fail(failure);
          } else {
            ctx.response().reset(); // a download cut short must not look complete
          }
        });
  }

  /**
   * What keeps a download from running as a page of ours: its own type and never a sniffed one, no script or
   * embedding, and anything but a plain picture (SVG and HTML included) as an attachment, never inline.
   */
  static void headers(HttpServerResponse response, Attachment file, boolean thumb, long expires) {
    String mime = thumb ? "image/jpeg" : file.mime();
    boolean inline = thumb || UploadInspector.PICTURES.contains(mime);
    String encoded = URLEncoder.encode(file.name(), StandardCharsets.UTF_8).replace("+", "%20");
    response.putHeader("Content-Type", mime)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Content-Security-Policy", "default-src 'none'; sandbox")
        .putHeader("Cross-Origin-Resource-Policy", "cross-origin")
        .putHeader("Content-Disposition", (inline ? "inline" : "attachment") + "; filename*=UTF-8''" + encoded)
        .putHeader("Cache-Control", "private, max-age="
            + Math.max(0, expires - System.currentTimeMillis() / 1000));
  }

  /** The upload's description, as the answer to it and as a message's {@code file}, with this reader's links. */
  static JsonObject described(Attachment file, FileLinks links) {
    JsonObject body = new JsonObject().put("id", file.fileId()).put("kind", file.kind()).put("mime", file.mime())
        .put("size", file.size()).put("name", file.name()).put("url", links.url(file.fileId(), false));
    if (file.image()) {
      body.put("width", file.width()).put("height", file.height());
    }
    if (file.hasThumb()) {
      body.put("thumb_url", links.url(file.fileId(), true));
    }
    return body;
  }

  private FileLinks links(RoutingContext ctx) {
    return links.forReader(ApiRoutes.user(ctx), PublicUrl.of(ctx.request(), publicUrl));
  }

  private ChatException tooLarge() {
    return new ChatException(ChatError.TOO_LARGE, "a file may have at most " + config.maxFileBytes() + " bytes");
  }

  private static String fileId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (id == null || !FILE_ID.matcher(id).matches()) {
      throw new ChatException(ChatError.NOT_FOUND, "no such file");
    }
    return id;
  }

  /** 128 random bits: an id nobody can guess, though a link's signature is what authorizes. */
  static String newId() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * The name to show: the form's {@code name}, else the part's file name; its last path segment, without control
   * characters, at most {@value #MAX_NAME_LENGTH} characters. Mini-programs name uploads {@code tmp_…}: the form
   * field carries the real one.
   */
  static String name(String given, String partName) {
    String name = given != null && !given.isBlank() ? given : partName;
    if (name == null) {
      return "file";
    }
    name = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1)
        .replaceAll("[\\p{Cntrl}\\p{Zl}\\p{Zp}\"]", "").strip();
    if (name.isEmpty()) {
      return "file";
    }
    return name.codePointCount(0, name.length()) <= MAX_NAME_LENGTH ? name
        : name.substring(0, name.offsetByCodePoints(0, MAX_NAME_LENGTH));
  }
}
