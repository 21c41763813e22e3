package dev.isthmus.compile;

import dev.isthmus.model.ConditionReason;

/** One thing wrong with a route: its condition reason and a message that names the field. */
public record Problem(ConditionReason reason, String message) {
}
