package io.github.minichat.gateway;

import io.github.minichat.common.ConversationPrefs;
import io.github.minichat.common.ConversationsRequest;
import io.github.minichat.common.GroupAction;
import io.github.minichat.common.GroupCommand;
import io.github.minichat.common.GroupHistoryRequest;
import io.github.minichat.common.GroupInfo;
import io.github.minichat.common.GroupMembersRequest;
import io.github.minichat.common.GroupRead;
import io.github.minichat.common.Origin;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Function;

/**
 * The HTTP API of groups and the conversation list, under {@code /api}, for the user of the request's token. Who may
 * do what is the message service's to decide (it holds the members); here requests are read and answered.
 */
final class GroupRoutes {

  /** The longest group name, in characters. */
  static final int MAX_NAME_LENGTH = 64;
  /** Users one request may add, remove or change the role of. */
  static final int MAX_USERS_PER_REQUEST = 500;
  static final int DEFAULT_CONVERSATION_PAGE = 20;
  static final int MAX_CONVERSATION_PAGE = 100;
  private static final int MAX_CURSOR_LENGTH = 200;

  private final GatewayConfig config;
  private final Services services;
  private final ClientFrames frames;
  private final SendRules sendRules;
  private final Function<RoutingContext, FileLinks> links;

  GroupRoutes(GatewayConfig config, Services services, ClientFrames frames, SendRules sendRules,
              Function<RoutingContext, FileLinks> links) {
    this.links = links;
    this.config = config;
    this.services = services;
    this.frames = frames;
    this.sendRules = sendRules;
  }

  void mount(Router api) {
    api.post("/groups").handler(ApiRoutes.answer(201, this::create));
    api.get("/groups").handler(ApiRoutes.answer(200,
        ctx -> services.groups(ApiRoutes.user(ctx)).map(ServerFrames::groups)));
    // PUT too: WeChat's wx.request has no PATCH
    api.put("/groups/:groupId").handler(ApiRoutes.answer(200, this::rename));
    api.patch("/groups/:groupId").handler(ApiRoutes.answer(200, this::rename));
    api.delete("/groups/:groupId").handler(ApiRoutes.answer(200, ctx -> change(ctx, GroupAction.DISSOLVE, null,
        List.of(), null)));
    api.get("/groups/:groupId/members").handler(ApiRoutes.answer(200, ctx -> services.groupMembers(
        new GroupMembersRequest(ApiRoutes.user(ctx), groupId(ctx))).map(ServerFrames::members)));
    api.post("/groups/:groupId/members").handler(ApiRoutes.answer(200, ctx -> change(ctx, GroupAction.ADD, null,
        userIds(body(ctx)), null)));
    api.delete("/groups/:groupId/members/:userId").handler(ApiRoutes.answer(200, this::remove));
    api.put("/groups/:groupId/members/:userId/role").handler(ApiRoutes.answer(200, ctx -> change(ctx,
        GroupAction.SET_ROLE, null, List.of(pathUser(ctx)), role(body(ctx)))));
    api.post("/groups/:groupId/leave").handler(ApiRoutes.answer(200, ctx -> change(ctx, GroupAction.LEAVE, null,
        List.of(), null)));
    api.post("/groups/:groupId/messages").handler(ApiRoutes.answer(201, this::send));
    api.get("/groups/:groupId/messages").handler(ApiRoutes.answer(200, this::history));
    api.post("/groups/:groupId/read").handler(ApiRoutes.answer(200, this::read));
    api.get("/conversations").handler(ApiRoutes.answer(200, this::conversations));
    api.put("/conversations/:kind/:id").handler(ApiRoutes.answer(200, this::prefs));
  }

  private Future<String> create(RoutingContext ctx) {
    JsonObject body = body(ctx);
    List<Long> members = Fields.ids(body, "members", MAX_USERS_PER_REQUEST);
    return services.changeGroup(new GroupCommand(ApiRoutes.user(ctx), 0, GroupAction.CREATE, name(body), members,
            null))
        .map(GroupRoutes::encode);
  }

  private Future<String> rename(RoutingContext ctx) {
    return change(ctx, GroupAction.RENAME, name(body(ctx)), List.of(), null);
  }

  /** Removing oneself is leaving. */
  private Future<String> remove(RoutingContext ctx) {
    long user = pathUser(ctx);
    return user == ApiRoutes.user(ctx)
        ? change(ctx, GroupAction.LEAVE, null, List.of(), null)
        : change(ctx, GroupAction.REMOVE, null, List.of(user), null);
  }

