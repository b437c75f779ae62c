package io.lochness.chypervisord.bootstrap;

import io.lochness.chypervisord.adapter.in.http.ListAndFeedContract;
import io.lochness.chypervisord.adapter.out.etcd.EtcdKeyValueStore;
import io.lochness.chypervisord.adapter.out.etcd.EtcdServerExtension;
import io.lochness.chypervisord.adapter.out.kv.spi.KeyValueStore;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Filters, pages and the change feed over a real etcd: keys written straight into etcd (through
 * the key-value SPI, not the service) arrive in the feed like API writes.
 */
class EtcdFeedTest extends ListAndFeedContract {
    @RegisterExtension
    static final EtcdServerExtension ETCD = new EtcdServerExtension();

    @Override
    protected KeyValueStore createStore() {
        try {
            return new EtcdKeyValueStore(ETCD.server().settings());
        } catch (IllegalStateException e) {
            Assumptions.abort("etcd is not available here: apt-get install etcd-server (" + e.getMessage() + ")");
            throw e;
        }
    }
}
