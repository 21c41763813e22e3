package dev.isthmus.admin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.isthmus.discovery.consul.ConsulTestSupport;
import dev.isthmus.testsupport.Await;
import dev.isthmus.testsupport.ConsulServer;
import dev.isthmus.testsupport.EchoServer;
import dev.isthmus.testsupport.GatewayApp;
import dev.isthmus.testsupport.KubeApiServer;
import dev.isthmus.testsupport.KubeFixtures;
import dev.isthmus.testsupport.RealInfra;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The diagnostics page in a real headless Chromium (Debian's, driven by Selenium through Debian's
 * ChromeDriver; nothing is downloaded), for a gateway fed by the routes file, a GatewayRoute on a
 * real API server and a Consul tag route on a real agent. Keeps a screenshot in
 * target/diagnostics-page.png.
 */
class DiagnosticsPageIT {

    static final String NS = "diagnostics-it";
    static KubeApiServer api;
    static io.fabric8.kubernetes.client.KubernetesClient kube;
    static ConsulServer consul;
    static EchoServer upstream;
    static GatewayApp gateway;
    static WebDriver browser;

    @BeforeAll
    static void start() {
        Path chromium = Path.of("/usr/bin/chromium");
        Path driver = Path.of("/usr/bin/chromedriver");
        if (!Files.isExecutable(chromium) || !Files.isExecutable(driver)) {
            RealInfra.unavailable("Chromium", "no /usr/bin/chromium or /usr/bin/chromedriver (scripts/provision-test-infra.sh chromium)");
        }
        upstream = EchoServer.start("up");
        api = KubeApiServer.shared();
        kube = api.client();
        KubeFixtures.installCrd(kube);
        KubeFixtures.createNamespace(kube, NS);
        kube.resource(KubeFixtures.gatewayRoute(NS, "catalog", "match: {path: {prefix: /catalog}}\nbackends: [{url: \"" + upstream.url()
                + "\"}]\n")).serverSideApply();
        consul = ConsulServer.start();
        consul.register("inventory-1", "inventory", "127.0.0.1", upstream.port(), java.util.List.of("isthmus.enable=true"),
                java.util.Map.of(), null);
        java.util.Map<String, String> props = new java.util.LinkedHashMap<>(KubeFixtures.gatewayProperties(api, NS));
        props.putAll(ConsulTestSupport.gatewayProperties(consul));
        props.put("isthmus.kubernetes.namespaces", NS);
        props.put("isthmus.kubernetes.lease-name", "diagnostics");
        gateway = GatewayApp.start("""
                routes:
                  - name: shop
                    hosts: [shop.example.com]
                    match: {path: {prefix: /shop}, methods: [GET]}
                    backends: [{url: "%s"}]
                  - name: typo
                    match: {path: {prefix: /t}}
                    timeouts: {response: 5 seconds}
                    backends: [{url: "%s"}]
                """.formatted(upstream.url(), upstream.url()), props);
        assertThat(Await.until(Duration.ofSeconds(30), () -> gateway.get("/catalog").statusCode() == 200
                && gateway.get("/inventory/").statusCode() == 200)).as("GatewayRoute and Consul tag route served").isTrue();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                "--user-data-dir=" + tempDir());
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
        if (kube != null) {
            kube.namespaces().withName(NS).delete();
            kube.close();
        }
        if (consul != null) {
            consul.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void showsRoutesTheirStatusSourcesAndUpstreams() throws Exception {
        browser.get(gateway.managementUrl() + "/");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
        wait.until(b -> b.findElement(By.id("summary")).getText().contains("routes served"));

        assertThat(browser.getTitle()).isEqualTo("Isthmus diagnostics");
        assertThat(browser.findElement(By.id("summary")).getText()).contains("3 routes served").contains("1 rejected");
        String routes = browser.findElement(By.id("route-rows")).getText();
        assertThat(routes).contains("file/shop").contains("shop.example.com").contains("/shop/…").contains("GET")
                .contains("file/typo").contains("InvalidPolicy").contains("timeouts.response")
                .contains("gatewayroute/" + NS + "/catalog").contains("consul/dc1/inventory");
        String sources = browser.findElement(By.id("source-rows")).getText();
        assertThat(sources).contains("file").contains("gatewayroute").contains("consul").contains("SYNCED").doesNotContain("DEGRADED")
                .doesNotContain("STARTING");
        assertThat(browser.findElement(By.id("upstream-rows")).getText()).contains(upstream.url().substring(7)).contains("healthy");
        assertThat(browser.findElement(By.id("health")).getText()).isEqualTo("UP");

        Files.write(Path.of("target/diagnostics-page.png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

        WebElement filter = browser.findElement(By.id("filter"));
        filter.sendKeys("typo");
        assertThat(browser.findElement(By.id("route-rows")).getText()).contains("file/typo").doesNotContain("file/shop");
    }

    /** The Owner column shows, for every route the page lists (served or rejected), the owner /actuator/routes reports. */
    @Test
    void showsEachRoutesOwnerAsTheRoutesEndpointReportsIt() throws Exception {
        JsonNode report = new ObjectMapper().readTree(gateway.admin("/actuator/routes").body());
        Map<String, String> reported = new LinkedHashMap<>();
        for (JsonNode route : report.get("routes")) {
            reported.put(route.get("id").asText(), route.get("owner").asText());
        }
        // one owner of each kind, so a page that showed the same text for every route would fail
        assertThat(reported).containsEntry("file/shop", "operator").containsEntry("file/typo", "operator")
                .containsEntry("gatewayroute/" + NS + "/catalog", "namespace " + NS)
                .containsEntry("consul/dc1/inventory", "consul service dc1/inventory");

        browser.get(gateway.managementUrl() + "/");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
        wait.until(b -> b.findElement(By.id("summary")).getText().contains("routes served"));
        List<String> columns = browser.findElements(By.xpath("//tbody[@id='route-rows']/../thead/tr/th")).stream()
                .map(th -> th.getDomProperty("textContent")).toList(); // getText() is as rendered: the stylesheet capitalises headers
        int owner = columns.indexOf("Owner");
        assertThat(owner).as("the routes table has an Owner column: %s", columns).isNotNegative();
        Map<String, String> shown = new LinkedHashMap<>();
        for (WebElement row : browser.findElements(By.cssSelector("#route-rows > tr"))) {
            List<WebElement> cells = row.findElements(By.tagName("td"));
            shown.put(cells.get(0).findElement(By.tagName("code")).getText(), cells.get(owner).getText());
        }
        assertThat(shown).as("each route's owner on the page").isEqualTo(reported);
    }

    private static String tempDir() {
        try {
            return Files.createTempDirectory("isthmus-chromium").toString();
        }
        catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
