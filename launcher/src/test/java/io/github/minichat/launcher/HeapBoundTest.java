package io.github.minichat.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class HeapBoundTest {

  @Test
  @DisplayName("a start without -Xmx, MaxHeapSize or MaxRAMPercentage is told that its heap is unbounded")
  void unboundedHeapIsNamed() {
    assertThat(AllInOneMain.warnIfHeapUnbounded(List.of())).isTrue();
    assertThat(AllInOneMain.warnIfHeapUnbounded(List.of("-XX:+UseG1GC", "-Dx=-Xmx1g"))).isTrue();
    assertThat(AllInOneMain.warnIfHeapUnbounded(List.of("-Xmx1g"))).isFalse();
    assertThat(AllInOneMain.warnIfHeapUnbounded(List.of("-XX:MaxRAMPercentage=60"))).isFalse();
    assertThat(AllInOneMain.warnIfHeapUnbounded(List.of("-XX:MaxHeapSize=536870912"))).isFalse();
  }
}
