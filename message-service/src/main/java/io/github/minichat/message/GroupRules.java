package io.github.minichat.message;

import io.github.minichat.common.ChatError;
import io.github.minichat.common.ChatException;
import io.github.minichat.common.GroupAction;
import io.github.minichat.common.GroupCommand;
import io.github.minichat.common.GroupInfo;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who may change a group and what each change does, decided on the group as it stands under its row lock: the
 * member rows to insert, update and delete, the group row after, the holders of the system message and its data.
 * No database here: {@link GroupChanges} reads the state, asks these rules, and writes the plan they return.
 */
final class GroupRules {

  /** The longest group name, in characters (code points), once trimmed. */
  static final int MAX_NAME_LENGTH = 64;

  /** A current member, as a change reads it. */
  record Member(long userId, GroupRole role, long joinedSeq) {
  }

  /** A live group under its row lock: the row and its members by user id. */
  record State(long groupId, String name, long ownerId, long lastSeq, long createdAt, Map<Long, Member> members) {
    State {
      members = Map.copyOf(members);
    }

    /** The group as {@code userId} sees it, unchanged. */
    GroupInfo seenBy(long userId) {
      Member member = members.get(userId);
      return new GroupInfo(groupId, name, ownerId, members.size(), member == null ? null : member.role().wire(),
          lastSeq, createdAt, false);
    }
  }

  /**
   * What one change does.
   *
   * @param joins       members to insert, with their roles; they join at the change's system message
   * @param leaves      members to delete; their unread of the group leaves their total
   * @param roles       members whose role changes
   * @param notice      the system message's data
   * @param holders     who holds the system message, ascending: the members before the change and after it
   * @param memberCount after the change
   * @param actorRole   the actor's role after the change, null when they are no longer a member
   */
  record Plan(GroupAction action, String name, long ownerId, Map<Long, GroupRole> joins, List<Long> leaves,
              Map<Long, GroupRole> roles, boolean dissolves, JsonObject notice, List<Long> holders, int memberCount,
              GroupRole actorRole) {
  }

  private GroupRules() {
  }

  /**
   * The command with its fields checked and made canonical before anything is read: the name trimmed, the user ids
   * distinct (in their order), the role one that may be given.
   */
  static GroupCommand validated(GroupCommand command, GroupLimits limits) {
    GroupAction action = command.action();
    if (action == null) {
      throw invalid("action is required");
    }
    String name = action == GroupAction.CREATE || action == GroupAction.RENAME ? validName(command.name()) : null;
    Set<Long> users = new LinkedHashSet<>();
    for (Long user : command.userIds()) {
      if (user == null || user <= 0) {
        throw invalid("user ids must be positive");
      }
      users.add(user);
    }
    // a list longer than a group can hold cannot fit, whoever is in it already
    if ((action == GroupAction.CREATE || action == GroupAction.ADD) && users.size() > limits.maxMembers()) {
      throw tooManyMembers(limits);
    }
    String role = action == GroupAction.SET_ROLE ? GroupRole.assignable(command.role()).wire() : null;
    return new GroupCommand(command.actor(), command.groupId(), action, name, List.copyOf(users), role);
  }

  /** A new group: the creator as owner, the listed users as members. */
  static Plan create(GroupCommand command, GroupLimits limits) {
    long creator = command.actor();
    Map<Long, GroupRole> joins = new LinkedHashMap<>();
    joins.put(creator, GroupRole.OWNER);
    command.userIds().forEach(user -> joins.putIfAbsent(user, GroupRole.MEMBER));
    if (joins.size() > limits.maxMembers()) {
      throw tooManyMembers(limits);
    }
    return new Plan(GroupAction.CREATE, command.name(), creator, joins, List.of(), Map.of(), false,
        GroupNotices.created(creator, joins.keySet(), command.name()), List.copyOf(new TreeSet<>(joins.keySet())),
        joins.size(), GroupRole.OWNER);
  }

