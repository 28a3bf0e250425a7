package dev.opsbus.gateway.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class InputBufferTest {

  @Test
  void keepsInputInOrderUntilDrained() {
    InputBuffer b = new InputBuffer();
    assertThat(b.offer(Buffer.buffer("ls"))).isTrue();
    assertThat(b.offer(Buffer.buffer("\r"))).isTrue();
    assertThat(b.bytes()).isEqualTo(3);
    assertThat(b.drain()).extracting(Buffer::toString).containsExactly("ls", "\r");
    assertThat(b.bytes()).isZero();
    assertThat(b.drain()).isEmpty();
  }

  @Test
  void pastTheBoundEverythingIsRefusedSoWhatIsDeliveredHasNoHole() {
    InputBuffer b = new InputBuffer();
    assertThat(b.offer(Buffer.buffer(new byte[InputBuffer.MAX_BYTES - 1]))).isTrue();
    assertThat(b.offer(Buffer.buffer("ab"))).isFalse();
    assertThat(b.offer(Buffer.buffer("c"))).as("would fit, but comes after a refused chunk").isFalse();
    assertThat(b.refused()).isTrue();
    assertThat(b.drain()).hasSize(1);
    assertThat(b.refused()).isFalse();
    assertThat(b.offer(Buffer.buffer("c"))).isTrue();
  }

  @Test
  void theNumberOfChunksIsBoundedToo() {
    InputBuffer b = new InputBuffer();
    for (int i = 0; i < InputBuffer.MAX_CHUNKS; i++) {
      assertThat(b.offer(Buffer.buffer("x"))).isTrue();
    }
    assertThat(b.offer(Buffer.buffer("x"))).isFalse();
  }
}
