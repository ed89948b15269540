package io.github.minichat.message;

import java.time.Duration;

/**
 * The limits of groups: members per group, groups per user, group creations per user per hour; and how often read
 * receipts are flushed.
 */
public record GroupLimits(int maxMembers, int maxGroupsPerUser, int createsPerHour, Duration receiptFlush) {
}