  /** A change to a live group; empty when it changes nothing (every listed user skipped). */
  static Optional<Plan> change(GroupCommand command, State group, GroupLimits limits) {
    Member actor = group.members().get(command.actor());
    if (actor == null) {
      throw notMember(group.groupId());
    }
    return switch (command.action()) {
      case RENAME -> Optional.of(rename(command, group, actor));
      case ADD -> add(command, group, actor, limits);
      case REMOVE -> remove(command, group, actor);
      case LEAVE -> Optional.of(leave(group, actor));
      case DISSOLVE -> Optional.of(dissolve(group, actor));
      case SET_ROLE -> setRole(command, group, actor);
      case CREATE -> throw new IllegalArgumentException("a group to create has no state");
    };
  }

  static ChatException notFound(long groupId) {
    return new ChatException(ChatError.NOT_FOUND, "no group " + groupId);
  }

  static ChatException notMember(long groupId) {
    return new ChatException(ChatError.FORBIDDEN, "you are not a member of group " + groupId);
  }

  private static Plan rename(GroupCommand command, State group, Member actor) {
    requireManager(actor, "rename the group");
    return plan(group, actor, command.name(), group.ownerId(), Map.of(), List.of(), Map.of(), false,
        GroupNotices.renamed(actor.userId(), command.name()), GroupAction.RENAME);
  }

  private static Optional<Plan> add(GroupCommand command, State group, Member actor, GroupLimits limits) {
    requireManager(actor, "add members");
    Map<Long, GroupRole> joins = new LinkedHashMap<>();
    command.userIds().stream()
        .filter(user -> !group.members().containsKey(user))
        .forEach(user -> joins.put(user, GroupRole.MEMBER));
    if (joins.isEmpty()) {
      return Optional.empty();
    }
    if (group.members().size() + joins.size() > limits.maxMembers()) {
      throw tooManyMembers(limits);
    }
    return Optional.of(plan(group, actor, group.name(), group.ownerId(), joins, List.of(), Map.of(), false,
        GroupNotices.notice(GroupNotices.Event.JOINED, actor.userId(), joins.keySet()), GroupAction.ADD));
  }

