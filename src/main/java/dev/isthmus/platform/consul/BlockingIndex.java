package dev.isthmus.platform.consul;

/**
 * Consul's rules for the {@code index} of the next blocking query, from its "Blocking Queries"
 * documentation (implementation details), as pure functions:
 * <ul>
 * <li>an index lower than the one sent (a restored snapshot, a new cluster, a leader with a
 * different view) is reset to 0, so the next read is a plain, non-blocking one (the watch does not
 * trust the backwards answer itself: see {@link BlockingQuery});</li>
 * <li>after a blocking answer the index must be at least 1: index 0 never blocks, and a client
 * that keeps sending it spins;</li>
 * <li>an unchanged index is no proof of a change, nor a higher one: callers compare results.</li>
 * </ul>
 * Indexes are unsigned 64-bit numbers, compared as such.
 */
public final class BlockingIndex {

    private BlockingIndex() {
    }

    /** The index to send next, given the one sent and the {@code X-Consul-Index} answered. */
    public static long next(long sent, long answered) {
        if (Long.compareUnsigned(answered, sent) < 0) {
            return 0;
        }
        return answered == 0 ? 1 : answered;
    }

    /**
     * Whether the answer may carry new data: the first read, a reset, or a higher index. An equal
     * index is a wait timeout (or a wake-up that changed nothing).
     */
    public static boolean mayHaveChanged(long sent, long answered) {
        return sent == 0 || answered != sent;
    }

    /** Whether the answer went backwards, which the watch logs as a reset. */
    public static boolean wentBackwards(long sent, long answered) {
        return Long.compareUnsigned(answered, sent) < 0;
    }
}
