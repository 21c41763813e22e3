package dev.isthmus.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.isthmus.testsupport.GatewayProcess;
import dev.isthmus.testsupport.JarCommand;
import dev.isthmus.testsupport.RealInfra;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code java -jar isthmus.jar routes --url ...} against a running gateway (both real jars): the
 * table as a person reads it, rejected routes with their reasons, the admin credentials from files,
 * and exit statuses 0 / 1 / 2 / 3.
 */
class RoutesCommandIT {

    @TempDir
    Path dir;

    @Test
    void printsTheLiveTableWithTheAdminCredentialsFromFiles() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, "s3cret-token\n");
        Path users = dir.resolve("users");
        Files.writeString(users, "ops:pa55word\n");
        Path wrong = dir.resolve("wrong");
        Files.writeString(wrong, "not-the-token\n");
        try (GatewayProcess gateway = GatewayProcess.start(Map.of("isthmus.admin.auth.bearer-token-file", token.toString(),
                "isthmus.admin.auth.basic-credentials-file", users.toString()), """
                routes:
                  - name: echo
                    hosts: [api.example.com, "*.example.org"]
                    match: {path: {prefix: /echo/}, methods: [GET, POST]}
                    backends: [{url: "http://127.0.0.1:9090", weight: 3}, {url: "http://127.0.0.1:9091", weight: 1}]
                  - name: moved
                    match: {path: {exact: /old}}
                    redirect: {path: /new, code: 301}
                  - name: broken
                    match: {path: {prefix: /b/}}
                    backends: [{url: "ftp://nowhere"}]
                """)) {
            String url = gateway.managementUrl();

            JarCommand.Result anonymous = JarCommand.run(dir, null, "routes", "--url", url);
            assertThat(anonymous.exit()).as(anonymous.toString()).isEqualTo(3);
            assertThat(anonymous.err()).contains("answered 401", "needs credentials");

            JarCommand.Result refused = JarCommand.run(dir, null, "routes", "--url", url, "--token-file", wrong.toString());
            assertThat(refused.exit()).isEqualTo(3);
            assertThat(refused.err()).contains("credentials refused");

            JarCommand.Result table = JarCommand.run(dir, null, "routes", "--url", url, "--token-file", token.toString());
            // one rejected route: exit 1
            assertThat(table.exit()).as(table.toString()).isEqualTo(1);
            assertThat(table.out()).containsPattern("Routing table v\\d+, built .*: 2 served, 1 rejected")
                    .containsPattern("ROUTE +SOURCE +HOSTS +PATH +METHODS +TO +STATUS")
                    .containsPattern("file/echo +file +api\\.example\\.com,\\*\\.example\\.org +/echo\\* +GET,POST +"
                            + "http://127\\.0\\.0\\.1:9090 75%, http://127\\.0\\.0\\.1:9091 25% +Accepted")
                    .containsPattern("file/moved +file +\\* +=/old +\\* +redirect 301 /new +Accepted")
                    .contains("Rejected:", "file/broken", "InvalidBackend", "backends[0].url must be http:// or https://");

            JarCommand.Result basic = JarCommand.run(dir, null, "routes", "--url=" + url, "--basic-file", users.toString(), "--format", "json");
            assertThat(basic.exit()).as(basic.toString()).isEqualTo(1);
            assertThat(basic.out()).contains("\"id\":\"file/echo\"");
        }
    }

    @Test
    void exitsZeroWhenEveryRouteIsServedAndThreeWhenTheGatewayIsUnreachable() throws Exception {
        try (GatewayProcess gateway = GatewayProcess.start(Map.of(), """
                routes:
                  - name: echo
                    match: {path: {prefix: /echo/}}
                    backends: [{url: "http://127.0.0.1:9090"}]
                """)) {
            JarCommand.Result ok = JarCommand.run(dir, null, "routes", "--url", gateway.managementUrl());
            assertThat(ok.exit()).as(ok.toString()).isZero();
            assertThat(ok.out()).contains("1 served, 0 rejected", "file/echo").doesNotContain("Rejected:");

            // the gateway port is not the admin port
            JarCommand.Result wrongPort = JarCommand.run(dir, null, "routes", "--url", gateway.url());
            assertThat(wrongPort.exit()).as(wrongPort.toString()).isEqualTo(3);
        }
        JarCommand.Result unreachable = JarCommand.run(dir, null, "routes", "--url", "http://127.0.0.1:" + RealInfra.freePort(), "--timeout", "2s");
        assertThat(unreachable.exit()).isEqualTo(3);
        assertThat(unreachable.err()).contains("cannot reach");

        JarCommand.Result usage = JarCommand.run(dir, null, "routes");
        assertThat(usage.exit()).isEqualTo(2);
        assertThat(usage.err()).contains("--url is required");
    }
}
