package dev.isthmus.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.fabric8.kubeapitest.KubeAPIServerConfig;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.binary.BinaryManager;
import io.fabric8.kubeapitest.cert.CertManager;
import io.fabric8.kubeapitest.kubeconfig.KubeConfig;
import io.fabric8.kubeapitest.process.EtcdProcess;
import io.fabric8.kubeapitest.process.KubeAPIServerProcess;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A real kube-apiserver with etcd, from the binaries the provisioning script lays out for
 * {@code io.fabric8:kube-api-test} (offline mode: nothing is downloaded). Built from
 * kube-api-test's own process classes rather than its all-in-one {@code KubeAPIServer}, so a test
 * can restart the API server alone, keeping etcd's data, behind a {@link TcpProxy} that keeps the
 * address clients know. Falls back to a k3s container when Docker is available.
 */
public final class KubeApiServer implements AutoCloseable {

    private static final int STARTUP_TIMEOUT_MILLIS = 120_000;
    private static KubeApiServer shared;

    private final KubeAPIServerConfig config;
    private final BinaryManager binaries;
    private final CertManager certs;
    private final EtcdProcess etcd;
    private final TcpProxy proxy;
    private KubeAPIServerProcess apiServer;
    private int etcdPort;
    private K3sContainer k3s;

    private KubeApiServer(KubeAPIServerConfig config) {
        this.config = config;
        this.binaries = config == null ? null : new BinaryManager(config);
        this.certs = config == null ? null : new CertManager(config.getKubeAPITestDir());
        this.etcd = config == null ? null : new EtcdProcess(binaries, p -> { }, true, STARTUP_TIMEOUT_MILLIS);
        this.proxy = config == null ? null : new TcpProxy(1);
    }

    /** One API server for every test class of the JVM that does not restart it. */
    public static synchronized KubeApiServer shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    public static KubeApiServer start() {
        Path dir = RealInfra.home().resolve("kubeapitest");
        boolean binariesPresent = Files.isDirectory(dir.resolve("k8s")) && hasBinaries(dir.resolve("k8s"));
        if (!binariesPresent) {
            if (RealInfra.dockerAvailable()) {
                KubeApiServer s = new KubeApiServer(null);
                s.k3s = new K3sContainer(DockerImageName.parse("rancher/k3s:v1.34.1-k3s1"));
                s.k3s.start();
                return s;
            }
            RealInfra.unavailable("kube-apiserver", "no kube-apiserver/etcd/kubectl under " + dir.resolve("k8s"));
        }
        KubeAPIServerConfig config = KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(dir.toString())
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withStartupTimeout(STARTUP_TIMEOUT_MILLIS)
                .withWaitForEtcdHealthCheckOnStartup(true)
                .build();
        KubeApiServer s = new KubeApiServer(config);
        s.boot();
        return s;
    }

    private static boolean hasBinaries(Path k8s) {
        try (var dirs = Files.list(k8s)) {
            return dirs.anyMatch(d -> Files.isExecutable(d.resolve("kube-apiserver")) && Files.isExecutable(d.resolve("etcd"))
                    && Files.isExecutable(d.resolve("kubectl")));
        }
        catch (java.io.IOException e) {
            return false;
        }
    }

    private void boot() {
        binaries.initAndDownloadIfRequired();
        certs.createCertificatesIfNeeded();
        etcdPort = etcd.startEtcd();
        startApiServer();
    }

    private void startApiServer() {
        apiServer = new KubeAPIServerProcess(certs, binaries, p -> { }, config);
        int port = apiServer.startApiServer(etcdPort);
        apiServer.waitUntilReady();
        proxy.forwardTo(port);
        proxy.restore();
    }

    /** Stops the API server (etcd keeps its data); clients see their connections reset and refused. */
    public void stopApiServer() {
        requireLocal();
        proxy.outage();
        apiServer.stopApiServer();
    }

    /** Starts a new API server on the same etcd, reachable at the same address as before. */
    public void startApiServerAgain() {
        requireLocal();
        startApiServer();
    }

    private void requireLocal() {
        if (k3s != null) {
            RealInfra.unavailable("kube-apiserver restart", "not supported with the k3s container fallback");
        }
    }

    /** A kubeconfig for the admin user, pointing at the stable (proxied) address. */
    public String kubeconfigYaml() {
        if (k3s != null) {
            return k3s.getKubeConfigYaml();
        }
        return new KubeConfig(certs, binaries).generateKubeConfigYaml(proxy.port());
    }

    public Config clientConfig() {
        Config c = Config.fromKubeconfig(kubeconfigYaml());
        c.setRequestTimeout((int) Duration.ofSeconds(20).toMillis());
        return c;
    }

    public KubernetesClient client() {
        return new KubernetesClientBuilder().withConfig(clientConfig()).build();
    }

    public String masterUrl() {
        return clientConfig().getMasterUrl();
    }

    @Override
    public void close() {
        if (k3s != null) {
            k3s.stop();
            return;
        }
        proxy.close();
        if (apiServer != null) {
            apiServer.stopApiServer();
        }
        etcd.stopEtcd();
        etcd.cleanEtcdData();
    }
}
