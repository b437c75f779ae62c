package io.lochness.chypervisord.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The server-sent event reader, on the format's own corner cases. */
class EventStreamTest {
    private final EventStream stream = new EventStream(null);

    private List<EventStream.Event> read(String text) throws IOException {
        List<EventStream.Event> events = new ArrayList<>();
        stream.read(new BufferedReader(new StringReader(text)), events::add);
        return events;
    }

    @Test
    @DisplayName("event, id and data make one event at a blank line; comments are skipped")
    void oneEvent() throws IOException {
        assertThat(read(": hello\n\nevent: ADDED\nid: 7\ndata: {\"a\":1}\n\n"))
                .containsExactly(new EventStream.Event("ADDED", "7", "{\"a\":1}"));
        assertThat(stream.lastId()).isEqualTo("7");
    }

    @Test
    @DisplayName("several data lines are joined with a newline; CRLF and CR end lines too")
    void multiLineData() throws IOException {
        assertThat(read("event: X\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\nevent: Y\rdata:2\r\r"))
                .containsExactly(new EventStream.Event("X", null, "{\"a\":\n1}"), new EventStream.Event("Y", null, "2"));
    }

    @Test
    @DisplayName("the last id carries over to events without one; an event without a type is a message")
    void idCarriesOver() throws IOException {
        assertThat(read("id: 5\ndata: a\n\ndata: b\n\n"))
                .containsExactly(new EventStream.Event("message", "5", "a"), new EventStream.Event("message", "5", "b"));
    }

    @Test
    @DisplayName("an event cut off by the end of the stream is dropped")
    void cutOffEventDropped() throws IOException {
        assertThat(read("event: ADDED\nid: 1\ndata: {}\n\nevent: MODIFIED\nid: 2\ndata: {\"half\"")).hasSize(1);
    }

    @Test
    @DisplayName("retry: sets the reconnection delay; only one leading space of a value is removed")
    void retryAndSpaces() throws IOException {
        assertThat(stream.retryMillis()).isEqualTo(EventStream.DEFAULT_RETRY_MILLIS);
        assertThat(read("retry: 25\nevent: T\ndata:  two spaces\n\n"))
                .containsExactly(new EventStream.Event("T", null, " two spaces"));
        assertThat(stream.retryMillis()).isEqualTo(25);
        read("retry: soon\n\n");
        assertThat(stream.retryMillis()).isEqualTo(25);
    }

    @Test
    @DisplayName("the id given at the start is kept until the stream names another; forgetting clears it")
    void startingId() throws IOException {
        EventStream resumed = new EventStream("40");
        resumed.read(new BufferedReader(new StringReader(": nothing yet\n\n")), e -> {});
        assertThat(resumed.lastId()).isEqualTo("40");
        resumed.forgetLastId();
        assertThat(resumed.lastId()).isNull();
    }
}
