package io.github.minichat.gateway;

import io.github.minichat.common.UserTokens;
import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.time.Duration;

/**
 * The chat page at {@code /} and the JavaScript client module it is built on at {@code /client/}, both served from
 * the jar's {@code webroot/}; and, in the dev profile only, {@code POST /dev/token}, which mints a token for any user
 * id so that the page can sign in without a login service. In the prod profile that route does not exist (404).
 */
final class PageRoutes {

  /** Validity of a token minted by {@code /dev/token}. */
  static final Duration DEV_TOKEN_TTL = Duration.ofHours(24);

  private PageRoutes() {
  }

  /** Mounts the routes; call after the API routes and before the catch-all 404. */
  static void mount(Router router, Vertx vertx, GatewayConfig config) {
    if (!config.profile().isProduction()) {
      router.post("/dev/token")
          .handler(BodyHandler.create(false).setBodyLimit(1024))
          .respond(ctx -> mint(ctx, config));
      router.route("/dev/*").failureHandler(ApiRoutes::fail);
    }
    router.route("/client/*").handler(StaticHandler.create("webroot/client"));
    router.route("/*").handler(StaticHandler.create("webroot/page"));
  }

  private static Future<JsonObject> mint(RoutingContext ctx, GatewayConfig config) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      body = null;
    }
    if (body == null) {
      throw new ChatException(ChatError.INVALID_JSON, "request body must be a JSON object");
    }
    long userId = Fields.id(body, "userId");
    String token = UserTokens.mint(config.jwtSecret(), userId, DEV_TOKEN_TTL);
    return Future.succeededFuture(new JsonObject()
        .put("userId", userId)
        .put("token", token)
        .put("expires_in", DEV_TOKEN_TTL.toSeconds()));
  }
}