  private static Optional<Plan> remove(GroupCommand command, State group, Member actor) {
    if (command.userIds().contains(actor.userId())) {
      if (command.userIds().size() == 1) {
        return Optional.of(leave(group, actor));
      }
      throw invalid("to remove yourself, leave the group");
    }
    requireManager(actor, "remove members");
    List<Long> leaves = command.userIds().stream().filter(group.members()::containsKey).toList();
    // an owner may remove anyone else; an admin plain members only
    if (actor.role() == GroupRole.ADMIN
        && leaves.stream().anyMatch(user -> group.members().get(user).role() != GroupRole.MEMBER)) {
      throw new ChatException(ChatError.FORBIDDEN, "an admin may remove plain members only");
    }
    if (leaves.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(plan(group, actor, group.name(), group.ownerId(), Map.of(), leaves, Map.of(), false,
        GroupNotices.notice(GroupNotices.Event.REMOVED, actor.userId(), leaves), GroupAction.REMOVE));
  }

  /** The last member's leaving dissolves the group; an owner's hands it to the longest-standing admin, else member. */
  private static Plan leave(State group, Member actor) {
    if (group.members().size() == 1) {
      return plan(group, actor, group.name(), group.ownerId(), Map.of(), List.of(actor.userId()), Map.of(), true,
          GroupNotices.notice(GroupNotices.Event.DISSOLVED, actor.userId(), List.of(actor.userId())),
          GroupAction.LEAVE);
    }
    if (actor.role() != GroupRole.OWNER) {
      return plan(group, actor, group.name(), group.ownerId(), Map.of(), List.of(actor.userId()), Map.of(), false,
          GroupNotices.left(actor.userId(), 0), GroupAction.LEAVE);
    }
    long successor = successor(group, actor);
    return plan(group, actor, group.name(), successor, Map.of(), List.of(actor.userId()),
        Map.of(successor, GroupRole.OWNER), false, GroupNotices.left(actor.userId(), successor), GroupAction.LEAVE);
  }

  private static Plan dissolve(State group, Member actor) {
    if (actor.role() != GroupRole.OWNER) {
      throw new ChatException(ChatError.FORBIDDEN, "only the owner may dissolve the group");
    }
    List<Long> everyone = List.copyOf(new TreeSet<>(group.members().keySet()));
    return plan(group, actor, group.name(), group.ownerId(), Map.of(), everyone, Map.of(), true,
        GroupNotices.notice(GroupNotices.Event.DISSOLVED, actor.userId(), everyone), GroupAction.DISSOLVE);
  }

  private static Optional<Plan> setRole(GroupCommand command, State group, Member actor) {
    if (actor.role() != GroupRole.OWNER) {
      throw new ChatException(ChatError.FORBIDDEN, "only the owner may set roles");
    }
    GroupRole role = GroupRole.assignable(command.role());
    Map<Long, GroupRole> roles = new LinkedHashMap<>();
    command.userIds().stream()
        .map(group.members()::get)
        .filter(member -> member != null && member.role() != GroupRole.OWNER && member.role() != role)
        .forEach(member -> roles.put(member.userId(), role));
    if (roles.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(plan(group, actor, group.name(), group.ownerId(), Map.of(), List.of(), roles, false,
        GroupNotices.role(actor.userId(), roles.keySet(), role), GroupAction.SET_ROLE));
  }

  /** The admin who joined first, else the member who joined first (the lower id when they joined together). */
  private static long successor(State group, Member leaving) {
    Comparator<Member> seniority = Comparator.comparingLong(Member::joinedSeq).thenComparingLong(Member::userId);
    List<Member> others = group.members().values().stream()
        .filter(member -> member.userId() != leaving.userId())
        .toList();
    return others.stream().filter(member -> member.role() == GroupRole.ADMIN).min(seniority)
        .or(() -> others.stream().min(seniority))
        .orElseThrow()
        .userId();
  }

  private static Plan plan(State group, Member actor, String name, long ownerId, Map<Long, GroupRole> joins,
                           List<Long> leaves, Map<Long, GroupRole> roles, boolean dissolves, JsonObject notice,
                           GroupAction action) {
    TreeSet<Long> holders = new TreeSet<>(group.members().keySet());
    holders.addAll(joins.keySet());
    GroupRole actorRole = leaves.contains(actor.userId()) ? null : roles.getOrDefault(actor.userId(), actor.role());
    return new Plan(action, name, ownerId, joins, leaves, roles, dissolves, notice, List.copyOf(holders),
        group.members().size() + joins.size() - leaves.size(), actorRole);
  }

  private static void requireManager(Member actor, String what) {
    if (!actor.role().manages()) {
      throw new ChatException(ChatError.FORBIDDEN, "only the owner and admins may " + what);
    }
  }

  /** Trimmed, 1 to 64 characters, none of them a control character or half of a surrogate pair. */
  private static String validName(String name) {
    String trimmed = name == null ? "" : name.strip();
    int length = trimmed.codePointCount(0, trimmed.length());
    if (length < 1 || length > MAX_NAME_LENGTH) {
      throw invalid("name must be 1 to " + MAX_NAME_LENGTH + " characters");
    }
    if (trimmed.codePoints().anyMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.SURROGATE)) {
      throw invalid("name must not hold control characters");
    }
    return trimmed;
  }

  private static ChatException invalid(String message) {
    return new ChatException(ChatError.INVALID_FIELD, message);
  }

  private static ChatException tooManyMembers(GroupLimits limits) {
    return new ChatException(ChatError.LIMIT_REACHED, "a group has at most " + limits.maxMembers() + " members");
  }
}
