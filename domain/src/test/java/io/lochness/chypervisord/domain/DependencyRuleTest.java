package io.lochness.chypervisord.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The hexagon's rule: the domain depends on the JDK and on itself, nothing else. */
class DependencyRuleTest {
    private static final Pattern IMPORT =
            Pattern.compile("^\\s*import\\s+(?:static\\s+)?([\\w.]+(?:\\.\\*)?)\\s*;", Pattern.MULTILINE);

    @Test
    @DisplayName("every import under domain/src/main/java is from java.* or the domain itself")
    void domainImportsOnlyJdkAndItself() throws IOException {
        Path main = Path.of("src/main/java");
        if (!Files.isDirectory(main)) {
            main = Path.of("domain/src/main/java"); // run from the reactor root
        }
        assertThat(main).isDirectory();
        List<Path> sources;
        try (Stream<Path> files = Files.walk(main)) {
            sources = files.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(sources).as("domain sources found").hasSizeGreaterThan(10);
        List<String> offenders = new ArrayList<>();
        for (Path source : sources) {
            Matcher m = IMPORT.matcher(Files.readString(source));
            while (m.find()) {
                String imported = m.group(1);
                if (!imported.startsWith("java.") && !imported.startsWith("io.lochness.chypervisord.domain")) {
                    offenders.add(main.relativize(source) + ": " + imported);
                }
            }
        }
        assertThat(offenders).as("imports outside java.* and the domain").isEmpty();
    }
}
