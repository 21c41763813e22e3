package dev.isthmus.platform.consul;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Consul's documented rules for the index of the next blocking query. */
class BlockingIndexTest {

    @Test
    void aHigherIndexIsSentBackAsIs() {
        assertThat(BlockingIndex.next(10, 42)).isEqualTo(42);
        assertThat(BlockingIndex.mayHaveChanged(10, 42)).isTrue();
    }

    @Test
    void anUnchangedIndexIsAWaitTimeoutNotAChange() {
        assertThat(BlockingIndex.next(42, 42)).isEqualTo(42);
        assertThat(BlockingIndex.mayHaveChanged(42, 42)).isFalse();
    }

    @Test
    void anIndexThatGoesBackwardsResetsToZeroForANonBlockingRead() {
        assertThat(BlockingIndex.next(42, 7)).isZero();
        assertThat(BlockingIndex.wentBackwards(42, 7)).isTrue();
        assertThat(BlockingIndex.mayHaveChanged(42, 7)).isTrue();
    }

    @Test
    void indexZeroAfterAnAnswerBecomesOneSoTheNextReadBlocks() {
        // index 0 never blocks: a client that keeps sending it spins
        assertThat(BlockingIndex.next(0, 0)).isEqualTo(1);
    }

    @Test
    void indexesAreUnsigned() {
        long huge = Long.parseUnsignedLong("18446744073709551000");
        assertThat(BlockingIndex.next(42, huge)).isEqualTo(huge);
        assertThat(BlockingIndex.wentBackwards(huge, 42)).isTrue();
    }

    @Test
    void theFirstReadAlwaysCounts() {
        assertThat(BlockingIndex.mayHaveChanged(0, 42)).isTrue();
        assertThat(BlockingIndex.next(0, 42)).isEqualTo(42);
    }

    @Test
    void afterAResetTheNextAnswerIsTakenEvenIfLowerThanBeforeTheReset() {
        long index = BlockingIndex.next(100, 3); // went backwards: 0
        assertThat(BlockingIndex.mayHaveChanged(index, 3)).isTrue();
        assertThat(BlockingIndex.next(index, 3)).isEqualTo(3);
    }
}
