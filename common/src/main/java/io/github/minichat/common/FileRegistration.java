package io.github.minichat.common;

/** An upload stored by a gateway, recorded as its owner's until a message sends it or it expires unsent. */
public record FileRegistration(long ownerId, Attachment attachment) {
}
