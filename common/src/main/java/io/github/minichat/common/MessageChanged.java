package io.github.minichat.common;

/** The message a {@link MessageChange} changed: its id, the other participant (from the asker's side) and seq. */
public record MessageChanged(long id, long peer, long seq) {
}
