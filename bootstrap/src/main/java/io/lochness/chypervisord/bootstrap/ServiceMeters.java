package io.lochness.chypervisord.bootstrap;

import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.MeterRegistry;
import io.helidon.metrics.api.Tag;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.RuntimeMXBean;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The meters that exist from the first scrape: {@code chypervisord_build_info}, the documented
 * service meters at zero, and the JVM basics under {@code snake_case} names that {@code promtool
 * check metrics} accepts (Helidon's own system meters are MicroProfile-named: {@code
 * memory_usedHeap_bytes}, gauges ending {@code _count}).
 */
final class ServiceMeters {
    private static final String BASE = "base";

    private ServiceMeters() {}

    static void register(MeterRegistry registry, BuildInfo build) {
        registry.getOrCreate(Gauge.builder("chypervisord.build.info", () -> 1)
                .description("Always 1; the version and git commit of the running build are its labels")
                .tags(List.of(Tag.create("version", build.version()), Tag.create("commit", build.commit()))));
        MeteredKeyValueStore.registerAtZero(registry);
        jvm(registry);
    }

    private static void jvm(MeterRegistry registry) {
        RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();

        gauge(registry, "jvm.uptime", "seconds", "Time since the JVM started", runtime, r -> r.getUptime() / 1000.0);
        gauge(registry, "jvm.memory.heap.used", "bytes", "Heap in use", memory,
                m -> m.getHeapMemoryUsage().getUsed());
        gauge(registry, "jvm.memory.heap.committed", "bytes", "Heap the JVM holds from the operating system", memory,
                m -> m.getHeapMemoryUsage().getCommitted());
        gauge(registry, "jvm.memory.heap.max", "bytes", "Largest heap allowed (-Xmx); -1 when undefined", memory,
                m -> m.getHeapMemoryUsage().getMax());
        gauge(registry, "jvm.memory.nonheap.used", "bytes", "Non-heap memory in use (metaspace, code cache)", memory,
                m -> m.getNonHeapMemoryUsage().getUsed());
        gauge(registry, "jvm.threads.live", null, "Live platform threads, daemon or not", threads,
                ThreadMXBean::getThreadCount);
        gauge(registry, "jvm.threads.daemon", null, "Live daemon platform threads", threads,
                ThreadMXBean::getDaemonThreadCount);
        gauge(registry, "jvm.threads.peak", null, "Most live platform threads at once", threads,
                ThreadMXBean::getPeakThreadCount);
        gauge(registry, "jvm.classes.loaded", null, "Classes loaded now", classes,
                ClassLoadingMXBean::getLoadedClassCount);
        gauge(registry, "jvm.available.processors", null, "Processors available to the JVM", os,
                OperatingSystemMXBean::getAvailableProcessors);
        gauge(registry, "system.load.average.1m", null, "System load average over the last minute; -1 when unknown",
                os, OperatingSystemMXBean::getSystemLoadAverage);
        registry.getOrCreate(FunctionalCounter.builder("jvm.classes.unloaded", classes,
                        ClassLoadingMXBean::getUnloadedClassCount)
                .description("Classes unloaded since the JVM started").scope(BASE));
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            List<Tag> tags = List.of(Tag.create("gc", gc.getName()));
            registry.getOrCreate(FunctionalCounter.builder("jvm.gc.collections", gc,
                            g -> Math.max(0, g.getCollectionCount()))
                    .description("Garbage collections since the JVM started").tags(tags).scope(BASE));
            // A gauge: Helidon's functional counters count in longs, and Prometheus wants seconds.
            registry.getOrCreate(Gauge.builder("jvm.gc.collection", gc, g -> Math.max(0, g.getCollectionTime()) / 1000.0)
                    .description("Time spent in garbage collections since the JVM started (cumulative)")
                    .baseUnit("seconds").tags(tags).scope(BASE));
        }
    }

    private static <T> void gauge(MeterRegistry registry, String name, String unit, String description, T state,
            ToDoubleFunction<T> value) {
        Gauge.Builder<Double> builder = Gauge.builder(name, state, value).description(description).scope(BASE);
        if (unit != null) {
            builder.baseUnit(unit);
        }
        registry.getOrCreate(builder);
    }
}
