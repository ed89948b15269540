package io.github.minichat.load;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

/**
 * What a groups run does, shared by its loops, and where everyone stands in it. Users are numbered from 0 (user id
 * {@code tokens.userId(index)}): the large group's members first, the first {@code largeOnline} of them online, then
 * each small group's members in turn, all online. Group 0 is the large one, groups 1.. the small ones; each is
 * created by its first member, so that no user creates more than one group a run.
 *
 * @param largeMembers    members of the large group, its creator included
 * @param largeOnline     how many of them hold a socket (and send)
 * @param smallGroups     small groups, every member online
 * @param smallMembers    members of each small group, its creator included
 * @param rate            messages per second in all, open loop
 * @param largeShare      the fraction of the messages sent to the large group; the rest go to the small ones
 * @param warmup          sent and accounted for, but not in the latency figures and rates
 * @param duration        the measured sending time after the warm-up
 * @param textBytes       characters of each message's {@code data}: send time, number, padding
 * @param window          sends per connection waiting for their ack at most; later ones wait their turn
 * @param inFlight        handshakes (and group creations) in flight at most
 * @param timeout         a connection not bound within this fails
 * @param drainGrace      after the last send, how long to wait for outstanding acks and deliveries
 * @param targets         gateways, round robin
 * @param sourceAddresses local addresses to bind, round robin; empty: the OS chooses
 * @param tokens          one per user
 */
record GroupsPlan(int largeMembers, int largeOnline, int smallGroups, int smallMembers, double rate,
                  double largeShare, Duration warmup, Duration duration, int textBytes, int window, int inFlight,
                  Duration timeout, Duration drainGrace, List<GatewayTarget> targets, List<String> sourceAddresses,
                  Tokens tokens) {

  /** The shortest text that holds a send time, a message number and their bars. */
  static final int MIN_TEXT_BYTES = 32;

  GroupsPlan {
    if (largeMembers < 2 || largeOnline < 2 || largeOnline > largeMembers || smallGroups < 0
        || (smallGroups > 0 && smallMembers < 2) || rate <= 0 || largeShare < 0 || largeShare > 1
        || (smallGroups == 0 && largeShare < 1) || window < 1 || inFlight < 1 || textBytes < MIN_TEXT_BYTES) {
      throw new IllegalArgumentException("a large group of at least 2 members with 2 to all of them online, small "
          + "groups of at least 2 (none only with --large-share 1), a positive --rate, --large-share within 0..1, "
          + "--window and --in-flight at least 1, --text-bytes at least " + MIN_TEXT_BYTES);
    }
  }

  int users() {
    return largeMembers + smallGroups * smallMembers;
  }

  int groups() {
    return 1 + smallGroups;
  }

  /** The users holding a socket, in connection order. */
  List<Integer> onlineUsers() {
    return IntStream.concat(IntStream.range(0, largeOnline), IntStream.range(largeMembers, users())).boxed().toList();
  }

  int onlineCount() {
    return largeOnline + smallGroups * smallMembers;
  }

  int groupOf(int user) {
    return user < largeMembers ? 0 : 1 + (user - largeMembers) / smallMembers;
  }

  /** The group's first member, who creates it. */
  int creatorOf(int group) {
    return group == 0 ? 0 : largeMembers + (group - 1) * smallMembers;
  }

  int membersOf(int group) {
    return group == 0 ? largeMembers : smallMembers;
  }

  /** How many members receive each of the group's messages: those online, the sender left out. */
  int recipientsOf(int group) {
    return (group == 0 ? largeOnline : smallMembers) - 1;
  }

  /** Send k (from 0) goes to the large group when it takes the large group's running share one message further. */
  boolean toLargeGroup(long k) {
    return Math.floor((k + 1) * largeShare) > Math.floor(k * largeShare);
  }

  /** A message's data, {@code textBytes} characters long. */
  String data(MessageStamp stamp) {
    return stamp.data(textBytes);
  }
}
