package org.vigil.events;

/** Which events a search keeps by their review state (design 0020 §1). */
public enum ReviewState {
    /** Marked reviewed by the user searching. */
    MINE,
    /** Not marked reviewed by the user searching. */
    NOT_MINE,
    /** Marked reviewed for the team. */
    TEAM,
    /** Not marked reviewed for the team. */
    NOT_TEAM;

    /** From the API's {@code reviewed} parameter: mine, notmine, team or notteam; null for anything else. */
    public static ReviewState of(String s) {
        return switch (s) {
            case "mine" -> MINE;
            case "notmine" -> NOT_MINE;
            case "team" -> TEAM;
            case "notteam" -> NOT_TEAM;
            default -> null;
        };
    }
}
