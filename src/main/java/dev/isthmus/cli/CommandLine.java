package dev.isthmus.cli;

import java.util.List;

/** The arguments of one command, read in order; options take their value from the next argument. */
final class CommandLine {

    private final List<String> args;
    private int next;

    CommandLine(List<String> args) {
        this.args = args;
    }

    boolean hasNext() {
        return next < args.size();
    }

    String next() {
        return args.get(next++);
    }

    /** The value of {@code option}, the next argument. */
    String value(String option) {
        if (!hasNext()) {
            throw new UsageException(option + " needs a value");
        }
        return next();
    }
}
