package dev.isthmus.infra;

import org.junit.jupiter.api.Test;

import dev.isthmus.testsupport.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;

/** The real Redis the shared rate-limit tests run against. */
class RedisServerIT {

    @Test
    void setsAndGetsAKey() {
        try (RedisServer redis = RedisServer.start()) {
            assertThat(redis.command("SET", "isthmus:it", "hello")).startsWith("+OK");
            assertThat(redis.command("GET", "isthmus:it")).isEqualTo("$5\r\nhello\r\n");
        }
    }
}
