package io.lochness.chypervisord.bootstrap;

import io.lochness.chypervisord.adapter.in.http.HttpApiContract;
import io.lochness.chypervisord.adapter.out.etcd.EtcdKeyValueStore;
import io.lochness.chypervisord.adapter.out.etcd.EtcdServerExtension;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole HTTP suite, every API rule, end to end over a real etcd. */
class EtcdHttpApiTest extends HttpApiContract {
    @RegisterExtension
    static final EtcdServerExtension ETCD = new EtcdServerExtension();

    @Override
    protected KeyValueStore createStore() {
        try {
            return new EtcdKeyValueStore(ETCD.server().settings());
        } catch (IllegalStateException e) {
            // Only reached outside CI (in CI the extension fails the class when etcd is missing).
            Assumptions.abort("etcd is not available here: apt-get install etcd-server (" + e.getMessage() + ")");
            throw e;
        }
    }
}
