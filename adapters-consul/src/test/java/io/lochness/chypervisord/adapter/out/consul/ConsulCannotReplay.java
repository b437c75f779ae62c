package io.lochness.chypervisord.adapter.out.consul;

import java.lang.reflect.Method;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips (reported as skipped, with the reason) the one contract test Consul cannot pass: a watch
 * from a past revision that the adapter never saw the prefix at. Consul keeps no history (a
 * blocking query answers with the current state only), so such a watch reports {@code
 * onCompacted} and the caller loads again; {@code ConsulWatchTest} checks that, and the replay
 * from a revision the adapter did see (a kept paged read, where an earlier watch ended).
 */
public final class ConsulCannotReplay implements ExecutionCondition {
    static final String TEST = "watchFromPastRevisionReplays";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        return context.getTestMethod()
                .map(Method::getName)
                .filter(TEST::equals)
                .map(name -> ConditionEvaluationResult.disabled(
                        "Consul keeps no history: a watch from a revision the adapter never saw reports"
                                + " onCompacted (see ConsulWatchTest)"))
                .orElse(ConditionEvaluationResult.enabled("runs on Consul"));
    }
}
