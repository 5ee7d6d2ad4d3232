package io.cachepatterns.shared.problem;

import io.vertx.core.http.HttpClosedException;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.ConnectException;
import java.net.NoRouteToHostException;

/**
 * Another service unreachable over HTTP: its connection refused (an instance restarting, a deploy), no route to it,
 * or the connection closed before it answered. Its client's retry and breaker soon answer for it, but a call that
 * meets the outage first fails with the connection's own exception: that is a 503 problem too, not a 500 (the fault
 * suite found feed-service answering 500 for a summary while the catalog instance it calls was restarting).
 */
@ApplicationScoped
public class ServiceOutages implements OutageClassifier {

    @Override
    public boolean isOutage(Throwable failure) {
        return failure instanceof ConnectException || failure instanceof NoRouteToHostException
                || failure instanceof HttpClosedException;
    }

    @Override
    public String dependency() {
        return "a service this one depends on";
    }
}
