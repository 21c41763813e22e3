package dev.isthmus.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Polls a condition in a test (never in product code), with Awaitility: every 20 ms, exceptions
 * counting as "not yet". Returns whether it held in time, so tests state what they expected in
 * their own assertion message.
 */
public final class Await {

    private static final Duration POLL = Duration.ofMillis(20);

    private Await() {
    }

    public static boolean until(Duration timeout, BooleanSupplier condition) {
        try {
            Awaitility.await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(POLL).ignoreExceptions()
                    .until(condition::getAsBoolean);
            return true;
        }
        catch (ConditionTimeoutException e) {
            return false;
        }
    }
}
