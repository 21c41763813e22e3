package dev.isthmus.reliability;

import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.EchoServer.Reply;
import dev.isthmus.testsupport.GatewayProcess;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM under load: requests in flight complete, readiness turns away new traffic at once, new
 * connections are refused (not reset), and the process exits.
 */
class GracefulShutdownIT {

    @Test
    void drainsInFlightRequestsOnSigterm() throws Exception {
        try (EchoServer slow = EchoServer.start("slow")) {
            slow.behave(r -> Reply.delayed(Duration.ofMillis(2000)));
            GatewayProcess gw = GatewayProcess.start(Map.of(), """
                    routes:
                      - name: slow
                        match: {path: {prefix: /slow}}
                        backends: [{url: "%s"}]
                    """.formatted(slow.url()));
            try {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
                ExecutorService pool = Executors.newFixedThreadPool(20);
                List<CompletableFuture<Object>> inFlight = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    inFlight.add(CompletableFuture.supplyAsync(() -> {
                        try {
                            return http.send(HttpRequest.newBuilder(URI.create(gw.url() + "/slow")).timeout(Duration.ofSeconds(20)).build(),
                                    HttpResponse.BodyHandlers.ofString()).statusCode();
                        }
                        catch (Exception e) {
                            return e;
                        }
                    }, pool));
                }
                assertThat(Await.until(Duration.ofSeconds(10), () -> slow.count() == 20)).as("all 20 requests reached the upstream").isTrue();

                gw.process().process().destroy(); // SIGTERM
                assertThat(Await.until(Duration.ofSeconds(5), () -> readiness(http, gw) != 200)).as("readiness drops on SIGTERM").isTrue();

                List<Object> results = inFlight.stream().map(CompletableFuture::join).toList();
                pool.shutdown();
                assertThat(results).as("every in-flight request completes").containsOnly(200);

                assertThat(Await.until(Duration.ofSeconds(30), () -> !gw.process().isAlive())).as("the process exits").isTrue();
                Object late;
                try {
                    late = http.send(HttpRequest.newBuilder(URI.create(gw.url() + "/slow")).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode();
                }
                catch (ConnectException e) {
                    late = "refused";
                }
                assertThat(late).isEqualTo("refused");
                assertThat(gw.log()).contains("Graceful shutdown complete");
            }
            finally {
                gw.close();
            }
        }
    }

    static int readiness(HttpClient http, GatewayProcess gw) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(gw.managementUrl() + "/actuator/health/readiness")).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }
        catch (Exception e) {
            return -1;
        }
    }
}