  private Future<String> change(RoutingContext ctx, GroupAction action, String name, List<Long> users, String role) {
    return services.changeGroup(new GroupCommand(ApiRoutes.user(ctx), groupId(ctx), action, name, users, role))
        .map(GroupRoutes::encode);
  }

  private Future<String> send(RoutingContext ctx) {
    long from = ApiRoutes.user(ctx);
    ClientFrame.GroupSay say = frames.groupSend(body(ctx), groupId(ctx));
    return services.sendToGroup(sendRules.admitGroup(from, say, Origin.HTTP, null))
        .map(result -> ServerFrames.text(result.message(), from, links.apply(ctx)));
  }

  private Future<String> history(RoutingContext ctx) {
    JsonObject params = ApiRoutes.params(ctx);
    long user = ApiRoutes.user(ctx);
    long limit = Fields.number(params, "limit", GatewayConfig.DEFAULT_HISTORY_LIMIT);
    if (limit < 1) {
      throw Fields.invalid("limit must be at least 1");
    }
    GroupHistoryRequest request = new GroupHistoryRequest(user, groupId(ctx), Fields.optionalId(params, "before"),
        (int) Math.min(limit, config.limits().maxHistoryPage()),
        Fields.flag(ctx.request().getParam("mark_read"), true));
    return services.groupHistory(request)
        .map(page -> ServerFrames.historyPage(page.messages(), page.hasMore(), user, links.apply(ctx)));
  }

  private Future<String> read(RoutingContext ctx) {
    JsonObject body = ctx.body().length() == 0 ? new JsonObject() : body(ctx);
    ClientFrame.GroupRead read = frames.groupRead(body, groupId(ctx));
    return services.readGroup(new GroupRead(ApiRoutes.user(ctx), read.groupId(), read.upTo()))
        .map(count -> new JsonObject().put("countNum", count.countNum()).encode());
  }

  private Future<String> conversations(RoutingContext ctx) {
    JsonObject params = ApiRoutes.params(ctx);
    long limit = Fields.number(params, "limit", DEFAULT_CONVERSATION_PAGE);
    if (limit < 1) {
      throw Fields.invalid("limit must be at least 1");
    }
    String cursor = params.getString("cursor");
    if (cursor != null && (cursor.isEmpty() || cursor.length() > MAX_CURSOR_LENGTH)) {
      throw Fields.invalid("cursor must be the next of a previous page");
    }
    long user = ApiRoutes.user(ctx);
    return services.conversations(new ConversationsRequest(user, cursor, (int) Math.min(limit,
            MAX_CONVERSATION_PAGE)))
        .map(page -> ServerFrames.conversations(page, user, links.apply(ctx)));
  }

  private Future<String> prefs(RoutingContext ctx) {
    String kind = ctx.pathParam("kind");
    if (!"user".equals(kind) && !"group".equals(kind)) {
      throw Fields.invalid("kind must be user or group");
    }
    long id = Fields.id(ApiRoutes.params(ctx), "id");
    JsonObject body = body(ctx);
    Boolean pinned = body.containsKey("pinned") ? Fields.flag(body, "pinned") : null;
    Boolean muted = body.containsKey("muted") ? Fields.flag(body, "muted") : null;
    return services.conversationPrefs(new ConversationPrefs(ApiRoutes.user(ctx), kind, id, pinned, muted))
        .map(count -> new JsonObject().put("countNum", count.countNum()).encode());
  }

  private JsonObject body(RoutingContext ctx) {
    return ApiRoutes.jsonBody(ctx, frames);
  }

  private static String encode(GroupInfo group) {
    return ServerFrames.group(group).encode();
  }

  private static long groupId(RoutingContext ctx) {
    return Fields.id(ApiRoutes.params(ctx), "groupId");
  }

  private static long pathUser(RoutingContext ctx) {
    return Fields.id(ApiRoutes.params(ctx), "userId");
  }

  private static String name(JsonObject body) {
    String name = Fields.text(body, "name", MAX_NAME_LENGTH).strip();
    if (name.isEmpty()) {
      throw Fields.invalid("name must not be blank");
    }
    return name;
  }

  private static List<Long> userIds(JsonObject body) {
    List<Long> users = Fields.ids(body, "user_ids", MAX_USERS_PER_REQUEST);
    if (users.isEmpty()) {
      throw Fields.invalid("user_ids is required");
    }
    return users;
  }

  private static String role(JsonObject body) {
    Object role = body.getValue("role");
    if (!"admin".equals(role) && !"member".equals(role)) {
      throw Fields.invalid("role must be admin or member");
    }
    return (String) role;
  }
}
