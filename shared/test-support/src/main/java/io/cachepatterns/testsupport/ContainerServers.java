package io.cachepatterns.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/** Redis and PostgreSQL in containers, where a Docker engine runs. */
final class ContainerServers implements Servers {

    private static final String REDIS_IMAGE = "redis:7.4-alpine";
    private static final String POSTGRES_IMAGE = "postgres:16-alpine";

    private final GenericContainer<?> redis;
    private final GenericContainer<?> postgresContainer;
    private final PostgresAddress postgres;

    private ContainerServers(GenericContainer<?> redis, GenericContainer<?> postgresContainer) {
        this.redis = redis;
        this.postgresContainer = postgresContainer;
        this.postgres = new PostgresAddress(postgresContainer.getHost(), postgresContainer.getMappedPort(5432),
                "postgres", "postgres", "postgres");
    }

    /**
     * Whether a Docker engine answers. Asked only where one could be configured at all: Testcontainers' own search
     * logs an ERROR ("Could not find a valid Docker environment") on a machine without Docker, which reads as a
     * failure to a newcomer whose tests then pass on local processes.
     */
    static boolean dockerAvailable() {
        if (!dockerMayBeConfigured()) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean dockerMayBeConfigured() {
        String home = System.getProperty("user.home", "");
        if (System.getenv("DOCKER_HOST") != null || System.getenv("TESTCONTAINERS_HOST_OVERRIDE") != null
                || System.getenv("TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE") != null) {
            return true;
        }
        for (Path candidate : List.of(Path.of("/var/run/docker.sock"), Path.of(home, ".docker/run/docker.sock"),
                Path.of(home, ".docker/desktop/docker.sock"), Path.of(home, ".testcontainers.properties"),
                Path.of("/run/user", String.valueOf(uid()), "docker.sock"))) {
            if (Files.exists(candidate)) {
                return true;
            }
        }
        return false;
    }

    private static long uid() {
        try {
            return (Integer) Files.getAttribute(Path.of(System.getProperty("user.home", "/")), "unix:uid");
        } catch (Exception e) {
            return -1;
        }
    }

    @SuppressWarnings("resource") // closed in close()
    static ContainerServers start() {
        GenericContainer<?> redis = new GenericContainer<>(DockerImageName.parse(REDIS_IMAGE))
                .withExposedPorts(6379)
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1));
        GenericContainer<?> postgres = new GenericContainer<>(DockerImageName.parse(POSTGRES_IMAGE))
                .withExposedPorts(5432)
                .withEnv("POSTGRES_PASSWORD", "postgres")
                .waitingFor(Wait.forLogMessage(".*database system is ready to accept connections.*", 2));
        redis.start();
        postgres.start();
        return new ContainerServers(redis, postgres);
    }

    @Override
    public String redisUrl() {
        return "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379);
    }

    @Override
    public PostgresAddress postgres() {
        return postgres;
    }

    /** Pausing keeps the mapped port, so clients find Redis at the same address when it comes back. */
    @Override
    public void stopRedis() {
        freezeRedis();
    }

    @Override
    public void startRedis() {
        thawRedis();
    }

    @Override
    public void freezeRedis() {
        DockerClientFactory.instance().client().pauseContainerCmd(redis.getContainerId()).exec();
    }

    @Override
    public void thawRedis() {
        DockerClientFactory.instance().client().unpauseContainerCmd(redis.getContainerId()).exec();
    }

    @Override
    public boolean canStopRedis() {
        return true;
    }

    @Override
    public void createDatabase(String name) {
        postgres.createDatabase(name);
    }

    @Override
    public String description() {
        return "containers: " + REDIS_IMAGE + " at " + redisUrl() + ", " + POSTGRES_IMAGE;
    }

    @Override
    public void close() {
        redis.stop();
        postgresContainer.stop();
    }
}
