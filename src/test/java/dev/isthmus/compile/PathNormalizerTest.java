package dev.isthmus.compile;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PathNormalizerTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "/, /",
            "/a/b, /a/b",
            "/a/b/, /a/b/",
            "//a///b, /a/b",
            "/a/./b, /a/b",
            "/a/b/., /a/b/",
            "/a/b/.., /a/",
            "/a/../b, /b",
            "/a/%2e%2e/b, /b",
            "/a/%2E/b, /a/b",
            "/%61%62c, /abc",
            "/a%20b, /a%20b",
            "/a%3ab, /a%3Ab",
            "/a/%252e%252e/b, /a/%252e%252e/b",
            "/caf%c3%a9, /caf%C3%A9",
            "/a;jsessionid=1/b, /a;jsessionid=1/b",
            "/.hidden/x, /.hidden/x",
            "/a/..., /a/...",
    })
    void normalizes(String raw, String expected) throws Exception {
        assertThat(PathNormalizer.normalize(raw)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} refused")
    @CsvSource(delimiter = '|', value = {
            "/a/..%2fb | encoded slash",
            "/a/%2F | encoded slash",
            "/a/%5cb | encoded slash or backslash",
            "/a\\b | backslash",
            "/../etc | escapes the root",
            "/a/../../etc | escapes the root",
            "/a/%2e%2e/%2e%2e/b | escapes the root",
            "/a/..;/b | path parameters",
            "/a/.;x=1/b | path parameters",
            "/a%00b | control character",
            "/a%zz | malformed",
            "/a% | malformed",
    })
    void refuses(String raw, String reason) {
        assertThatThrownBy(() -> PathNormalizer.normalize(raw)).isInstanceOf(PathNormalizer.RejectedPathException.class)
                .hasMessageContaining(reason);
    }

    @ParameterizedTest
    @CsvSource({ "/a/b", "/a/b/", "/", "/a-b_c~d.e" })
    void returnsTheSameInstanceWhenAlreadyNormal(String raw) throws Exception {
        assertThat(PathNormalizer.normalize(raw)).isSameAs(raw);
    }
}
