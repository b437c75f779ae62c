package io.lochness.chypervisord.cli;

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

/** hv speaks HTTP only: its main code imports the JDK, picocli, Jackson and itself, no module of the service. */
class DependencyRuleTest {
    private static final Pattern IMPORT =
            Pattern.compile("^\\s*import\\s+(?:static\\s+)?([\\w.]+(?:\\.\\*)?)\\s*;", Pattern.MULTILINE);
    private static final List<String> ALLOWED = List.of("java.", "javax.net.ssl.", "picocli.",
            "com.fasterxml.jackson.", "io.lochness.chypervisord.cli.");

    @Test
    @DisplayName("every import under cli/src/main/java is from the JDK, picocli, Jackson or hv itself")
    void importsOnlyJdkPicocliJacksonAndItself() throws IOException {
        Path main = Path.of("src/main/java");
        if (!Files.isDirectory(main)) {
            main = Path.of("cli/src/main/java"); // run from the reactor root
        }
        List<Path> sources;
        try (Stream<Path> files = Files.walk(main)) {
            sources = files.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertThat(sources).as("hv's sources found").hasSizeGreaterThan(10);
        List<String> offenders = new ArrayList<>();
        for (Path source : sources) {
            Matcher m = IMPORT.matcher(Files.readString(source));
            while (m.find()) {
                String imported = m.group(1);
                if (ALLOWED.stream().noneMatch(imported::startsWith)) {
                    offenders.add(main.relativize(source) + ": " + imported);
                }
            }
        }
        assertThat(offenders).as("imports outside the JDK, picocli, Jackson and hv").isEmpty();
    }

    @Test
    @DisplayName("the pom's only project dependency (bootstrap, to run a real service) is test-scoped")
    void projectDependenciesAreTestScoped() throws IOException {
        Path pom = Files.isRegularFile(Path.of("pom.xml")) && Files.isDirectory(Path.of("src/main/java/io/lochness/chypervisord/cli"))
                ? Path.of("pom.xml") : Path.of("cli/pom.xml");
        String text = Files.readString(pom);
        Matcher dependency = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL).matcher(text);
        int project = 0;
        while (dependency.find()) {
            String body = dependency.group(1);
            if (body.contains("<groupId>io.lochness.chypervisord</groupId>")) {
                project++;
                assertThat(body).as("a project dependency of hv").contains("<scope>test</scope>");
            }
        }
        assertThat(project).isEqualTo(1);
    }
}
