package io.tether.server.session;

/** What {@link Session#bind} does when the user already has a live session ({@code session_duplicate_policy}). */
public enum DuplicatePolicy {
    /** End the older sessions of the user (reason {@link EndReason#REPLACED}); the new one is bound. */
    REPLACE,
    /** End the new session (reason {@link EndReason#REFUSED}); the older one keeps the user. */
    REFUSE,
    /** Keep them all: one user, several sessions (several devices). */
    ALLOW
}
