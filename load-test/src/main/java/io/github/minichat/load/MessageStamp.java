package io.github.minichat.load;

/**
 * What a groups run writes at the start of each message's data, so that a member can tell which message it was
 * handed and when it was meant to be sent, from the frame alone: {@code <intended send time>|<number>|} and padding.
 * The number counts the sender's messages from 0; with the frame's {@code from_id} it names the message.
 */
record MessageStamp(long intendedNanos, int number) {

  String data(int length) {
    String head = intendedNanos + "|" + number + "|";
    return head + "x".repeat(Math.max(0, length - head.length()));
  }

  /** The stamp at the start of {@code data}, or {@code null} if it carries none. */
  static MessageStamp parse(String data) {
    int first = data.indexOf('|');
    int second = first < 1 ? -1 : data.indexOf('|', first + 1);
    if (second < first + 2) {
      return null;
    }
    try {
      int number = Integer.parseInt(data, first + 1, second, 10);
      return number < 0 ? null : new MessageStamp(Long.parseLong(data, 0, first, 10), number);
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
