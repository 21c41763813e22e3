package dev.isthmus.testsupport;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition in a test (never in product code). */
public final class Await {

    private Await() {
    }

    public static boolean until(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            }
            catch (RuntimeException ignored) {
                // not yet
            }
            try {
                Thread.sleep(20);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
