package io.cachepatterns.shared.core;

import io.vertx.mutiny.core.buffer.Buffer;

/** Turns cached values into the bytes stored in Redis and back. */
public interface ValueCodec<T> {

    Buffer encode(T value);

    T decode(Buffer bytes);

    /** The media type of the encoded bytes, so that a REST resource can send them on untouched. */
    String mediaType();
}
