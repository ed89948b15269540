package io.github.minichat.gateway;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.HistoryRequest;
import io.github.minichat.common.MarkRead;
import io.github.minichat.common.MessageChange;
import io.github.minichat.common.Origin;
import io.github.minichat.common.UnreadSummary;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.function.Function;

/**
 * The HTTP API under {@code /api}: sending, history, unread counts, read marks and presence, each for the user of
 * the request's bearer token only, and recalls and deletions of messages; groups and the conversation list in
 * {@link GroupRoutes}, uploads in {@link FileRoutes}. Errors are JSON {@code {"error":{"code","message"}}} with a matching status.
 */
final class ApiRoutes {

  private static final String USER = "userId";
  private static final String JSON = "application/json; charset=utf-8";

  private final GatewayConfig config;
  private final Authenticator authenticator;
  private final Services services;
  private final RateLimits rateLimits;
  private final ClientFrames frames;
  private final SendRules sendRules;
  private final LinkSigner signer;
  private final FileRoutes files;

  ApiRoutes(GatewayConfig config, Authenticator authenticator, Services services, RateLimits rateLimits,
            ClientFrames frames, SendRules sendRules, LinkSigner signer, FileRoutes files) {
    this.signer = signer;
    this.files = files;
    this.config = config;
    this.authenticator = authenticator;
    this.services = services;
    this.rateLimits = rateLimits;
    this.frames = frames;
    this.sendRules = sendRules;
  }

  Router router(Vertx vertx) {
    Router api = Router.router(vertx);
    files.mount(api, this::authenticate);
    api.route().handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()));
    api.route().handler(this::authenticate);
    api.post("/messages").handler(answer(201, this::send));
    api.get("/messages/unread").handler(answer(200, ctx -> services.unread(user(ctx)).map(ApiRoutes::unread)));
    api.post("/messages/read").handler(answer(200, this::markRead));
    api.get("/messages").handler(answer(200, this::history));
    api.post("/messages/:id/recall").handler(answer(200, ctx -> change(ctx, true)));
    api.delete("/messages/:id").handler(answer(200, ctx -> change(ctx, false)));
    api.get("/presence/:userId").handler(answer(200,
        ctx -> services.presence(Fields.id(params(ctx), "userId")).map(ServerFrames::presence)));
    new GroupRoutes(config, services, frames, sendRules, this::links).mount(api);
    api.route().failureHandler(ApiRoutes::fail);
    return api;
  }

  /** A route that answers a JSON body with {@code status}; a refusal, thrown or failed, becomes the error answer. */
  static Handler<RoutingContext> answer(int status, Function<RoutingContext, Future<String>> route) {
    return ctx -> {
      Future<String> body;
      try {
        body = route.apply(ctx);
      } catch (RuntimeException e) {
        ctx.fail(e);
        return;
      }
      body.onSuccess(json -> ctx.response().setStatusCode(status).putHeader("Content-Type", JSON).end(json))
          .onFailure(ctx::fail);
    };
  }

  private void authenticate(RoutingContext ctx) {
    long userId;
    try {
      userId = authenticator.user(ctx.request(), false);
    } catch (ChatException e) {
      Authenticator.askForToken(ctx.response());
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

  private Future<String> send(RoutingContext ctx) {
    long from = user(ctx);
    // is_read from the client is ignored: the server decides what is read
    return services.send(sendRules.admit(from, frames.send(jsonBody(ctx)), Origin.HTTP, null))
        .map(result -> ServerFrames.text(result.message(), from, links(ctx)));
  }

  /** A recall ({@code recall}) or a deletion for the user of one of their one-to-one messages. */
  private Future<String> change(RoutingContext ctx, boolean recall) {
    long messageId = Fields.id(params(ctx), "id");
    return services.change(new MessageChange(user(ctx), messageId,
            recall ? MessageChange.Kind.RECALL : MessageChange.Kind.DELETE))
        .map(changed -> ServerFrames.changed(changed, recall));
  }

  /** Links to uploads for the request's user, under the address the request came to. */
  FileLinks links(RoutingContext ctx) {
    return signer.forReader(user(ctx), PublicUrl.of(ctx.request(), config.publicUrl()));
  }

  private static String unread(UnreadSummary summary) {
    JsonObject peers = new JsonObject();
    summary.peers().forEach((peer, count) -> peers.put(Long.toString(peer), count));
    return new JsonObject().put("countNum", summary.countNum()).put("peers", peers).put("version", summary.version())
        .encode();
  }

  private Future<String> history(RoutingContext ctx) {
    JsonObject params = params(ctx);
    long user = user(ctx);
    long peer = Fields.id(params, "peer");
    Long before = Fields.optionalId(params, "before");
    long limit = Fields.number(params, "limit", GatewayConfig.DEFAULT_HISTORY_LIMIT);
    if (limit < 1) {
      throw Fields.invalid("limit must be at least 1");
    }
    boolean markRead = Fields.flag(ctx.request().getParam("mark_read"), true);
    HistoryRequest request = new HistoryRequest(user, peer, before,
        (int) Math.min(limit, config.limits().maxHistoryPage()), markRead);
    return services.history(request)
        .map(page -> ServerFrames.historyPage(page.messages(), page.hasMore(), user, links(ctx)));
  }

  private Future<String> markRead(RoutingContext ctx) {
    ClientFrame.Read read = frames.read(jsonBody(ctx));
    return services.markRead(new MarkRead(user(ctx), read.peer(), read.upTo()))
        .map(count -> new JsonObject().put("countNum", count.countNum()).encode());
  }

  static long user(RoutingContext ctx) {
    return ctx.<Long>get(USER);
  }

  private JsonObject jsonBody(RoutingContext ctx) {
    return jsonBody(ctx, frames);
  }

  /** The request's JSON object body; none, or not an object, is refused. */
  static JsonObject jsonBody(RoutingContext ctx, ClientFrames frames) {
    if (ctx.body().buffer() == null || ctx.body().length() == 0) {
      throw new ChatException(ChatError.INVALID_JSON, "request body must be a JSON object");
    }
    return frames.object(ctx.body().buffer().getBytes());
  }

  static JsonObject params(RoutingContext ctx) {
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
        .putHeader("Content-Type", JSON)
        .end(ServerFrames.httpError(error, message));
  }
}
