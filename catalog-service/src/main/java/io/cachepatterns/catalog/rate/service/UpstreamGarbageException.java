package io.cachepatterns.catalog.rate.service;

/** The exchange-rate API answered, but not with a usable rate. Nothing of it is cached. */
public class UpstreamGarbageException extends RuntimeException {

    public UpstreamGarbageException(String message) {
        super(message, null, false, false);
    }
}
