package io.cachepatterns.testsupport;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link RealServersResource}, with the application reaching Redis through a {@link FaultProxy}, so that a test can
 * stall, cut or refuse its connections. One proxy in front of one server: not for a cluster or a Sentinel set-up.
 */
public class ProxiedRedisResource extends RealServersResource {

    private static volatile FaultProxy redis;

    /** The proxy in front of Redis, once the application has started. */
    public static FaultProxy redis() {
        return redis;
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        URI direct = URI.create(config.get("quarkus.redis.hosts"));
        if (redis == null) {
            redis = FaultProxy.start(direct.getHost(), direct.getPort());
        }
        config.put("quarkus.redis.hosts", "redis://127.0.0.1:" + redis.port());
        return config;
    }
}
