package dev.isthmus.compile;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SizeParserTest {

    @Test
    void unitsArePowersOf1024LikeSpringsDataSize() {
        assertThat(SizeParser.parse("0")).isZero();
        assertThat(SizeParser.parse("1048576")).isEqualTo(1_048_576);
        assertThat(SizeParser.parse("12B")).isEqualTo(12);
        assertThat(SizeParser.parse("512KB")).isEqualTo(512 * 1024);
        assertThat(SizeParser.parse("10MB")).isEqualTo(10L * 1024 * 1024);
        assertThat(SizeParser.parse("2GB")).isEqualTo(2L << 30);
        assertThat(SizeParser.parse("999999999999999B")).isEqualTo(999_999_999_999_999L);
    }

    @Test
    void anythingElseIsRefusedWithExamples() {
        for (String bad : new String[] { "", "10 MB", "10mb", "1.5MB", "-1", "10TB", "MB", "1e6", "0x10" }) {
            assertThatThrownBy(() -> SizeParser.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a size (examples: 65536, 512KB, 10MB, 1GB)");
        }
        assertThatThrownBy(() -> SizeParser.parse(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SizeParser.parse("1234567890123456")).as("16 digits").isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SizeParser.parse("999999999999999GB")).hasMessageContaining("too large");
    }
}
