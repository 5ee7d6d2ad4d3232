# syntax=docker/dockerfile:1
# One image recipe for every service. Build from the repository root, which holds the shared modules:
#   docker build --build-arg SERVICE=catalog-service -t cache-patterns/catalog-service:0.1.0 .
# (SERVICE = catalog-service | profile-service | metrics-service | feed-service; compose passes it for each.)
#
# Stage 1 copies the whole source tree (.dockerignore leaves out build output and secrets) and packages every module
# of the reactor without compiling or running the tests, so the recipe names no module and cannot fall behind the
# module list in pom.xml. It does not use SERVICE: the four images share this stage, built once and cached. Maven's
# downloads live in a cache mount, kept between builds. Stage 2 runs one service on a JRE as a non-root user.
#
# The base images are build arguments, so that a machine that cannot pull the official ones can build on its own
# stand-ins (bin/compose-check does, from Debian packages): the build image needs a JDK 17+ (JAVA_HOME, or java and
# javac on the PATH), the runtime image java on the PATH, bash, and useradd.
ARG BUILD_IMAGE=eclipse-temurin:17-jdk
ARG RUNTIME_IMAGE=eclipse-temurin:17-jre

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q package -Dmaven.test.skip=true \
    && mkdir /apps \
    && for app in */target/quarkus-app; do cp -r "$app" "/apps/${app%%/*}"; done

FROM ${RUNTIME_IMAGE}
ARG SERVICE
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<service directory>" >&2; exit 1; } \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build --chown=10001:10001 /apps/${SERVICE}/ ./
USER 10001
EXPOSE 8081 8082 8083 8084
# Heap and the rest are sized from measurements (README, "Memory"): a fixed heap below the container's limit leaves
# room for metaspace, code cache, thread stacks and Netty's direct buffers. JAVA_OPTS overrides it. Vert.x keeps its
# file cache under /tmp, the one writable place when the root filesystem is mounted read-only (compose does).
ENV JAVA_OPTS="-Xmx160m -XX:MaxMetaspaceSize=128m -XX:MaxDirectMemorySize=32m -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar quarkus-run.jar"]
