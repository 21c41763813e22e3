package dev.isthmus.compile;

/** One backend with its relative weight (0 = out of rotation). */
public record WeightedBackend(BackendTarget target, int weight) {
}
