# syntax=docker/dockerfile:1
# One image recipe for every service. Build from the repository root, which holds the shared modules:
#   docker build --build-arg SERVICE=catalog-service -t cache-patterns/catalog-service:0.1.0 .
# (SERVICE = catalog-service | profile-service | metrics-service | feed-service; compose passes it for each.)
# Stage 1 resolves dependencies from the poms alone, in a layer of its own, so that a change to the sources does not
# download them again; then it packages the service without compiling or running the tests. Stage 2 runs it on a
# JRE as a non-root user.
FROM eclipse-temurin:17-jdk AS build
ARG SERVICE
WORKDIR /src
COPY mvnw ./
COPY .mvn/ .mvn/
COPY pom.xml ./
COPY shared/pom.xml shared/
COPY shared/cache/pom.xml shared/cache/
COPY shared/database/pom.xml shared/database/
COPY shared/test-support/pom.xml shared/test-support/
COPY catalog-service/pom.xml catalog-service/
COPY profile-service/pom.xml profile-service/
COPY metrics-service/pom.xml metrics-service/
COPY feed-service/pom.xml feed-service/
COPY system-tests/pom.xml system-tests/
COPY bench/pom.xml bench/
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<service directory>" >&2; exit 1; }
# The project's own modules are not in any repository yet: resolve everything else.
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -pl "$SERVICE" -am dependency:go-offline \
    -DexcludeGroupIds=io.cachepatterns || true
COPY shared/ shared/
COPY ${SERVICE}/ ${SERVICE}/
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q -pl "$SERVICE" -am package -Dmaven.test.skip=true \
    && cp -r "$SERVICE/target/quarkus-app" /app

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build --chown=10001:10001 /app/ ./
USER 10001
EXPOSE 8081 8082 8083 8084
# Heap and the rest are sized from measurements (README, "Memory"): a fixed heap below the container's limit leaves
# room for metaspace, code cache, thread stacks and Netty's direct buffers. JAVA_OPTS overrides it.
ENV JAVA_OPTS="-Xmx160m -XX:MaxMetaspaceSize=128m -XX:MaxDirectMemorySize=32m -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar quarkus-run.jar"]
