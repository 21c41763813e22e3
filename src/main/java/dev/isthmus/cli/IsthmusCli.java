package dev.isthmus.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jar's commands besides running the gateway: {@code validate} (offline compile of route
 * files and manifests) and {@code routes} (a running gateway's table). They start no Spring
 * context and no server; the gateway runs when the first argument is not a command (Spring Boot
 * arguments all start with {@code --}).
 */
public final class IsthmusCli {

    private IsthmusCli() {
    }

    /** Whether {@code args} ask for a command rather than the gateway. */
    public static boolean isCommand(String[] args) {
        return args.length > 0 && List.of("validate", "routes", "help").contains(args[0]);
    }

    /** Runs the command and returns its exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err, InputStream in) {
        quietLogging();
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        return switch (args[0]) {
            case "validate" -> new ValidateCommand(out, err, in).run(rest);
            case "routes" -> new RoutesCommand(out, err).run(rest);
            default -> {
                out.print("""
                        Usage: java -jar isthmus.jar [--PROPERTY=VALUE...]     run the gateway
                               java -jar isthmus.jar validate [options] FILE...  check routes files and manifests offline
                               java -jar isthmus.jar routes --url URL [options]  print a running gateway's routing table
                        """);
                yield 0;
            }
        };
    }

    /** The commands print their findings themselves; the parts of the gateway they reuse must not log onto them. */
    private static void quietLogging() {
        if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
            root.setLevel(Level.OFF);
        }
    }
}
