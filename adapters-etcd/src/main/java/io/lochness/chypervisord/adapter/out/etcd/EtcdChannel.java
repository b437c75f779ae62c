package io.lochness.chypervisord.adapter.out.etcd;

import io.etcd.jetcd.resolver.IPNameResolver;
import io.etcd.jetcd.resolver.IPResolverProvider;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The gRPC channel to the etcd members: endpoints, failover and TLS.
 *
 * <p>jetcd's {@code ip:///} name resolver spreads the channel over the configured endpoints
 * (pick-first: it stays on one member and moves to the next when that one fails); it also gives
 * each address its own TLS authority, so every member's certificate is checked against its own
 * host. The channel is built here rather than taken from jetcd's {@code Client}, which keeps its
 * channel private: the adapter sends jetcd's generated messages itself (see {@link
 * EtcdKeyValueStore}).
 *
 * <p>JVM-wide netty settings are the launcher's business; this class sets none. (The service's
 * launcher sets {@code -Dio.netty.noPreferDirect=true} so that large responses are read into the
 * heap, bounded by {@code -Xmx}, not into direct memory.)
 */
final class EtcdChannel {

    private EtcdChannel() {}

    /**
     * A channel to the endpoints of {@code settings}, accepting answers up to {@code
     * maxInboundBytes}. Does not connect.
     *
     * @throws IllegalArgumentException with a one-line message when a TLS file cannot be used
     */
    static ManagedChannel open(EtcdSettings settings, int maxInboundBytes) {
        registerResolver();
        NettyChannelBuilder builder = NettyChannelBuilder
                .forTarget(IPNameResolver.SCHEME + ":///" + settings.hostPorts())
                .defaultLoadBalancingPolicy("pick_first")
                .maxInboundMessageSize(maxInboundBytes)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS);
        if (settings.tls()) {
            builder.sslContext(sslContext(settings));
        } else {
            builder.usePlaintext();
        }
        return builder.build();
    }

    /** Makes a channel that is backing off after failed connects try again right away. */
    static void kickReconnect(ManagedChannel channel) {
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            channel.resetConnectBackoff();
        }
    }

    private static io.netty.handler.ssl.SslContext sslContext(EtcdSettings settings) {
        SslContextBuilder ssl = GrpcSslContexts.forClient();
        String using = "the JVM trust store";
        try {
            if (settings.caCert() != null) {
                using = EtcdSettings.CACERT_ENV + "=" + settings.caCert();
                ssl.trustManager(settings.caCert().toFile());
            }
            if (settings.clientCert() != null) {
                using = EtcdSettings.CERT_ENV + "=" + settings.clientCert() + " with "
                        + EtcdSettings.KEY_ENV + "=" + settings.clientKey();
                ssl.keyManager(settings.clientCert().toFile(), settings.clientKey().toFile());
            }
            return ssl.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot set up TLS to etcd from " + using + ": " + firstLine(e)
                    + " (want PEM files; the key unencrypted PKCS#8)", e);
        }
    }

    private static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = String.valueOf(root.getMessage());
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    /** jetcd registers its resolvers through a service file; make sure {@code ip:} is known even in a shaded jar. */
    private static void registerResolver() {
        NameResolverRegistry registry = NameResolverRegistry.getDefaultRegistry();
        synchronized (EtcdChannel.class) {
            if (registry.getProviderForScheme(IPNameResolver.SCHEME) == null) {
                registry.register(new IPResolverProvider());
            }
        }
    }
}
