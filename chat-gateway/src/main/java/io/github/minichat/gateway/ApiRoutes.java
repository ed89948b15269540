package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.HistoryRequest;
import io.github.minichat.common.MarkRead;
import io.github.minichat.common.Origin;
import io.github.minichat.common.SendMessage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The HTTP API under {@code /api}: sending, history, unread counts, read marks and presence, each for the user of
 * the request's bearer token only. Errors are JSON {@code {"error":{"code","message"}}} with a matching status.
 */
final class ApiRoutes {

  private static final String USER = "userId";

  private final GatewayConfig config;
  private final TokenVerifier tokens;
  private final ServiceClient services;
  private final RateLimits rateLimits;
  private final JsonFrames json;

  ApiRoutes(GatewayConfig config, TokenVerifier tokens, ServiceClient services, RateLimits rateLimits,
            JsonFrames json) {
    this.config = config;
    this.tokens = tokens;
    this.services = services;
    this.rateLimits = rateLimits;
    this.json = json;
  }

  Router router(Vertx vertx) {
    Router api = Router.router(vertx);
    api.route().handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()));
    api.route().handler(this::authenticate);
    api.post("/messages").respond(this::send);
    api.get("/messages/unread").respond(ctx -> services.unread(user(ctx))
        .map(summary -> {
          JsonObject peers = new JsonObject();
          summary.peers().forEach((peer, count) -> peers.put(Long.toString(peer), count));
          return new JsonObject().put("countNum", summary.countNum()).put("peers", peers)
              .put("version", summary.version());
        }));
    api.post("/messages/read").respond(this::markRead);
    api.get("/messages").respond(this::history);
    api.get("/presence/:userId").respond(ctx -> services.presence(Wire.id(params(ctx), "userId")).map(Wire::presence));
    api.route().failureHandler(ApiRoutes::fail);
    return api;
  }

  private void authenticate(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
    long userId;
    try {
      userId = tokens.verify(token);
    } catch (ChatException e) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
      ctx.fail(e);
      return;
    }
    try {
      rateLimits.takeHttpRequest(userId);
    } catch (ChatException e) {
      ctx.fail(e);
      return;
    }
    ctx.put(USER, userId);
    ctx.next();
  }

  private Future<JsonObject> send(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    long from = user(ctx);
    Long claimedSender = Wire.optionalId(body, "from_id");
    if (claimedSender != null && claimedSender != from) {
      throw new ChatException(ChatError.FORBIDDEN, "from_id is not the user of this request's token");
    }
    long to = Wire.id(body, "to_id");
    String text = Wire.text(body, "message", config.maxTextLength());
    String cid = Wire.cid(body);
    if (to == from) {
      throw new ChatException(ChatError.SELF_MESSAGE, "cannot send a message to yourself");
    }
    rateLimits.takeMessage(from);
    // is_read from the client is ignored: the server decides what is read
    return services.send(new SendMessage(from, to, text, cid, Origin.HTTP, null))
        .map(result -> {
          ctx.response().setStatusCode(201);
          return Wire.text(result.message(), from);
        });
  }

  private Future<JsonObject> history(RoutingContext ctx) {
    JsonObject params = params(ctx);
    long user = user(ctx);
    long peer = Wire.id(params, "peer");
    Long before = Wire.optionalId(params, "before");
    long limit = Wire.number(params, "limit", GatewayConfig.DEFAULT_HISTORY_LIMIT);
    if (limit < 1) {
      throw Wire.invalid("limit must be at least 1");
    }
    boolean markRead = Wire.flag(ctx.request().getParam("mark_read"), true);
    HistoryRequest request = new HistoryRequest(user, peer, before,
        (int) Math.min(limit, config.limits().maxHistoryPage()), markRead);
    return services.history(request)
        .map(page -> new JsonObject()
            .put("messages", Wire.texts(page.messages(), user))
            .put("has_more", page.hasMore()));
  }

  private Future<JsonObject> markRead(RoutingContext ctx) {
    JsonObject body = jsonBody(ctx);
    return services.markRead(new MarkRead(user(ctx), Wire.id(body, "peer"), Wire.optionalId(body, "up_to")))
        .map(count -> new JsonObject().put("countNum", count.countNum()));
  }

  private static long user(RoutingContext ctx) {
    return ctx.<Long>get(USER);
  }

  private JsonObject jsonBody(RoutingContext ctx) {
    if (ctx.body().buffer() == null || ctx.body().length() == 0) {
      throw new ChatException(ChatError.INVALID_JSON, "request body must be a JSON object");
    }
    return json.parse(ctx.body().buffer().getBytes());
  }

  private static JsonObject params(RoutingContext ctx) {
    JsonObject params = new JsonObject();
    ctx.queryParams().forEach(param -> params.put(param.getKey(), param.getValue()));
    ctx.pathParams().forEach(params::put);
    return params;
  }

  static void fail(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    ChatError error;
    String message;
    if (failure != null) {
      error = ChatError.of(failure);
      message = ChatException.clientMessage(failure);
    } else {
      error = switch (ctx.statusCode()) {
        case 400 -> ChatError.INVALID_FIELD;
        case 401 -> ChatError.UNAUTHORIZED;
        case 403 -> ChatError.FORBIDDEN;
        case 413 -> ChatError.TOO_LARGE;
        case 404, 405 -> ChatError.NOT_FOUND;
        default -> ChatError.INTERNAL;
      };
      message = switch (ctx.statusCode()) {
        case 413 -> "request body is larger than allowed";
        case 404 -> "no such resource";
        case 405 -> "method not allowed here";
        default -> "request refused";
      };
    }
    int status = failure == null && ctx.statusCode() > 0 ? ctx.statusCode() : error.httpStatus();
    long retryAfterMillis = failure instanceof ChatException chat ? chat.retryAfterMillis() : 0;
    respond(ctx.response(), status, error, message, retryAfterMillis);
  }

  /** Answers with a JSON error; a retryable one or one that names a wait carries Retry-After (whole seconds). */
  static void respond(HttpServerResponse response, ChatError error, String message, long retryAfterMillis) {
    respond(response, error.httpStatus(), error, message, retryAfterMillis);
  }

  private static void respond(HttpServerResponse response, int status, ChatError error, String message,
                              long retryAfterMillis) {
    GatewayMetrics.error(error);
    if (retryAfterMillis > 0 || error.retryable()) {
      response.putHeader("Retry-After", Long.toString(Math.max(1, (retryAfterMillis + 999) / 1000)));
    }
    response
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .end(Wire.httpError(error, message).encode());
  }
}
