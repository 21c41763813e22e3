# syntax=docker/dockerfile:1
#
# The Isthmus gateway image: built with the project's Maven wrapper, run from Spring Boot's
# extracted layers on a JRE, as a non-root user.
#
#   docker build -t ghcr.io/isthmus-dev/isthmus:0.1.0 --build-arg VERSION=0.1.0 .
#
# The Helm chart (charts/isthmus) relies on what is below: uid/gid 10001, ports 8080 (plain HTTP:
# the gateway, or the redirect listener with TLS), 8443 (HTTPS) and 8081 (admin), a writable /tmp
# and nothing else writable, and JAVA_TOOL_OPTIONS. ImageIT checks that the two agree.

ARG JAVA_VERSION=17

FROM eclipse-temurin:${JAVA_VERSION}-jdk AS build
WORKDIR /src
# Dependencies first, so source changes rebuild only the last layers.
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -ntp -q dependency:resolve dependency:resolve-plugins
COPY src/ src/
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -ntp -q package -DskipTests
# Dependencies, loader, snapshots and the application as separate directories (image layers that
# change at different rates), with Spring Boot's launcher.
RUN java -Djarmode=tools -jar target/isthmus.jar extract --layers --launcher --destination /layers

FROM eclipse-temurin:${JAVA_VERSION}-jre
ARG VERSION=0.1.0-SNAPSHOT
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="Isthmus" \
      org.opencontainers.image.description="API gateway for hybrid data centers: Kubernetes and Consul, on Spring Cloud Gateway" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="https://github.com/isthmus-dev/isthmus" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/eclipse-temurin:${JAVA_VERSION}-jre"
RUN groupadd --system --gid 10001 isthmus \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin isthmus
WORKDIR /app
# Owned by root, read-only to the gateway: it writes nothing but /tmp.
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
USER 10001:10001
EXPOSE 8080 8443 8081
# Heap from the container's memory limit; exit (and be restarted) rather than limp on after an
# OutOfMemoryError; temporary files in /tmp (an emptyDir in the chart: the root file system is read-only).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75.0 -XX:InitialRAMPercentage=50.0 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp"
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
