package dev.isthmus.platform;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's background threads: daemons (a stuck watch or writer never keeps the JVM from
 * exiting) with names that say what they do in a thread dump ({@code isthmus-status-writer}).
 */
public final class DaemonThreads {

    private DaemonThreads() {
    }

    /** Threads named {@code name}; a pool of several gets {@code name-1}, {@code name-2}... */
    public static ThreadFactory named(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            int n = count.incrementAndGet();
            Thread t = new Thread(runnable, n == 1 ? name : name + "-" + n);
            t.setDaemon(true);
            return t;
        };
    }

    /** Starts one daemon thread. */
    public static Thread start(String name, Runnable task) {
        Thread t = named(name).newThread(task);
        t.start();
        return t;
    }
}
