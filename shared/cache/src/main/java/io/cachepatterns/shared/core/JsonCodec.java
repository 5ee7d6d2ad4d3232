package io.cachepatterns.shared.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.vertx.mutiny.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON bytes, the default codec. Values are stored as the same JSON the REST API answers with, so a cache hit can be
 * sent to the client without decoding and encoding it again.
 */
public final class JsonCodec<T> implements ValueCodec<T> {

    private final ObjectReader reader;
    private final ObjectWriter writer;

    public JsonCodec(ObjectMapper mapper, Class<T> type) {
        this.reader = mapper.readerFor(type);
        this.writer = mapper.writerFor(type);
    }

    @Override
    public Buffer encode(T value) {
        try {
            return Buffer.buffer(writer.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode " + value.getClass().getName() + " as JSON", e);
        }
    }

    @Override
    public T decode(Buffer bytes) {
        try {
            return reader.readValue(bytes.getBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cached bytes are not the expected JSON", e);
        }
    }

    @Override
    public String mediaType() {
        return "application/json";
    }
}
