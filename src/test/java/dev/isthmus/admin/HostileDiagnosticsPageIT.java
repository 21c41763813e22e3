package dev.isthmus.admin;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.isthmus.compile.RouteStatus;
import dev.isthmus.discovery.consul.ConsulTestSupport;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.RealInfra;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stored XSS through Consul (security review, issue 16): whoever can register a service chooses its
 * name and tags, and the gateway echoes bad tag values and the service name into rejection
 * messages the diagnostics page shows. A real agent holds the hostile registrations, a real
 * headless Chromium loads the page; the payloads must appear as text and never run.
 */
class HostileDiagnosticsPageIT {

    /** Each payload sets a different flag, so a failure says which vector ran. */
    static final String IN_TAG_VALUE = "<img src=x onerror=window.__xss=1>";
    /** Rejected too, but the compiler names only the offending character, so this payload is not echoed (kept as a guard). */
    static final String IN_PATH = "/<img src=x onerror=window.__xss=3>";
    static final String IN_NAME = "evil<img src=x onerror=window.__xss=2>";

    static ConsulServer consul;
    static GatewayApp gateway;
    static WebDriver browser;
    /** Whether the agent accepted a service named {@link #IN_NAME} (Consul only warns about DNS-incompatible names). */
    static boolean nameAccepted;

    @BeforeAll
    static void start() throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        Path driver = Path.of("/usr/bin/chromedriver");
        if (!Files.isExecutable(chromium) || !Files.isExecutable(driver)) {
            RealInfra.unavailable("Chromium", "no /usr/bin/chromium or /usr/bin/chromedriver (scripts/provision-test-infra.sh chromium)");
        }
        consul = ConsulServer.start();
        consul.register("hostile-tags-1", "hostile-tags", "10.0.0.1", 80, List.of("isthmus.enable=true", "isthmus.precedence=" + IN_TAG_VALUE,
                "isthmus.timeout=" + IN_TAG_VALUE), Map.of(), null);
        consul.register("hostile-path-1", "hostile-path", "10.0.0.1", 80, List.of("isthmus.enable=true", "isthmus.path=" + IN_PATH),
                Map.of(), null);
        try {
            consul.register("hostile-name-1", IN_NAME, "10.0.0.1", 80, List.of("isthmus.enable=true"), Map.of(), null);
            nameAccepted = true;
        }
        catch (RuntimeException e) {
            System.out.println("Consul refused the hostile service name: " + e.getMessage());
        }
        gateway = GatewayApp.start("routes: []\n", ConsulTestSupport.gatewayProperties(consul));
        assertThat(Await.until(Duration.ofSeconds(30), () -> ConsulTestSupport.routeStatus(gateway, "consul/dc1/hostile-tags").isPresent()
                && ConsulTestSupport.routeStatus(gateway, "consul/dc1/hostile-path").isPresent()
                && (!nameAccepted || ConsulTestSupport.routeStatus(gateway, "consul/dc1/" + IN_NAME).isPresent())))
                .as("the hostile registrations reached the routing table").isTrue();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                "--user-data-dir=" + Files.createTempDirectory("isthmus-chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(driver.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (consul != null) {
            consul.close();
        }
    }

    @Test
    void theRejectionsCarryThePayloadsAsData() {
        RouteStatus tags = ConsulTestSupport.routeStatus(gateway, "consul/dc1/hostile-tags").orElseThrow();
        assertThat(tags.accepted()).isFalse();
        assertThat(tags.message()).contains("isthmus.precedence=" + IN_TAG_VALUE).contains("isthmus.timeout=" + IN_TAG_VALUE);
        RouteStatus path = ConsulTestSupport.routeStatus(gateway, "consul/dc1/hostile-path").orElseThrow();
        System.out.printf("hostile path: accepted=%s reason=%s message=%s%n", path.accepted(), path.reason(), path.message());
        System.out.println("hostile service name accepted by Consul: " + nameAccepted);
        if (nameAccepted) {
            RouteStatus name = ConsulTestSupport.routeStatus(gateway, "consul/dc1/" + IN_NAME).orElseThrow();
            System.out.printf("hostile name: accepted=%s reason=%s message=%s%n", name.accepted(), name.reason(), name.message());
            assertThat(name.accepted()).isFalse();
            assertThat(name.message()).contains("'consul:dc1/" + IN_NAME + "'");
        }

        // the admin endpoints answer JSON: the payload is a string value there, never markup
        for (String endpoint : List.of("/actuator/routes", "/actuator/upstreams")) {
            HttpResponse<String> r = gateway.admin(endpoint);
            assertThat(r.statusCode()).as(endpoint).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).as(endpoint).containsPattern("application/(vnd\\.spring-boot\\.actuator\\.v\\d\\+)?json");
        }
        assertThat(gateway.admin("/actuator/routes").body()).contains("isthmus.precedence=" + IN_TAG_VALUE);
        if (nameAccepted) {
            assertThat(gateway.admin("/actuator/routes").body()).contains("consul/dc1/" + IN_NAME);
        }
    }

    @Test
    void theDiagnosticsPageShowsThePayloadsAsTextAndRunsNone() throws Exception {
        browser.get(gateway.managementUrl() + "/");
        // wait for the rows to be rendered, not for the text: were it markup, the text would never show
        int hostile = nameAccepted ? 3 : 2;
        new WebDriverWait(browser, Duration.ofSeconds(20))
                .until(b -> b.findElements(By.cssSelector("#route-rows tr.rejected")).size() >= hostile);
        // an injected <img src=x> would fail to load and run onerror asynchronously: give it the time to
        Thread.sleep(1000);

        assertThat(browser.findElements(By.tagName("img"))).as("img elements in the page").isEmpty();
        JavascriptExecutor js = (JavascriptExecutor) browser;
        assertThat(js.executeScript("return typeof window.__xss")).isEqualTo("undefined");
        String rows = browser.findElement(By.id("route-rows")).getText();
        assertThat(rows).as("shown literally").contains("isthmus.precedence=" + IN_TAG_VALUE).contains("isthmus.timeout=" + IN_TAG_VALUE);
        if (nameAccepted) {
            assertThat(rows).contains("consul/dc1/" + IN_NAME).contains("'consul:dc1/" + IN_NAME + "'");
        }
        // the text is in text nodes: the markup holds it escaped
        assertThat((String) js.executeScript("return document.getElementById('route-rows').innerHTML"))
                .contains("&lt;img src=x onerror=window.__xss=1&gt;").doesNotContain("<img");
        if (nameAccepted) {
            assertThat((String) js.executeScript("return document.getElementById('route-rows').innerHTML"))
                    .contains("&lt;img src=x onerror=window.__xss=2&gt;");
        }

        // the filter re-renders the rows from the same data: still text
        browser.findElement(By.id("filter")).sendKeys("onerror");
        assertThat(browser.findElement(By.id("route-rows")).getText()).contains("isthmus.precedence=" + IN_TAG_VALUE);
        Thread.sleep(500);
        assertThat(browser.findElements(By.tagName("img"))).isEmpty();
        assertThat(js.executeScript("return typeof window.__xss")).isEqualTo("undefined");
    }
}
