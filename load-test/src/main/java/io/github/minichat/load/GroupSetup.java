package io.github.minichat.load;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.stream.IntStream;

/**
 * Creates a groups run's groups before it starts, over the HTTP API ({@code POST /api/groups} with the other
 * members), each by its first member: one creation per user and run, far inside the per-user hourly limit
 * ({@code CHAT_GROUP_CREATES_PER_HOUR}). A few creations in flight at a time; the first refusal fails the setup.
 */
final class GroupSetup {

  private static final String PATH = "/api/groups";

  private final HttpClient http;
  private final GatewayTarget target;
  private final GroupsPlan plan;
  private final String runName;

  GroupSetup(HttpClient http, GatewayTarget target, GroupsPlan plan, String runName) {
    this.http = http;
    this.target = target;
    this.plan = plan;
    this.runName = runName;
  }

  /** Every group's id, by group index (0: the large group); call on an event loop. */
  Future<long[]> createAll(int inFlight) {
    long[] ids = new long[plan.groups()];
    Promise<long[]> done = Promise.promise();
    int[] next = {0};
    int[] settled = {0};
    Runnable[] startNext = new Runnable[1];
    startNext[0] = () -> {
      int group = next[0]++;
      create(group).onComplete(created -> {
        if (created.failed()) {
          done.tryFail(created.cause());
          return;
        }
        ids[group] = created.result();
        settled[0]++;
        if (next[0] < ids.length) {
          startNext[0].run();
        } else if (settled[0] == ids.length) {
          done.tryComplete(ids);
        }
      });
    };
    for (int i = 0; i < Math.min(inFlight, ids.length); i++) {
      startNext[0].run();
    }
    return done.future();
  }

  private Future<Long> create(int group) {
    int creator = plan.creatorOf(group);
    JsonArray others = new JsonArray();
    IntStream.range(creator + 1, creator + plan.membersOf(group))
        .forEach(user -> others.add(plan.tokens().userId(user)));
    String body = new JsonObject().put("name", runName + (group == 0 ? " large" : " small " + group))
        .put("members", others).encode();
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost(target.host())
        .setPort(target.port()).setURI(PATH).putHeader("Authorization", "Bearer " + plan.tokens().token(creator))
        .putHeader("Content-Type", "application/json");
    return http.request(request)
        .compose(req -> req.send(body))
        .compose(response -> response.body().map(answer -> {
          if (response.statusCode() != 201) {
            throw new IllegalStateException("creating group " + group + " (" + plan.membersOf(group)
                + " members) as user " + plan.tokens().userId(creator) + ": HTTP " + response.statusCode() + " "
                + answer);
          }
          JsonObject created = answer.toJsonObject();
          if (created.getInteger("member_count", -1) != plan.membersOf(group)) {
            throw new IllegalStateException("group " + group + " was created with " + created.getValue("member_count")
                + " members, not " + plan.membersOf(group) + ": " + answer);
          }
          return created.getLong("group_id");
        }));
  }
}
