package dev.isthmus.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The diagnostics page at {@code /} of the management port: one static page that renders the
 * admin endpoints (routes, upstreams, sources, health). Lives in the management context only, so
 * it is never reachable through the gateway port. Its Content-Security-Policy allows exactly its
 * own inline script and style (by hash, computed from the page at start-up), fetches to the admin
 * port and nothing else, and no framing: text from route authors and registries is escaped by the
 * page, and the policy is the second line of defence.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
public class DiagnosticsPageConfiguration {

    @Bean
    RouterFunction<ServerResponse> diagnosticsPage() throws IOException {
        ClassPathResource page = new ClassPathResource("isthmus/diagnostics.html");
        String csp = contentSecurityPolicy(page.getContentAsString(StandardCharsets.UTF_8));
        return RouterFunctions.route().GET("/", request -> ServerResponse.ok().contentType(MediaType.TEXT_HTML)
                .cacheControl(CacheControl.noStore()).header("Content-Security-Policy", csp).bodyValue(page)).build();
    }

    static String contentSecurityPolicy(String html) {
        return "default-src 'none'; script-src " + hashes(html, "script") + "; style-src " + hashes(html, "style")
                + "; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    private static String hashes(String html, String tag) {
        List<String> out = new ArrayList<>();
        int from = 0;
        while (true) {
            int open = html.indexOf("<" + tag + ">", from);
            if (open < 0) {
                break;
            }
            int start = open + tag.length() + 2;
            int end = html.indexOf("</" + tag + ">", start);
            out.add("'sha256-" + sha256(html.substring(start, end)) + "'");
            from = end;
        }
        return out.isEmpty() ? "'none'" : String.join(" ", out);
    }

    private static String sha256(String text) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
