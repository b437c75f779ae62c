package io.lochness.chypervisord.adapter.out.etcd;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives a test class a real etcd, as an {@link EtcdServer} parameter or
 * through {@link #server()}.
 *
 * <p>Use it as {@code @RegisterExtension static final EtcdServerExtension ETCD = new
 * EtcdServerExtension();} or {@code @ExtendWith(EtcdServerExtension.class)}. One etcd is started
 * before the class's first test (nested classes share their outer class's) and stopped, its data
 * deleted, after the last one. It is the {@code etcd} binary found on the {@code PATH} (or in
 * {@code /usr/bin}, {@code /usr/local/bin}) on two free loopback ports, or else an etcd container
 * ({@value EtcdContainer#IMAGE}) when Docker is available. With neither, the tests are skipped,
 * each reported as skipped; but when the environment variable {@code CI} is {@code true} they
 * fail, since CI must run them.
 */
public final class EtcdServerExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(EtcdServerExtension.class);
    private static final String SERVER = "server";
    private static final String MISSING = "missing";
    private static final String HOW_TO_GET_ETCD =
            "no etcd for the etcd tests: install the etcd binary (Debian/Ubuntu: apt-get install"
                    + " etcd-server; or put the etcd release binary on the PATH) or make Docker"
                    + " available for the " + EtcdContainer.IMAGE + " container";

    private final List<String> extraFlags;
    private volatile EtcdServer server;

    /** An extension whose etcd runs with its usual flags. */
    public EtcdServerExtension() {
        this(List.of());
    }

    private EtcdServerExtension(List<String> extraFlags) {
        this.extraFlags = List.copyOf(extraFlags);
    }

    /**
     * An extension whose etcd also gets {@code flags}, e.g. {@code --enable-v2} for tests that
     * write etcd's v2 keyspace as the original lochness daemons did.
     */
    public static EtcdServerExtension withFlags(String... flags) {
        return new EtcdServerExtension(List.of(flags));
    }

    /** The running server of the current test class; only valid while its tests run. */
    public EtcdServer server() {
        EtcdServer current = server;
        if (current == null) {
            throw new IllegalStateException("no etcd server: is the extension registered and etcd available?");
        }
        return current;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        EtcdServer inherited = store.get(SERVER, EtcdServer.class);
        if (inherited != null || store.get(MISSING) != null) {
            server = inherited;
            return;
        }
        Optional<Path> binary = EtcdProcess.findBinary();
        if (binary.isEmpty() && !EtcdContainer.dockerAvailable()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException(HOW_TO_GET_ETCD);
            }
            context.getStore(NAMESPACE).put(MISSING, HOW_TO_GET_ETCD);
            return;
        }
        for (int attempt = 1; ; attempt++) {
            EtcdServer.Backend backend;
            String description;
            if (binary.isPresent()) {
                backend = new EtcdProcess(binary.get(), extraFlags);
                description = "etcd binary " + binary.get();
            } else {
                backend = new EtcdContainer(extraFlags);
                description = "etcd container " + EtcdContainer.IMAGE;
            }
            EtcdServer started = new EtcdServer(backend, description);
            try {
                backend.launch();
                started.awaitHealthy();
            } catch (IOException | RuntimeException e) {
                started.destroy();
                // Its ports were free when chosen; another process may still bind one first.
                if (attempt < 3 && TestPorts.portTaken(e.getMessage())) {
                    continue;
                }
                throw e;
            }
            store.put(SERVER, started);
            server = started;
            return;
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        String missing = context.getStore(NAMESPACE).get(MISSING, String.class);
        Assumptions.assumeTrue(missing == null, missing);
        EtcdServer current = context.getStore(NAMESPACE).get(SERVER, EtcdServer.class);
        if (current != null && !current.isRunning()) {
            // A test killed etcd and did not start it again: the next test gets it back.
            current.start();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NAMESPACE);
        // Only the class that started the server (it is in its own store, not a parent's) stops it.
        Object own = store.remove(SERVER);
        store.remove(MISSING);
        if (own instanceof EtcdServer started) {
            started.destroy();
            if (server == started) {
                server = null;
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == EtcdServer.class;
    }

    @Override
    public EtcdServer resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        String missing = extensionContext.getStore(NAMESPACE).get(MISSING, String.class);
        Assumptions.assumeTrue(missing == null, missing);
        return extensionContext.getStore(NAMESPACE).get(SERVER, EtcdServer.class);
    }
}
