package io.lochness.chypervisord.adapter.out.kv.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.lochness.chypervisord.adapter.out.kv.memory.InMemoryKeyValueStore;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ForwardingKeyValueStoreTest {

    @Test
    @DisplayName("every method of the SPI is forwarded (a new port method must be added here)")
    void forwardsEveryPortMethod() throws NoSuchMethodException {
        for (Method m : KeyValueStore.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Method declared = ForwardingKeyValueStore.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
            assertThat(declared.getDeclaringClass()).as(m.toString()).isEqualTo(ForwardingKeyValueStore.class);
        }
    }

    @Test
    @DisplayName("the forwarded answers are the delegate's")
    void answersAreTheDelegates() {
        InMemoryKeyValueStore memory = new InMemoryKeyValueStore();
        KeyValueStore forwarding = new ForwardingKeyValueStore(memory) {};
        TxnResult put = forwarding.commit(new Txn(List.of(), List.of(
                new Txn.Put("p/a/metadata", "1"), new Txn.Put("p/a/config/x", "2"))));

        assertThat(put.committed()).isTrue();
        assertThat(forwarding.name()).isEqualTo("memory");
        assertThat(forwarding.readsInTxn()).isTrue();
        assertThat(forwarding.prefixConditionAtomic()).isTrue();
        assertThat(forwarding.maxTxnOperations()).isEqualTo(memory.maxTxnOperations());
        assertThat(forwarding.read("p/").entries()).hasSize(2);
        assertThat(forwarding.readPage("p/", "p/a/config/x", 0, 10).entries()).extracting(KeyValue::key)
                .containsExactly("p/a/metadata");
        assertThat(forwarding.currentRevision()).isEqualTo(put.revision());
    }
}
