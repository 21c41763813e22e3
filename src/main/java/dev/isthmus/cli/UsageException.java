package dev.isthmus.cli;

/** A command was called wrongly: exit status 2, with the message and a pointer to --help. */
final class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
