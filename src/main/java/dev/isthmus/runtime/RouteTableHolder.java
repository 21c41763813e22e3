package dev.isthmus.runtime;

import java.util.concurrent.atomic.AtomicReference;

/** The current routing table. Readers take a snapshot per request; the updater swaps whole tables. */
public final class RouteTableHolder {

    private final AtomicReference<RouteTable> current = new AtomicReference<>(RouteTable.EMPTY);

    public RouteTable get() {
        return current.get();
    }

    void swap(RouteTable table) {
        current.set(table);
    }
}
